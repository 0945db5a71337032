"""Who sees what, as a matrix over HTTP: every role × every page, every server callback, every
download and every plain route of the app, on the tiny region (新安 440306001: taxpayers 1–2, units
R001–R002; 西乡 440306002: taxpayers 3–5, units R003–R005, and the tasks).

Each callback is posted with inputs that reach for 西乡's data; the response must not hold what the
role may not see: another street's taxpayer ids, unit ids and names (street leader and officer of
新安, a 新安 wall display), any taxpayer or unit id (analyst, admin outside the audit log and data
quality, wall display), and personal identifiers in clear (everyone but the officer a task is
assigned to, and the raw rows of data quality). The lists of callbacks and routes are read from the
app: a new callback or route without its row here fails the test."""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile

import pytest

from auth_helpers import ensure_user, login
from components import callback_body, post_callback
from dashboard import context
from dispatch import screens
from dispatch import tasks as T
from dispatch.store import open_store
from taxmap.settings import Settings
from tiny_region import uscc

XINAN, XIXIANG = "440306001", "440306002"
XIXIANG_CELL = "89411cac417ffff"  # res 9, holds a 西乡 taxpayer
XINAN_IDS = [uscc(1), uscc(2), "R001", "R002"]
XIXIANG_IDS = [uscc(3), uscc(4), uscc(5), "R003", "R004", "R005"]
XIXIANG_NAMES = ["海航物流", "好味道", "空壳商贸", "无照小卖部"]
PERSONAL = ["13800138000", "440306199001011234", "张三"]  # the tiny region's phone, ID number, legal rep
Q_GROUP = {"code": "uscc_format", "kind": "issues", "source": "taxpayers", "type": "q-group"}
ROLES = ("anonymous", "district_leader", "street_leader", "officer", "analyst", "admin", "screen")

# pages: who gets the page (others get its refusal, anonymous a 401)
PAGES = {
    "/": {"district_leader", "street_leader", "officer", "analyst", "admin"},
    "/dispatch": {"district_leader", "street_leader"},
    "/tasks": {"officer"},
    "/quality": {"district_leader", "admin"},
    "/admin/audit": {"admin"},
    "/screen": {"district_leader", "street_leader", "screen"},
    "/analysis": {"district_leader", "street_leader", "analyst"},
}
REFUSALS = ("仅区局领导与街道负责人可用", "供网格员使用", "仅区局领导与系统管理员可查看", "仅系统管理员可查看",
            "智慧大屏供区局与街道领导使用", "大屏令牌仅可打开智慧大屏",
            "统计分析供分析人员与领导使用")
# callbacks whose output may carry taxpayer ids by design, for these roles: rejected rows as written
# (data quality) and the audit log's targets
RAW_ROWS = {"q-rows": {"district_leader", "admin"}, "q-download": {"district_leader", "admin"},
            "audit-rows": {"admin"}, "audit-download": {"admin"}}


def forbidden(role: str, output: str) -> list[str]:
    if role in RAW_ROWS.get(output, ()):
        return []
    personal = PERSONAL
    if role == "district_leader":
        return personal
    if role in ("street_leader", "officer"):
        return XIXIANG_IDS + XIXIANG_NAMES + personal
    if role == "screen":  # a 新安 wall: aggregates and its own street's feed, never an id
        return XINAN_IDS + XIXIANG_IDS + XIXIANG_NAMES + personal
    return XINAN_IDS + XIXIANG_IDS + XIXIANG_NAMES + personal  # analyst, admin


@pytest.fixture(scope="module")
def matrix(tiny_warehouse):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    users = {
        "district_leader": ensure_user("m.leader", "district_leader"),
        "street_leader": ensure_user("m.xinan", "street_leader", streets=[XINAN]),
        "officer": ensure_user("m.w001", "officer", grids=[f"{XINAN}0001", f"{XINAN}0002"], officer_id="W001"),
        "analyst": ensure_user("m.analyst", "analyst"),
        "admin": ensure_user("m.admin", "admin"),
    }
    # 西乡's tasks (to T001), as its leader dispatches them
    lead = T.Actor("m.xixiang", "street_leader", frozenset({XIXIANG}))
    candidates = [T.Candidate("unregistered", "R005", None, "无照小卖部", XIXIANG, f"{XIXIANG}0002"),
                  T.Candidate("status_conflict", "R003", uscc(3), "深圳市海航物流有限公司", XIXIANG, f"{XIXIANG}0001")]
    officers = [T.Officer("T001", "王五", "tax_officer", XIXIANG, (f"{XIXIANG}0001", f"{XIXIANG}0002"))]
    T.dispatch(store, candidates, officers, lead)
    task = next(t for t in T.list_tasks(store, street_codes=frozenset({XIXIANG}), states=T.OPEN))
    token = screens.add_screen(store, f"matrix{os.getpid()}", streets=frozenset({XINAN}))
    server = app_module.server
    clients = {"anonymous": server.test_client()}
    for role, username in users.items():
        clients[role] = server.test_client()
        assert login(clients[role], username).status_code == 302
    clients["screen"] = server.test_client()
    assert clients["screen"].get(f"/screen?token={token}").status_code == 200
    yield {"clients": clients, "task": task, "server": server}
    context.configure(previous)
    store.dispose()


