"""The command map in headless Chromium on the generated small region: layers, zoom, filters,
drill-down and the hexagon panel, asserted on what is drawn and shown."""

from __future__ import annotations

import re

import pytest

from auth_helpers import browser_login, ensure_user

from taxmap import data
from taxmap.warehouse import Warehouse

pytestmark = pytest.mark.e2e

HEX_PATHS = '.leaflet-overlay-pane path.leaflet-interactive[stroke-width="0.5"]'


def _legend(page) -> tuple[str, int, int]:
    """(title, resolution, cells in view) as the legend says."""
    note = page.locator("#legend-note").inner_text()
    res, n = re.search(r"H3 分辨率 (\d+) · 视野内 (\d+) 个六边形", note).groups()
    return page.locator("#legend-title").inner_text(), int(res), int(n)


def _wait_legend(page, predicate, timeout_s: float = 20.0):
    deadline = page.evaluate("Date.now()") + timeout_s * 1000
    while page.evaluate("Date.now()") < deadline:
        try:
            state = _legend(page)
            if predicate(state):
                return state
        except Exception:  # noqa: BLE001 - the legend is being re-rendered
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"legend never reached the expected state; last: {page.locator('#map-legend').inner_text()}")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_map_layers_zoom_filter_drill_and_panel(browser, small_server, small_region, screenshot, size):
    w, h = size
    page = browser.new_page(viewport={"width": w, "height": h})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, small_server, ensure_user("leader", "district_leader"))
    page.goto(small_server)
    title, res, n = _wait_legend(page, lambda s: s[2] > 0)
    assert title == "登记纳税人数"
    page.wait_for_function(f"document.querySelectorAll('{HEX_PATHS}').length === {n}")
    screenshot(page, f"map-density-{w}x{h}")

    # a layer switch restyles the same cells: the legend changes, the cells drawn do not
    page.get_by_text("风险热力", exact=True).click()
    assert _wait_legend(page, lambda s: s[0] == "平均风险分")[2] == n
    assert page.locator(HEX_PATHS).count() == n
    screenshot(page, f"map-risk-{w}x{h}")
    page.get_by_text("比对差异", exact=True).click()
    _wait_legend(page, lambda s: s[0] == "有经营无登记")

    # a filter on taxpayers: only cells holding a high-risk taxpayer keep one
    page.get_by_text("税源密度", exact=True).click()
    page.locator("#filter-risk_level").click()
    page.locator(".dash-dropdown-content").get_by_text("高", exact=True).click()
    page.keyboard.press("Escape")
    filtered = _wait_legend(page, lambda s: s[0] == "登记纳税人数" and s[2] != n)
    assert 0 < filtered[2] < n
    page.locator("#filter-risk_level").click()
    page.locator(".dash-dropdown-content").get_by_text("高", exact=True).click()  # and off again
    page.keyboard.press("Escape")
    _wait_legend(page, lambda s: s[2] == n)

    # drill into 西乡街道 by its label: breadcrumb, the street's own numbers
    wh = Warehouse(small_region[1])
    code = next(r["street_code"] for r in wh.query("select street_code from stg_streets where street_name = '西乡街道'"))
    expected = data.overview(wh, data.Scope(frozenset({code})))["taxpayers"]
    wh.close()
    page.locator(".tm-street-label", has_text="西乡街道").click()
    page.wait_for_selector("#crumb-street:not(.tm-hidden)")
    assert page.locator("#crumb-street").inner_text() == "西乡街道"
    page.wait_for_function(
        f"document.querySelector('#kpi-taxpayers .tm-kpi-value').innerText === '{expected:,}'")
    street = _wait_legend(page, lambda s: s[2] != n)
    screenshot(page, f"map-street-{w}x{h}")

    # the street's grids are named on the map: one click opens a grid, the street crumb goes back
    page.locator(".tm-grid-label").first.click()
    page.wait_for_selector("#crumb-grid")
    _wait_legend(page, lambda s: s[2] < street[2])
    screenshot(page, f"map-grid-{w}x{h}")
    page.locator("#crumb-street").click()
    page.wait_for_selector("#crumb-grid", state="detached")
    street = _wait_legend(page, lambda s: s == street)

    # zooming in asks for a finer resolution, one step at a time (a click during the animation is dropped)
    finer = street
    while finer[1] == street[1]:
        before = finer
        page.locator(".leaflet-control-zoom-in").click()
        finer = _wait_legend(page, lambda s, before=before: s != before)
    assert finer[1] == street[1] + 1

    # a click on a hexagon opens what it holds
    page.wait_for_timeout(1000)
    # (dispatched to the path itself: at some sizes a label or the legend covers a given hexagon's centre)
    page.locator(HEX_PATHS).nth(page.locator(HEX_PATHS).count() // 2).dispatch_event("click")
    page.wait_for_selector("#selection-count")
    assert page.locator("#selection-count").inner_text() == "已选 1 个六边形"
    assert page.locator("#selection-taxpayers li, #selection-units li").count() > 0
    screenshot(page, f"map-panel-{w}x{h}")

    page.locator("#crumb-region").click()
    page.wait_for_selector("#crumb-street.tm-hidden", state="attached")
    assert errors == []
    page.close()


def test_english_map(browser, small_server):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    browser_login(page, small_server, ensure_user("leader", "district_leader"))
    page.goto(small_server + "/?lang=en")
    page.wait_for_selector("#legend-title")
    assert page.locator(".tm-title").inner_text() == "Tax-Source Smart Map"
    assert page.locator("#legend-title").inner_text() == "Registered taxpayers"
    assert page.get_by_text("Risk heat", exact=True).count() == 1
    page.close()


def test_a_leader_maps_what_changed_since_the_last_run(browser, two_run_server, small_second_run, screenshot):
    """The changes layer after a second ETL run: new sources by cell, then the change in tax on two
    ramps; the legend names the runs compared."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    browser_login(page, two_run_server, ensure_user("e2e.changes.leader", "district_leader"))
    page.goto(two_run_server + "/")
    page.wait_for_selector(HEX_PATHS)
    page.get_by_text("批次变化", exact=True).click()
    _, _, n = _wait_legend(page, lambda s: s[0] == "新增税源")
    assert "对比：" in page.locator("#legend-changes").inner_text()
    page.wait_for_function(f"document.querySelectorAll('{HEX_PATHS}').length >= {n}")
    page.locator("#metric").click()
    page.locator(".dash-dropdown-content").get_by_text("实缴税款变化", exact=True).click()
    page.keyboard.press("Escape")
    _wait_legend(page, lambda s: s[0] == "实缴税款变化")
    legend = page.locator("#map-legend").inner_text()
    assert "增加" in legend and "减少" in legend
    fills = set(page.eval_on_selector_all(HEX_PATHS, "ps => ps.map(p => p.getAttribute('fill'))"))
    assert len(fills) > 4  # both ramps in use, not one colour
    screenshot(page, "map-changes-1920x1080")
    page.close()
