"""Reading Dash layouts in tests: find a component by id, and its text."""

from __future__ import annotations


def find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        found = find(child, component_id)
        if found is not None:
            return found
    return None


def text(component) -> str:
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    if children is None:
        return ""
    return " ".join(text(c) for c in (children if isinstance(children, list) else [children]))
