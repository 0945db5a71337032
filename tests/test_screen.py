"""The big screen over HTTP (tiny region): its numbers are the warehouse's and the task store's,
scoped; a refresh moves when a task changes; wall displays sign in with a revocable token that opens
/screen only; framing only where configured; Chinese magnitudes."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from auth_helpers import ensure_user, login
from components import post_callback
from dashboard import context
from dashboard.charts import fmt_cn, pct
from dispatch import audit, screens
from dispatch import tasks as T
from dispatch.store import open_store
from taxmap.data import screen as figures
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse

XINAN, XIXIANG = "440306001", "440306002"
KPIS = ("taxpayers", "linked", "new_disc", "high_risk", "open", "overdue", "closed_rate")


@pytest.fixture(scope="module")
def app_server(tiny_warehouse):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
    ensure_user("screen.leader", "district_leader")
    ensure_user("screen.analyst", "analyst")
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    yield app_module.server, store
    context.configure(previous)
    store.dispose()


def _refresh(client, street=None, run_id="x") -> dict:
    figures.clear_cache()
    out = post_callback(client, ["kpi-s-taxpayers.children"], {"screen-tick.n_intervals": 1},
                        "screen-tick.n_intervals",
                        {"screen-street.data": street, "screen-run.data": run_id, "screen-lang.data": "zh"})
    return {k: out[f"kpi-s-{k}"]["children"] for k in KPIS if f"kpi-s-{k}" in out} | {"_raw": out}


def _expected(wh_path, store, streets: frozenset[str] | None) -> dict:
    wh = Warehouse(wh_path)
    where, params = ("street_code in (select unnest(?))", [sorted(streets)]) if streets else ("true", [])
    taxpayers = wh.query(f"select count(*) as n from stg_taxpayers where {where}", params)[0]["n"]
    high = wh.query(f"select count(*) as n from taxpayer_risk where risk_level = 'high' and {where}", params)[0]["n"]
    wh.close()
    summary = T.summary(store, streets)
    return {"taxpayers": fmt_cn(taxpayers), "high_risk": fmt_cn(high), "open": fmt_cn(summary["open"]),
            "overdue": fmt_cn(summary["overdue"]), "closed_rate": pct(summary["closed_rate"])}


def test_the_screen_shows_the_warehouse_and_the_task_store(app_server, tiny_warehouse):
    server, store = app_server
    client = server.test_client()
    login(client, "screen.leader")
    shown = _refresh(client)
    assert {k: shown[k] for k in ("taxpayers", "high_risk", "open", "overdue", "closed_rate")} == \
        _expected(tiny_warehouse, store, None)
    raw = shown["_raw"]
    assert raw["screen-hexes"]["data"]["features"]  # a new run id: the cells come along
    assert "screen-hexes" not in _refresh(client, run_id=raw["screen-run"]["data"])["_raw"]  # same run: geometry stays
    # a task changes: the next refresh moves the number
    before = T.summary(store)["open"]
    T.dispatch(store, [T.Candidate("high_risk", None, f"SCREEN{dt.datetime.now():%H%M%S%f}", "大屏测试", XIXIANG,
                                   f"{XIXIANG}0001")], [], T.Actor("screen.leader", "district_leader"))
    assert _refresh(client)["open"] == fmt_cn(before + 1)
    # the street ranking is patched (data only), the figure's layout stays
    patch = raw["screen-ranking"]["figure"]
    assert "__dash_patch_update" in patch and {tuple(op["location"]) for op in patch["operations"]} == \
        {("data", 0, "x"), ("data", 0, "y")}


def test_a_street_screen_by_token_sees_its_street_only_and_nothing_else(app_server, tiny_warehouse):
    server, store = app_server
    name = f"wall{dt.datetime.now():%H%M%S%f}"
    username = f"screen.{name}"
    token = screens.add_screen(store, name, streets=frozenset({XINAN}))
    client = server.test_client()
    assert client.get("/screen?kiosk=1&token=" + token).status_code == 200
    shown = _refresh(client)
    assert shown["taxpayers"] == _expected(tiny_warehouse, store, frozenset({XINAN}))["taxpayers"]
    assert shown["open"] == _expected(tiny_warehouse, store, frozenset({XINAN}))["open"]
    # a crafted refresh asking for another street narrows to nothing of it
    other = _refresh(client, street=XIXIANG)
    assert other["taxpayers"] == "0"
    for path in ("/", "/dispatch", "/tasks", "/quality", "/admin/audit", "/tasks/photo/1"):
        assert client.get(path).status_code == 403, path
    # other pages' callbacks answer a screen like any role without their right: nothing
    post_callback(client, ["tasks-grid.rowData"], {"tasks-state.value": None}, "tasks-state.value",
                  {"dispatch-lang.data": "zh"}, expect=204)
    # a screen user cannot sign in with a password
    assert [s.street_codes for s in screens.list_screens(store) if s.username == username] == [{XINAN}]
    assert login(server.test_client(), username, "whatever-2026").status_code == 401
    # revoked: refused at the next refresh, and the token no longer opens the page
    screens.revoke(store, name)
    post_callback(client, ["kpi-s-taxpayers.children"], {"screen-tick.n_intervals": 2}, "screen-tick.n_intervals",
                  {"screen-street.data": None, "screen-run.data": "x", "screen-lang.data": "zh"}, expect=401)
    assert server.test_client().get("/screen?token=" + token).status_code == 403
    assert server.test_client().get("/screen?token=not-a-token").status_code == 403
    logins = [(r["outcome"], r["detail"]) for r in audit.search(store, actor=username, action="login")]
    assert ("ok", "screen token") in logins and ("revoked_token", "screen token") in logins
    assert [r["action"] for r in audit.search(store, actor="cli", action="screen.")][:2] == ["screen.revoke",
                                                                                          "screen.add"]


def test_only_leaders_and_screens_watch(app_server):
    server, _store = app_server
    analyst = server.test_client()
    login(analyst, "screen.analyst")
    page = post_callback(analyst, ["_pages_content.children"],
                         {"_pages_location.pathname": "/screen", "_pages_location.search": ""}, "_pages_location.pathname")
    assert "智慧大屏供区局与街道领导使用" in str(page)
    post_callback(analyst, ["kpi-s-taxpayers.children"], {"screen-tick.n_intervals": 1}, "screen-tick.n_intervals",
                  {"screen-street.data": None, "screen-run.data": "x", "screen-lang.data": "zh"}, expect=204)


def test_framing_is_refused_except_for_the_screen_where_configured(app_server, monkeypatch):
    server, _store = app_server
    client = server.test_client()
    login(client, "screen.leader")
    for path in ("/", "/screen"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in \
            response.headers["Content-Security-Policy"]
    monkeypatch.setattr(server.extensions["taxmap_settings"], "screen_frame_ancestors", "'self' https://portal.example")
    screen = client.get("/screen")
    assert "X-Frame-Options" not in screen.headers
    assert "frame-ancestors 'self' https://portal.example" in screen.headers["Content-Security-Policy"]
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_stale_data_is_said(app_server, tiny_warehouse):
    from dashboard.pages import screen
    from taxmap.data import REGION

    wh = Warehouse(tiny_warehouse)
    wf = figures.warehouse_figures(wh, REGION)
    wh.close()
    assert screen.stale_warning(wf, True, "zh", now=wf["data_time"] + dt.timedelta(hours=1)) == ""
    late = screen.stale_warning(wf, False, "zh", now=wf["data_time"] + dt.timedelta(hours=30))
    assert "数据已 30 小时未更新" in late and "任务库暂不可用" in late


def test_numbers_the_chinese_way():
    assert [fmt_cn(x) for x in (None, 7, 9999, 12345, 345_600_000, -23_000)] == \
        ["—", "7", "9,999", "1.23万", "3.46亿", "-2.30万"]
    assert fmt_cn(12345, "en") == "12.35k" and pct(0.9397) == "94.0%"
