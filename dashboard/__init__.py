"""Dash pages, shared components, ids and UI strings."""
