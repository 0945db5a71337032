"""The ETL scored against the generator's truth on the `small` region: nothing lost, nothing invented."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def wh(small_region):
    _, warehouse = small_region
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth(small_region):
    return small_region[0] / "truth"


def _set(df: pd.DataFrame, cols: list[str]) -> set[tuple]:
    return set(df[cols].astype(str).itertuples(index=False, name=None))


def test_every_source_is_accounted_for(wh):
    rows = wh.execute("select source, rows_read, rows_staged, rows_rejected from etl_run_sources").fetchall()
    assert {r[0] for r in rows} == {"streets", "grids", "taxpayers", "grid_units", "declarations", "officers",
                                    "task_results"}
    for source, read, staged, rejected in rows:
        assert read > 0 or source == "task_results", source  # the demo ships no officers' results
        assert staged + rejected == read, source


@pytest.mark.parametrize("table,column", [("rejects", "reason"), ("quality_issues", "issue")])
def test_rejects_and_issues_are_exactly_the_planted_ones(wh, truth, table, column):
    expected = pd.read_csv(truth / f"{table}.csv", dtype=str, keep_default_na=False)
    found = wh.execute(f"select source, row_number, record_key, {column} from {table}").df()
    cols = ["source", "row_number", "record_key", column]
    missing = _set(expected, cols) - _set(found, cols)
    extra = _set(found, cols) - _set(expected, cols)
    assert not missing, f"planted {table} not found: {sorted(missing)[:10]}"
    assert not extra, f"{table} nobody planted: {sorted(extra)[:10]}"
    assert len(expected) >= 50


def test_exact_uscc_links_are_all_correct_and_complete(wh, truth):
    units = pd.read_parquet(truth / "units.parquet")
    links = wh.execute("select record_id, taxpayer_id from unit_links where method = 'uscc'").df()
    staged = {r for (r,) in wh.execute("select record_id from stg_grid_units").fetchall()}
    staged_taxpayers = {t for (t,) in wh.execute("select taxpayer_id from stg_taxpayers").fetchall()}
    true_link = dict(zip(units.record_id, units.true_taxpayer_id, strict=True))
    wrong = [(r, t, true_link.get(r)) for r, t in zip(links.record_id, links.taxpayer_id, strict=True)
             if true_link.get(r) != t]
    assert not wrong, f"exact links to the wrong taxpayer: {wrong[:10]}"
    should = units[units.uscc_exact & units.record_id.isin(staged) & units.true_taxpayer_id.isin(staged_taxpayers)]
    assert set(should.record_id) == set(links.record_id)
    assert len(links) > 1000


def test_positions_come_back_to_the_true_place(wh, truth):
    import numpy as np

    from etl.coords import haversine_m

    # a planted duplicate repeats a record_id: the first occurrence is the staged one
    units = pd.read_parquet(truth / "units.parquet").sort_values("row_number")
    units = units.drop_duplicates("record_id").set_index("record_id")
    staged = wh.execute("select record_id, lng, lat from stg_grid_units").df().set_index("record_id")
    joined = staged.join(units[["true_lng", "true_lat"]], how="inner")
    error = haversine_m(joined.lng, joined.lat, joined.true_lng, joined.true_lat)
    # GPS noise of 10–30 m is all that remains once GCJ-02/BD-09 are undone
    assert np.percentile(error, 99) < 60
    assert len(joined) == len(staged)


def test_hex_stats_add_up_at_every_resolution(wh):
    totals = wh.execute("""select res, sum(n_taxpayers), sum(n_units), sum(n_linked) from hex_stats
                           group by res order by res""").fetchall()
    taxpayers = wh.execute("select count(*) from stg_taxpayers where h3_10 is not null").fetchone()[0]
    units = wh.execute("select count(*) from stg_grid_units").fetchone()[0]
    linked = wh.execute("select count(*) from unit_links where method <> 'none'").fetchone()[0]
    assert totals == [(r, taxpayers, units, linked) for r in (7, 8, 9, 10)]
    assert wh.execute("select count(*) from hex_stats where res = 7").fetchone()[0] \
        < wh.execute("select count(*) from hex_stats where res = 10").fetchone()[0]


def test_streets_get_their_share(wh):
    share = dict(wh.execute("""select street_name, count(*) / sum(count(*)) over ()
                               from stg_taxpayers join stg_streets using (street_code) group by 1""").fetchall())
    assert share["西乡街道"] == pytest.approx(0.2441, abs=0.02)