def probes(task: dict) -> dict[str, tuple[dict, str, dict]]:
    """One probe per server callback, keyed by its first output id: (inputs, changed, state)."""
    task_ref = {"task_id": task["task_id"], "version": task["version"]}
    return {
        "dispatch-preview": ({"dispatch-preview-button.n_clicks": 1}, "dispatch-preview-button.n_clicks",
                             {"dispatch-street.value": XIXIANG, "dispatch-kinds.value": ["unregistered", "high_risk"],
                              "dispatch-cells.data": [], "dispatch-lang.data": "zh"}),
        "dispatch-result": ({"dispatch-confirm-button.n_clicks": 1}, "dispatch-confirm-button.n_clicks",
                            {"dispatch-street.value": XIXIANG, "dispatch-kinds.value": ["unregistered"],
                             "dispatch-cells.data": [], "dispatch-lang.data": "zh"}),
        "random-result": ({"random-button.n_clicks": 1}, "random-button.n_clicks",
                          {"dispatch-street.value": XIXIANG, "random-n.value": 1, "random-seed.value": 1,
                           "dispatch-lang.data": "zh"}),
        "bulk-result": ({"bulk-review.n_clicks": 1}, "bulk-review.n_clicks",
                        {"tasks-grid.selectedRows": [task_ref], "dispatch-lang.data": "zh", "bulk-changed.data": 0}),
        "tasks-grid": ({"tasks-state.value": None}, "tasks-state.value", {"dispatch-lang.data": "zh"}),
        "task-detail": ({"tasks-grid.cellClicked": {"rowId": str(task["task_id"])}}, "tasks-grid.cellClicked",
                        {"dispatch-lang.data": "zh"}),
        "kpi-s-taxpayers": ({"screen-tick.n_intervals": 1}, "screen-tick.n_intervals",
                            {"screen-street.data": XIXIANG, "screen-run.data": None, "screen-lang.data": "zh"}),
        "metric": ({"layer.value": "risk"}, "layer.value", {"lang.data": "zh"}),
        "hexes": ({"map.zoom": 15, "scope.data": {"street": XIXIANG}, "layer.value": "density"}, "map.zoom",
                  {"lang.data": "zh"}),
        "hexes.hideout": ({"cell-breaks.data": {}, "layer.value": "density", "metric.value": "n_taxpayers",
                           "selection.data": [XIXIANG_CELL]}, "selection.data",
                          {"lang.data": "zh", "cell-meta.data": {"res": 9, "n": 1}}),
        "selection": ({"hexes.clickData": {"properties": {"h3": XIXIANG_CELL}}}, "hexes.clickData",
                      {"select-mode.value": [], "selection.data": []}),
        "selection-panel": ({"selection.data": [XIXIANG_CELL, f"p:status_conflict|{uscc(3)}|R003"]}, "selection.data",
                            {"scope.data": None, "lang.data": "zh"}),
        "scope": ({"crumb-region.n_clicks": 1}, "crumb-region.n_clicks",
                  {"scope.data": {"street": XIXIANG}, "region-name-store.data": "测试区", "lang.data": "zh"}),
        "task-layer": ({"show-tasks.value": ["tasks"]}, "show-tasks.value", {"lang.data": "zh"}),
        "q-selection": ({"__pattern__": [{"id": Q_GROUP, "property": "n_clicks", "value": 1}]},
                        json.dumps(Q_GROUP, separators=(",", ":"), sort_keys=True) + ".n_clicks", {}),
        "q-rows": ({"q-selection.data": {"source": "taxpayers", "kind": "issues", "code": None}}, "q-selection.data",
                   {"q-page.data": 0, "q-lang.data": "zh"}),
        "q-download": ({"q-dl-rejects-csv.n_clicks": 1}, "q-dl-rejects-csv.n_clicks", {}),
        "audit-rows": ({"audit-actor.value": None, "audit-action.value": "view."}, "audit-action.value",
                       {"audit-lang.data": "zh"}),
        "audit-download": ({"audit-download-button.n_clicks": 1}, "audit-download-button.n_clicks", {}),
        "tasks-current": ({"tasks-back.n_clicks": 1}, "tasks-back.n_clicks", {}),
        "tasks-body": ({"tasks-current.data": task["task_id"], "tasks-tab.value": "todo", "tasks-changed.data": 0},
                       "tasks-current.data", {"tasks-lang.data": "zh"}),
        "task-photo-label": ({"task-photo-upload.filename": "x.png"}, "task-photo-upload.filename",
                             {"tasks-lang.data": "zh"}),
        "tasks-message": ({"task-accept.n_clicks": 1}, "task-accept.n_clicks",
                          {"task-version.data": task_ref, "tasks-lang.data": "zh", "tasks-changed.data": 0}),
        "analysis-grid": ({"analysis-street.value": XIXIANG, "analysis-res.value": 9,
                           "analysis-metrics.value": ["n_taxpayers", "tax_paid_12m"]}, "analysis-street.value",
                          {"analysis-lang.data": "zh"}),
        "analysis-download": ({"analysis-download-button.n_clicks": 1}, "analysis-download-button.n_clicks",
                              {"analysis-street.value": XIXIANG, "analysis-res.value": 9, "analysis-format.value": "csv",
                               "analysis-metrics.value": ["n_taxpayers", "tax_paid_12m"], "analysis-lang.data": "zh"}),
        "analysis-hexes": ({"analysis-map-metric.value": "tax_paid_12m",
                            "analysis-map-breaks.data": {"tax_paid_12m": [1.0, 2.0]}}, "analysis-map-metric.value",
                           {"analysis-map-meta.data": {"res": 9, "n": 2, "shown": 2, "k": 3},
                            "analysis-lang.data": "zh"}),
        "analysis-metrics": ({"analysis-compare.value": "20000101T000000-none"}, "analysis-compare.value",
                             {"analysis-lang.data": "zh"}),
        "tasks-current@map": ({"task-points.clickData": {"properties": {"task_id": task["task_id"]}}},
                              "task-points.clickData", {}),
    }


