"""The task pages in headless Chromium on the `small` region: an officer works a task on a phone
(390×844: list, detail, accept, report with a photo), and a street leader's dispatch page at 1920×1080
shows the same numbers as the task store."""

from __future__ import annotations

import base64
import os

import pytest

from auth_helpers import browser_login, ensure_user
from dispatch import sources
from dispatch import tasks as T
from dispatch.store import open_store
from taxmap import data
from taxmap.data import masking
from taxmap.warehouse import Warehouse

pytestmark = pytest.mark.e2e
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def dispatched(small_region):
    """The first street's discrepancies dispatched by its leader; the officer with the most of them."""
    wh = Warehouse(small_region[1])
    street = wh.query("select street_code from stg_streets order by street_code limit 1")[0]["street_code"]
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    leader = ensure_user("e2e.dispatcher", "street_leader", streets=[street])
    selection = sources.Selection(data.Scope(frozenset({street})))
    T.dispatch(store, sources.candidates(wh, selection), sources.officers(wh, selection.scope),
               T.Actor(leader, "street_leader", frozenset({street})))
    officer_id = max(T.per_officer(store, frozenset({street})), key=lambda r: r["open"])["officer_id"]
    grids = wh.query("select grid_codes from stg_officers where officer_id = ?", [officer_id])[0]["grid_codes"]
    username = ensure_user(f"e2e.{officer_id.lower()}", "officer", grids=grids, officer_id=officer_id)
    wh.close()
    yield {"store": store, "street": street, "leader": leader, "officer": username, "officer_id": officer_id}
    store.dispose()


def test_an_officer_works_a_task_on_a_phone(browser, small_server, dispatched, screenshot, tmp_path):
    store = dispatched["store"]
    todo = T.list_tasks(store, officer_id=dispatched["officer_id"], states=("assigned", "accepted", "returned"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    browser_login(page, small_server, dispatched["officer"])
    page.goto(small_server + "/tasks")
    page.wait_for_selector(".tm-task-item")
    assert page.locator(".tm-task-item").count() == len(todo)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    screenshot(page, "tasks-390x844")
    first = page.locator(".tm-task-item").first
    task_id = int(first.locator(".tm-task-meta span").first.inner_text().split("·")[0].strip().lstrip("#"))
    first.click()
    page.wait_for_selector("#task-detail-card")
    assert page.locator("#task-evidence li").count() >= 1
    page.click("#task-accept")
    page.wait_for_selector("#task-report-form:not(.tm-hidden)")
    page.click("#task-result")
    page.locator(".dash-options-list-option", has_text="已核实在营").click()
    page.fill("#task-note", "现场核实在营，已拍照")
    photo = tmp_path / "site.png"
    photo.write_bytes(PNG)
    page.set_input_files("#task-photo-upload input[type=file]", str(photo))
    page.wait_for_selector("text=照片已选择")
    screenshot(page, "task-report-390x844")
    page.click("#task-report")
    page.wait_for_selector("text=已提交反馈")
    task = T.get_task(store, task_id)
    assert task["state"] == "reported" and task["result_code"] == "verified_operating" and task["photo"]
    assert [e["action"] for e in T.events(store, task_id)][-2:] == ["accept", "report"]
    page.click("#tasks-back")
    page.locator(".tm-tab", has_text="任务地图").click()
    page.wait_for_selector("#task-map .leaflet-interactive")
    screenshot(page, "tasks-map-390x844")
    context.close()


def test_the_dispatch_page_shows_the_store(browser, small_server, small_region, dispatched, screenshot):
    store = dispatched["store"]
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    browser_login(page, small_server, dispatched["leader"])
    page.goto(small_server + "/dispatch")
    page.wait_for_selector(".ag-row")
    summary = T.summary(store, frozenset({dispatched["street"]}))
    assert page.locator("#kpi-open").inner_text() == f"{summary['open']:,}"
    page.click("#tasks-kind")
    page.locator(".dash-dropdown-content .dash-options-list-option", has_text="核实经营状态").click()
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelectorAll('.ag-row .ag-cell[col-id=kind]').length > 0 && "
                           "[...document.querySelectorAll('.ag-row .ag-cell[col-id=kind]')]"
                           ".every(c => c.innerText.includes('核实经营状态'))")
    row = page.locator(".ag-row").first
    task_id = int(row.locator(".ag-cell[col-id='task_id']").inner_text())
    row.locator(".ag-cell[col-id='name']").click()
    page.wait_for_selector("#task-detail-card")
    shown = page.locator("#task-detail-card").inner_text()
    wh = Warehouse(small_region[1])
    phone = wh.query("select phone from stg_taxpayers where taxpayer_id = ?",
                     [T.get_task(store, task_id)["taxpayer_id"]])[0]["phone"]
    wh.close()
    assert phone not in shown and masking.phone(phone) in shown  # a leader sees the contact masked
    screenshot(page, "dispatch-1920x1080")
    page.close()
