"""The big screen in headless Chromium on the `small` region: at 1920×1080 for a district leader and at
3840×2160 for a street's wall display signed in by token; the numbers are the warehouse's and the task
store's, and a task created meanwhile moves the open-task number at the next refresh."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from auth_helpers import browser_login, ensure_user
from dashboard.charts import fmt_cn, pct
from dispatch import screens
from dispatch import tasks as T
from dispatch.store import open_store
from taxmap import data
from taxmap.data import screen as figures
from taxmap.warehouse import Warehouse

pytestmark = pytest.mark.e2e


def _expected(small_region, store, scope: data.Scope) -> dict:
    wh = Warehouse(small_region[1])
    figures.clear_cache()
    wf = figures.warehouse_figures(wh, scope)
    wh.close()
    streets = frozenset(scope.street_codes) if scope.street_codes is not None else None
    summary = T.summary(store, streets)
    return {"taxpayers": fmt_cn(wf["taxpayers"]), "linked": pct(wf["linked_share"]),
            "new_disc": fmt_cn(wf["new_discrepancies_week"]), "high_risk": fmt_cn(wf["high_risk"]),
            "open": fmt_cn(summary["open"]), "overdue": fmt_cn(summary["overdue"]),
            "closed_rate": pct(summary["closed_rate"])}


def _shown(page) -> dict:
    return {k: page.locator(f"#kpi-s-{k}").inner_text() for k in
            ("taxpayers", "linked", "new_disc", "high_risk", "open", "overdue", "closed_rate")}


def test_the_screen_at_1080p_moves_when_a_task_changes(browser, small_server, small_region, screenshot):
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    browser_login(page, small_server, ensure_user("e2e.wall.leader", "district_leader"))
    page.goto(small_server + "/screen?kiosk=1")
    page.wait_for_selector("#screen-hexes path, .tm-s-map .leaflet-interactive")
    assert _shown(page) == _expected(small_region, store, data.REGION)
    assert page.evaluate("getComputedStyle(document.getElementById('screen-root')).cursor") == "none"
    assert page.locator(".tm-nav").count() == 0  # kiosk: no navigation chrome
    screenshot(page, "screen-1920x1080")
    wh = Warehouse(small_region[1])
    street = wh.query("select street_code from stg_streets order by street_code limit 1")[0]["street_code"]
    wh.close()
    before = T.summary(store)["open"]
    T.dispatch(store, [T.Candidate("high_risk", None, f"E2E{dt.datetime.now():%H%M%S%f}", "大屏刷新测试", street, None)],
               [], T.Actor("e2e.wall.leader", "district_leader"))
    page.wait_for_function(f"document.getElementById('kpi-s-open').innerText === '{fmt_cn(before + 1)}'",
                           timeout=20_000)
    feed = page.locator("#screen-feed").inner_text()
    assert "大屏刷新测试" in feed
    page.close()
    store.dispose()


def test_a_street_wall_display_at_4k_by_token(browser, small_server, small_region, screenshot):
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    wh = Warehouse(small_region[1])
    street = wh.query("select street_code from stg_streets order by street_code limit 1 offset 1")[0]["street_code"]
    wh.close()
    token = screens.add_screen(store, f"e2e{dt.datetime.now():%H%M%S%f}", streets=frozenset({street}))
    page = browser.new_page(viewport={"width": 3840, "height": 2160})
    page.goto(f"{small_server}/screen?kiosk=1&layer=risk&token={token}")
    page.wait_for_selector(".tm-s-map .leaflet-interactive")
    assert page.locator("#screen-map-title").inner_text() == "风险热力（高风险户数）"  # fixed by ?layer=
    assert _shown(page) == _expected(small_region, store, data.Scope(frozenset({street})))
    title = page.locator(".tm-s-kpi-value").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert title > 90  # large type scaled to the wall (2.9vw of 3840 px)
    page.wait_for_timeout(1000)
    screenshot(page, "screen-3840x2160")
    page.close()
    store.dispose()


def test_the_screen_survives_a_server_restart(browser, tiny_warehouse):
    """The server goes away and comes back on the same address: the screen says it lost the
    connection, then reloads by itself and refreshes again, with no hand on it."""
    from conftest import serve, stop

    proc, url = serve(tiny_warehouse.parent)
    port = int(url.rsplit(":", 1)[1])
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        browser_login(page, url, ensure_user("e2e.wall.restart", "district_leader"))
        page.goto(url + "/screen?kiosk=1")
        beating = ("document.getElementById('screen-heartbeat') && "
                   "document.getElementById('screen-heartbeat').innerText !== '0'")
        page.wait_for_function(beating, timeout=20_000)
        stop(proc)
        page.wait_for_selector("#screen-offline:not(.tm-hidden)", timeout=40_000)
        assert "连接中断" in page.locator("#screen-offline").inner_text()
        proc, _ = serve(tiny_warehouse.parent, port)
        page.wait_for_function(beating, timeout=40_000)
        page.wait_for_selector("#screen-offline.tm-hidden", state="attached", timeout=20_000)
    finally:
        page.close()
        stop(proc)
