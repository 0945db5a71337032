"""Boundaries layer: streets (with names) and grids, always shown, no base map needed."""

from __future__ import annotations

import dash_leaflet as dl

from taxmap import data
from taxmap.warehouse import Warehouse

STREET_STYLE = {"color": "#5ec8ff", "weight": 2.2, "opacity": 0.95, "fillColor": "#1b3a5c", "fillOpacity": 0.35}
GRID_STYLE = {"color": "#5ec8ff", "weight": 0.6, "opacity": 0.45, "fill": False}


def _with_tooltips(collection: dict) -> dict:
    for feature in collection["features"]:
        props = feature["properties"]
        props["tooltip"] = f"{props['name']}（{props['code']}）"
    return collection


def layer(wh: Warehouse, scope: data.Scope = data.REGION) -> list:
    """Leaflet components for the boundaries: grids under streets."""
    grids = data.boundaries_geojson(wh, "grid", scope)
    streets = _with_tooltips(data.boundaries_geojson(wh, "street", scope))
    return [
        dl.GeoJSON(id="boundaries-grids", data=grids, style=GRID_STYLE, interactive=False),
        dl.GeoJSON(id="boundaries-streets", data=streets, style=STREET_STYLE,
                   hoverStyle={"weight": 4, "color": "#ffd166", "fillOpacity": 0.5}),
    ]
