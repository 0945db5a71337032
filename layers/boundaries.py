"""Boundaries layer: streets and grids as outlines over the data layers, and their names, always
shown, no base map needed."""

from __future__ import annotations

import math

import dash_leaflet as dl

from taxmap import data
from taxmap.data.display import Display
from taxmap.warehouse import Warehouse

STREET_STYLE = {"color": "#5ec8ff", "weight": 2.2, "opacity": 0.95, "fill": False}
GRID_STYLE = {"color": "#5ec8ff", "weight": 0.6, "opacity": 0.45, "fill": False}


def initial_view(bounds: list[list[float]], fit_px: int = 640) -> dict:
    """Center and zoom that show ``bounds`` within about ``fit_px`` pixels (dash-leaflet needs both)."""
    (south, west), (north, east) = bounds
    span = max(east - west, (north - south) * 1.1, 1e-6)
    zoom = math.floor(4 * math.log2(fit_px / 256 * 360 / span)) / 4
    return {"center": [(south + north) / 2, (west + east) / 2], "zoom": min(max(zoom, 3), 18)}


def labels(wh: Warehouse, level: str, scope: data.Scope = data.REGION, display: Display = Display()) -> list:
    """Clickable names at a point inside each street, or each grid of the scope's streets
    (ids {"type": "street-label" | "grid-label", "code": …} for the drill-down)."""
    return [
        dl.DivMarker(
            id={"type": f"{level}-label", "code": row["code"]}, n_clicks=0,
            position=list(reversed(display.point(row["lng"], row["lat"]))),
            iconOptions={"className": f"tm-{level}-label", "html": row["name"], "iconSize": [110, 22],
                         "iconAnchor": [55, 11]},
        )
        for row in data.boundary_labels(wh, level, scope)
    ]


def _with_tooltips(collection: dict) -> dict:
    for feature in collection["features"]:
        props = feature["properties"]
        props["tooltip"] = f"{props['name']}（{props['code']}）"
    return collection


def layer(wh: Warehouse, scope: data.Scope = data.REGION, display: Display = Display()) -> list:
    """Leaflet components for the boundaries: grids under streets, outlines only, so the hexagons
    under them stay visible and clickable."""
    grids = display.collection(data.boundaries_geojson(wh, "grid", scope))
    streets = display.collection(_with_tooltips(data.boundaries_geojson(wh, "street", scope)))
    return [
        dl.GeoJSON(id="boundaries-grids", data=grids, style=GRID_STYLE, interactive=False),
        dl.GeoJSON(id="boundaries-streets", data=streets, style=STREET_STYLE,
                   hoverStyle={"weight": 4, "color": "#ffd166"}),
    ]
