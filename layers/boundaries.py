"""Boundaries layer: streets (with names) and grids, always shown, no base map needed."""

from __future__ import annotations

import math

import dash_leaflet as dl

from taxmap import data
from taxmap.data.display import Display
from taxmap.warehouse import Warehouse

STREET_STYLE = {"color": "#5ec8ff", "weight": 2.2, "opacity": 0.95, "fillColor": "#1b3a5c", "fillOpacity": 0.35}
GRID_STYLE = {"color": "#5ec8ff", "weight": 0.6, "opacity": 0.45, "fill": False}


def initial_view(bounds: list[list[float]], fit_px: int = 640) -> dict:
    """Center and zoom that show ``bounds`` within about ``fit_px`` pixels (dash-leaflet needs both)."""
    (south, west), (north, east) = bounds
    span = max(east - west, (north - south) * 1.1, 1e-6)
    zoom = math.floor(4 * math.log2(fit_px / 256 * 360 / span)) / 4
    return {"center": [(south + north) / 2, (west + east) / 2], "zoom": min(max(zoom, 3), 18)}


def labels(wh: Warehouse, scope: data.Scope = data.REGION, display: Display = Display()) -> list:
    """Street names on the map, at a point inside each street."""
    return [
        dl.DivMarker(
            position=list(reversed(display.point(row["lng"], row["lat"]))), interactive=False,
            iconOptions={"className": "tm-street-label", "html": row["name"], "iconSize": [96, 22],
                         "iconAnchor": [48, 11]},
        )
        for row in data.boundary_labels(wh, "street", scope)
    ]


def _with_tooltips(collection: dict) -> dict:
    for feature in collection["features"]:
        props = feature["properties"]
        props["tooltip"] = f"{props['name']}（{props['code']}）"
    return collection


def layer(wh: Warehouse, scope: data.Scope = data.REGION, labels_too: bool = True, filled: bool = True,
          display: Display = Display()) -> list:
    """Leaflet components for the boundaries: grids under streets. ``filled=False`` draws outlines
    only, over data layers (the hexagons stay visible and clickable)."""
    grids = display.collection(data.boundaries_geojson(wh, "grid", scope))
    streets = display.collection(_with_tooltips(data.boundaries_geojson(wh, "street", scope)))
    style = STREET_STYLE if filled else {**STREET_STYLE, "fill": False}
    return [
        dl.GeoJSON(id="boundaries-grids", data=grids, style=GRID_STYLE, interactive=False),
        dl.GeoJSON(id="boundaries-streets", data=streets, style=style,
                   hoverStyle={"weight": 4, "color": "#ffd166", "fillOpacity": 0.5 if filled else 0}),
        *(labels(wh, scope, display) if labels_too else []),
    ]
