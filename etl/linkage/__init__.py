"""Linking grid-worker units to registered taxpayers (Splink), and explaining the links."""
