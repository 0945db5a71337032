"""The closed loop over HTTP, through the app as a browser drives it (Flask test client posting Dash
callbacks): a street leader dispatches from a selection, the officer accepts and reports with a photo,
the leader returns it, the officer reports again, the leader approves and closes; every step leaves
its audit and event rows. Refusals: another street's leader, another officer, an analyst.

The tiny region: 新安街道 440306001 (officer W001 李四) and 西乡街道 440306002 (officer T001 王五),
where all four of its discrepancies are."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
import sqlalchemy as sa

from auth_helpers import ensure_user, login
from components import post_callback
from dashboard import context
from dispatch import tasks as T
from dispatch.store import audit_log, open_store, tasks
from taxmap.settings import Settings

XINAN, XIXIANG = "440306001", "440306002"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
KINDS = ["unregistered", "not_found", "address_mismatch", "status_conflict"]


@pytest.fixture(scope="module")
def app_server(tiny_warehouse, tmp_path_factory):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent, data_dir=tmp_path_factory.mktemp("data")))
    ensure_user("loop.xinan", "street_leader", streets=[XINAN])
    ensure_user("loop.xixiang", "street_leader", streets=[XIXIANG])
    ensure_user("loop.w001", "officer", grids=[f"{XINAN}0001", f"{XINAN}0002"], officer_id="W001")
    ensure_user("loop.t001", "officer", grids=[f"{XIXIANG}0001", f"{XIXIANG}0002"], officer_id="T001")
    ensure_user("loop.analyst", "analyst")
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    yield app_module.server, store
    context.configure(previous)
    store.dispose()


def _client(server, username):
    client = server.test_client()
    assert login(client, username).status_code == 302
    return client


def _page(client, path: str) -> dict:
    """The page's layout as the browser receives it (Dash pages' routing callback)."""
    return post_callback(client, ["_pages_content.children"],
                         {"_pages_location.pathname": path, "_pages_location.search": ""}, "_pages_location.pathname")


def _confirm(client, street=None, kinds=KINDS, cells=()):
    return post_callback(client, ["dispatch-result.children"], {"dispatch-confirm-button.n_clicks": 1},
                         "dispatch-confirm-button.n_clicks",
                         {"dispatch-street.value": street, "dispatch-kinds.value": list(kinds),
                          "dispatch-cells.data": list(cells), "dispatch-lang.data": "zh"})


def _act(client, action, task, **fields):
    values = {"task-accept.n_clicks": int(action == "accept"), "task-decline.n_clicks": int(action == "decline"),
              "task-report.n_clicks": int(action == "report")}
    state = {"task-version.data": {"task_id": task["task_id"], "version": task["version"]},
             "task-decline-note.value": fields.get("decline_note"), "task-result.value": fields.get("result"),
             "task-note.value": fields.get("note"), "task-new-taxpayer.value": None,
             "task-photo-upload.contents": fields.get("photo"), "tasks-lang.data": "zh", "tasks-changed.data": 0}
    out = post_callback(client, ["tasks-message.children"], values, f"task-{action}.n_clicks", state)
    return out["tasks-message"]["children"]


def _bulk(client, action, rows, note=None, officer=None):
    values = {f"bulk-{a}.n_clicks": int(a == action) for a in ("assign", "review", "return", "close", "cancel")}
    state = {"tasks-grid.selectedRows": [{"task_id": r["task_id"], "version": r["version"]} for r in rows],
             "bulk-officer.value": officer, "bulk-note.value": note, "dispatch-lang.data": "zh", "bulk-changed.data": 0}
    out = post_callback(client, ["bulk-result.children"], values, f"bulk-{action}.n_clicks", state)
    return out["bulk-result"]["children"]


def _grid_rows(client, states=None):
    out = post_callback(client, ["tasks-grid.rowData"],
                        {"dispatch-changed.data": 0, "random-changed.data": 0, "bulk-changed.data": 0,
                         "tasks-state.value": states, "tasks-kind.value": None, "tasks-overdue.value": []},
                        "tasks-state.value", {"dispatch-lang.data": "zh"})
    return out["tasks-grid"]["rowData"]


def _audit(store, task_id=None):
    query = sa.select(audit_log.c.actor, audit_log.c.action).where(audit_log.c.action.startswith("task."))
    if task_id is not None:
        query = query.where(audit_log.c.target == f"task {task_id}")
    with store.connect() as conn:
        return [tuple(r) for r in conn.execute(query.order_by(audit_log.c.audit_id))]


def test_the_closed_loop_over_http(app_server):
    server, store = app_server
    lead = _client(server, "loop.xixiang")
    preview = post_callback(lead, ["dispatch-preview.children"], {"dispatch-preview-button.n_clicks": 1},
                            "dispatch-preview-button.n_clicks",
                            {"dispatch-street.value": None, "dispatch-kinds.value": KINDS, "dispatch-cells.data": [],
                             "dispatch-lang.data": "zh"})
    assert "王五 (T001)" in str(preview) and "李四" not in str(preview)  # only the leader's street
    result = _confirm(lead)["dispatch-result"]["children"]
    assert result.startswith("已派发 ")
    rows = [r for r in _grid_rows(lead) if r["kind_code"] in KINDS]  # (other tests may add other kinds)
    assert rows and {r["street_code"] for r in rows} == {XIXIANG} and {r["officer_id"] for r in rows} == {"T001"}
    assert "已派发 0 项" in _confirm(lead)["dispatch-result"]["children"]  # no second open task per subject

    officer = _client(server, "loop.t001")
    listed = json.dumps(_page(officer, "/tasks"), ensure_ascii=False)
    assert f"#{rows[0]['task_id']} " in listed and "task-list" in listed
    task = T.get_task(store, rows[0]["task_id"])
    body = post_callback(officer, ["tasks-body.children"], {"tasks-current.data": task["task_id"],
                                                            "tasks-tab.value": "todo", "tasks-changed.data": 0},
                         "tasks-current.data", {"tasks-lang.data": "zh"})
    assert task["subject_name"] in str(body) and "task-accept" in str(body)
    assert _act(officer, "accept", task) == "已接收。"
    task = T.get_task(store, task["task_id"])
    photo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert _act(officer, "report", task, result="deregistered", note="已停业搬离", photo=photo) == "已提交反馈。"
    task = T.get_task(store, task["task_id"])
    assert task["state"] == "reported" and task["photo"] and task["result_code"] == "deregistered"
    picture = officer.get(f"/tasks/photo/{task['task_id']}")
    assert picture.status_code == 200 and picture.data == PNG and picture.headers["Cache-Control"] == "no-store"

    assert "退回：完成 1 项" in _bulk(lead, "return", [task], note="照片看不清")
    task = T.get_task(store, task["task_id"])
    assert task["state"] == "returned"
    assert _act(officer, "report", task, result="deregistered", note="补拍") == "已提交反馈。"
    task = T.get_task(store, task["task_id"])
    assert "审核通过：完成 1 项" in _bulk(lead, "review", [task])
    task = T.get_task(store, task["task_id"])
    assert "办结：完成 1 项" in _bulk(lead, "close", [task])
    task = T.get_task(store, task["task_id"])
    assert task["state"] == "closed" and task["open_key"] is None

    history = [(e["action"], e["to_state"], e["actor"]) for e in T.events(store, task["task_id"])]
    assert history == [("create", "assigned", "loop.xixiang"), ("accept", "accepted", "loop.t001"),
                       ("report", "reported", "loop.t001"), ("return", "returned", "loop.xixiang"),
                       ("report", "reported", "loop.t001"), ("review", "reviewed", "loop.xixiang"),
                       ("close", "closed", "loop.xixiang")]
    assert _audit(store, task["task_id"]) == [("loop.t001", "task.accept"), ("loop.t001", "task.report"),
                                              ("loop.t001", "task.report")]
    bulk_rows = [r for r in _audit(store) if r[1] in ("task.return", "task.review", "task.close", "task.dispatch")]
    assert [r[1] for r in bulk_rows][-3:] == ["task.return", "task.review", "task.close"]
    with store.connect() as conn:
        viewed = conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(
            audit_log.c.action.in_(["view.task", "view.photo"]), audit_log.c.actor == "loop.t001")).scalar_one()
    assert viewed >= 2

    # the approved result goes back to the ETL
    path, n = T.export_results(store, context.settings().data_dir / "export")
    assert n >= 1 and f"T{task['task_id']}" in path.read_text(encoding="utf-8-sig")


def test_other_areas_and_roles_are_refused_over_http(app_server):
    server, store = app_server
    lead = _client(server, "loop.xixiang")
    _confirm(lead, kinds=["not_found", "status_conflict", "unregistered", "address_mismatch"])
    mine = [r for r in _grid_rows(lead) if r["state_code"] == "assigned"]
    assert mine
    task = T.get_task(store, mine[0]["task_id"])

    other_officer = _client(server, "loop.w001")
    assert "may not accept" in _act(other_officer, "accept", task)
    assert T.get_task(store, task["task_id"])["version"] == task["version"]
    assert other_officer.get(f"/tasks/photo/{task['task_id']}").status_code == 404
    body = post_callback(other_officer, ["tasks-body.children"], {"tasks-current.data": task["task_id"],
                                                                  "tasks-tab.value": "todo", "tasks-changed.data": 0},
                         "tasks-current.data", {"tasks-lang.data": "zh"})
    assert "无权查看" in str(body) and task["subject_name"] not in str(body)

    other_lead = _client(server, "loop.xinan")
    seen = _grid_rows(other_lead)
    assert all(r["street_code"] == XINAN for r in seen) and task["task_id"] not in {r["task_id"] for r in seen}
    assert "完成 0 项" in _bulk(other_lead, "cancel", [task], note="越权")
    detail = post_callback(other_lead, ["task-detail.children"], {"tasks-grid.cellClicked": {"rowId": str(task["task_id"])}},
                           "tasks-grid.cellClicked", {"tasks-grid.rowData": [], "dispatch-lang.data": "zh"})
    assert "无权查看" in str(detail)
    # a street leader asking for another street (a crafted request) gets nothing dispatched there
    before = T.summary(store, frozenset({XIXIANG}))["total"]
    assert "已派发 0 项" in _confirm(other_lead, street=XIXIANG)["dispatch-result"]["children"]
    assert T.summary(store, frozenset({XIXIANG}))["total"] == before
    with store.connect() as conn:
        foreign = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
            tasks.c.created_by == "loop.xinan", tasks.c.street_code != XINAN)).scalar_one()
    assert foreign == 0

    analyst = _client(server, "loop.analyst")
    for path, refusal in (("/dispatch", "任务调度仅区局领导与街道负责人可用"), ("/tasks", "“我的任务”供网格员使用")):
        assert refusal in json.dumps(_page(analyst, path), ensure_ascii=False)
    assert "任务调度仅区局领导与街道负责人可用" in json.dumps(_page(other_officer, "/dispatch"), ensure_ascii=False)
    assert "“我的任务”供网格员使用" in json.dumps(_page(lead, "/tasks"), ensure_ascii=False)
    post_callback(analyst, ["tasks-grid.rowData"], {"dispatch-changed.data": 0, "random-changed.data": 0,
                                                    "bulk-changed.data": 0, "tasks-state.value": None,
                                                    "tasks-kind.value": None, "tasks-overdue.value": []},
                  "tasks-state.value", {"dispatch-lang.data": "zh"}, expect=204)
    post_callback(analyst, ["tasks-message.children"], {"task-accept.n_clicks": 1, "task-decline.n_clicks": 0,
                                                        "task-report.n_clicks": 0}, "task-accept.n_clicks",
                  {"task-version.data": {"task_id": task["task_id"], "version": task["version"]}}, expect=204)
    assert T.get_task(store, task["task_id"])["state"] == "assigned"


def test_random_check_from_the_page_is_reproducible_and_recorded(app_server):
    server, store = app_server
    lead = _client(server, "loop.xixiang")
    out = post_callback(lead, ["random-result.children"], {"random-button.n_clicks": 1}, "random-button.n_clicks",
                        {"dispatch-street.value": None, "random-n.value": 2, "random-seed.value": 7,
                         "dispatch-lang.data": "zh"})
    assert "已抽取并派发" in out["random-result"]["children"]
    with store.connect() as conn:
        batch = conn.execute(sa.text("select params from task_batches where kind = 'random_check' "
                                     "order by batch_id desc limit 1")).scalar_one()
    assert '"seed": 7' in batch and '"streets": ["440306002"]' in batch


def test_contacts_are_clear_only_for_the_assigned_officer(app_server, tiny_warehouse):
    from taxmap.data import masking
    from taxmap.warehouse import Warehouse

    server, store = app_server
    lead = _client(server, "loop.xixiang")
    _confirm(lead)
    task = next(t for t in T.list_tasks(store, street_codes=frozenset({XIXIANG}), states=T.OPEN)
                if t["taxpayer_id"] and t["officer_id"] == "T001")
    wh = Warehouse(tiny_warehouse)
    row = wh.query("select legal_rep, phone from stg_taxpayers where taxpayer_id = ?", [task["taxpayer_id"]])[0]
    wh.close()
    as_leader = str(post_callback(lead, ["task-detail.children"],
                                  {"tasks-grid.cellClicked": {"rowId": str(task["task_id"])}}, "tasks-grid.cellClicked",
                                  {"tasks-grid.rowData": [], "dispatch-lang.data": "zh"}))
    assert masking.phone(row["phone"]) in as_leader and row["phone"] not in as_leader
    assert masking.person(row["legal_rep"]) in as_leader and row["legal_rep"] not in as_leader
    officer = _client(server, "loop.t001")
    as_officer = str(post_callback(officer, ["tasks-body.children"],
                                   {"tasks-current.data": task["task_id"], "tasks-tab.value": "todo",
                                    "tasks-changed.data": 0}, "tasks-current.data", {"tasks-lang.data": "zh"}))
    assert row["phone"] in as_officer and row["legal_rep"] in as_officer
    officer.get("/logout")
    with store.connect() as conn:
        last = conn.execute(sa.select(audit_log.c.actor, audit_log.c.action).order_by(audit_log.c.audit_id.desc())
                            .limit(1)).first()
    assert tuple(last) == ("loop.t001", "logout")


def test_a_map_selection_dispatches_only_its_hexagons_and_the_map_shows_tasks(app_server, tiny_warehouse):
    from taxmap.warehouse import Warehouse

    server, store = app_server
    wh = Warehouse(tiny_warehouse)
    cell = wh.query("select h3_9 from map_units where record_id = 'R004'")[0]["h3_9"]
    inside = wh.query("""select count(*) as n from discrepancies d left join map_units u using (record_id)
                         left join map_taxpayers t on t.taxpayer_id = d.taxpayer_id
                         where coalesce(u.h3_9, t.h3_9) = ?""", [cell])[0]["n"]
    wh.close()
    lead = _client(server, "loop.xixiang")
    out = post_callback(lead, ["dispatch-preview.children"], {"dispatch-preview-button.n_clicks": 1},
                        "dispatch-preview-button.n_clicks",
                        {"dispatch-street.value": None, "dispatch-kinds.value": KINDS, "dispatch-cells.data": [cell],
                         "dispatch-lang.data": "zh"})
    line = out["dispatch-preview"]["children"]["props"]["children"][0]["props"]["children"]
    new, dup = (int(x) for x in re.findall(r"\d+", line)[:2])
    assert new + dup == inside >= 1  # the hexagon's discrepancies, nothing from the rest of the street
    bad = post_callback(lead, ["dispatch-preview.children"], {"dispatch-preview-button.n_clicks": 1},
                        "dispatch-preview-button.n_clicks",
                        {"dispatch-street.value": None, "dispatch-kinds.value": KINDS,
                         "dispatch-cells.data": ["not-a-cell"], "dispatch-lang.data": "zh"})
    assert "H3" in str(bad)  # a clear message, not a server error

    shown = post_callback(lead, ["task-layer.data"], {"show-tasks.value": ["tasks"]}, "show-tasks.value",
                          {"lang.data": "zh"})["task-layer"]["data"]["features"]
    open_here = T.list_tasks(store, street_codes=frozenset({XIXIANG}), states=T.OPEN)
    assert {f["properties"]["task_id"] for f in shown} == {t["task_id"] for t in open_here if t["lng"] is not None}
    elsewhere = post_callback(_client(server, "loop.xinan"), ["task-layer.data"], {"show-tasks.value": ["tasks"]},
                              "show-tasks.value", {"lang.data": "zh"})["task-layer"]["data"]["features"]
    assert not {f["properties"]["task_id"] for f in elsewhere} & {t["task_id"] for t in open_here}
    assert not post_callback(_client(server, "loop.analyst"), ["task-layer.data"], {"show-tasks.value": ["tasks"]},
                             "show-tasks.value", {"lang.data": "zh"})["task-layer"]["data"]["features"]
