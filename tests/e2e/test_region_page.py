"""The region page in headless Chromium: what a user sees on the map and in the run table."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_region_page_renders_boundaries_and_counts(browser, tiny_server, screenshot, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(tiny_server)
    page.wait_for_selector("#run-table")
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    # two streets drawn bold over four thin grids
    assert page.locator('.leaflet-overlay-pane path[stroke-width="2.2"]').count() == 2
    assert page.locator('.leaflet-overlay-pane path[stroke-width="0.6"]').count() == 4
    cells = page.locator("#run-row-taxpayers td").all_inner_texts()
    assert [c.strip() for c in cells[1:]] == ["5", "5", "0", "0"]
    assert page.locator("#kpi-linked_uscc .tm-kpi-value").inner_text() == "3"
    assert page.locator(".tm-title").inner_text() == "实景税源智慧地图"
    screenshot(page, f"region-page-{size[0]}x{size[1]}")
    assert errors == []
    page.close()


def test_language_switch_and_street_tooltip(browser, tiny_server):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(tiny_server)
    page.wait_for_selector("#run-table")
    page.wait_for_selector('.leaflet-overlay-pane path[stroke-width="2.2"]')
    page.locator('.leaflet-overlay-pane path[stroke-width="2.2"]').first.hover()
    page.wait_for_selector(".leaflet-tooltip")
    assert "新安街道" in page.locator(".leaflet-tooltip").inner_text()
    page.click("#lang-switch")
    page.wait_for_selector("text=Latest ETL run")
    assert page.locator(".tm-title").inner_text() == "Tax-Source Smart Map"
    page.close()
