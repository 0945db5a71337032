"""The command map's data and callbacks: cells in view per resolution, filters, the side panel,
drill-down, and the rule that only the data-access layer touches the warehouse."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import h3
import pytest

from components import find as _find
from dashboard import context
from layers import hexes as hex_layer
from taxmap import data
from taxmap.data import hexes
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wh(small_region):
    import app  # noqa: F401 - the Dash app must exist before its pages are imported

    warehouse = Warehouse(small_region[1])
    context.configure(Settings(warehouse_dir=small_region[1].parent))
    yield warehouse
    warehouse.close()


def test_resolution_follows_zoom():
    assert [hexes.resolution_for_zoom(z) for z in (None, 9, 10.75, 11, 13.75, 14, 15.75, 16, 18)] == \
        [7, 7, 7, 8, 8, 9, 9, 10, 10]


def test_every_resolution_holds_every_taxpayer_once(wh):
    located = wh.query("select count(*) as n from stg_taxpayers where h3_10 is not null")[0]["n"]
    for res in hexes.RESOLUTIONS:
        rows = hexes.hex_cells(wh, data.REGION, res, None)
        assert sum(r["n_taxpayers"] for r in rows) == located
        assert all(h3.get_resolution(r["h3"]) == res for r in rows)


def test_the_precomputed_and_the_on_the_fly_paths_agree(wh):
    streets = frozenset(r["street_code"] for r in wh.query("select street_code from stg_streets"))
    fast = {r["h3"]: r for r in hexes.hex_cells(wh, data.REGION, 8, None)}
    slow = {r["h3"]: r for r in hexes.hex_cells(wh, data.Scope(streets), 8, None)}
    outside = wh.query("select count(*) as n from stg_taxpayers where h3_10 is not null and street_code is null")[0]["n"]
    assert outside == 0, "every located taxpayer has a street in the generated region"
    assert fast.keys() == slow.keys()
    for cell, row in fast.items():
        for metric in (*hexes.COUNTS, "tax_paid_12m", "risk_mean", "linked_share"):
            assert row[metric] == pytest.approx(slow[cell][metric], abs=0.011), (cell, metric)


def test_only_cells_in_view_are_sent(wh):
    every = hexes.cells_in_view(wh, 9, None)
    south, west, north, east = 22.55, 113.85, 22.60, 113.90
    shown = hexes.cells_in_view(wh, 9, [[south, west], [north, east]])
    assert 0 < len(shown) < len(every)
    pad = h3.average_hexagon_edge_length(9, unit="km") / 111.0 * 2
    for cell in shown:
        lat, lng = h3.cell_to_latlng(cell)
        assert south - pad <= lat <= north + pad and west - pad <= lng <= east + pad
    rows = hexes.hex_cells(wh, data.REGION, 9, [[south, west], [north, east]])
    assert {r["h3"] for r in rows} <= set(shown)


def test_filters_change_the_taxpayer_side(wh):
    high = hexes.hex_cells(wh, data.REGION, 7, None, hexes.Filters(risk_level=("high",)))
    expected = wh.query("select count(*) as n from taxpayer_risk join stg_taxpayers using (taxpayer_id) "
                        "where risk_level = 'high' and h3_10 is not null")[0]["n"]
    assert sum(r["n_taxpayers"] for r in high) == expected == sum(r["n_high_risk"] for r in high)
    unrated = hexes.hex_cells(wh, data.REGION, 7, None, hexes.Filters(credit_rating=("",)))
    expected = wh.query("select count(*) as n from stg_taxpayers where credit_rating is null and h3_10 is not null"
                        )[0]["n"]
    assert sum(r["n_taxpayers"] for r in unrated) == expected > 0


def test_a_street_scope_sees_only_its_street(wh):
    code = wh.query("select street_code from stg_streets order by street_code limit 1")[0]["street_code"]
    rows = hexes.hex_cells(wh, data.Scope(frozenset({code})), 8, None)
    expected = wh.query("select count(*) as n from stg_taxpayers where street_code = ? and h3_10 is not null",
                        [code])[0]["n"]
    assert sum(r["n_taxpayers"] for r in rows) == expected
    cell = max(rows, key=lambda r: r["n_taxpayers"])["h3"]
    detail = hexes.cell_detail(wh, data.Scope(frozenset({code})), 8, cell)
    assert detail["taxpayers"] and all(
        wh.query("select street_code from stg_taxpayers where taxpayer_id = ?", [t["taxpayer_id"]])[0][
            "street_code"] == code for t in detail["taxpayers"])


def test_cell_detail_lists_the_riskiest_first_with_reasons(wh):
    cell = wh.query("""select h3_9 as c from taxpayer_risk join stg_taxpayers using (taxpayer_id)
                       where risk_level = 'high' and h3_9 is not null limit 1""")[0]["c"]
    detail = hexes.cell_detail(wh, data.REGION, 9, cell)
    scores = [t["risk_score"] for t in detail["taxpayers"]]
    assert scores == sorted(scores, reverse=True)
    top = detail["taxpayers"][0]
    assert top["risk_level"] == "high" and top["hits"] and top["hits"][0]["reason_zh"]
    assert "legal_rep_id" not in top and "phone" not in top  # personal fields are never read for the map
    in_cell = wh.query("select count(*) as n from stg_taxpayers where h3_9 = ?", [cell])[0]["n"]
    assert len(detail["taxpayers"]) == min(in_cell, 50)


def test_breaks_and_legend():
    assert hex_layer.breaks([None, 0, 0]) is None
    assert hex_layer.breaks([5, 5, 5]) == []
    got = hex_layer.breaks(list(range(1, 101)))
    assert got == [20, 40, 60, 80]
    assert [hex_layer.color_index(k, 5, 5) for k in range(5)] == [0, 1, 2, 3, 4]
    assert hex_layer.color_index(0, 1, 5) == 4 and hex_layer.color_index(1, 2, 5) == 4
    legend = hex_layer.legend("risk", "risk_mean", {"risk_mean": [10.0, 20.0]}, 8, 42, "zh")
    text = json.dumps(legend.to_plotly_json(), ensure_ascii=False, default=str)
    assert "≤ 10.0" in text and "10.0 – 20.0" in text and "> 20.0" in text and "42 个六边形" in text


def test_the_cells_callback_sends_geometry_and_every_metric(wh):
    from dashboard.pages import home

    bounds = data.region_bounds(wh)
    none = [None] * len(home.FILTERS)
    collection, breaks, meta, points = home.cells_update(bounds, 12, None, "density", none, "zh")
    assert meta["res"] == 8 and meta["n"] == len(collection["features"]) > 0
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Polygon" and len(feature["geometry"]["coordinates"][0]) == 7
    assert set(hexes.METRICS) <= set(feature["properties"]) and "登记纳税人数" in feature["properties"]["tooltip"]
    assert set(hexes.METRICS) <= set(breaks) and points is None
    # switching layer or metric restyles only: the hideout changes, the data is not sent again
    hideout, _legend = home._style(breaks, "risk", "n_high_risk", [], meta, "zh")
    assert hideout["metric"] == "n_high_risk" and hideout["colors"] == hex_layer.LAYERS["risk"]["colors"]
    again = home.cells_update(bounds, 12, None, "risk", none, "zh", trigger="layer")
    assert again[0] is home.no_update and again[1] is home.no_update


def test_discrepancy_points_when_zoomed_in(wh):
    from dashboard.pages import home

    row = wh.query("select lat, lng from discrepancies where kind = 'unregistered' limit 1")[0]
    bounds = [[row["lat"] - 0.003, row["lng"] - 0.003], [row["lat"] + 0.003, row["lng"] + 0.003]]
    filters = [None] * len(home.FILTERS)
    filters[home.FILTERS.index("discrepancy_kind")] = ["unregistered"]
    *_, points = home.cells_update(bounds, 16, None, "discrepancies", filters, "zh")
    kinds = {f["properties"]["kind"] for f in points["features"]}
    assert kinds == {"unregistered"} and "有经营无登记" in points["features"][0]["properties"]["tooltip"]


def test_clicks_select_one_cell_or_several(wh):
    from dashboard.pages import home

    a, b = (r["h3"] for r in hexes.hex_cells(wh, data.REGION, 8, None)[:2])

    def click(cell, mode, selected):
        return home.select_update("hexes", {"properties": {"h3": cell}}, mode, selected)

    assert click(a, [], [b]) == [a]
    assert click(b, ["multi"], [a]) == [a, b]
    assert click(a, ["multi"], [a, b]) == [b]
    assert home.select_update("clear-selection", None, ["multi"], [a, b]) == []
    card = home.selection_card(wh, data.REGION, [a, b], "zh")
    text = json.dumps(card.to_plotly_json(), ensure_ascii=False, default=str)
    assert "已选 2 个六边形" in text


def test_drilling_into_a_street_a_grid_and_back(wh):
    from dashboard.pages import home

    code, name = next((r["street_code"], r["street_name"]) for r in
                      wh.query("select street_code, street_name from stg_streets order by street_code"))
    area, viewport, crumbs, overview, grid_labels = home.drill_update(
        {"type": "street-label", "code": code}, None, "宝安区", "zh")
    assert area == {"street": code, "grid": None} and viewport["bounds"] == data.area_bounds(wh, "street", code)
    text = json.dumps([c.to_plotly_json() for c in crumbs], ensure_ascii=False, default=str)
    assert "宝安区" in text and name in text
    taxpayers = wh.query("select count(*) as n from stg_taxpayers where street_code = ?", [code])[0]["n"]
    assert f"{taxpayers:,}" in json.dumps(overview.to_plotly_json(), ensure_ascii=False, default=str)
    grids = wh.query("select grid_code, grid_name from stg_grids where street_code = ? order by 1", [code])
    assert [g.id["code"] for g in grid_labels] == [g["grid_code"] for g in grids]

    grid = grids[0]["grid_code"]
    area, viewport, crumbs, overview, grid_labels = home.drill_update(
        {"type": "grid-label", "code": grid}, area, "宝安区", "zh")
    assert area == {"street": code, "grid": grid} and grid_labels == []
    assert viewport["bounds"] == data.area_bounds(wh, "grid", grid)
    text = json.dumps([c.to_plotly_json() for c in crumbs], ensure_ascii=False, default=str)
    assert grids[0]["grid_name"] in text and "crumb-grid" in text
    in_grid = wh.query("select count(*) as n from stg_taxpayers where grid_code = ?", [grid])[0]["n"]
    assert f"{in_grid:,}" in json.dumps(overview.to_plotly_json(), ensure_ascii=False, default=str)
    rows = hexes.hex_cells(wh, home._scope(area), 9, None)
    located = wh.query("select count(*) as n from stg_taxpayers where grid_code = ? and h3_10 is not null",
                       [grid])[0]["n"]
    assert sum(r["n_taxpayers"] for r in rows) == located

    area, *_ = home.drill_update("crumb-street", area, "宝安区", "zh")
    assert area == {"street": code, "grid": None}
    area, viewport, crumbs, _, grid_labels = home.drill_update("crumb-region", area, "宝安区", "zh")
    assert area is None and viewport["bounds"] == data.region_bounds(wh) and grid_labels == []
    assert "tm-hidden" in crumbs[-1].className and crumbs[-1].id == "crumb-street"


def test_pages_and_layers_read_only_through_the_data_layer():
    for folder in ("dashboard", "layers"):
        for path in (ROOT / folder).rglob("*.py"):
            where = path.relative_to(ROOT)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        assert alias.name.split(".")[0] not in ("duckdb", "etl"), f"{where} imports {alias.name}"
                elif isinstance(node, ast.ImportFrom):
                    module = node.module or ""
                    assert module.split(".")[0] not in ("duckdb", "etl"), f"{where} imports {module}"
                    if module == "taxmap.warehouse":  # its types only: the queries live in taxmap.data
                        assert {a.name for a in node.names} <= {"Warehouse", "WarehouseMissing"}, where
                elif isinstance(node, ast.Attribute) and node.attr in ("query", "cursor", "execute", "sql"):
                    pytest.fail(f"{where}:{node.lineno} calls .{node.attr}(): read through taxmap.data")


def test_overlays_align_with_gcj02_tiles(wh, small_region):
    """Chinese tile services are GCJ-02: with TAXMAP_TILE_CRS=GCJ02 every overlay is drawn shifted by
    exactly the GCJ-02 offset, and the viewport the browser reports is shifted back for the queries."""
    import numpy as np

    from dashboard.pages import home
    from etl import coords
    from taxmap.data.display import Display

    gcj = Display("GCJ02")
    lng, lat = 113.88, 22.56
    x, y = gcj.point(lng, lat)
    ex, ey = coords.wgs84_to_gcj02(np.array([lng]), np.array([lat]))
    assert (x, y) == (float(ex[0]), float(ey[0]))
    shift_m = float(coords.haversine_m(np.array([lng]), np.array([lat]), np.array([x]), np.array([y]))[0])
    assert 300 < shift_m < 700, f"the GCJ-02 offset in Shenzhen is some 500 m, got {shift_m:.0f} m"
    bounds = [[22.5, 113.8], [22.7, 114.0]]
    back = gcj.bounds_in(gcj.bounds_out(bounds))
    assert np.allclose(back, bounds, atol=1e-6)  # 0.1 m
    assert Display("WGS84").bounds_in(bounds) == bounds and Display().point(lng, lat) == (lng, lat)

    previous = context.settings()
    context.configure(Settings(warehouse_dir=small_region[1].parent, tile_url="http://tiles.local/{z}/{x}/{y}.png",
                               tile_crs="GCJ02"))
    try:
        none = [None] * len(home.FILTERS)
        shown = gcj.bounds_out(data.region_bounds(context.warehouse()))
        shifted, *_ = home.cells_update(shown, 12, None, "density", none, "zh")
        context.configure(Settings(warehouse_dir=small_region[1].parent))
        plain, *_ = home.cells_update(data.region_bounds(context.warehouse()), 12, None, "density", none, "zh")
        assert [f["id"] for f in shifted["features"]] == [f["id"] for f in plain["features"]]
        ring = np.array(plain["features"][0]["geometry"]["coordinates"][0])
        sx, sy = coords.wgs84_to_gcj02(ring[:, 0], ring[:, 1])
        assert np.allclose(shifted["features"][0]["geometry"]["coordinates"][0], np.column_stack([sx, sy]), atol=2e-6)
        context.configure(Settings(warehouse_dir=small_region[1].parent, tile_url="http://tiles.local/{z}/{x}/{y}.png",
                                   tile_crs="GCJ02"))
        page = home.layout()
        tiles = _find(page, "base-tiles")
        assert tiles is not None and tiles.url == "http://tiles.local/{z}/{x}/{y}.png"
        street = _find(page, "boundaries-streets").data["features"][0]["geometry"]
        assert street["type"] in ("Polygon", "MultiPolygon")
    finally:
        context.configure(previous)
    assert _find(home.layout(), "base-tiles") is None  # no base map unless configured



def test_a_view_with_too_many_cells_gets_a_coarser_resolution(wh):
    bounds = data.region_bounds(wh)
    res, rows = hexes.cells_for_zoom(wh, data.REGION, 16, bounds)  # zoom 16 asks for res 10
    assert res < 10
    assert len(hexes.cells_in_view(wh, res, bounds)) <= hexes.MAX_CELLS < len(hexes.cells_in_view(wh, res + 1, bounds))
    assert rows == hexes.hex_cells(wh, data.REGION, res, bounds)
