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