def _key(dep: dict) -> str:
    first = dep["output"].strip(".").split("...")[0]
    ident, prop = first.rsplit(".", 1)
    if "@" in prop:
        return f"{ident}@map"
    return f"{ident}.{prop}" if ident == "hexes" and prop == "hideout" else ident


def _post(client, dep: dict, inputs: dict, changed: str, state: dict):
    return client.post("/_dash-update-component", json=callback_body(dep, {**inputs, **state}, changed))


def _readable(payload) -> str:
    """The response as text, with downloads (base64 in dcc.Download's data) decoded: what a file holds
    is checked like what a page shows."""
    parts = [json.dumps(payload, ensure_ascii=False)]

    def walk(node):
        if isinstance(node, dict):
            if node.get("base64") and isinstance(node.get("content"), str):
                raw = base64.b64decode(node["content"])
                parts.append(raw.decode("utf-8", "ignore"))
                if raw[:2] == b"PK":  # xlsx / zip: the texts inside
                    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                        parts.extend(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return "\n".join(parts)


def test_every_server_callback_is_in_the_matrix(matrix):
    deps = matrix["clients"]["district_leader"].get("/_dash-dependencies").get_json()
    server_side = {_key(d) for d in deps if not d.get("clientside_function")} - {"_pages_content"}
    assert server_side == set(probes(matrix["task"])), "classify the new callback in tests/test_access_matrix.py"


@pytest.mark.parametrize("role", ROLES)
def test_callbacks_never_leak(matrix, role):
    client = matrix["clients"][role]
    deps = {_key(d): d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")}
    for key, (inputs, changed, state) in probes(matrix["task"]).items():
        response = _post(client, deps[key], inputs, changed, state)
        if role == "anonymous":
            assert response.status_code == 401, key
            continue
        assert response.status_code in (200, 204), (key, response.status_code, response.get_data(as_text=True)[:300])
        body = _readable(response.get_json()) if response.status_code == 200 else ""
        leaked = [x for x in forbidden(role, key.split(".")[0].split("@")[0]) if x in body]
        assert not leaked, f"{role} received {leaked} from {key}"


@pytest.mark.parametrize("role", ROLES)
def test_pages(matrix, role):
    client = matrix["clients"][role]
    for path, allowed in PAGES.items():
        if role == "anonymous":
            assert client.get(path).status_code == 302  # to the login page
            post_callback(client, ["_pages_content.children"],
                          {"_pages_location.pathname": path, "_pages_location.search": ""},
                          "_pages_location.pathname", expect=401)
            continue
        if role == "screen" and path != "/screen":
            assert client.get(path).status_code == 403, path
        page = post_callback(client, ["_pages_content.children"],
                             {"_pages_location.pathname": path, "_pages_location.search": ""},
                             "_pages_location.pathname")
        text = json.dumps(page, ensure_ascii=False)
        refused = any(r in text for r in REFUSALS)
        assert refused is (role not in allowed), f"{role} on {path}: refused={refused}"
        leaked = [x for x in forbidden(role, {"/admin/audit": "audit-rows", "/quality": "q-rows"}.get(path, "page"))
                  if x in text]
        assert not leaked, f"{role} received {leaked} on {path}"


@pytest.mark.parametrize("role", ROLES)
def test_plain_routes(matrix, role):
    """Every route of the Flask app: public ones answer everyone; the photo route only who may read
    the task (404 for all others: it does not say whether the task exists)."""
    client, task = matrix["clients"][role], matrix["task"]
    rules = {r.rule for r in matrix["server"].url_map.iter_rules()}
    known = {"/static/<path:filename>", "/assets/<path:filename>",
             "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>", "/_dash-layout",
             "/_dash-dependencies", "/_dash-update-component", "/_reload-hash", "/_favicon.ico", "/", "/<path:path>",
             "/login", "/account/password", "/logout", "/health", "/tasks/photo/<int:task_id>",
             *API}
    assert rules == known, "classify the new route in tests/test_access_matrix.py"
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
    photo = client.get(f"/tasks/photo/{task['task_id']}")
    expected = {"anonymous": 302, "screen": 403}.get(role, 404)  # no photo, and none of these may read it
    assert photo.status_code == expected, role
    dash_layout = client.get("/_dash-layout")
    assert dash_layout.status_code == 200  # the empty shell: no data
    assert not [x for x in XINAN_IDS + XIXIANG_IDS + PERSONAL if x in dash_layout.get_data(as_text=True)]


# the read API (taxmap/api.py): status per role for a request reaching into 西乡; the openapi description
# is public (it holds no data)
API = {"/api/v1/hex-changes": {"district_leader": 400, "analyst": 400, "street_leader": 403, "officer": 403,
                               "admin": 403, "screen": 403, "anonymous": 401},
       "/api/v1/hex-stats": {"district_leader": 200, "analyst": 200, "street_leader": 403, "officer": 403,
                             "admin": 403, "screen": 403, "anonymous": 401},
       "/api/v1/runs": {"district_leader": 200, "analyst": 200, "street_leader": 200, "officer": 403,
                        "admin": 403, "screen": 403, "anonymous": 401},
       "/api/v1/openapi.json": dict.fromkeys(ROLES, 200)}
API_QUERY = {"/api/v1/hex-stats": f"?res=9&area={XIXIANG}&format=geojson",
             "/api/v1/hex-changes": f"?res=9&area={XIXIANG}&from=20000101T000000-none", "/api/v1/runs": "", "/api/v1/openapi.json": ""}


@pytest.mark.parametrize("role", ROLES)
def test_read_api(matrix, role):
    """Signed-in sessions on the API: who gets an answer, and that no answer carries an id, a name or
    a personal identifier (the API serves aggregates only, whoever asks)."""
    client = matrix["clients"][role]
    for path, expected in API.items():
        response = client.get(path + API_QUERY[path])
        assert response.status_code == expected[role], (role, path, response.get_data(as_text=True)[:300])
        assert response.mimetype in ("application/json", "application/geo+json"), (role, path)
        body = response.get_data(as_text=True)
        leaked = [x for x in XINAN_IDS + XIXIANG_IDS + XIXIANG_NAMES + PERSONAL if x in body]
        assert not leaked, f"{role} received {leaked} from {path}"
        if role == "district_leader" and path == "/api/v1/hex-stats":
            assert XIXIANG_CELL in body  # the scan reads a real answer


def test_downloads_are_read_by_the_scan(matrix):
    """The leak scan reads inside the files a callback sends (else it could not fail on one)."""
    client = matrix["clients"]["district_leader"]
    deps = {_key(d): d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")}
    inputs, changed, state = probes(matrix["task"])["analysis-download"]
    text = _readable(_post(client, deps["analysis-download"], inputs, changed, state).get_json())
    assert XIXIANG_CELL in text and "登记纳税人数(n_taxpayers)" in text
