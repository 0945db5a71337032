"""Signing in, in headless Chromium: the login page, a refused password, and a street leader who
sees only her street."""

from __future__ import annotations

import pytest

from auth_helpers import PASSWORD, browser_login, ensure_user

pytestmark = pytest.mark.e2e


def test_login_refuses_a_wrong_password_then_opens_the_map(browser, small_server, screenshot):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(small_server)
    page.wait_for_selector("#login-submit")  # every page needs a login first
    screenshot(page, "login-1366x768")
    page.fill("#username", ensure_user("leader", "district_leader"))
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    assert "用户名或密码错误" in page.locator("#login-error").inner_text()
    page.fill("#username", "leader")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#legend-title")
    assert "district_leader" in page.locator("#user-label").inner_text()
    page.close()


def test_a_street_leader_sees_only_her_street(browser, small_server, small_region):
    from taxmap import data
    from taxmap.warehouse import Warehouse

    wh = Warehouse(small_region[1])
    street = wh.query("select street_code, street_name from stg_streets order by street_code limit 1")[0]
    expected = data.overview(wh, data.Scope(frozenset({street["street_code"]})))["taxpayers"]
    wh.close()
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    browser_login(page, small_server, ensure_user("e2e.street", "street_leader", streets=[street["street_code"]]))
    page.wait_for_selector("#kpi-taxpayers")
    assert page.locator("#kpi-taxpayers .tm-kpi-value").inner_text() == f"{expected:,}"
    assert page.locator(".tm-street-label").count() == 1
    assert page.locator(".tm-street-label").inner_text() == street["street_name"]
    page.close()


def test_an_admin_reads_the_audit_log(browser, small_server, screenshot):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    browser_login(page, small_server, ensure_user("e2e.admin", "admin"))
    page.goto(small_server + "/admin/audit")
    page.wait_for_selector("#audit-table")
    rows = page.locator("#audit-table tbody tr")
    assert rows.count() > 0
    assert "e2e.admin" in rows.first.inner_text()  # its own login, newest first
    screenshot(page, "audit-1366x768")
    page.close()
