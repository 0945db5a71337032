"""Linkage at 100 k units: ours (features + Splink on DuckDB + one-to-one) against a naive baseline.

    python bench/linkage_baseline.py [--repeat N] [--seed 1] [--target-units 100000] [--threads N]

The issue's target: the whole linkage ≥ 10× faster than a naive baseline at
equal or better F1, both measured in the same run.

Input (~100 k units). The Bao'an region (``taxmap generate --scale baoan``,
cached under ``bench/out/baoan-SEED``) is cut into whole streets: the street
subset whose unit count is closest to ``--target-units`` (seed 1: 福永 and
燕罗, 440306004 + 440306009, 100,844 unit rows). A row belongs to the
street that contains its *true* operating position (generator truth), for
units and taxpayers alike, so every true link stays inside the subset and the
subset keeps Bao'an's density (a smaller generated region would be sparser,
which flatters a radius search). Only whole rows are dropped, never edited:
``grid_units.csv`` (UTF-8 with BOM) and ``taxpayers.csv`` (GB18030) are
re-written with the csv module in their own encodings, blank lines and noise
included; ``streets.geojson`` / ``grids.geojson`` keep the subset's
features; ``officers.xlsx`` keeps the title row and the subset's streets;
``declarations.parquet`` keeps the kept taxpayers' rows plus the same share
of the rows that name no taxpayer at all (planted ``taxpayer_unknown``);
``manifest.toml`` is copied. The truth files (units, taxpayers,
discrepancies) are cut the same way and renumbered. Cached in
``bench/out/baoan-SEED-streets-<codes>/``.

Ours: ``etl.pipeline.run_etl(input, out, force=True)`` in a fresh process.
Linkage time = the ``etl_run_stages`` seconds of the linkage models
(:data:`LINKAGE_MODELS`); the whole ETL's wall time and peak RSS are
reported too. Accuracy: ``taxmap.demo.evaluate.link_accuracy`` on the
published ``unit_links``, and the same over the units without an exact-USCC
link (where names and positions decide).

Naive baseline, in its own fresh process, on the very staged rows ours
produced (``stg_grid_units``, ``stg_taxpayers`` read from that warehouse
into memory before the clock starts). Timed from the in-memory tables to
the links:

1. exact-USCC links first, as ours (a unit whose USCC is a staged taxpayer);
2. the other units against every taxpayer with a position: points in UTM 50N
   (EPSG:32650), ``geopandas.sjoin(..., predicate="dwithin", distance=500)``
   -- every taxpayer within 500 m, not only the nearest -- in chunks of
   :data:`CHUNK_UNITS` units so the candidate set never has to fit at once;
3. ``rapidfuzz.fuzz.ratio`` of the raw names (unit_name vs taxpayer name) for
   every candidate pair (``rapidfuzz.process.cpdist``: C++, all cores);
4. best candidate per unit with ratio ≥ a cut-off, made one-to-one by greedy
   best-first (ratio, then distance), with the same slots as ours: a unit
   links to at most one taxpayer, a taxpayer to at most one unit per grid,
   exact-USCC links occupying their slots.

The cut-off is the one that maximises the baseline's own F1 on the truth
(a sweep over whole ratio points, not timed; only the selection at the
chosen cut-off is). That is an oracle ours does not get: it favours the
baseline. Pairs below :data:`RATIO_FLOOR` are dropped inside each chunk; the
script says so if the best cut-off lands on the floor.

With ``--repeat N`` both run N times, alternating (ours, naive, ours, ...)
so that load from elsewhere on the machine hits both alike; times are
medians, every run's time is kept. The cut-off sweep runs once.

Prints a Markdown table and writes ``bench/out/linkage_baseline.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

# The linkage's models in etl_run_stages (features, exact links, Splink, one-to-one, the mart).
LINKAGE_MODELS = ("int_link_names", "int_link_texts", "int_link_keys", "int_link_unit_rings", "int_link_units",
                  "int_link_taxpayers", "link_model_levels",
                  "int_unit_links_fixed", "link_scores", "int_unit_links_resolved", "unit_links")
RADIUS_M = 500.0
METRIC_CRS = "EPSG:32650"  # UTM 50N: Shenzhen
CHUNK_UNITS = 2_500
RATIO_FLOOR = 20.0  # pairs below this ratio are dropped inside each chunk (the sweep starts here)

RUN_ETL = """
import json, resource, sys, time
t = time.perf_counter()
from etl.pipeline import run_etl
from taxmap.settings import get_settings
threads = int(sys.argv[3]) or None
result = run_etl(sys.argv[1], sys.argv[2], force=True, threads=threads, memory_limit=get_settings().memory_limit)
print(json.dumps({"seconds": time.perf_counter() - t, "run_id": result.run_id,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


# --- the 100 k-unit input: whole streets of the Bao'an region ---------------------------------------------


def ensure_region(seed: int) -> Path:
    folder = OUT / f"baoan-{seed}"
    if not (folder / "input" / "manifest.toml").is_file():
        print(f"generating the Bao'an region (seed {seed}) into {folder} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "taxmap.cli", "generate", "--scale", "baoan", "--seed", str(seed),
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return folder


def true_streets(truth_parquet: Path, streets) -> np.ndarray:
    """The street code containing each truth row's true position, in row_number order."""
    import pyarrow.parquet as pq
    import shapely

    table = pq.read_table(truth_parquet, columns=["row_number", "true_lng", "true_lat"]).sort_by("row_number")
    if table["row_number"].to_pylist() != list(range(1, table.num_rows + 1)):
        raise RuntimeError(f"{truth_parquet}: row_number is not 1..n")
    x = table["true_lng"].to_numpy(zero_copy_only=False)
    y = table["true_lat"].to_numpy(zero_copy_only=False)
    out = np.full(len(x), None, dtype=object)
    for code, geom in zip(streets["street_code"], streets.geometry, strict=True):
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, x, y)
        out[inside & (out == None)] = code  # noqa: E711 (elementwise)
    return out


def choose_streets(units_per_street: dict[str, int], target: int) -> tuple[str, ...]:
    """The street subset whose unit count is closest to ``target`` (fewer streets, then codes, break ties)."""
    codes = sorted(units_per_street)
    best = None
    for k in range(1, len(codes) + 1):
        for combo in itertools.combinations(codes, k):
            key = (abs(sum(units_per_street[c] for c in combo) - target), k, combo)
            best = key if best is None or key < best else best
    return best[2]


def _data_rows(rows: list[list[str]]) -> list[int]:
    """For each CSV row after the header: its data row number (from 1) as the ETL counts them, or 0.

    The reader skips blank lines and rows whose every cell is blank (etl/read.py)."""
    numbers, n = [], 0
    for row in rows:
        if any(cell.strip() for cell in row):
            n += 1
            numbers.append(n)
        else:
            numbers.append(0)
    return numbers


def filter_csv(src: Path, dst: Path, keep: np.ndarray, encoding: str, key_check: list[str | None]) -> int:
    """Copy ``src`` keeping the header, blank lines and the data rows whose number n has ``keep[n - 1]``.

    ``key_check`` (the truth's key per data row) guards the row numbering: the first cell must agree."""
    text = src.read_bytes().decode(encoding)
    newline = "\r\n" if "\r\n" in text[:10_000] else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    numbers = _data_rows(body)
    if max(numbers) != len(keep):
        raise RuntimeError(f"{src.name}: {max(numbers)} data rows, truth has {len(keep)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    kept = mismatched = 0
    for row, n in zip(body, numbers, strict=True):
        if n == 0:
            writer.writerow(row)  # blank line: noise the reader must survive
            continue
        if (row[0].strip() or None) != (key_check[n - 1] or None):
            mismatched += 1
        if keep[n - 1]:
            writer.writerow(row)
            kept += 1
    if mismatched > len(keep) // 100:  # planted bad keys may differ from the truth's; a shifted numbering would not
        raise RuntimeError(f"{src.name}: {mismatched} rows disagree with the truth's keys: row numbering is off")
    dst.write_bytes(buffer.getvalue().encode(encoding))
    return kept


def filter_geojson(src: Path, dst: Path, streets: tuple[str, ...]) -> int:
    doc = json.loads(src.read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if (f.get("properties") or {}).get("street_code") in streets]
    dst.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return len(doc["features"])


def filter_officers(src: Path, dst: Path, streets: tuple[str, ...]) -> int:
    """Title rows kept; a roster row is kept when its street code (街道代码) is one of ``streets``."""
    import openpyxl

    source = openpyxl.load_workbook(src, read_only=True)
    sheet = source.worksheets[0]
    target = openpyxl.Workbook()
    out = target.active
    out.title = sheet.title
    street_col, kept = None, 0
    for row in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else v for v in row]
        if street_col is None:
            out.append(cells)
            if "街道代码" in [str(c).strip() for c in cells]:
                street_col = [str(c).strip() for c in cells].index("街道代码")
            continue
        if str(cells[street_col]).strip() in streets:
            out.append(cells)
            kept += 1
    target.save(dst)
    return kept


def build_subset(seed: int, target_units: int) -> Path:
    """The cached whole-streets input (``input/``, ``truth/``) with about ``target_units`` units."""
    import geopandas as gpd
    import pyarrow as pa
    import pyarrow.parquet as pq

    region = ensure_region(seed)
    src, truth = region / "input", region / "truth"
    streets = gpd.read_file(src / "streets.geojson")
    unit_street = true_streets(truth / "units.parquet", streets)
    codes, counts = np.unique(unit_street[unit_street != None].astype(str), return_counts=True)  # noqa: E711
    chosen = choose_streets(dict(zip(codes.tolist(), counts.tolist(), strict=True)), target_units)
    folder = OUT / f"baoan-{seed}-streets-{'-'.join(c[-3:] for c in chosen)}"
    if (folder / "subset.json").is_file():
        return folder
    print(f"cutting streets {', '.join(chosen)} out of {region} ...", file=sys.stderr, flush=True)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "input").mkdir(parents=True)
    (tmp / "truth").mkdir()
    taxpayer_street = true_streets(truth / "taxpayers.parquet", streets)
    keep_units = np.isin(unit_street, chosen)
    keep_taxpayers = np.isin(taxpayer_street, chosen)

    truth_units = pq.read_table(truth / "units.parquet").sort_by("row_number")
    truth_taxpayers = pq.read_table(truth / "taxpayers.parquet").sort_by("row_number")
    info = {"source": str(region.relative_to(ROOT)), "streets": list(chosen),
            "street_names": [n for c, n in zip(streets["street_code"], streets["street_name"], strict=True)
                             if c in chosen]}
    info["units"] = filter_csv(src / "grid_units.csv", tmp / "input" / "grid_units.csv", keep_units, "utf-8",
                               truth_units["record_id"].to_pylist())
    info["taxpayers"] = filter_csv(src / "taxpayers.csv", tmp / "input" / "taxpayers.csv", keep_taxpayers,
                                   "gb18030", truth_taxpayers["taxpayer_id"].to_pylist())
    info["grids"] = filter_geojson(src / "grids.geojson", tmp / "input" / "grids.geojson", chosen)
    info["streets_features"] = filter_geojson(src / "streets.geojson", tmp / "input" / "streets.geojson", chosen)
    info["officers"] = filter_officers(src / "officers.xlsx", tmp / "input" / "officers.xlsx", chosen)
    manifest = (src / "manifest.toml").read_text(encoding="utf-8")
    (tmp / "input" / "manifest.toml").write_text(
        f"# bench/linkage_baseline.py: streets {', '.join(chosen)} of {info['source']} (whole rows only)\n"
        + manifest, encoding="utf-8")

    # truth, cut the same way and renumbered
    units_t = truth_units.filter(pa.array(keep_units))
    units_t = units_t.set_column(units_t.schema.get_field_index("row_number"), "row_number",
                                 pa.array(range(1, units_t.num_rows + 1), pa.int64()))
    taxpayers_t = truth_taxpayers.filter(pa.array(keep_taxpayers))
    taxpayers_t = taxpayers_t.set_column(taxpayers_t.schema.get_field_index("row_number"), "row_number",
                                         pa.array(range(1, taxpayers_t.num_rows + 1), pa.int64()))
    pq.write_table(units_t, tmp / "truth" / "units.parquet")
    pq.write_table(taxpayers_t, tmp / "truth" / "taxpayers.parquet")

    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.register("kept_units", units_t.select(["record_id"]))
    con.register("kept_taxpayers", taxpayers_t.select(["taxpayer_id"]))
    con.register("all_taxpayers", truth_taxpayers.select(["taxpayer_id"]))
    con.execute(f"""
        copy (select * from read_parquet('{truth / 'discrepancies.parquet'}')
              where (record_id is null or record_id in (select record_id from kept_units))
                and (taxpayer_id is null or taxpayer_id in (select taxpayer_id from kept_taxpayers)))
        to '{tmp / 'truth' / 'discrepancies.parquet'}' (format parquet)
    """)
    # Declarations: the kept taxpayers' rows, and the kept share of rows naming an unknown taxpayer.
    share = float(keep_taxpayers.mean())
    con.execute(f"""
        copy (
            select * exclude (file_row_number) from read_parquet('{src / 'declarations.parquet'}',
                                                                file_row_number = true) as d
            where upper(trim(d.taxpayer_id)) in (select upper(trim(taxpayer_id)) from kept_taxpayers)
               or (upper(trim(coalesce(d.taxpayer_id, ''))) not in
                       (select upper(trim(taxpayer_id)) from all_taxpayers where taxpayer_id is not null)
                   and hash(coalesce(d.taxpayer_id, '')) % 1000000 < {round(share * 1_000_000)})
            order by file_row_number
        ) to '{tmp / 'input' / 'declarations.parquet'}' (format parquet, compression zstd)
    """)
    info["declarations"] = con.execute(
        f"select count(*) from read_parquet('{tmp / 'input' / 'declarations.parquet'}')").fetchone()[0]
    con.close()
    (tmp / "subset.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


# --- ours ---------------------------------------------------------------------------------------------------


def accuracy_beyond_uscc(con: duckdb.DuckDBPyConnection, uscc_units_sql: str) -> dict:
    """Link accuracy over the units without an exact-USCC link (the part names and positions decide).

    Same definitions as ``link_accuracy`` (which must have run on ``con``: it creates ``truth_units``)."""
    from taxmap.demo.evaluate import _accuracy

    return _accuracy(
        con,
        f"select record_id, taxpayer_id from unit_links where taxpayer_id is not null "
        f"and record_id not in ({uscc_units_sql})",
        f"select record_id, true_taxpayer_id as taxpayer_id from truth_units where staged "
        f"and true_taxpayer_id in (select taxpayer_id from stg_taxpayers) and record_id not in ({uscc_units_sql})",
        "record_id, taxpayer_id",
    ).as_dict()


def run_ours(folder: Path, threads: int | None) -> dict:
    warehouse_dir = folder / "warehouse"
    warehouse_dir.mkdir(exist_ok=True)
    out = subprocess.run([sys.executable, "-c", RUN_ETL, str(folder / "input"), str(warehouse_dir), str(threads or 0)],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    etl = json.loads(out.stdout.strip().splitlines()[-1])

    from etl.db import connect
    from taxmap.demo.evaluate import link_accuracy

    con = connect(warehouse_dir / "warehouse.duckdb", read_only=True)
    try:
        stages = dict(con.execute("select stage, seconds from etl_run_stages where run_id = ?",
                                  [etl["run_id"]]).fetchall())
        accuracy = link_accuracy(con, folder / "truth").as_dict()
        beyond = accuracy_beyond_uscc(con, "select record_id from unit_links where method = 'uscc'")
        methods = dict(con.execute("select method, count(*) from unit_links group by method").fetchall())
        seconds_json, n_scored, trained = con.execute(
            "select seconds_json, n_scored, trained_this_run from link_model where pass = 'local'").fetchone()
        units, taxpayers, positioned = con.execute(
            "select (select count(*) from stg_grid_units), (select count(*) from stg_taxpayers), "
            "(select count(*) from stg_taxpayers where lng is not null)").fetchone()
    finally:
        con.close()
    missing = [m for m in LINKAGE_MODELS if m not in stages]
    if missing:
        raise RuntimeError(f"etl_run_stages lacks {missing}")
    return {
        "etl_seconds": etl["seconds"], "etl_peak_rss_mb": etl["peak_rss_mb"], "run_id": etl["run_id"],
        "linkage_seconds": sum(stages[m] for m in LINKAGE_MODELS),
        "linkage_stages": {m: stages[m] for m in LINKAGE_MODELS},
        "splink_seconds": json.loads(seconds_json) if seconds_json else None,
        "pairs_scored": n_scored, "model_trained_this_run": trained,
        "links_by_method": methods, "accuracy": accuracy, "accuracy_beyond_uscc": beyond,
        "staged": {"units": units, "taxpayers": taxpayers, "taxpayers_with_position": positioned},
    }


# --- the naive baseline -------------------------------------------------------------------------------------


def greedy_links(unit: np.ndarray, slot: np.ndarray, taken_units: set, taken_slots: set) -> np.ndarray:
    """Indices of the pairs chosen best-first (pairs already in preference order): one per unit and per slot."""
    units_used, slots_used = set(taken_units), set(taken_slots)
    chosen = []
    for i, (u, s) in enumerate(zip(unit.tolist(), slot.tolist(), strict=True)):
        if u in units_used or s in slots_used:
            continue
        units_used.add(u)
        slots_used.add(s)
        chosen.append(i)
    return np.asarray(chosen, dtype=np.int64)


def baseline_candidates(units, taxpayers, fixed_units: np.ndarray) -> dict:
    """Pairs within RADIUS_M with their name ratio (≥ RATIO_FLOOR) and distance, best-first."""
    import geopandas as gpd
    from rapidfuzz import fuzz, process

    open_units = units[~fixed_units].reset_index(drop=True)
    located = taxpayers[taxpayers["lng"].notna()].reset_index(drop=True)
    u_geo = gpd.GeoDataFrame(geometry=gpd.points_from_xy(open_units["lng"], open_units["lat"]),
                             crs="EPSG:4326").to_crs(METRIC_CRS)
    t_geo = gpd.GeoDataFrame(geometry=gpd.points_from_xy(located["lng"], located["lat"]),
                             crs="EPSG:4326").to_crs(METRIC_CRS)
    ux, uy = u_geo.geometry.x.to_numpy(), u_geo.geometry.y.to_numpy()
    tx, ty = t_geo.geometry.x.to_numpy(), t_geo.geometry.y.to_numpy()
    u_names = open_units["unit_name"].to_numpy(dtype=object)
    t_names = located["name"].to_numpy(dtype=object)
    keep_u, keep_t, keep_score, keep_dist = [], [], [], []
    n_pairs, per_unit_max, chunks, peak_chunk = 0, 0, 0, 0
    sjoin_s = ratio_s = 0.0
    for start in range(0, len(open_units), CHUNK_UNITS):
        t = time.perf_counter()
        chunk = u_geo.iloc[start:start + CHUNK_UNITS]
        joined = gpd.sjoin(chunk, t_geo, how="inner", predicate="dwithin", distance=RADIUS_M)
        li = joined.index.to_numpy()
        ri = joined["index_right"].to_numpy()
        del joined
        sjoin_s += time.perf_counter() - t
        t = time.perf_counter()
        scores = process.cpdist(u_names[li], t_names[ri], scorer=fuzz.ratio, workers=-1, dtype=np.float32)
        ratio_s += time.perf_counter() - t
        n_pairs += len(li)
        peak_chunk = max(peak_chunk, len(li))
        if len(li):
            per_unit_max = max(per_unit_max, int(np.bincount(li - start).max()))
        ok = scores >= RATIO_FLOOR
        li, ri, scores = li[ok], ri[ok], scores[ok]
        keep_u.append(li)
        keep_t.append(ri)
        keep_score.append(scores)
        keep_dist.append(np.hypot(ux[li] - tx[ri], uy[li] - ty[ri]).astype(np.float32))
        chunks += 1
    li, ri = np.concatenate(keep_u), np.concatenate(keep_t)
    score, dist = np.concatenate(keep_score), np.concatenate(keep_dist)
    order = np.lexsort((ri, dist, -score))  # best-first: ratio, then distance, then taxpayer
    return {
        "unit": li[order], "taxpayer": ri[order], "score": score[order],
        "open_units": open_units, "located": located,
        "unit_grid": open_units["grid_index"].to_numpy(dtype=np.int64),
        "n_grids": int(units["grid_index"].max()) + 1,
        "taxpayer_index": {t: i for i, t in enumerate(located["taxpayer_id"].tolist())},
        "stats": {"candidate_pairs": int(n_pairs), "pairs_per_unit_mean": n_pairs / max(len(open_units), 1),
                  "pairs_per_unit_max": per_unit_max, "pairs_kept_ge_floor": int(len(li)), "chunks": chunks,
                  "largest_chunk_pairs": int(peak_chunk), "units_matched": len(open_units),
                  "taxpayers_with_position": len(located), "sjoin_seconds": sjoin_s, "ratio_seconds": ratio_s},
    }


def prefix_length(c: dict, cutoff: float) -> int:
    """How many pairs score ≥ ``cutoff`` (they come first: pairs are best-first)."""
    return int(np.searchsorted(-c["score"], -cutoff, side="right"))


def baseline_choose(c: dict, fixed, n: int) -> np.ndarray:
    """Greedy best-first over the first ``n`` pairs: indices of the chosen pairs.

    Greedy decides each pair from the pairs before it only, so the choice over a
    shorter prefix (a higher cut-off) is this one's choice truncated to it."""
    unit, tp = c["unit"][:n], c["taxpayer"][:n]
    # a slot is (taxpayer, grid): integer keys over the located taxpayers' positions and grid codes
    slot = tp * c["n_grids"] + c["unit_grid"][unit]
    fixed_tp = fixed["taxpayer_id"].map(c["taxpayer_index"])
    fixed_slots = set((fixed_tp[fixed_tp.notna()].astype(np.int64) * c["n_grids"]
                       + fixed.loc[fixed_tp.notna(), "grid_index"]).tolist())
    return greedy_links(unit, slot, set(), fixed_slots)


def baseline_links(c: dict, fixed, chosen: np.ndarray):
    """unit_links (record_id, taxpayer_id): the exact-USCC links and the chosen pairs."""
    import pandas as pd

    record_ids = c["open_units"]["record_id"].to_numpy(dtype=object)
    taxpayer_ids = c["located"]["taxpayer_id"].to_numpy(dtype=object)
    return pd.concat([
        fixed[["record_id", "taxpayer_id"]],
        pd.DataFrame({"record_id": record_ids[c["unit"][chosen]], "taxpayer_id": taxpayer_ids[c["taxpayer"][chosen]]}),
    ], ignore_index=True)


def accuracy_of(links, taxpayer_ids, truth_dir: Path, fixed=None) -> dict:
    """``link_accuracy`` of the links; with ``fixed`` also over the units without an exact-USCC link."""
    from taxmap.demo.evaluate import link_accuracy

    con = duckdb.connect()
    con.register("unit_links", links)
    con.register("stg_taxpayers", taxpayer_ids)
    try:
        out = link_accuracy(con, truth_dir).as_dict()
        if fixed is not None:
            con.register("uscc_units", fixed[["record_id"]])
            out = {"all": out, "beyond_uscc": accuracy_beyond_uscc(con, "select record_id from uscc_units")}
        return out
    finally:
        con.close()


def run_baseline(warehouse: Path, truth_dir: Path, cutoff: float | None = None) -> dict:
    """Runs in its own process: staged rows into memory (not timed), then the timed baseline.

    Without ``cutoff``, the one with the best F1 is found first (a sweep, not timed)."""
    from etl.db import connect

    con = connect(warehouse, read_only=True)
    units = con.execute("select record_id, unit_name, uscc, grid_code, lng, lat from stg_grid_units "
                        "order by record_id").df()
    taxpayers = con.execute("select taxpayer_id, name, lng, lat from stg_taxpayers order by taxpayer_id").df()
    con.close()

    t0 = time.perf_counter()
    units["grid_index"] = units["grid_code"].factorize(use_na_sentinel=False)[0]
    # 1. exact-USCC links first, as ours
    known = set(taxpayers["taxpayer_id"])
    fixed_mask = units["uscc"].isin(known).to_numpy()
    fixed = units.loc[fixed_mask, ["record_id", "uscc", "grid_index"]].rename(columns={"uscc": "taxpayer_id"})
    # 2.-3. candidates within 500 m, name ratio
    cand = baseline_candidates(units, taxpayers, fixed_mask)
    candidates_s = time.perf_counter() - t0

    # the cut-off that maximises the baseline's own F1 (an oracle: not timed)
    ids = taxpayers[["taxpayer_id"]]
    sweep, sweep_s = {}, None
    if cutoff is None:
        t = time.perf_counter()
        every = baseline_choose(cand, fixed, len(cand["score"]))
        for c in np.arange(RATIO_FLOOR, 100.0 + 1e-9, 1.0):
            chosen = every[every < prefix_length(cand, float(c))]
            sweep[float(c)] = accuracy_of(baseline_links(cand, fixed, chosen), ids, truth_dir)
        cutoff = max(sweep, key=lambda k: (sweep[k]["f1"], k))
        sweep_s = time.perf_counter() - t
    best_cutoff = cutoff

    # 4. the timed selection at the chosen cut-off
    t = time.perf_counter()
    links = baseline_links(cand, fixed, baseline_choose(cand, fixed, prefix_length(cand, best_cutoff)))
    select_s = time.perf_counter() - t
    accuracy = accuracy_of(links, ids, truth_dir, fixed)
    return {
        "seconds": candidates_s + select_s,
        "seconds_parts": {"uscc + candidates + ratio": candidates_s, "selection at the cut-off": select_s,
                          "of which sjoin": cand["stats"]["sjoin_seconds"],
                          "of which rapidfuzz": cand["stats"]["ratio_seconds"]},
        "cutoff": best_cutoff, "cutoff_on_floor": best_cutoff == RATIO_FLOOR, "sweep_seconds_not_timed": sweep_s,
        "sweep": {str(k): v["f1"] for k, v in sweep.items()},
        "accuracy": accuracy["all"], "accuracy_beyond_uscc": accuracy["beyond_uscc"], "uscc_links": int(fixed_mask.sum()), "links": int(len(links)),
        "candidates": cand["stats"], "radius_m": RADIUS_M, "chunk_units": CHUNK_UNITS, "ratio_floor": RATIO_FLOOR,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- report -------------------------------------------------------------------------------------------------


def render(r: dict) -> str:
    ours, base = r["ours"], r["baseline"]
    oa, ba = ours["accuracy"], base["accuracy"]
    ob, bb = ours["accuracy_beyond_uscc"], base["accuracy_beyond_uscc"]

    def runs(values: list[float]) -> str:
        return "" if len(values) < 2 else " (runs: " + ", ".join(f"{v:.1f}" for v in values) + ")"

    lines = [
        f"Input: {r['input']['units']:,} unit rows / {r['input']['taxpayers']:,} taxpayer rows "
        f"(streets {', '.join(r['input']['street_names'])}); staged {ours['staged']['units']:,} units, "
        f"{ours['staged']['taxpayers']:,} taxpayers ({ours['staged']['taxpayers_with_position']:,} with a position); "
        f"{base['uscc_links']:,} units linked by exact USCC in both. Median of {r['repeat']} run(s).",
        "",
        "| | ours (features + Splink on DuckDB) | naive (sjoin 500 m + rapidfuzz ratio) |",
        "|---|---:|---:|",
        f"| **linkage time** | **{ours['linkage_seconds']:.1f} s**{runs(ours['linkage_seconds_runs'])} "
        f"| **{base['seconds']:.1f} s**{runs(base['seconds_runs'])} |",
        f"| speed-up (naive / ours) | **{r['speedup']:.1f}×** | |",
        f"| whole ETL (wall, fresh process) | {ours['etl_seconds']:.1f} s{runs(ours['etl_seconds_runs'])} | |",
        f"| peak RSS | {ours['etl_peak_rss_mb']:,.0f} MB (whole ETL) | {base['peak_rss_mb']:,.0f} MB |",
        f"| precision | {oa['precision']:.4f} | {ba['precision']:.4f} |",
        f"| recall | {oa['recall']:.4f} | {ba['recall']:.4f} |",
        f"| **F1** | **{oa['f1']:.4f}** | **{ba['f1']:.4f}** |",
        f"| links (correct / predicted / true) | {oa['correct']:,} / {oa['predicted']:,} / {oa['true']:,} "
        f"| {ba['correct']:,} / {ba['predicted']:,} / {ba['true']:,} |",
        f"| units without a USCC link: precision / recall / F1 | {ob['precision']:.4f} / {ob['recall']:.4f} / "
        f"{ob['f1']:.4f} | {bb['precision']:.4f} / {bb['recall']:.4f} / {bb['f1']:.4f} |",
        f"| candidate pairs | {ours['pairs_scored']:,} scored ≥ review threshold "
        f"| {base['candidates']['candidate_pairs']:,} within 500 m "
        f"({base['candidates']['pairs_per_unit_mean']:,.0f}/unit, max {base['candidates']['pairs_per_unit_max']:,}) |",
        f"| cut-off | link_threshold 0.9 (manifest default) | ratio ≥ {base['cutoff']:.0f} (best F1 on the truth) |",
    ]
    lines += ["", "ours, linkage models (first run): "
              + ", ".join(f"{m} {s:.2f} s" for m, s in ours["linkage_stages"].items())]
    if ours.get("splink_seconds"):
        lines.append("ours, inside link_scores: "
                     + ", ".join(f"{k} {v:.2f} s" for k, v in ours["splink_seconds"].items()))
    lines.append("naive (first run): " + ", ".join(f"{k} {v:.2f} s" for k, v in base["seconds_parts"].items()))
    lines.append("load average (1 min) before each run: " + ", ".join(f"{x:.1f}" for x in r["load_average_1m"]))
    if base["cutoff_on_floor"]:
        lines.append(f"WARNING: the best cut-off is the floor ({RATIO_FLOOR}); lower RATIO_FLOOR and re-run")
    return "\n".join(lines)


def _code_version() -> dict:
    """The commit, and the files under etl/ that differ from it (the ETL that was measured)."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return out.stdout.strip() if out.returncode == 0 else ""
    return {"commit": git("rev-parse", "HEAD"),
            "etl_changes": [line[3:] for line in git("status", "--porcelain", "--", "etl").splitlines()]}


def run_baseline_child(folder: Path, cutoff: float | None) -> dict:
    command = [sys.executable, __file__, "--baseline-child", str(folder / "warehouse" / "warehouse.duckdb"),
               str(folder / "truth")]
    if cutoff is not None:
        command += ["--cutoff", str(cutoff)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target-units", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads for ours (default: all cores)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each, alternating (ours, naive, ours, ...); times are medians")
    parser.add_argument("--baseline-child", nargs=2, metavar=("WAREHOUSE", "TRUTH"), help=argparse.SUPPRESS)
    parser.add_argument("--cutoff", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        print(json.dumps(run_baseline(Path(args.baseline_child[0]), Path(args.baseline_child[1]), args.cutoff)))
        return

    folder = build_subset(args.seed, args.target_units)
    info = json.loads((folder / "subset.json").read_text(encoding="utf-8"))
    code = _code_version()
    ours_runs, base_runs, loads = [], [], []
    for i in range(args.repeat):
        loads.append(os.getloadavg()[0])
        print(f"[{i + 1}/{args.repeat}] ours: taxmap ETL on {folder / 'input'} ...", file=sys.stderr, flush=True)
        ours_runs.append(run_ours(folder, args.threads))
        loads.append(os.getloadavg()[0])
        print(f"[{i + 1}/{args.repeat}] naive baseline ...", file=sys.stderr, flush=True)
        base_runs.append(run_baseline_child(folder, base_runs[0]["cutoff"] if base_runs else None))
    ours = {**ours_runs[0],
            "linkage_seconds": float(np.median([o["linkage_seconds"] for o in ours_runs])),
            "linkage_seconds_runs": [o["linkage_seconds"] for o in ours_runs],
            "etl_seconds": float(np.median([o["etl_seconds"] for o in ours_runs])),
            "etl_seconds_runs": [o["etl_seconds"] for o in ours_runs],
            "f1_runs": [o["accuracy"]["f1"] for o in ours_runs],
            "runs": ours_runs[1:]}
    base = {**base_runs[0],
            "seconds": float(np.median([b["seconds"] for b in base_runs])),
            "seconds_runs": [b["seconds"] for b in base_runs],
            "f1_runs": [b["accuracy"]["f1"] for b in base_runs],
            "runs": [{k: v for k, v in b.items() if k != "sweep"} for b in base_runs[1:]]}
    result = {
        "code": code,
        "date": dt.date.today().isoformat(), "machine": f"{platform.node()}, {os.cpu_count()} cores",
        "repeat": args.repeat, "load_average_1m": loads,
        "input": {**info, "folder": str(folder.relative_to(ROOT))},
        "ours": ours, "baseline": base, "speedup": base["seconds"] / ours["linkage_seconds"],
        "f1_difference": ours["accuracy"]["f1"] - base["accuracy"]["f1"],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "linkage_baseline.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(render(result))


if __name__ == "__main__":
    main()
