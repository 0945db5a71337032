"""The analysts' table beyond its defaults (taxmap/data/analysis.py), on the generated `small` region:
the tax paid over a chosen span of declared months, withheld exactly like the 12-month tax and not
recoverable from its parents; taxpayer filters that count only the chosen taxpayers and refuse values
the warehouse does not hold; the period and filters named in every file, the CLI and the audit row."""

from __future__ import annotations

import io
import os

import h3
import pandas as pd
import pytest
from openpyxl import load_workbook

from auth_helpers import ensure_user
from dispatch import audit
from dispatch.store import open_store
from taxmap import exports
from taxmap.data import REGION, analysis, hexes
from taxmap.warehouse import Warehouse

K = 3


@pytest.fixture(scope="module")
def wh(small_region):
    warehouse = Warehouse(small_region[1])
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def months(wh):
    return analysis.periods(wh)


def test_the_periods_are_the_declared_months(wh, months):
    assert months == sorted(set(months)) and len(months) >= 6
    assert months == [r["period"] for r in wh.query("select distinct period from street_tax_monthly order by 1")]


def test_period_tax_is_the_sum_of_its_months(wh, months):
    first, last = months[2], months[5]
    table = analysis.hex_table(wh, REGION, 9, metrics=("n_taxpayers", "tax_paid_12m"), period=(first, last), k=None)
    assert table.columns == ["h3", "res", "lng", "lat", "n_taxpayers", "tax_paid_period"]
    by_cell = {r["h3"]: float(r["s"]) for r in wh.query(
        """select t.h3_9 as h3, sum(m.tax_paid) as s from fct_taxpayer_monthly as m
           join map_taxpayers as t using (taxpayer_id) where m.period between ? and ? group by 1""", [first, last])}
    assert by_cell
    for r in table.rows:
        assert r["tax_paid_period"] == pytest.approx(by_cell.get(r["h3"], 0.0), abs=0.01), r["h3"]
    one_month = analysis.hex_table(wh, REGION, 9, metrics=("tax_paid_12m",), period=(first, first), k=None)
    assert sum(r["tax_paid_period"] for r in one_month.rows) < sum(r["tax_paid_period"] for r in table.rows)


def test_period_tax_is_withheld_like_the_12_month_tax(wh, months):
    period = (months[0], months[3])
    for res in (8, 9, 10):
        plain = analysis.hex_table(wh, REGION, res, k=K)
        spanned = analysis.hex_table(wh, REGION, res, k=K, period=period)
        assert [(r["h3"], r["suppressed"]) for r in plain.rows] == [(r["h3"], r["suppressed"]) for r in spanned.rows]
        assert all(r["tax_paid_period"] is None for r in spanned.rows if r["suppressed"])
        assert any(r["tax_paid_period"] is not None for r in spanned.rows)
        # the attack: a published parent minus its published children
        parents = {r["h3"]: r for r in analysis.hex_table(wh, REGION, res - 1, k=K, period=period).rows}
        groups: dict[str, list[dict]] = {}
        for r in spanned.rows:
            if r["n_taxpayers"]:
                groups.setdefault(h3.cell_to_parent(r["h3"], res - 1), []).append(r)
        for parent, members in groups.items():
            if parents[parent]["tax_paid_period"] is not None:
                assert len([r for r in members if r["tax_paid_period"] is None]) != 1, parent


@pytest.mark.parametrize("period, message", [
    (("2026-13", "2026-14"), "not a month"), (("2026-6", "2026-07"), "not a month"),
    (("LATE", "LATER"), "not a month"), (("1999-01", "1999-02"), "outside the declared months"),
])
def test_a_bad_period_says_what_to_send(wh, period, message):
    with pytest.raises(ValueError, match=message):
        analysis.hex_table(wh, REGION, 8, period=period)


def test_a_reversed_period_is_refused(wh, months):
    with pytest.raises(ValueError, match="after"):
        analysis.hex_table(wh, REGION, 8, period=(months[3], months[1]))
    assert analysis.parse_period(f"{months[1]}") == (months[1], months[1])
    with pytest.raises(ValueError, match="FROM:TO"):
        analysis.parse_period("2026-01:2026-02:2026-03")


def test_filters_count_only_the_chosen_taxpayers(wh):
    options = hexes.filter_options(wh)
    industry = options["industry"][0]
    table = analysis.hex_table(wh, REGION, 8, filters=analysis.make_filters(wh, industry=[industry]), k=None)
    expected = wh.query("select count(*) as n from map_taxpayers where category = ?", [industry])[0]["n"]
    assert sum(r["n_taxpayers"] for r in table.rows) == expected
    unrated = analysis.make_filters(wh, credit_rating=["未评级"])
    assert unrated.credit_rating == ("",)
    counted = analysis.hex_table(wh, REGION, 8, filters=unrated, k=None)
    expected = wh.query("select count(*) as n from map_taxpayers where coalesce(credit_rating, '') = ''")[0]["n"]
    assert sum(r["n_taxpayers"] for r in counted.rows) == expected
    with pytest.raises(ValueError, match="unknown value"):
        analysis.make_filters(wh, industry=["不存在的行业"])
    with pytest.raises(ValueError, match="unknown filter"):
        analysis.make_filters(wh, salary=["high"])


