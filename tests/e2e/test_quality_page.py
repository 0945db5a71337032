"""The data-quality page in headless Chromium: the accounting table, a reject group's rows, a download."""

from __future__ import annotations

from pathlib import Path

import pytest

from auth_helpers import browser_login, ensure_user

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def quality_server(request, browser, tmp_path_factory):  # browser first: no build when the tests skip
    from etl.pipeline import run_etl
    from test_quality import write_quality_region

    # both tests/conftest.py and this folder's are modules named "conftest": find this folder's by its file
    here = str(Path(__file__).with_name("conftest.py"))
    e2e = next(p for p in request.config.pluginmanager.get_plugins() if getattr(p, "__file__", None) == here)
    base = tmp_path_factory.mktemp("quality-e2e")
    warehouse = run_etl(write_quality_region(base / "input"), base / "out").warehouse
    proc, url = e2e.serve(warehouse.parent)
    yield url
    e2e.stop(proc)


def _cells(page, selector: str) -> list[str]:
    return [c.strip() for c in page.locator(selector).all_inner_texts()]


def test_quality_page_accounts_for_rows_and_shows_a_groups_rows(browser, quality_server, screenshot):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, quality_server, ensure_user("leader", "district_leader"))
    page.goto(f"{quality_server}/quality")
    page.wait_for_selector("#q-sources")
    assert _cells(page, "#q-src-taxpayers td")[1:] == ["8", "5", "3", "2", "✓"]
    assert _cells(page, "#q-src-declarations td")[1:] == ["96", "36", "60", "0", "✓"]
    assert page.locator("#q-dl-group-csv").is_disabled()
    screenshot(page, "quality-page-1366x768")

    group = page.locator("#q-groups-rejects tbody tr", has_text="period_invalid")
    group.click()
    page.wait_for_selector("#q-rows-table")
    assert page.locator("#q-rows-table tbody tr").count() == 50
    assert _cells(page, "#q-rows-table tbody tr:first-child td")[:2] == ["申报缴税", "37"]
    assert page.locator("#q-page-label").inner_text() == "第 1 / 2 页，共 60 行"
    assert "tm-q-selected" in group.get_attribute("class")
    page.click("#q-next")
    page.wait_for_selector("text=第 2 / 2 页，共 60 行")
    assert page.locator("#q-rows-table tbody tr").count() == 10

    with page.expect_download() as info:
        page.click("#q-dl-group-csv")
    download = info.value
    content = Path(download.path()).read_bytes()
    assert download.suggested_filename.startswith("rejects-declarations-period_invalid-")
    assert content.startswith(b"\xef\xbb\xbf") and len(content.decode("utf-8-sig").splitlines()) == 61

    page.locator("#q-rows-card").scroll_into_view_if_needed()
    screenshot(page, "quality-rows-1366x768")
    assert errors == []
    page.close()


def test_a_clean_run_in_english(browser, tiny_server):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    browser_login(page, tiny_server, ensure_user("leader", "district_leader"))
    page.goto(f"{tiny_server}/quality?lang=en")
    page.wait_for_selector("#q-sources")
    assert _cells(page, "#q-src-taxpayers td")[1:] == ["5", "5", "0", "0", "✓"]
    assert page.get_by_text("This run rejected no rows.").is_visible()
    assert page.locator(".tm-title").inner_text() == "Tax-Source Smart Map"
    page.close()
