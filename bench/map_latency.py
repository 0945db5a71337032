"""Map callback latency and payload at scale: server time and gzip size of each map update.

    python bench/map_latency.py [--warehouse DIR] [--views N] [--seed N]

For every zoom level 10–17 and every layer (批次变化 too where the warehouse keeps two runs), N viewports (1920×1080 screen, 1,240×1,000 px of map)
centred on random taxpayers of the region (seeded) are requested over HTTP from the app's Flask test
client, exactly as the browser does (POST /_dash-update-component), for the cells callback (geometry,
on pan/zoom/filter) and the style callback (a layer or metric switch). Reports p50/p95 server time
and p95 gzip payload per (zoom, layer), against the targets p95 ≤ 150 ms and ≤ 300 KB per update.
Default warehouse: bench/out/baoan-1/warehouse (made by bench/etl_scale.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAP_PX = (1240, 1000)
ZOOMS = tuple(range(10, 18))
LAYERS = ("density", "risk", "discrepancies")
FILTERS = ("industry", "taxpayer_type", "entity_type", "credit_rating", "status", "risk_level", "discrepancy_kind")
TARGET_MS, TARGET_KB = 150, 300


def viewport(lat: float, lng: float, zoom: float) -> list[list[float]]:
    """Leaflet's bounds of a MAP_PX map centred on (lat, lng) at ``zoom`` (Web Mercator)."""
    deg_per_px = 360 / (256 * 2 ** zoom)
    half_w = MAP_PX[0] / 2 * deg_per_px
    half_h = MAP_PX[1] / 2 * deg_per_px * math.cos(math.radians(lat))
    return [[lat - half_h, lng - half_w], [lat + half_h, lng + half_w]]


def cells_request(bounds, zoom: float, layer: str, filters: dict) -> dict:
    return {
        "output": "..hexes.data...cell-breaks.data...cell-meta.data...points.data..",
        "outputs": [{"id": "hexes", "property": "data"}, {"id": "cell-breaks", "property": "data"},
                    {"id": "cell-meta", "property": "data"}, {"id": "points", "property": "data"}],
        "inputs": [{"id": "map", "property": "bounds", "value": bounds},
                   {"id": "map", "property": "zoom", "value": zoom},
                   {"id": "scope", "property": "data", "value": None},
                   {"id": "layer", "property": "value", "value": layer},
                   *[{"id": f"filter-{k}", "property": "value", "value": filters.get(k)} for k in FILTERS]],
        "changedPropIds": ["map.bounds"],
        "state": [{"id": "lang", "property": "data", "value": "zh"}, {"id": "cell-meta", "property": "data", "value": None}],
    }


def style_request(breaks: dict, layer: str, metric: str, meta: dict) -> dict:
    return {
        "output": "..hexes.hideout...map-legend.children..",
        "outputs": [{"id": "hexes", "property": "hideout"}, {"id": "map-legend", "property": "children"}],
        "inputs": [{"id": "cell-breaks", "property": "data", "value": breaks},
                   {"id": "layer", "property": "value", "value": layer},
                   {"id": "metric", "property": "value", "value": metric},
                   {"id": "selection", "property": "data", "value": []}],
        "changedPropIds": ["layer.value"],
        "state": [{"id": "cell-meta", "property": "data", "value": meta},
                  {"id": "lang", "property": "data", "value": "zh"}],
    }


