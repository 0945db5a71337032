"""Who sees what, over HTTP: login, CSRF, lockout, session, headers, and each role's area on the map
(the tiny region: 新安街道 440306001 and 西乡街道 440306002)."""

from __future__ import annotations

import json
import re

import pytest

from auth_helpers import PASSWORD, ensure_user, login
from components import post_callback
from dashboard import context
from dispatch import audit
from taxmap import auth
from taxmap.settings import Settings

FILTERS = ("industry", "taxpayer_type", "entity_type", "credit_rating", "status", "risk_level", "discrepancy_kind")
XINAN, XIXIANG = "440306001", "440306002"


@pytest.fixture(scope="module")
def app_server(tiny_warehouse):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
    ensure_user("leader", "district_leader")
    ensure_user("xinan.lead", "street_leader", streets=[XINAN])
    ensure_user("officer.x", "officer", grids=[f"{XINAN}0001"])
    ensure_user("analyst", "analyst")
    yield app_module.server
    context.configure(previous)


def _client(app_server, username: str | None):
    client = app_server.test_client()
    if username:
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    return client


def _cells(client, area=None, zoom=12):
    body = {
        "output": "..hexes.data...cell-breaks.data...cell-meta.data...points.data..",
        "outputs": [{"id": "hexes", "property": "data"}, {"id": "cell-breaks", "property": "data"},
                    {"id": "cell-meta", "property": "data"}, {"id": "points", "property": "data"}],
        "inputs": [{"id": "map", "property": "bounds", "value": None},
                   {"id": "map", "property": "zoom", "value": zoom},
                   {"id": "scope", "property": "data", "value": area},
                   {"id": "layer", "property": "value", "value": "density"},
                   *[{"id": f"filter-{k}", "property": "value", "value": None} for k in FILTERS]],
        "changedPropIds": ["map.zoom"],
        "state": [{"id": "lang", "property": "data", "value": "zh"}, {"id": "cell-meta", "property": "data", "value": None}],
    }
    return client.post("/_dash-update-component", json=body)


def _taxpayers_seen(client, area=None) -> int:
    response = _cells(client, area)
    assert response.status_code == 200
    features = response.get_json()["response"]["hexes"]["data"]["features"]
    return sum(f["properties"]["n_taxpayers"] for f in features)


def test_nothing_without_a_login(app_server):
    client = _client(app_server, None)
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert client.get("/quality").status_code == 302
    assert _cells(client).status_code == 401
    assert client.get("/login").status_code == 200 and client.get("/health").status_code == 200


def test_each_role_sees_its_own_area(app_server):
    located = 5  # every tiny taxpayer has a usable position
    assert _taxpayers_seen(_client(app_server, "leader")) == located
    assert _taxpayers_seen(_client(app_server, "analyst")) == located
    xinan = _taxpayers_seen(_client(app_server, "xinan.lead"))
    assert 0 < xinan < located
    officer = _taxpayers_seen(_client(app_server, "officer.x"))
    assert 0 < officer <= xinan
    # a callback called directly with another street returns nothing
    lead = _client(app_server, "xinan.lead")
    assert _taxpayers_seen(lead, {"street": XIXIANG, "grid": None}) == 0
    assert _taxpayers_seen(lead, {"street": XINAN, "grid": None}) == xinan


def test_analysts_never_receive_a_taxpayers_row(app_server, tiny_warehouse):
    from dashboard.pages import home
    from taxmap.data import hexes
    from taxmap.warehouse import Warehouse

    wh = Warehouse(tiny_warehouse)
    cell = hexes.hex_cells(wh, home.data.REGION, 9, None)[0]["h3"]
    names = [r["name"] for r in wh.query("select name from stg_taxpayers")]
    wh.close()
    for username, sees_rows in (("analyst", False), ("leader", True)):
        client = _client(app_server, username)
        body = {"output": "selection-panel.children", "outputs": {"id": "selection-panel", "property": "children"},
                "inputs": [{"id": "selection", "property": "data", "value": [cell]}],
                "changedPropIds": ["selection.data"],
                "state": [{"id": "scope", "property": "data", "value": None},
                          {"id": "lang", "property": "data", "value": "zh"}]}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert any(n in text for n in names) is sees_rows, username
        if not sees_rows:
            assert "分析人员仅可查看汇总数据" in text
    views = audit.search(app_server.extensions["taxmap_store"], action="view.detail")
    assert views[0]["actor"] == "leader" and views[0]["target"] == cell


def test_wrong_passwords_lock_the_account_and_every_attempt_is_audited(app_server):
    ensure_user("locky", "district_leader")
    client = app_server.test_client()
    for _ in range(5):
        assert login(client, "locky", "not-the-password").status_code == 401
    response = login(client, "locky", PASSWORD)
    assert response.status_code == 401 and "锁定" in response.get_data(as_text=True)
    outcomes = [r["outcome"] for r in audit.search(app_server.extensions["taxmap_store"], actor="locky",
                                                   action="login")]
    assert outcomes == ["locked"] + ["bad_password"] * 5


def test_login_form_needs_its_csrf_token_and_redirects_only_locally(app_server):
    client = app_server.test_client()
    client.get("/login")
    refused = client.post("/login", data={"username": "leader", "password": PASSWORD, "next": "/"})
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": "leader", "password": PASSWORD,
                                           "next": "//evil.example/steal"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    for target, expected in (("/\\evil.example", "/"), ("https://evil.example/", "/"), ("/quality?lang=en",
                                                                                        "/quality?lang=en")):
        assert auth._safe_next(target) == expected, target


