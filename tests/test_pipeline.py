"""The ETL end to end on the tiny region: exact results, re-runs, history, atomic publish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import db
from etl.coords import haversine_m
from etl.pipeline import run_etl
from tiny_region import UNITS, uscc


def q(path: Path, sql: str):
    # the same configuration as the app's connections: DuckDB refuses two configurations of one file
    con = db.connect(path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_exact_links_by_uscc(tiny_warehouse):
    links = dict((r, (t, m, p)) for r, t, m, p in q(
        tiny_warehouse, "select record_id, taxpayer_id, method, match_probability from unit_links"))
    probability = links["R002"][2]
    assert links == {
        "R001": (uscc(1), "uscc", 1.0),
        # no licence number: matched by name, address and distance (too little data to train: shipped model)
        "R002": (uscc(2), "probabilistic", probability),
        "R003": (uscc(3), "uscc", 1.0),
        "R004": (uscc(4), "uscc", 1.0),
        "R005": (None, "none", links["R005"][2]),
    }
    assert probability >= 0.9
    assert links["R005"][2] is None or links["R005"][2] < 0.5


def test_gcj02_positions_come_back_to_wgs84_within_a_metre(tiny_warehouse):
    rows = dict((r, (lng, lat)) for r, lng, lat in q(tiny_warehouse, "select record_id, lng, lat from stg_grid_units"))
    for rid, _grid, _name, _serial, lng, lat, _status in UNITS:
        assert haversine_m(*rows[rid], lng, lat) < 1.0


def test_units_and_taxpayers_get_streets_grids_and_h3_cells(tiny_warehouse):
    import h3

    rows = q(tiny_warehouse, "select record_id, street_code, grid_code, lng, lat, h3_7, h3_8, h3_9, h3_10 "
                             "from stg_grid_units order by record_id")
    expected_grid = {rid: grid for rid, grid, *_ in UNITS}
    for rid, street, grid, lng, lat, c7, c8, c9, c10 in rows:
        assert grid == expected_grid[rid] and grid.startswith(street)
        assert c10 == h3.latlng_to_cell(lat, lng, 10)
        assert [c7, c8, c9] == [h3.cell_to_parent(c10, r) for r in (7, 8, 9)]
    taxpayers = q(tiny_warehouse, "select taxpayer_id, street_code, grid_code from stg_taxpayers order by 1")
    assert taxpayers[4] == (uscc(5), "440306002", "4403060020001")


def test_hex_stats_counts_and_tax_paid(tiny_warehouse):
    totals = q(tiny_warehouse, """select res, sum(n_taxpayers), sum(n_units), sum(n_linked), sum(tax_paid_12m)
                                  from hex_stats group by res order by res""")
    # taxpayers 1, 2, 4 paid 100·serial a month for 12 months: 1200 + 2400 + 4800
    assert totals == [(r, 5, 5, 4, 8400.0) for r in (7, 8, 9, 10)]
    cells = q(tiny_warehouse, "select count(*), count(distinct h3) from hex_stats where res = 10")[0]
    assert cells[0] == cells[1]


def test_run_accounting_is_recorded(tiny_warehouse):
    rows = q(tiny_warehouse, "select source, rows_read, rows_staged, rows_rejected from etl_run_sources order by 1")
    assert rows == [("declarations", 36, 36, 0), ("grid_units", 5, 5, 0), ("grids", 4, 4, 0),
                    ("officers", 2, 2, 0), ("streets", 2, 2, 0), ("task_results", 0, 0, 0), ("taxpayers", 5, 5, 0)]
    run = q(tiny_warehouse, "select status, rows_read['taxpayers'], region_name from etl_runs")
    assert run == [("success", 5, "测试区")]


def test_no_ephemeral_or_raw_tables_are_published(tiny_warehouse):
    tables = {t for (t,) in q(tiny_warehouse, "select table_name from information_schema.tables")}
    assert {"unit_links", "hex_stats", "rejects", "quality_issues", "etl_runs", "stg_taxpayers"} <= tables
    assert not {t for t in tables if t.startswith(("raw_", "geo_")) or t.endswith(("_checked", "_screened"))}


def test_second_run_on_unchanged_input_is_skipped_and_force_rebuilds(tiny_input, tmp_path):
    out = tmp_path / "out"
    first = run_etl(tiny_input, out)
    mtime = first.warehouse.stat().st_mtime_ns
    second = run_etl(tiny_input, out)
    assert second.skipped and second.run_id == first.run_id
    assert first.warehouse.stat().st_mtime_ns == mtime
    third = run_etl(tiny_input, out, force=True)
    assert not third.skipped
    runs = q(third.warehouse, "select run_id from etl_runs order by started_at")
    assert [r for (r,) in runs] == [first.run_id, third.run_id]


def test_results_are_deterministic(tiny_input, tmp_path):
    a = run_etl(tiny_input, tmp_path / "a").warehouse
    b = run_etl(tiny_input, tmp_path / "b").warehouse
    for table in ("stg_taxpayers", "stg_grid_units", "unit_links", "hex_stats", "rejects", "quality_issues"):
        assert q(a, f"select * from {table}") == q(b, f"select * from {table}")


def test_changed_input_runs_again(tiny_input, tmp_path):
    out = tmp_path / "out"
    run_etl(tiny_input, out)
    with (tiny_input / "grid_units.csv").open("a", encoding="utf-8") as fh:
        fh.write("R006,4403060010001,新开小店,,,,113.86,22.56,WGS84,在营,零售,2026-05-01,W001\n")
    result = run_etl(tiny_input, out)
    assert not result.skipped
    assert q(result.warehouse, "select count(*) from stg_grid_units") == [(6,)]


def _big_input(tiny_input: Path, n_units: int) -> Path:
    """The tiny region with many grid units, so a run lasts long enough to be killed mid-way."""
    rng = np.random.default_rng(0)
    units = pd.DataFrame({
        "record_id": [f"B{i:07d}" for i in range(n_units)],
        "grid_code": "4403060010001",
        "unit_name": "测试单位",
        "lng": rng.uniform(113.851, 113.889, n_units).round(6),
        "lat": rng.uniform(22.551, 22.569, n_units).round(6),
        "coord_sys": "GCJ02",
        "operating_status": "在营",
        "collected_at": "2026-03-01",
    })
    (tiny_input / "grid_units.csv").unlink()
    units.to_parquet(tiny_input / "grid_units.parquet")
    return tiny_input


@pytest.mark.slow
def test_kill_9_during_etl_leaves_the_previous_warehouse_intact(tiny_input, tmp_path):
    out = tmp_path / "out"
    good = run_etl(tiny_input, out).warehouse
    before = good.read_bytes()
    _big_input(tiny_input, 600_000)
    proc = subprocess.Popen([sys.executable, "-m", "taxmap.cli", "etl", "--input", str(tiny_input),
                             "--out", str(out), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob(".warehouse.*.tmp.duckdb")):
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert good.read_bytes() == before
    assert q(good, "select count(*) from stg_grid_units") == [(5,)]
    # The next run cleans the killed run's temporary file up and publishes.
    result = run_etl(tiny_input, out)
    assert q(result.warehouse, "select count(*) from stg_grid_units") == [(600_000,)]
    assert not list(out.glob(".warehouse.*.tmp*"))


def test_failed_run_leaves_the_previous_warehouse_and_no_temporary(tiny_input, tmp_path, monkeypatch):
    from etl import runner

    out = tmp_path / "out"
    good = run_etl(tiny_input, out).warehouse
    before = good.read_bytes()

    def broken(con, model):
        raise runner.ModelError(f"model {model.name}: simulated failure")

    monkeypatch.setattr(runner, "build", broken)
    with pytest.raises(runner.ModelError):
        run_etl(tiny_input, out, force=True)
    assert good.read_bytes() == before
    assert not list(out.glob(".warehouse.*"))


def test_a_second_concurrent_run_on_the_same_folder_is_refused(tiny_input, tmp_path):
    import fcntl

    from etl.pipeline import LOCK_NAME
    from etl.read import InputError

    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_NAME, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(InputError, match="another taxmap etl"):
            run_etl(tiny_input, out)
    assert run_etl(tiny_input, out).warehouse.is_file()


def test_declarations_are_summarised_per_taxpayer(tiny_warehouse):
    rows = q(tiny_warehouse, "select taxpayer_id, months_declared, last_period, tax_paid_12m, sales_12m "
                             "from fct_taxpayer_declarations order by 1")
    assert rows == [(uscc(s), 12, "2025-12", 1200.0 * s, 120000.0) for s in (1, 2, 4)]
    tables = {t for (t,) in q(tiny_warehouse, "select table_name from information_schema.tables")}
    assert "stg_declarations" not in tables  # summarised, not published row by row


def test_keep_intermediate_publishes_the_staged_declarations(tiny_input, tmp_path):
    warehouse = run_etl(tiny_input, tmp_path / "out", keep_intermediate=True).warehouse
    assert q(warehouse, "select count(*), sum(tax_paid) from stg_declarations") == [(36, 8400.0)]


def test_boundaries_in_gcj02_are_converted_when_the_manifest_says_so(tiny_input, tmp_path):
    import json

    from etl.coords import wgs84_to_gcj02

    path = tiny_input / "streets.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        ring = np.array(feature["geometry"]["coordinates"][0])
        lng, lat = wgs84_to_gcj02(ring[:, 0], ring[:, 1])
        feature["geometry"]["coordinates"][0] = np.column_stack([lng, lat]).tolist()
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    manifest = tiny_input / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + 'boundary_coord_sys = "GCJ02"\n', encoding="utf-8")
    warehouse = run_etl(tiny_input, tmp_path / "out").warehouse
    corners = q(warehouse, "select st_xmin(geom), st_ymin(geom), st_xmax(geom), st_ymax(geom) "
                           "from stg_streets order by street_code")
    assert haversine_m(corners[0][0], corners[0][1], 113.85, 22.55) < 1.0
    assert haversine_m(corners[1][2], corners[1][3], 113.89, 22.57) < 1.0
    # grids stayed WGS84 as written, and every unit still falls in its street
    assert q(warehouse, "select count(*) from stg_grid_units where street_code is null") == [(0,)]


def test_the_generated_region_gives_the_same_results_twice(small_region, tmp_path):
    base, first = small_region
    second = run_etl(base / "input", tmp_path / "again").warehouse
    for table, key in (("stg_taxpayers", "taxpayer_id"), ("stg_grid_units", "record_id"),
                       ("unit_links", "record_id"), ("hex_stats", "res, h3"), ("rejects", "source, row_number"),
                       ("fct_taxpayer_declarations", "taxpayer_id")):
        sql = f"select * from {table} order by {key}"
        assert q(first, sql) == q(second, sql), table


def test_an_absurd_amount_is_flagged_not_a_failed_run(tiny_input, tmp_path):
    with (tiny_input / "declarations.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{uscc(5)},2025-12,增值税,9e40,1,1,,\n")
    warehouse = run_etl(tiny_input, tmp_path / "out").warehouse
    assert q(warehouse, "select source, row_number, issue from quality_issues") == [
        ("declarations", 37, "amount_unparseable")]
    assert q(warehouse, f"select sales_12m, tax_paid_12m from fct_taxpayer_declarations "
                        f"where taxpayer_id = '{uscc(5)}'") == [(None, 1)]


def test_parquet_cells_are_trimmed_like_csv_cells(tiny_input, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    officers = pa.table({"officer_id": ["\tW001\t", "\u3000T001\u3000"], "name": [" 李四 ", "王五\u00a0"],
                         "role": ["网格员", "税收管理员"]})
    (tiny_input / "officers.csv").unlink()
    pq.write_table(officers, tiny_input / "officers.parquet")
    warehouse = run_etl(tiny_input, tmp_path / "out").warehouse
    assert q(warehouse, "select officer_id, name, role from stg_officers order by 1") == [
        ("T001", "王五", "tax_officer"), ("W001", "李四", "grid_worker")]
