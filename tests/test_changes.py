"""The comparison between two ETL runs per hexagon (taxmap/data/changes.py): the run history the ETL
keeps (etl_run_taxpayers), new / disappeared / moved tax sources and the change in tax and risk on the
tiny region changed by hand between two runs, disclosure control that cannot be undone from the
published totals (the small region, perturbed), and the comparison through the API, the CLI, the
exports and the /analysis page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import zipfile

import geopandas as gpd
import h3
import pandas as pd
import pytest
from openpyxl import load_workbook

from auth_helpers import ensure_user, login
from components import post_callback
from dashboard import context
from dispatch import audit, tokens
from dispatch.store import open_store
from etl import pipeline
from layers import changes as changes_layer
from taxmap import exports
from taxmap.data import REGION, Scope, analysis, changes, hexes
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse
from tiny_region import uscc, write_tiny_region

XINAN, XIXIANG = "440306001", "440306002"
NEW_NAME = "深圳市新来科技有限公司"


def rewrite_csv(path, change) -> None:
    """Rewrite one of the tiny region's CSV inputs through ``change(header, rows) -> rows``."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(rows[0])
        writer.writerows(change(rows[0], rows[1:]))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The tiny region, then the same region after: taxpayer 5 deregistered (gone), taxpayer 6 new in
    西乡, taxpayer 2 moved inside 新安, taxpayer 1 paying twice as much."""
    base = tmp_path_factory.mktemp("two-runs")
    folder = write_tiny_region(base / "input")
    first = pipeline.run_etl(folder, base / "out")

    def taxpayers(header, rows):
        col = {name: i for i, name in enumerate(header)}
        rows = [r for r in rows if r[0] != uscc(5)]
        for r in rows:
            if r[0] == uscc(2):
                r[col["lng"]], r[col["lat"]] = "113.858", "22.561"
        new = list(rows[0])
        new[0], new[col["name"]], new[col["lng"]], new[col["lat"]] = uscc(6), NEW_NAME, "113.878", "22.558"
        return [*rows, new]

    def declarations(header, rows):
        for r in rows:
            if r[0] == uscc(1):
                r[header.index("tax_paid")] = str(int(r[header.index("tax_paid")]) * 2)
        return rows

    rewrite_csv(folder / "taxpayers.csv", taxpayers)
    rewrite_csv(folder / "declarations.csv", declarations)
    second = pipeline.run_etl(folder, base / "out")
    return {"input": folder, "warehouse": second.warehouse, "first": first.run_id, "second": second.run_id}


@pytest.fixture
def wh(two_runs):
    warehouse = Warehouse(two_runs["warehouse"])
    yield warehouse
    warehouse.close()


def _cell_of(wh, run_id: str, serial: int) -> str:
    return wh.query("select h3_10 from etl_run_taxpayers where run_id = ? and taxpayer_id = ?",
                    [run_id, uscc(serial)])[0]["h3_10"]


def test_the_etl_keeps_each_runs_taxpayers(wh, two_runs):
    kept = {r["run_id"]: r["n"] for r in wh.query(
        "select run_id, count(*) as n from etl_run_taxpayers group by 1")}
    assert kept == {two_runs["first"]: 5, two_runs["second"]: 5}
    ids = {r["taxpayer_id"] for r in wh.query("select taxpayer_id from etl_run_taxpayers where run_id = ?",
                                                [two_runs["second"]])}
    assert uscc(5) not in ids and uscc(6) in ids
    assert [r["run_id"] for r in changes.history_runs(wh)] == [two_runs["second"], two_runs["first"]]


def test_each_change_lands_in_its_cell(wh, two_runs):
    first, second = two_runs["first"], two_runs["second"]
    table = analysis.change_table(wh, REGION, 10, first, k=None)
    assert table.run_id == second and table.base_run == first and "suppressed" not in table.columns
    cells = {r["h3"]: r for r in table.rows}
    gone, new = cells[_cell_of(wh, first, 5)], cells[_cell_of(wh, second, 6)]
    assert (gone["n_gone"], gone["n_taxpayers_from"], gone["n_taxpayers_to"]) == (1, 1, 0)
    assert (new["n_new"], new["n_taxpayers_from"], new["n_taxpayers_to"]) == (1, 0, 1)
    old_home, new_home = _cell_of(wh, first, 2), _cell_of(wh, second, 2)
    assert old_home != new_home
    assert cells[old_home]["n_moved_out"] == 1 and cells[new_home]["n_moved_in"] == 1
    # taxpayer 2 paid 200 a month: its 12 months leave one cell and arrive in the other
    assert cells[old_home]["tax_change"] == -2400.0 and cells[new_home]["tax_change"] == 2400.0
    doubled = cells[_cell_of(wh, second, 1)]
    assert doubled["tax_paid_from"] == 1200.0 and doubled["tax_paid_to"] == 2400.0 and doubled["tax_change"] == 1200.0
    assert doubled["n_new"] == doubled["n_gone"] == 0
    assert sum(r["n_new"] for r in table.rows) == 1 and sum(r["n_gone"] for r in table.rows) == 1
    assert sum(r["n_taxpayers_to"] for r in table.rows) == 5 == sum(r["n_taxpayers_from"] for r in table.rows)
    # at a coarser resolution the same totals, and a move inside one cell is no move
    coarse = analysis.change_table(wh, REGION, 7, first, k=None)
    assert sum(r["n_taxpayers_to"] for r in coarse.rows) == 5
    moved = h3.cell_to_parent(old_home, 7) != h3.cell_to_parent(new_home, 7)
    assert sum(r["n_moved_in"] for r in coarse.rows) == int(moved)


def test_the_area_and_filters_apply_in_each_run(wh, two_runs):
    xixiang = analysis.change_table(wh, Scope(frozenset({XIXIANG})), 10, two_runs["first"], k=None)
    assert sum(r["n_new"] for r in xixiang.rows) == 1 and sum(r["n_gone"] for r in xixiang.rows) == 1
    assert sum(r["n_taxpayers_to"] for r in xixiang.rows) == 3
    assert _cell_of(wh, two_runs["second"], 2) not in {r["h3"] for r in xixiang.rows}
    nobody = analysis.change_table(wh, REGION, 10, two_runs["first"], k=None,
                                   filters=hexes.Filters(taxpayer_type=("一般纳税人",)))
    assert nobody.rows == []


def test_unknown_or_equal_runs_say_what_to_choose(wh, two_runs):
    with pytest.raises(ValueError, match="not kept"):
        analysis.change_table(wh, REGION, 9, "20000101T000000-none")
    with pytest.raises(ValueError, match="two different runs"):
        analysis.change_table(wh, REGION, 9, two_runs["second"])
    with pytest.raises(ValueError, match="unknown change metric"):
        analysis.change_table(wh, REGION, 9, two_runs["first"], metrics=("n_taxpayers",))


def test_the_history_keeps_the_newest_runs_only(two_runs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(two_runs["warehouse"], out / pipeline.WAREHOUSE_NAME)
    monkeypatch.setattr(pipeline, "TAXPAYER_HISTORY_RUNS", 2)
    third = pipeline.run_etl(two_runs["input"], out, force=True)
    warehouse = Warehouse(third.warehouse)
    try:
        kept = {r["run_id"] for r in warehouse.query("select distinct run_id from etl_run_taxpayers")}
        assert kept == {two_runs["second"], third.run_id}
        assert len(warehouse.query("select run_id from etl_runs")) == 3  # the runs themselves stay listed
    finally:
        warehouse.close()


def test_a_withheld_cell_withholds_both_runs_and_the_change(wh, two_runs):
    table = analysis.change_table(wh, REGION, 10, two_runs["first"], k=3)
    assert table.rows and all(r["suppressed"] == "primary" for r in table.rows)  # one taxpayer a cell
    for r in table.rows:
        assert all(r[c] is None for c in changes.SENSITIVE if c in r)
        assert r["n_new"] is not None and r["n_taxpayers_to"] is not None  # counts are published


# --- disclosure control on a real-sized region -----------------------------------------------------

@pytest.fixture(scope="module")
def small_two_runs(small_second_run):
    wh = Warehouse(small_second_run["warehouse"])
    yield wh, small_second_run["first"]
    wh.close()


def _known(wh, base_wh, first: str, res: int, k: int) -> dict[str, dict[str, float | None]]:
    """What an attacker holding every published table knows per cell at ``res``: the comparison, and
    each run's own statistics (the base run's from its own warehouse, the compared run's from this
    one). tax_from / tax_to: from the comparison or that run's table; the change: published, or the
    difference of two known figures. Also the counts, to know which cells hold taxpayers."""
    compared = {r["h3"]: r for r in analysis.change_table(wh, REGION, res, first, k=k).rows}
    own_from = {r["h3"]: r["tax_paid_12m"] for r in analysis.hex_table(base_wh, REGION, res, k=k).rows}
    own_to = {r["h3"]: r["tax_paid_12m"] for r in analysis.hex_table(wh, REGION, res, k=k).rows}
    known = {}
    for cell, r in compared.items():
        tax_from = r["tax_paid_from"] if r["tax_paid_from"] is not None else (
            0.0 if not r["n_taxpayers_from"] else own_from.get(cell))
        tax_to = r["tax_paid_to"] if r["tax_paid_to"] is not None else (
            0.0 if not r["n_taxpayers_to"] else own_to.get(cell))
        change = r["tax_change"] if r["tax_change"] is not None else (
            None if tax_from is None or tax_to is None else tax_to - tax_from)
        known[cell] = {"tax_paid_from": tax_from, "tax_paid_to": tax_to, "tax_change": change,
                       "n_from": r["n_taxpayers_from"], "n_to": r["n_taxpayers_to"], "withheld": r["suppressed"]}
    return known


@pytest.mark.parametrize("k", [3, 5])
def test_suppressed_changes_cannot_be_recovered_from_parents(small_region, small_two_runs, k):
    """The attack: a parent cell (one resolution coarser) whose figure is known, minus its children's
    known figures. The attacker holds the comparison and both runs' own statistics. For tax in the
    base run, tax in the compared run and the change, every parent must leave two or more unknown
    children with taxpayers, or none (then the parent is their sum)."""
    wh, first = small_two_runs
    base_wh = Warehouse(small_region[1])
    attempts = withheld = 0
    try:
        for res in (8, 9, 10):
            children = _known(wh, base_wh, first, res, k)
            parents = _known(wh, base_wh, first, res - 1, k)
            assert {h3.cell_to_parent(c, res - 1) for c in children} <= set(parents)
            withheld += sum(1 for c in children.values() if c["withheld"])
            for metric, holds in (("tax_paid_from", ("n_from",)), ("tax_paid_to", ("n_to",)),
                                  ("tax_change", ("n_from", "n_to"))):
                groups: dict[str, list[tuple[str, dict]]] = {}
                for cell, c in children.items():
                    if any(c[n] for n in holds):
                        groups.setdefault(h3.cell_to_parent(cell, res - 1), []).append((cell, c))
                for parent, members in groups.items():
                    if parents[parent][metric] is None:
                        continue
                    attempts += 1
                    unknown = [cell for cell, c in members if c[metric] is None]
                    assert len(unknown) != 1, f"{metric} of {unknown[0]} = {parent} − its known siblings (k={k})"
                    if not unknown:  # all known: the parent is their sum
                        total = sum(c[metric] for _, c in members)
                        assert abs(parents[parent][metric] - total) < 0.01, (parent, metric)
    finally:
        base_wh.close()
    assert attempts > 100 and withheld > 0


def test_each_run_withholds_what_its_own_table_withholds(small_two_runs):
    """The compared run's cells are withheld at least where the statistics of that run withhold them."""
    wh, first = small_two_runs
    own = {r["h3"] for r in analysis.hex_table(wh, REGION, 9, k=3).rows if r["suppressed"]}
    compared = analysis.change_table(wh, REGION, 9, first, k=3).rows
    withheld = {r["h3"] for r in compared if r["suppressed"]}
    assert own & {r["h3"] for r in compared} <= withheld
    assert withheld - own  # and more: where the base run withholds