def test_the_files_name_the_period_and_the_filters(wh, months):
    industry = hexes.filter_options(wh)["industry"][0]
    table = analysis.hex_table(wh, REGION, 8, k=K, period=(months[0], months[5]),
                               filters=analysis.make_filters(wh, industry=[industry]))
    assert exports.filename(table, "csv").endswith(f"_{months[0]}_{months[5]}.csv")
    frame = pd.read_csv(io.BytesIO(exports.to_bytes(table, "csv")), encoding="utf-8-sig")
    assert "所选期间实缴税款(tax_paid_period)" in frame.columns
    about = {row[0]: row[1] for row in load_workbook(io.BytesIO(exports.to_bytes(table, "xlsx")))["说明"]
             .iter_rows(values_only=True) if row and row[0]}
    assert months[0] in about["税款期间"] and months[5] in about["税款期间"]
    assert industry in about["筛选"]


def test_the_cli_takes_the_period_and_filters(small_region, months, tmp_path, monkeypatch):
    from taxmap.cli import main
    from taxmap.settings import get_settings

    monkeypatch.setenv("TAXMAP_WAREHOUSE_DIR", str(small_region[1].parent))
    get_settings.cache_clear()
    try:
        user = ensure_user("period.analyst", "analyst")
        assert main(["export", "--as", user, "--res", "8", "--period", f"{months[0]}:{months[2]}",
                     "--industry", "制造,批发", "--credit", "未评级", "--out", str(tmp_path)]) == 0
        written = list(tmp_path.glob(f"taxmap_hex_r8_*_{months[0]}_{months[2]}.csv"))
        assert len(written) == 1
        frame = pd.read_csv(written[0], encoding="utf-8-sig")
        assert "所选期间实缴税款(tax_paid_period)" in frame.columns
        store = open_store(os.environ["TAXMAP_DATABASE_URL"])
        row = audit.search(store, actor=user, action="export.hex", limit=1)[0]
        store.dispose()
        assert f"period={months[0]}:{months[2]}" in row["detail"]
        assert "industry=制造|批发" in row["detail"] and "credit=unrated" in row["detail"]
        assert main(["export", "--as", user, "--period", "2026-13", "--out", str(tmp_path)]) == 2
        assert main(["export", "--as", user, "--industry", "不存在", "--out", str(tmp_path)]) == 2
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("res", [8, 9, 10])
def test_a_whole_area_table_decides_like_the_map(wh, months, res):
    """hex_table reads each figure once (its rows are whole sibling groups); the map's way, which
    reads every group again around the cells in view, must withhold exactly the same cells."""
    industry = hexes.filter_options(wh)["industry"][1]
    for filters, period in ((hexes.Filters(), None), (hexes.Filters(industry=(industry,)), (months[0], months[2]))):
        table = analysis.hex_table(wh, REGION, res, k=K, filters=filters, period=period)
        rows = [r for r in hexes.hex_cells(wh, REGION, res, None, filters, period)
                if r["n_taxpayers"] or r["n_units"]]
        mapped = hexes.protected_cells(wh, REGION, res, rows, filters, K, period)
        assert [(r["h3"], r["suppressed"]) for r in table.rows] == [(r["h3"], r["suppressed"]) for r in mapped]
        assert sum(1 for r in mapped if r["suppressed"]) > 0


def _parts(wh, res: int) -> dict[str, dict[str, int]]:
    parts: dict[str, dict[str, int]] = {}
    for r in wh.query(f"select h3_{res} as h3, street_code, count(*) as n from map_taxpayers group by all"):
        parts.setdefault(r["h3"], {})[r["street_code"]] = r["n"]
    return parts


@pytest.mark.parametrize("res", [7, 8, 9])
def test_a_street_cannot_be_subtracted_from_the_district(wh, res):
    """The attack across areas: a cell shared by streets, published whole in the district's table,
    minus its parts in the other streets' tables (an analyst may ask for any street) would give the
    last street's part. Where that part holds fewer than k taxpayers it must stay unknown."""
    from taxmap.data import Scope

    district = {r["h3"]: r for r in analysis.hex_table(wh, REGION, res, k=K).rows}
    streets = sorted({s for cell in _parts(wh, res).values() for s in cell if s})
    by_street = {s: {r["h3"]: r for r in analysis.hex_table(wh, Scope(frozenset({s})), res, k=K).rows}
                 for s in streets}
    attempts = 0
    for cell, parts in _parts(wh, res).items():
        held = {s: n for s, n in parts.items() if n and s}
        if len(held) < 2 or district[cell]["tax_paid_12m"] is None:
            continue
        unknown = [s for s in held if by_street[s][cell]["tax_paid_12m"] is None]
        attempts += 1
        if len(unknown) == 1:
            assert held[unknown[0]] >= K, f"street {unknown[0]}'s {held[unknown[0]]} taxpayers in {cell}"
        for s, n in held.items():  # and a small part is never published in its street's table
            if n < K:
                assert s in unknown
    assert attempts > 5
