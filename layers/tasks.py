"""Tasks (核查任务) on the map: one point per open task with a position, coloured by state; overdue
tasks ringed in red. Used by the command map (leaders) and the officer's own map (/tasks)."""

from __future__ import annotations

from dispatch import tasks as T
from layers.hexes import POINT_TO_LAYER
from taxmap.data.display import Display

STATE_COLORS = {"new": "#9aa7b8", "assigned": "#5ec8ff", "accepted": "#ffd166", "returned": "#ff9f43",
                "declined": "#ff6b6b", "reported": "#7bed9f", "reviewed": "#2ed573", "closed": "#57606f",
                "canceled": "#57606f", "overdue": "#ff3b3b"}
POINTS = POINT_TO_LAYER
HIDEOUT = {"kindColors": STATE_COLORS}


def feature_collection(points: list[dict], lang: str, display: Display = Display()) -> dict:
    """GeoJSON of task points; ``kind`` carries the state (or ``overdue``) for the point colour."""
    i = 0 if lang == "zh" else 1
    features = []
    for p in points:
        lng, lat = display.point(p["lng"], p["lat"])
        state = "overdue" if p["overdue"] else p["state"]
        label = f"#{p['task_id']} {p['name']} · {T.KINDS[p['kind']][i]} · {T.STATE_LABELS[p['state']][i]}"
        features.append({"type": "Feature", "id": p["task_id"],
                         "geometry": {"type": "Point", "coordinates": [lng, lat]},
                         "properties": {"kind": state, "task_id": p["task_id"], "tooltip": label}})
    return {"type": "FeatureCollection", "features": features}


def legend(lang: str) -> list[tuple[str, str]]:
    i = 0 if lang == "zh" else 1
    shown = ("assigned", "accepted", "returned", "declined", "reported")
    return [(T.STATE_LABELS[s][i], STATE_COLORS[s]) for s in shown] + [
        ("超期" if lang == "zh" else "Overdue", STATE_COLORS["overdue"])]