def test_callbacks_refuse_cross_site_and_form_posts(app_server):
    """A state-changing callback from another site (a form or a fetch) is refused before it runs."""
    client = _client(app_server, "leader")
    assert _cells(client).status_code == 200
    body = {"output": "x", "inputs": [], "changedPropIds": []}
    evil = client.post("/_dash-update-component", json=body, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    form = client.post("/_dash-update-component", data={"output": "x"})
    assert form.status_code == 403
    same = client.post("/_dash-update-component", json=body, headers={"Origin": "http://localhost"})
    assert same.status_code != 403  # our own origin passes the check (the body itself is then Dash's business)


def test_security_headers_and_session_cookie(app_server):
    client = app_server.test_client()
    response = login(client, "leader")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert app_server.permanent_session_lifetime.total_seconds() == 30 * 60


def test_a_session_times_out(app_server):
    client = _client(app_server, "leader")
    assert client.get("/").status_code == 200
    previous = app_server.permanent_session_lifetime
    app_server.permanent_session_lifetime = __import__("datetime").timedelta(seconds=-1)
    try:
        login(client, "leader")  # a session that expires at once
        assert client.get("/").status_code == 302
    finally:
        app_server.permanent_session_lifetime = previous


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(auth.SecretMissing, match="TAXMAP_SECRET_KEY"):
        auth.secret_key(Settings(env="production", secret_key=None, data_dir=tmp_path))
    assert auth.secret_key(Settings(env="production", secret_key="s3cret", data_dir=tmp_path)) == "s3cret"
    development = auth.secret_key(Settings(data_dir=tmp_path, secret_key=None))
    assert len(development) == 64 and auth.secret_key(Settings(data_dir=tmp_path, secret_key=None)) == development


def test_quality_rows_and_exports_are_for_district_leaders_and_admins(app_server):
    page = {"_pages_location.pathname": "/quality", "_pages_location.search": ""}
    for username, allowed in (("leader", True), ("analyst", False), ("xinan.lead", False)):
        out = post_callback(_client(app_server, username), ["_pages_content.children"], page,
                            "_pages_location.pathname")
        text = json.dumps(out, ensure_ascii=False)
        assert ("仅区局领导与系统管理员可查看" not in text) is allowed, username
    click = {"q-dl-rejects-csv.n_clicks": 1}
    out = post_callback(_client(app_server, "leader"), ["q-download.data"], click, "q-dl-rejects-csv.n_clicks")
    assert out["q-download"]["data"]["filename"].endswith(".csv")
    exports = audit.search(app_server.extensions["taxmap_store"], action="export")
    assert exports[0]["actor"] == "leader" and exports[0]["target"] == "quality:rejects"
    post_callback(_client(app_server, "analyst"), ["q-download.data"], click, "q-dl-rejects-csv.n_clicks",
                  expect=204)  # PreventUpdate: nothing sent


def test_the_audit_log_page_is_for_admins_and_its_download_is_audited(app_server):
    ensure_user("root", "admin")
    login(app_server.test_client(), ensure_user("locky", "district_leader"), "a-wrong-password")
    page = {"_pages_location.pathname": "/admin/audit", "_pages_location.search": ""}
    leader_view = json.dumps(post_callback(_client(app_server, "leader"), ["_pages_content.children"], page,
                                           "_pages_location.pathname"), ensure_ascii=False)
    assert "审计日志仅系统管理员可查看" in leader_view and "audit-table" not in leader_view
    admin = _client(app_server, "root")
    admin_view = json.dumps(post_callback(admin, ["_pages_content.children"], page, "_pages_location.pathname"),
                            ensure_ascii=False)
    assert "audit-table" in admin_view and "login" in admin_view
    rows = post_callback(admin, ["audit-rows.children"], {"audit-actor.value": "locky"}, "audit-actor.value")
    text = json.dumps(rows, ensure_ascii=False)
    assert "locky" in text and "root" not in text
    out = post_callback(admin, ["audit-download.data"], {"audit-download-button.n_clicks": 1,
                                                         "audit-action.value": "login"},
                        "audit-download-button.n_clicks")
    assert out["audit-download"]["data"]["filename"] == "audit_log.csv"
    exported = audit.search(app_server.extensions["taxmap_store"], action="export")[0]
    assert exported["actor"] == "root" and exported["target"] == "audit_log"


def test_a_reset_password_must_be_changed_before_anything_else(app_server):
    from dispatch import users

    store = app_server.extensions["taxmap_store"]
    ensure_user("resetme", "district_leader")
    users.reset_password(store, "resetme", "temporary-pass-1")
    client = app_server.test_client()
    assert login(client, "resetme", "temporary-pass-1").status_code == 302
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"] == "/account/password"
    assert _cells(client).status_code == 403
    form = client.get("/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    mismatch = client.post("/account/password", data={"csrf_token": token, "current": "temporary-pass-1",
                                                      "new": "brand-new-pass-2", "again": "brand-new-pass-3"})
    assert mismatch.status_code == 400
    wrong = client.post("/account/password", data={"csrf_token": token, "current": "not-it-at-all",
                                                   "new": "brand-new-pass-2", "again": "brand-new-pass-2"})
    assert wrong.status_code == 400 and "current password is wrong" in wrong.get_data(as_text=True)
    done = client.post("/account/password", data={"csrf_token": token, "current": "temporary-pass-1",
                                                  "new": "brand-new-pass-2", "again": "brand-new-pass-2"})
    assert done.status_code == 302 and client.get("/").status_code == 200
    assert users.get_user(store, "resetme").must_change_password is False
    assert audit.search(store, action="user.change_password")[0]["actor"] == "resetme"
