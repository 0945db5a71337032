"""The analysts' tables at scale: statistics under disclosure control, a chosen period, the comparison
of two runs, the read API's first page, and the files.

    python bench/analysis_scale.py [--scale baoan] [--seed 1] [--res 8 9 10] [--repeat 3]

Uses bench/out/{scale}-{seed}/ (generated and built as bench/etl_scale.py does, here when missing).
When its warehouse holds one run only, a second is added from another month's export of the region
(`taxmap variant`, seed 2: 4 % of taxpayers gone, 4 % moved, 0.2 % new), so the comparison has two
runs. In one process, per resolution, medians of --repeat (the API's caches emptied between):

- baseline: the whole district's table as a leader gets it (`hex_table`, k = None): the aggregation
  the app does anyway;
- statistics under disclosure control (k = 3), the same with a 3-month period, and the comparison
  with the previous run (k = 3): their ratio to the baseline is what disclosure control and the
  comparison cost;
- the API over HTTP (Flask test client, a system token): the first page (1,000 cells) of
  `/api/v1/hex-stats` and of `/api/v1/hex-changes`, cold (a new table) and warm (the next page).

Then the files of the k = 3 table at res 9 (CSV, XLSX, GeoParquet, zipped Shapefile). Prints a
Markdown table and writes bench/out/analysis_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def ensure_two_runs(scale: str, seed: int) -> Path:
    """The warehouse folder of bench/out/{scale}-{seed}, with at least two runs."""
    from etl.pipeline import run_etl
    from taxmap.demo.variant import write_variant
    from taxmap.warehouse import Warehouse

    folder = OUT / f"{scale}-{seed}"
    warehouse = folder / "warehouse"
    if not (folder / "input" / "manifest.toml").is_file():
        subprocess.run([sys.executable, "-m", "taxmap.cli", "generate", "--scale", scale, "--seed", str(seed),
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    if not (warehouse / "warehouse.duckdb").is_file():
        run_etl(folder / "input", warehouse, force=True)
    wh = Warehouse(warehouse / "warehouse.duckdb")
    try:
        kept = wh.query("select count(distinct run_id) as n from etl_run_taxpayers")[0]["n"]
    except Exception:  # noqa: BLE001 - a warehouse from before the run history
        kept = 0
    wh.close()
    if kept < 2:
        if kept == 0:  # built before etl_run_taxpayers: this run starts the history
            run_etl(folder / "input", warehouse, force=True)
        write_variant(folder / "input", folder / "variant", seed=2)
        run_etl(folder / "variant", warehouse, force=True)
    return warehouse


def timed(fn, repeat: int, before=None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="baoan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--res", type=int, nargs="+", default=[8, 9, 10])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warehouse_dir = ensure_two_runs(args.scale, args.seed)

    os.environ["TAXMAP_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='analysis-scale-')}/store.sqlite"
    os.environ.setdefault("TAXMAP_SECRET_KEY", "bench-only")
    import app as app_module
    from dashboard import context
    from dispatch import tokens
    from taxmap import exports
    from taxmap.data import REGION, analysis, changes
    from taxmap.settings import Settings

    context.configure(Settings(warehouse_dir=warehouse_dir))
    wh = context.warehouse()
    runs = changes.history_runs(wh)
    base = runs[1]["run_id"]
    months = analysis.periods(wh)
    period = (months[-3], months[-1])
    token = tokens.add(app_module.server.extensions["taxmap_store"], "system", "bench")
    client = app_module.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    taxpayers = wh.query("select count(*) as n from map_taxpayers")[0]["n"]

    def api(path: str) -> None:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.get_data(as_text=True)[:300]}")

    def fresh_app() -> None:  # the API's tables computed anew, as after a new ETL run
        app_module.server.extensions["taxmap_api_tables"].clear()

    rows = []
    for res in args.res:
        baseline = timed(lambda: analysis.hex_table(wh, REGION, res, k=None), args.repeat)
        stats = timed(lambda: analysis.hex_table(wh, REGION, res, k=3), args.repeat)
        spanned = timed(lambda: analysis.hex_table(wh, REGION, res, k=3, period=period), args.repeat)
        compare = timed(lambda: analysis.change_table(wh, REGION, res, base, k=3), args.repeat)
        cells = len(analysis.hex_table(wh, REGION, res, k=3).rows)
        changed = len(analysis.change_table(wh, REGION, res, base, k=3).rows)
        stats_cold = timed(lambda: api(f"/api/v1/hex-stats?res={res}&page=1"), args.repeat, fresh_app)
        stats_warm = timed(lambda: api(f"/api/v1/hex-stats?res={res}&page=2"), args.repeat)
        changes_cold = timed(lambda: api(f"/api/v1/hex-changes?res={res}&from={base}&page=1"), args.repeat, fresh_app)
        changes_warm = timed(lambda: api(f"/api/v1/hex-changes?res={res}&from={base}&page=2"), args.repeat)
        rows.append({"res": res, "cells": cells, "changed_cells": changed, "baseline_s": baseline,
                     "stats_s": stats, "period_s": spanned, "compare_s": compare,
                     "api_stats_cold_s": stats_cold, "api_stats_warm_s": stats_warm,
                     "api_changes_cold_s": changes_cold, "api_changes_warm_s": changes_warm})
        print(json.dumps(rows[-1]), file=sys.stderr)
    table = analysis.hex_table(wh, REGION, 9, k=3)
    files = {}
    for fmt in ("csv", "xlsx", "geoparquet", "shp"):
        started = time.perf_counter()
        size = len(exports.to_bytes(table, fmt))
        files[fmt] = {"seconds": time.perf_counter() - started, "bytes": size}
    result = {"scale": args.scale, "taxpayers": taxpayers, "runs": [base, runs[0]["run_id"]], "period": period,
              "rows": rows, "files_res9": {"cells": len(table.rows), **files}}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "analysis_scale.json").write_text(json.dumps(result, indent=2))
    print(render(result))


def render(result: dict) -> str:
    lines = [f"{result['scale']}: {result['taxpayers']:,} located taxpayers; comparison {result['runs'][0]} → "
             f"{result['runs'][1]}; period {result['period'][0]}–{result['period'][1]}", "",
             "| res | cells | baseline (k = None) | statistics k = 3 | period k = 3 | comparison k = 3 | "
             "API hex-stats cold / warm | API hex-changes cold / warm |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        b = r["baseline_s"]
        lines.append(
            f"| {r['res']} | {r['cells']:,} | {b * 1000:.0f} ms | {r['stats_s'] * 1000:.0f} ms ({r['stats_s'] / b:.1f}×) | "
            f"{r['period_s'] * 1000:.0f} ms ({r['period_s'] / b:.1f}×) | {r['compare_s'] * 1000:.0f} ms "
            f"({r['compare_s'] / b:.1f}×) | {r['api_stats_cold_s'] * 1000:.0f} / {r['api_stats_warm_s'] * 1000:.0f} ms | "
            f"{r['api_changes_cold_s'] * 1000:.0f} / {r['api_changes_warm_s'] * 1000:.0f} ms |")
    files = result["files_res9"]
    lines += ["", f"files of the res-9 table ({files['cells']:,} cells): " + ", ".join(
        f"{fmt} {v['seconds'] * 1000:.0f} ms / {v['bytes'] / 1024:.0f} KB"
        for fmt, v in files.items() if fmt != "cells")]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
