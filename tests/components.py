"""Dash in tests: find a component by id and read its text; post a callback as the browser does."""

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


def callback_body(dep: dict, values: dict, changed: str) -> dict:
    """The JSON the browser posts for the callback ``dep`` (from /_dash-dependencies): ``values`` by
    ``id.prop``; a wildcard (ALL) input or output gets the items of ``values["__pattern__"]`` (none
    when absent)."""
    matches = values.get("__pattern__", [])

    def fill(items):
        return [matches if isinstance(i, list) or i["id"].startswith("{")
                else {**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    outs = []
    for spec in dep["output"].strip(".").split("..."):
        ident, prop = spec.rsplit(".", 1)
        outs.append([{"id": m["id"], "property": prop} for m in matches] if ident.startswith("{")
                    else {"id": ident, "property": prop})
    return {"output": dep["output"], "outputs": outs if len(outs) > 1 else outs[0], "inputs": fill(dep["inputs"]),
            "state": fill(dep["state"]), "changedPropIds": [changed]}


def post_callback(client, outputs: list[str], inputs: dict, changed: str, state: dict | None = None,
                  expect: int = 200) -> dict | None:
    """POST one callback the way the browser does; ``outputs`` names (a prefix of) its outputs as
    ``id.prop`` (exact names). Returns the response's outputs (None for a 204: the callback sent nothing)."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if all(o in d["output"].strip(".").split("...") for o in outputs))
    response = client.post("/_dash-update-component", json=callback_body(dep, {**inputs, **(state or {})}, changed))
    assert response.status_code == expect, response.get_data(as_text=True)[-2000:]
    return response.get_json()["response"] if expect == 200 else None