def post(client, payload: dict) -> tuple[float, int, dict]:
    started = time.perf_counter()
    response = client.post("/_dash-update-component", json=payload)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"callback failed ({response.status_code}): {response.get_data(as_text=True)[:500]}")
    body = response.get_data()
    return seconds, len(gzip.compress(body, 6)), json.loads(body)


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=ROOT / "bench" / "out" / "baoan-1" / "warehouse")
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (args.warehouse / "warehouse.duckdb").is_file():
        sys.exit(f"no warehouse in {args.warehouse}: run `python bench/etl_scale.py --scales baoan` first")

    import os
    import re
    import tempfile

    # a throw-away store with one district leader: the callbacks need a login, as in the browser
    os.environ["TAXMAP_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='map-latency-')}/store.sqlite"
    os.environ.setdefault("TAXMAP_SECRET_KEY", "bench-only")
    import app as app_module
    from dashboard import context
    from dispatch import users
    from taxmap.settings import Settings

    context.configure(Settings(warehouse_dir=args.warehouse))
    users.add_user(app_module.server.extensions["taxmap_store"], "bench", "bench-pass-2026", "district_leader")
    client = app_module.server.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "username": "bench", "password": "bench-pass-2026"})
    client.get("/")  # the page once, as a browser would, so first-request set-up is not timed
    centres = context.warehouse().query(
        "select lat, lng from stg_taxpayers where lat is not null using sample reservoir(2000 rows) repeatable (7)")
    rng = random.Random(args.seed)
    views = [rng.choice(centres) for _ in range(args.views)]
    filters_high = {"risk_level": ["high"]}

    from taxmap.data import changes

    # the changes layer (批次变化) where the warehouse keeps two runs (bench/analysis_scale.py adds one)
    layers = LAYERS + (("changes",) if len(changes.history_runs(context.warehouse())) >= 2 else ())
    rows = []
    for zoom in ZOOMS:
        for layer in layers:
            for label, filters in (("none", {}), ("risk high", filters_high)):
                times, sizes, cells, styles, style_sizes = [], [], [], [], []
                for centre in views:
                    bounds = viewport(centre["lat"], centre["lng"], zoom)
                    seconds, size, out = post(client, cells_request(bounds, zoom, layer, filters))
                    times.append(seconds)
                    sizes.append(size)
                    response = out["response"]
                    meta = response["cell-meta"]["data"]
                    cells.append(meta["n"])
                    metric = {"density": "n_taxpayers", "risk": "risk_mean", "discrepancies": "n_unregistered",
                              "changes": "tax_change"}[layer]
                    seconds, size, _ = post(client, style_request(response["cell-breaks"]["data"], layer, metric, meta))
                    styles.append(seconds)
                    style_sizes.append(size)
                rows.append({"zoom": zoom, "layer": layer, "filter": label, "res": meta["res"],
                             "cells_p95": p(cells, 0.95), "ms_p50": 1000 * statistics.median(times),
                             "ms_p95": 1000 * p(times, 0.95), "kb_p95": p(sizes, 0.95) / 1024,
                             "style_ms_p95": 1000 * p(styles, 0.95), "style_kb_p95": p(style_sizes, 0.95) / 1024})
                print(json.dumps(rows[-1]), file=sys.stderr)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "map_latency.json").write_text(json.dumps(rows, indent=2))
    print(render(rows, args.views))


def render(rows: list[dict], views: int) -> str:
    lines = [f"{views} viewports per row; targets p95 ≤ {TARGET_MS} ms and ≤ {TARGET_KB} KB per update.", "",
             "| zoom | res | layer | filter | cells (p95) | cells update p50 / p95 | gzip p95 | style switch p95 | gzip |",
             "|---:|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        flag = "" if r["ms_p95"] <= TARGET_MS and r["kb_p95"] <= TARGET_KB else " ✗"
        lines.append(f"| {r['zoom']} | {r['res']} | {r['layer']} | {r['filter']} | {r['cells_p95']} | "
                     f"{r['ms_p50']:.0f} / {r['ms_p95']:.0f} ms{flag} | {r['kb_p95']:.0f} KB | "
                     f"{r['style_ms_p95']:.0f} ms | {r['style_kb_p95']:.1f} KB |")
    worst = max(rows, key=lambda r: r["ms_p95"])
    lines += ["", f"worst p95: {worst['ms_p95']:.0f} ms (zoom {worst['zoom']}, {worst['layer']}, "
                  f"{worst['filter']}); largest p95 payload: {max(r['kb_p95'] for r in rows):.0f} KB"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