def test_a_filter_withholds_cells_whose_complement_is_small(small_two_runs):
    wh, first = small_two_runs
    industry = hexes.filter_options(wh)["industry"][0]
    filtered = analysis.change_table(wh, REGION, 9, first, k=3, filters=hexes.Filters(industry=(industry,))).rows
    everyone = {r["h3"]: r for r in analysis.change_table(wh, REGION, 9, first, k=None).rows}
    for r in filtered:
        for side in ("from", "to"):
            rest = everyone[r["h3"]][f"n_taxpayers_{side}"] - r[f"n_taxpayers_{side}"]
            if 0 < rest < 3 and r[f"n_taxpayers_{side}"]:
                assert r["suppressed"], (r["h3"], side)


# --- through the API, the CLI, the files and the page ----------------------------------------------

@pytest.fixture(scope="module")
def app_two_runs(two_runs):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=two_runs["warehouse"].parent, disclosure_k=3))
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    suffix = f"{os.getpid()}{dt.datetime.now():%H%M%S%f}"
    yield {"server": app_module.server, "store": store,
           "district": tokens.add(store, "system", f"chg{suffix}"),
           "xixiang": tokens.add(store, "system", f"chgx{suffix}", streets=frozenset({XIXIANG})),
           "username": f"api.chgx{suffix}"}
    context.configure(previous)
    store.dispose()


