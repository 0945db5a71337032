"""The data-quality page: its data functions on a run with known bad rows, and the page over HTTP."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from auth_helpers import ensure_user, login
from bad_inputs import append_copy, edit_csv, set_cells
from components import post_callback as _callback
from dashboard import context
from taxmap.data import quality as q
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse
from tiny_region import uscc, write_tiny_region

REJECT_GROUPS = {("taxpayers", "duplicate_key"): 1, ("taxpayers", "missing_key"): 1,
                 ("taxpayers", "missing_name"): 1, ("grid_units", "position_unparseable"): 2,
                 ("grid_units", "position_missing"): 1, ("declarations", "period_invalid"): 60}
ISSUE_GROUPS = {("taxpayers", "status_unknown"): 1, ("taxpayers", "credit_rating_unknown"): 1,
                ("grid_units", "operating_status_unknown"): 1}
READ = {"taxpayers": 8, "grid_units": 8, "declarations": 96}


def write_quality_region(folder: Path) -> Path:
    """The tiny region with the bad rows above (60 bad periods: more than one page of rows)."""
    write_tiny_region(folder)
    for breaker in (
        append_copy("taxpayers.csv", 1),
        append_copy("taxpayers.csv", 2, taxpayer_id=""),
        append_copy("taxpayers.csv", 3, taxpayer_id=uscc(9), name=""),
        set_cells("taxpayers.csv", 4, status="歇业", credit_rating="Z"),
        set_cells("grid_units.csv", 5, operating_status="营业中"),
        append_copy("grid_units.csv", 1, record_id="R101", lng="abc"),
        append_copy("grid_units.csv", 1, record_id="=R102", lng="东经113"),  # a key Excel would run as a formula
        append_copy("grid_units.csv", 1, record_id="R103", lng=""),
        edit_csv("declarations.csv", lambda _h, rows: rows.extend(
            [uscc(1), f"2025-{13 + i}", "增值税", 1, 1, 1, 1, 1] for i in range(60))),
    ):
        breaker(folder)
    return folder


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory) -> Path:
    from etl.pipeline import run_etl

    base = tmp_path_factory.mktemp("quality")
    write_quality_region(base / "input")
    run_etl(base / "input", base / "out")
    return run_etl(base / "input", base / "out", force=True).warehouse  # a second run: a history


@pytest.fixture(scope="module")
def wh(warehouse_path):
    wh = Warehouse(warehouse_path)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def client(warehouse_path):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=warehouse_path.parent))
    client = app_module.server.test_client()
    login(client, ensure_user("leader", "district_leader"))
    yield client
    context.configure(previous)


def _count(wh, sql, params=None) -> int:
    return wh.query(sql, params)[0]["n"]


# --- the data functions ----------------------------------------------------------------------------------------


def test_groups_count_the_tables_rows(wh):
    for kind, expected, table, column in (("rejects", REJECT_GROUPS, "rejects", "reason"),
                                          ("issues", ISSUE_GROUPS, "quality_issues", "issue")):
        groups = q.groups(wh, kind)
        assert {(g["source"], g["code"]): g["n"] for g in groups} == expected
        for g in groups:
            assert g["n"] == _count(wh, f"select count(*) n from {table} where source = ? and {column} = ?",
                                    [g["source"], g["code"]])
            assert g["detail_zh"] and g["detail_en"] and g["detail_zh"] != g["detail_en"]
    period = next(g for g in q.groups(wh, "rejects") if g["code"] == "period_invalid")
    assert (period["detail_zh"], period["detail_en"]) == ("所属期不是 YYYY-MM", "period is not YYYY-MM")


def test_rows_are_paged_in_file_order(wh):
    first, total = q.rows_page(wh, "rejects", "declarations", "period_invalid")
    second, _ = q.rows_page(wh, "rejects", "declarations", "period_invalid", page=1)
    third, _ = q.rows_page(wh, "rejects", "declarations", "period_invalid", page=2)
    assert (total, len(first), len(second), third) == (60, 50, 10, [])
    numbers = [r["row_number"] for r in first + second]
    assert numbers == sorted(numbers) == list(range(37, 97))  # after the 36 good declarations
    assert all(r["raw"] and r["code"] == "period_invalid" for r in first)
    issues, n = q.rows_page(wh, "issues", "taxpayers", "status_unknown")
    assert n == 1 and issues[0]["record_key"] == uscc(4) and "raw" not in issues[0]


def test_every_source_adds_up_and_runs_are_listed(wh):
    run = q.last_run(wh)
    sources = {s["source"]: s for s in q.source_accounting(wh, run["run_id"])}
    assert {k: sources[k]["rows_read"] for k in READ} == READ
    for name, s in sources.items():
        assert s["rows_read"] == s["rows_staged"] + s["rows_rejected"] and s["balanced"]
        assert s["rows_rejected"] == _count(wh, "select count(*) n from rejects where source = ?", [name])
        assert s["quality_issues"] == _count(wh, "select count(*) n from quality_issues where source = ?", [name])
    assert (sources["taxpayers"]["file"], sources["taxpayers"]["encoding"]) == ("taxpayers.csv", "utf-8")
    history = q.run_history(wh)
    assert len(history) == 2 and history[0]["run_id"] == run["run_id"]
    assert history[0]["rows_rejected"] == sum(REJECT_GROUPS.values())


def test_a_source_that_does_not_add_up_is_named(client, wh):
    from dashboard.pages import quality

    run = q.last_run(wh)
    bad = {"source": "taxpayers", "file": "taxpayers.csv", "encoding": "utf-8", "rows_read": 9, "rows_staged": 5,
           "rows_rejected": 3, "quality_issues": 0, "balanced": False}
    card = quality.run_card(run, [bad], "zh")
    assert "✗" in _text(card) and "行数不平" in _text(card) and "税务登记信息" in _text(card)


# --- over HTTP -------------------------------------------------------------------------------------------------


def _page(client, search: str = "") -> dict:
    response = _callback(client, ["_pages_content.children"],
                         {"_pages_location.pathname": "/quality", "_pages_location.search": search},
                         "_pages_location.pathname")
    return response["_pages_content"]["children"]


def _find(node, component_id):
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == component_id:
            return node
        node = node.get("props", {}).get("children")
    for child in node if isinstance(node, list) else [node] if isinstance(node, dict) else []:
        found = _find(child, component_id)
        if found is not None:
            return found
    return None


def _text(node) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list):
        return " ".join(_text(c) for c in node)
    children = node.get("props", {}).get("children") if isinstance(node, dict) else getattr(node, "children", None)
    return "" if children is None else _text(children)


def test_page_shows_the_run_and_each_sources_rows(client, wh):
    page = _page(client)
    assert _text(_find(page, "q-run-id")) == q.last_run(wh)["run_id"]
    assert _text(_find(page, "q-src-taxpayers")).split()[-5:] == ["8", "5", "3", "2", "✓"]
    assert _text(_find(page, "q-src-declarations")).split()[-5:] == ["96", "36", "60", "0", "✓"]
    assert "没有丢失任何一行" in _text(_find(page, "q-verdict"))
    assert len(_find(page, "q-history")["props"]["children"][1]["props"]["children"]) == 2
    groups = _text(_find(page, "q-groups-rejects"))
    assert "所属期不是 YYYY-MM period_invalid 60" in groups and "坐标为空 position_missing 1" in groups


def test_group_callback_returns_its_rows_a_page_at_a_time(client):
    selection = {"kind": "rejects", "source": "declarations", "code": "period_invalid"}
    inputs = {"q-selection.data": selection, "q-prev.n_clicks": 0, "q-next.n_clicks": 0}
    state = {"q-page.data": 0, "q-lang.data": "zh"}
    first = _callback(client, ["q-rows.children"], inputs, "q-selection.data", state)
    rows = _find(first["q-rows"]["children"], "q-rows-table")["props"]["children"][1]["props"]["children"]
    assert len(rows) == 50 and _text(rows[0]).split()[:2] == ["申报缴税", "37"]
    assert "period=2025-13" in _text(rows[0])
    assert _text(_find(first["q-rows"]["children"], "q-page-label")) == "第 1 / 2 页，共 60 行"
    second = _callback(client, ["q-rows.children"], {**inputs, "q-next.n_clicks": 1}, "q-next.n_clicks", state)
    rows = _find(second["q-rows"]["children"], "q-rows-table")["props"]["children"][1]["props"]["children"]
    assert len(rows) == 10 and second["q-page"]["data"] == 1
    past_the_end = _callback(client, ["q-rows.children"], {**inputs, "q-next.n_clicks": 2}, "q-next.n_clicks",
                             {"q-page.data": 1, "q-lang.data": "en"})
    assert past_the_end["q-page"]["data"] == 1
    assert "Page 2 of 2, 60 rows" in _text(past_the_end["q-rows"]["children"])
    assert "period is not YYYY-MM" in _text(past_the_end["q-rows"]["children"])


def _download(client, button: str, selection: dict | None = None) -> tuple[str, bytes]:
    inputs = {f"q-dl-{w}-{f}.n_clicks": 1 if f"q-dl-{w}-{f}" == button else 0
              for w in ("rejects", "issues", "group") for f in ("csv", "xlsx")}
    data = _callback(client, ["q-download.data"], inputs, f"{button}.n_clicks",
                     {"q-selection.data": selection})["q-download"]["data"]
    return data["filename"], base64.b64decode(data["content"])


def test_download_is_csv_with_a_bom_matching_the_rows(client, wh):
    name, content = _download(client, "q-dl-group-csv",
                              {"kind": "rejects", "source": "grid_units", "code": "position_unparseable"})
    assert name.startswith("rejects-grid_units-position_unparseable-") and name.endswith(".csv")
    assert content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header == ["source", "row_number", "record_key", "reason", "detail", "raw"]
    table = wh.query("""select row_number::varchar r, record_key from rejects
                        where source = 'grid_units' and reason = 'position_unparseable' order by row_number""")
    assert [(r[1], r[2]) for r in rows] == [(t["r"], t["record_key"].replace("=", "'=")) for t in table]
    assert rows[0][4] == "坐标不是数字 / position is not a number" and '"lng":"abc"' in rows[0][5]
    _, everything = _download(client, "q-dl-issues-csv")
    assert len(everything.decode("utf-8-sig").splitlines()) == 1 + sum(ISSUE_GROUPS.values())


def test_download_as_xlsx_keeps_text_as_text(client):
    name, content = _download(client, "q-dl-rejects-xlsx")
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + sum(REJECT_GROUPS.values())
    assert "=R102" in [v[2] for v in values]  # a string, not a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_english_is_one_switch_away(client):
    page = _page(client, "?lang=en")
    text = _text(page)
    assert "Data quality" in text and "Rejected rows" in text and "period is not YYYY-MM" in text
    assert "所属期" not in text and _find(page, "lang-switch")["props"]["href"] == "?lang=zh"
    assert "数据质量" in _text(_page(client)) and _find(_page(client), "lang-switch")["props"]["href"] == "?lang=en"


def test_a_clean_run_and_no_warehouse_say_so(client, tiny_warehouse, tmp_path):
    from dashboard.pages import quality

    previous = context.settings()
    try:
        context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
        page = quality.layout()
        assert "本次处理没有拒收记录" in _text(page) and "本次处理没有质量问题" in _text(page)
        context.configure(Settings(warehouse_dir=tmp_path))
        assert "taxmap etl" in _text(quality.layout(lang="en"))
    finally:
        context.configure(previous)


def test_a_linkage_fallback_is_on_the_quality_page_and_above_the_map(client, wh):
    """The quality region is tiny: its linkage falls back to the shipped parameters, and the leader sees it
    on /quality (the 匹配模型 card with every warning) and as a red line above the command map."""
    from dashboard.pages import home

    info = q.linkage_model(wh)
    assert info["training_method"] == "shipped" and q.linkage_degraded(info)
    page = _page(client)
    card = _text(_find(page, "q-linkage"))
    assert "随软件提供的示范区参数" in card and "shipped parameters" in card
    assert "tm-q-alarm" in _find(page, "q-linkage")["props"]["className"]
    warning = home._linkage_warning(context.warehouse(), "zh")
    assert warning and "示范区参数" in _text(warning[0])
    assert "demo region" in _text(home._linkage_warning(context.warehouse(), "en")[0])


def test_a_model_trained_on_labels_raises_no_alarm():
    assert not q.linkage_degraded({"training_method": "labels", "warnings": []})
    assert q.linkage_degraded({"training_method": "labels", "warnings": ["only 120 exact-USCC links"]})
    assert not q.linkage_degraded(None)
