"""The analyst's page in headless Chromium: preview the hexagon table, download it, open the file."""

from __future__ import annotations

import pandas as pd
import pytest

from auth_helpers import browser_login, ensure_user
from taxmap.data import REGION, analysis
from taxmap.warehouse import Warehouse

pytestmark = pytest.mark.e2e


def test_an_analyst_downloads_hexagon_statistics(browser, small_server, small_region, screenshot, tmp_path):
    wh = Warehouse(small_region[1])
    expected = analysis.hex_table(wh, REGION, 8, metrics=("n_taxpayers", "n_units", "linked_share", "tax_paid_12m",
                                                          "n_high_risk"), k=3)
    wh.close()
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    browser_login(page, small_server, ensure_user("e2e.analyst", "analyst"))
    page.goto(small_server + "/analysis")
    page.wait_for_selector("#analysis-grid .ag-row")
    assert f"共 {len(expected.rows)} 个六边形" in page.locator("#analysis-rule").inner_text()
    screenshot(page, "analysis-1366x768")
    with page.expect_download() as info:
        page.click("#analysis-download-button")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert len(frame) == len(expected.rows)
    assert frame["登记纳税人数(n_taxpayers)"].sum() == sum(r["n_taxpayers"] for r in expected.rows)
    assert frame.loc[frame["抑制(suppressed)"].notna(), "近12个月实缴税款(tax_paid_12m)"].isna().all()
    page.close()


HEX_PATHS = "#analysis-map path.tm-a-hex"


def _choose(page, dropdown: str, text: str) -> None:
    page.click(dropdown)
    page.locator(".dash-dropdown-content .dash-options-list-option", has_text=text).first.click()
    page.keyboard.press("Escape")


def test_an_analyst_maps_a_period_and_compares_two_runs(browser, two_run_server, small_second_run, screenshot,
                                                        tmp_path):
    """The small map draws the table's cells (withheld ones hatched); a period changes the tax column;
    a base run turns the page into the comparison, whose XLSX names both runs."""
    from openpyxl import load_workbook

    wh = Warehouse(small_second_run["warehouse"])
    months = analysis.periods(wh)
    expected = analysis.change_table(wh, REGION, 8, small_second_run["first"], k=3)
    plain = analysis.hex_table(wh, REGION, 8, k=3)
    wh.close()
    page = browser.new_page(viewport={"width": 1600, "height": 900}, accept_downloads=True)
    browser_login(page, two_run_server, ensure_user("e2e.analyst2", "analyst"))
    page.goto(two_run_server + "/analysis")
    page.wait_for_selector("#analysis-grid .ag-row")
    page.wait_for_function(f"document.querySelectorAll('{HEX_PATHS}').length === {len(plain.rows)}")
    withheld = sum(1 for r in plain.rows if r["suppressed"])
    assert page.locator(f"{HEX_PATHS}.tm-a-suppressed").count() == withheld > 0
    assert "登记纳税人数" in page.locator("#analysis-legend-title").inner_text()

    _choose(page, "#analysis-period-from", months[0])
    _choose(page, "#analysis-period-to", months[2])
    page.wait_for_function("document.querySelector('#analysis-rule').innerText.includes('"
                           + f"{months[0]} 至 {months[2]}" + "')")
    assert page.locator("#analysis-grid .ag-header-cell-text", has_text="所选期间实缴税款").count() == 1
    screenshot(page, "analysis-period-1600x900")
    for dropdown in ("#analysis-period-from", "#analysis-period-to"):  # clear the period
        page.locator(f"{dropdown} .dash-dropdown-clear, {dropdown} [aria-label*='Clear']").first.click()
    page.wait_for_function("!document.querySelector('#analysis-rule').innerText.includes('申报所属期')")

    _choose(page, "#analysis-compare", small_second_run["first"])
    page.wait_for_function("document.querySelector('#analysis-rule').innerText.includes('批次对比')")
    page.wait_for_function(f"document.querySelectorAll('{HEX_PATHS}').length === {len(expected.rows)}")
    assert page.locator("#analysis-legend-title").inner_text() == "新增税源"
    assert page.locator("#analysis-grid .ag-header-cell-text", has_text="新增税源").count() == 1
    assert f"共 {len(expected.rows)} 个六边形" in page.locator("#analysis-rule").inner_text()
    # the map shows the change in tax: increases and decreases on two ramps, withheld cells hatched
    _choose(page, "#analysis-map-metric", "实缴税款变化")
    page.wait_for_function("document.querySelector('#analysis-legend-title').innerText === '实缴税款变化'")
    legend = page.locator("#analysis-legend").inner_text()
    assert "增加" in legend and "减少" in legend
    fills = page.eval_on_selector_all(f"{HEX_PATHS}:not(.tm-a-suppressed)", "ps => ps.map(p => p.getAttribute('fill'))")
    assert len(set(fills)) > 3  # more than the empty fill and one class
    screenshot(page, "analysis-compare-1600x900")

    _choose(page, "#analysis-format", "xlsx")
    with page.expect_download() as info:
        page.click("#analysis-download-button")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.startswith("taxmap_hex_change_r8_")
    book = load_workbook(path)
    about = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row and row[0]}
    assert about["基准批次"] == small_second_run["first"] and about["ETL 批次"] == small_second_run["second"]
    rows = list(book["数据"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(expected.rows)
    header = list(rows[0])
    new = header.index("新增税源(n_new)")
    assert sum(r[new] for r in rows[1:]) == sum(r["n_new"] for r in expected.rows) > 0
    page.close()