def _api(app_two_runs, query: str, token: str):
    return app_two_runs["server"].test_client().get(f"/api/v1/hex-changes?{query}",
                                                    headers={"Authorization": f"Bearer {token}"})


def test_the_api_serves_the_comparison(app_two_runs, two_runs, wh):
    first = two_runs["first"]
    response = _api(app_two_runs, f"from={first}&res=10&page_size=5000", app_two_runs["district"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["base_run"]["run_id"] == first and body["run"]["run_id"] == two_runs["second"]
    assert body["items"] == analysis.change_table(wh, REGION, 10, first, k=3).rows
    assert all(c["tax_change"] is None for c in body["items"])  # k = 3: every tiny cell is withheld
    # the answers match the OpenAPI description (the fuzzer in test_api.py sees only 400s here: one run)
    from jsonschema import Draft202012Validator

    from taxmap.api_spec import spec

    described = spec(Settings())["paths"]["/api/v1/hex-changes"]["get"]["responses"]["200"]["content"]
    Draft202012Validator(described["application/json"]["schema"]).validate(body)
    geo = _api(app_two_runs, f"from={first}&res=9&format=geojson", app_two_runs["district"]).get_json()
    Draft202012Validator(described["application/geo+json"]["schema"]).validate(geo)
    assert geo["features"] and "n_new" in geo["features"][0]["properties"]
    street = _api(app_two_runs, f"from={first}&res=10&page_size=2", app_two_runs["xixiang"]).get_json()
    assert street["area"] == [XIXIANG] and street["total"] == len(
        analysis.change_table(wh, Scope(frozenset({XIXIANG})), 10, first, k=3).rows)
    assert street["links"]["next"] and len(street["items"]) == 2
    text = _api(app_two_runs, f"from={first}&res=10&format=geojson", app_two_runs["xixiang"]).get_data(as_text=True)
    assert NEW_NAME not in text and uscc(6) not in text
    row = audit.search(app_two_runs["store"], actor=app_two_runs["username"], action="export.api", limit=1)[0]
    assert row["target"].startswith("hex-changes r10") and f"from={first}" in row["detail"]
    runs = app_two_runs["server"].test_client().get(
        "/api/v1/runs", headers={"Authorization": f"Bearer {app_two_runs['district']}"}).get_json()
    assert all(r["comparable"] for r in runs["items"])


@pytest.mark.parametrize("query, parameter", [("res=9", "from"), ("from=nope", "from"),
                                              ("from={first}&to=nope", "to"), ("from={second}", "from")])
def test_the_api_says_which_run_is_wrong(app_two_runs, two_runs, query, parameter):
    response = _api(app_two_runs, query.format(**two_runs), app_two_runs["district"])
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_the_cli_exports_the_comparison(two_runs, tmp_path, monkeypatch, capsys):
    from taxmap.cli import main
    from taxmap.settings import get_settings

    monkeypatch.setenv("TAXMAP_WAREHOUSE_DIR", str(two_runs["warehouse"].parent))
    get_settings.cache_clear()
    try:
        assert main(["runs"]) == 0
        listed = capsys.readouterr().out
        assert two_runs["first"] in listed and two_runs["second"] in listed and "yes" in listed
        user = ensure_user("changes.analyst", "analyst")
        assert main(["export", "--as", user, "--res", "10", "--format", "shp", "--compare", two_runs["first"],
                     "--out", str(tmp_path)]) == 0
        written = list(tmp_path.glob("taxmap_hex_change_r10_*.zip"))
        assert len(written) == 1
        frame = gpd.read_file(f"zip://{written[0]}!taxmap_hex.shp")
        assert {"n_new", "n_gone", "n_move_in", "tax_change", "n_tp_to"} <= set(frame.columns)
        assert frame["n_new"].sum() == 1 and frame["n_gone"].sum() == 1
        readme = zipfile.ZipFile(written[0]).read("README.txt").decode("utf-8")
        assert two_runs["first"] in readme and "小区域抑制" in readme
        assert main(["export", "--as", user, "--compare", two_runs["first"], "--period", "2025-01:2025-03",
                     "--out", str(tmp_path)]) == 2
        assert main(["export", "--as", user, "--to", two_runs["first"], "--out", str(tmp_path)]) == 2
        store = open_store(os.environ["TAXMAP_DATABASE_URL"])
        row = audit.search(store, actor=user, action="export.hex", limit=1)[0]
        store.dispose()
        assert f"compare={two_runs['first']}:{two_runs['second']}" in row["detail"]
    finally:
        get_settings.cache_clear()


def test_the_files_describe_the_comparison(wh, two_runs):
    table = analysis.change_table(wh, REGION, 9, two_runs["first"], k=None)
    book = load_workbook(io.BytesIO(exports.to_bytes(table, "xlsx")))
    about = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row and row[0]}
    assert about["基准批次"] == two_runs["first"] and about["ETL 批次"] == two_runs["second"]
    assert "批次对比" in about["对比"]
    csv_frame = pd.read_csv(io.BytesIO(exports.to_bytes(table, "csv")), encoding="utf-8-sig")
    assert "新增税源(n_new)" in csv_frame.columns and csv_frame["新增税源(n_new)"].sum() == 1
    assert exports.filename(table, "csv") == f"taxmap_hex_change_r9_{two_runs['first']}_to_{two_runs['second']}.csv"


def test_the_page_compares_runs(app_two_runs, two_runs, wh):
    client = app_two_runs["server"].test_client()
    assert login(client, ensure_user("changes.page", "analyst")).status_code == 302
    first = two_runs["first"]
    options = post_callback(client, ["analysis-metrics.options"], {"analysis-compare.value": first},
                            "analysis-compare.value", {"analysis-lang.data": "zh"})
    assert [o["value"] for o in options["analysis-metrics"]["options"]] == list(changes.METRICS)
    chosen = options["analysis-metrics"]["value"]
    out = post_callback(client, ["analysis-grid.rowData"],
                        {"analysis-street.value": None, "analysis-res.value": 10, "analysis-metrics.value": chosen,
                         "analysis-compare.value": first}, "analysis-compare.value", {"analysis-lang.data": "zh"})
    expected = analysis.change_table(wh, REGION, 10, first, metrics=tuple(chosen), k=3)
    assert out["analysis-grid"]["rowData"] == expected.rows
    assert "批次对比" in str(out["analysis-rule"]["children"])
    features = out["analysis-hexes"]["data"]["features"]
    assert len(features) == len(expected.rows) and all(f["properties"]["suppressed"] for f in features)
    refused = post_callback(client, ["analysis-grid.rowData"],
                            {"analysis-res.value": 10, "analysis-metrics.value": chosen, "analysis-compare.value": first,
                             "analysis-period-from.value": "2025-01"}, "analysis-compare.value",
                            {"analysis-lang.data": "zh"})
    assert "请清空税款期间" in str(refused["analysis-rule"]["children"])
    back = post_callback(client, ["analysis-metrics.options"], {"analysis-compare.value": None},
                         "analysis-compare.value", {"analysis-lang.data": "zh"})
    assert [o["value"] for o in back["analysis-metrics"]["options"]] == list(analysis.METRICS)


# --- the command map's changes layer ---------------------------------------------------------------

def _map_cells(client, layer: str, meta: dict | None = None) -> tuple[dict, dict, dict]:
    """The cells callback as a layer switch; ``meta``: what the cells on the map were computed for."""
    out = post_callback(client, ["hexes.data", "cell-breaks.data"],
                        {"map.zoom": 15, "map.bounds": None, "scope.data": None, "layer.value": layer},
                        "layer.value", {"lang.data": "zh", "cell-meta.data": meta or {"res": 10, "n": 0}})
    return out["hexes"]["data"], out["cell-breaks"]["data"], out["cell-meta"]["data"]


def test_the_command_map_shows_what_changed(app_two_runs, two_runs, wh):
    leader = app_two_runs["server"].test_client()
    assert login(leader, ensure_user("changes.leader", "district_leader")).status_code == 302
    collection, breaks, meta = _map_cells(leader, "changes")
    cells = {f["properties"]["h3"]: f["properties"] for f in collection["features"]}
    expected = {r["h3"]: r for r in analysis.change_table(wh, REGION, meta["res"], two_runs["first"], k=None).rows}
    assert set(expected) <= set(cells)  # the cell taxpayer 5 left is drawn though nobody is there now
    for cell, r in expected.items():
        assert {m: cells[cell][m] for m in changes_layer.METRICS} == {m: r[m] for m in changes_layer.METRICS}
    assert "对比" in meta["note"] and meta["changes"] is True
    arrived = h3.cell_to_parent(_cell_of(wh, two_runs["second"], 6), meta["res"])
    assert breaks["tax_change"] and "新增税源：1" in cells[arrived]["tooltip"]
    style = post_callback(leader, ["hexes.hideout"],
                          {"cell-breaks.data": breaks, "layer.value": "changes", "metric.value": "tax_change",
                           "selection.data": []}, "metric.value", {"cell-meta.data": meta, "lang.data": "zh"})
    legend = str(style["map-legend"]["children"])
    assert "增加" in legend and "减少" in legend and "对比" in legend
    assert style["hexes"]["hideout"]["signed"] == list(changes.DIVERGING)
    # back to density: the cells are sent again without the change figures
    density, _, meta = _map_cells(leader, "density", meta)
    assert meta["changes"] is False and "n_new" not in density["features"][0]["properties"]
    # an analyst gets the same cells under disclosure control: no tax change in a one-taxpayer cell
    analyst = app_two_runs["server"].test_client()
    assert login(analyst, ensure_user("changes.analyst.map", "analyst")).status_code == 302
    withheld, _, _ = _map_cells(analyst, "changes")
    assert all(f["properties"]["tax_change"] is None for f in withheld["features"] if "tax_change" in f["properties"])
    assert sum(f["properties"].get("n_new") or 0 for f in withheld["features"]) == 1


def test_one_run_has_nothing_to_compare(tiny_warehouse):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
    try:
        client = app_module.server.test_client()
        assert login(client, ensure_user("changes.leader", "district_leader")).status_code == 302
        collection, _, meta = _map_cells(client, "changes")
        assert "暂无可对比" in meta["note"] and collection["features"]
    finally:
        context.configure(previous)


def test_a_variant_export_differs_as_it_says(small_region, tmp_path):
    """Another month's export (taxmap variant): the counts it reports are what the file holds, the
    new taxpayers have valid codes, the encoding and headers are kept, the other files are copied."""
    from etl.uscc import is_valid
    from taxmap.cli import main
    from taxmap.demo.variant import write_variant

    source = small_region[0] / "input"
    made = write_variant(source, tmp_path / "variant", seed=3)
    before = (source / "taxpayers.csv").read_bytes().decode("gb18030").splitlines()
    after = (tmp_path / "variant" / "taxpayers.csv").read_bytes().decode("gb18030").splitlines()
    assert after[0] == before[0] and "纳税人识别号" in after[0]
    assert made.dropped > 0 and made.moved > 0 and made.added == round(0.002 * (len(before) - 1))
    assert len(after) == len(before) - made.dropped + made.added
    new = [line.split(",")[0] for line in after if "新设" in line]
    assert len(new) == made.added and all(is_valid(code) for code in new)
    assert (tmp_path / "variant" / "grid_units.csv").read_bytes() == (source / "grid_units.csv").read_bytes()
    assert main(["variant", "--input", str(source), "--out", str(tmp_path / "cli"), "--seed", "3"]) == 0
    assert (tmp_path / "cli" / "taxpayers.csv").read_bytes() == (tmp_path / "variant" / "taxpayers.csv").read_bytes()
    assert main(["variant", "--input", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 2


def test_a_street_cannot_be_subtracted_from_the_district_comparison(small_two_runs):
    """As for the statistics (test_analysis.py): a shared cell's district change minus the other
    streets' parts must not give a street part holding fewer than k taxpayers in either run."""
    wh, first = small_two_runs
    res, k = 8, 3
    second = changes.history_runs(wh)[0]["run_id"]
    counts: dict[tuple[str, str, str], int] = {}
    for r in wh.query("""select run_id, h3_10, street_code, count(*) as n from etl_run_taxpayers
                         where run_id in (?, ?) group by all""", [first, second]):
        key = (h3.cell_to_parent(r["h3_10"], res), r["street_code"], r["run_id"])
        counts[key] = counts.get(key, 0) + r["n"]
    district = {r["h3"]: r for r in analysis.change_table(wh, REGION, res, first, k=k).rows}
    streets = sorted({s for (_, s, _) in counts if s})
    by_street = {s: {r["h3"]: r for r in analysis.change_table(wh, Scope(frozenset({s})), res, first, k=k).rows}
                 for s in streets}
    attempts = 0
    for cell, row in district.items():
        held = {s for (c, s, _) in counts if c == cell and s}
        if len(held) < 2 or row["tax_change"] is None:
            continue
        attempts += 1
        unknown = [s for s in held if by_street[s].get(cell, {}).get("tax_change") is None]
        if len(unknown) == 1:
            small = [run for run in (first, second) if 0 < counts.get((cell, unknown[0], run), 0) < k]
            assert not small, f"street {unknown[0]} in {cell}: fewer than {k} taxpayers in {small}"
    assert attempts > 5


def test_the_page_says_a_reversed_period_in_its_language(app_two_runs):
    client = app_two_runs["server"].test_client()
    assert login(client, ensure_user("changes.page", "analyst")).status_code == 302
    for lang, words in (("zh", "晚于截止月份"), ("en", "is after the last month")):
        out = post_callback(client, ["analysis-grid.rowData"],
                            {"analysis-res.value": 8, "analysis-metrics.value": ["n_taxpayers", "tax_paid_12m"],
                             "analysis-period-from.value": "2025-06", "analysis-period-to.value": "2025-02"},
                            "analysis-period-to.value", {"analysis-lang.data": lang})
        assert words in str(out["analysis-rule"]["children"]) and out["analysis-grid"]["rowData"] == []
