"""The read API (/api/v1, taxmap/api.py) over HTTP on the tiny region (新安 440306001: taxpayers 1–2;
西乡 440306002: taxpayers 3–5): who may call it (bearer tokens of systems, signed-in analysts and
leaders), the area each gets, pagination, disclosure control (a suppressed figure cannot be
recovered from what the API publishes at any resolution), the audit trail, and the OpenAPI
description, which is validated and used to fuzz the API (schemathesis)."""

from __future__ import annotations

import datetime as dt
import io
import os

import geopandas as gpd
import h3
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from auth_helpers import ensure_user, login
from dashboard import context
from dispatch import audit, screens, tokens, users
from dispatch.store import open_store, screen_tokens
from taxmap import data
from taxmap.data import analysis
from taxmap.settings import Settings
from tiny_region import uscc

XINAN, XIXIANG = "440306001", "440306002"
K = 3


@pytest.fixture(scope="module")
def api(tiny_warehouse):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent, disclosure_k=K))
    store = open_store(os.environ["TAXMAP_DATABASE_URL"])
    suffix = f"{os.getpid()}{dt.datetime.now():%H%M%S%f}"
    yield {
        "server": app_module.server, "store": store, "suffix": suffix,
        "district": tokens.add(store, "system", f"district{suffix}"),
        "xinan": tokens.add(store, "system", f"xinan{suffix}", streets=frozenset({XINAN})),
        "xixiang": tokens.add(store, "system", f"xixiang{suffix}", streets=frozenset({XIXIANG})),
    }
    context.configure(previous)
    store.dispose()


def get(api, path: str, token: str | None = None, client=None, **headers):
    client = client or api["server"].test_client()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(path, headers=headers)


def all_cells(api, token: str, query: str = "") -> list[dict]:
    response = get(api, f"/api/v1/hex-stats?page_size=5000&{query}", token)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["pages"] == 1
    return body["items"]


# --- who may call it -------------------------------------------------------------------------------

def test_no_token_is_401_json_not_a_login_redirect(api):
    response = get(api, "/api/v1/hex-stats")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert get(api, "/api/v1/runs").status_code == 401


def test_bad_revoked_and_expired_tokens_are_refused_and_audited(api):
    store, suffix = api["store"], api["suffix"]
    assert get(api, "/api/v1/hex-stats", "not-a-token").status_code == 401
    assert get(api, "/api/v1/hex-stats", headers={"Authorization": "Basic abc"}).status_code in (401,)
    token = tokens.add(store, "system", f"gone{suffix}")
    assert get(api, "/api/v1/runs", token).status_code == 200
    tokens.revoke(store, "system", f"gone{suffix}")
    assert get(api, "/api/v1/runs", token).status_code == 401
    late = tokens.add(store, "system", f"late{suffix}", expires_days=30)
    assert get(api, "/api/v1/runs", late).status_code == 200
    with store.begin() as conn:  # thirty days later
        conn.execute(screen_tokens.update().where(screen_tokens.c.username == f"api.late{suffix}")
                     .values(expires_at=dt.datetime(2000, 1, 1)))
    assert get(api, "/api/v1/runs", late).status_code == 401
    outcomes = {r["outcome"] for r in audit.search(store, action="login", limit=50)
                if r["target"] in (f"api.gone{suffix}", f"api.late{suffix}", "system token")}
    assert {"bad_token", "revoked_token", "expired_token"} <= outcomes


def test_tokens_of_one_kind_do_not_open_the_other(api):
    store, suffix = api["store"], api["suffix"]
    screen = screens.add_screen(store, f"wall{suffix}", streets=frozenset({XINAN}))
    assert get(api, "/api/v1/hex-stats", screen).status_code == 401  # a screen token is no API token
    client = api["server"].test_client()
    assert client.get(f"/screen?token={api['xinan']}").status_code == 403  # nor an API token a screen's
    # a system account has no password to sign in with
    result = users.authenticate(store, f"api.xinan{suffix}", "whatever-1234")
    assert result.user is None and result.reason == "system_password"


@pytest.mark.parametrize("role, status", [("analyst", 200), ("district_leader", 200), ("street_leader", 200),
                                          ("officer", 403), ("admin", 403)])
def test_signed_in_users(api, role, status):
    name = ensure_user(f"api.{role}", role, streets=[XINAN] if role == "street_leader" else (),
                       grids=[f"{XINAN}0001"] if role == "officer" else ())
    client = api["server"].test_client()
    assert login(client, name).status_code == 302
    response = client.get("/api/v1/hex-stats?res=9")
    assert response.status_code == status, response.get_json()
    if role == "street_leader":  # its street only
        assert response.get_json()["area"] == [XINAN]
    wall = screens.add_screen(api["store"], f"w{role}{api['suffix']}")
    client.get(f"/screen?token={wall}")
    assert client.get("/api/v1/hex-stats").status_code == 403  # the session is now the wall display's


# --- what each gets --------------------------------------------------------------------------------

def _taxpayer_cells(wh, street: str, res: int) -> set[str]:
    return {r["h"] for r in wh.query(f"select distinct h3_{res} as h from map_taxpayers where street_code = ?",
                                     [street])}


def test_scope_follows_the_token(api, tiny_warehouse):
    wh = context.warehouse()
    xinan = all_cells(api, api["xinan"], "res=10")
    assert sum(c["n_taxpayers"] for c in xinan) == 2
    assert _taxpayer_cells(wh, XINAN, 10) <= {c["h3"] for c in xinan}
    assert not (_taxpayer_cells(wh, XIXIANG, 10) - _taxpayer_cells(wh, XINAN, 10)) & {c["h3"] for c in xinan}
    everything = all_cells(api, api["district"], "res=10")
    assert sum(c["n_taxpayers"] for c in everything) == 5
    both = all_cells(api, api["district"], f"res=10&area={XINAN},{XIXIANG}")
    assert both == everything
    # another street, or one that does not exist: the same refusal for a street-limited caller
    for area in (XIXIANG, "999999999", f"{XINAN},{XIXIANG}"):
        response = get(api, f"/api/v1/hex-stats?area={area}", api["xinan"])
        assert response.status_code == 403, area
    response = get(api, "/api/v1/hex-stats?area=999999999", api["district"])
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "area"


def test_never_a_taxpayer_id(api):
    for token in ("district", "xinan", "xixiang"):
        for fmt in ("json", "geojson"):
            text = get(api, f"/api/v1/hex-stats?res=10&format={fmt}", api[token]).get_data(as_text=True)
            assert not [i for i in range(1, 6) if uscc(i) in text]


@pytest.mark.parametrize("query, parameter", [
    ("res=6", "res"), ("res=x", "res"), ("metrics=n_taxpayers,secret", "metrics"), ("format=csv", "format"),
    ("page=0", "page"), ("page_size=5001", "page_size"), ("period=2026-13", "period"),
    ("period=2026-06:2026-01", "period"), ("lang=fr", "lang"), ("metric=n_units", "metric"),
])
def test_bad_parameters_say_which_and_what_to_send(api, query, parameter):
    response = get(api, f"/api/v1/hex-stats?{query}", api["district"])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and error["message"]


def test_pagination_walks_every_cell_once(api):
    full = all_cells(api, api["district"], "res=10")
    assert len(full) > 3
    seen, url, pages = [], "/api/v1/hex-stats?res=10&page_size=2", 0
    while url:
        response = get(api, url, api["district"])
        body = response.get_json()
        assert body["total"] == len(full) and body["pages"] == -(-len(full) // 2)
        assert len(body["items"]) <= 2
        if body["links"]["next"]:
            assert f'<{body["links"]["next"]}>; rel="next"' in response.headers["Link"]
        seen += body["items"]
        url, pages = body["links"]["next"], pages + 1
    assert seen == full and pages == body["pages"]
    assert [c["h3"] for c in full] == sorted(c["h3"] for c in full)
    past = get(api, f"/api/v1/hex-stats?res=10&page_size=2&page={pages + 1}", api["district"]).get_json()
    assert past["items"] == [] and past["links"]["next"] is None


def test_geojson_opens_in_geopandas(api):
    response = get(api, "/api/v1/hex-stats?res=9&format=geojson", api["district"])
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    frame = gpd.read_file(io.BytesIO(response.data))
    cells = all_cells(api, api["district"], "res=9")
    assert list(frame["h3"]) == [c["h3"] for c in cells]
    assert frame.geometry.geom_type.eq("Polygon").all()
    centre = frame.geometry.iloc[0].centroid
    lat, lng = h3.cell_to_latlng(frame["h3"].iloc[0])
    assert abs(centre.x - lng) < 1e-3 and abs(centre.y - lat) < 1e-3
    by_accept = get(api, "/api/v1/hex-stats?res=9", api["district"], Accept="application/geo+json")
    assert by_accept.mimetype == "application/geo+json"
    assert response.get_json()["taxmap"]["disclosure"]["k"] == K


def test_the_same_table_as_the_export(api):
    """The API and the file export share one table (taxmap.data.analysis) under the same rule."""
    wh = context.warehouse()
    for token, scope in (("district", data.REGION), ("xixiang", data.Scope(frozenset({XIXIANG})))):
        table = analysis.hex_table(wh, scope, 9, k=K)
        assert all_cells(api, api[token], "res=9") == table.rows


# --- disclosure control ----------------------------------------------------------------------------

def test_small_cells_publish_no_sensitive_figure(api):
    for res in (7, 8, 9, 10):
        for c in all_cells(api, api["district"], f"res={res}"):
            if 0 < c["n_taxpayers"] < K:
                assert c["suppressed"] == "primary"
            if c["suppressed"]:
                assert c["tax_paid_12m"] is None and c["risk_mean"] is None and c["n_high_risk"] is None
    # 新安 alone holds two taxpayers: even its whole street publishes no tax
    runs = get(api, "/api/v1/runs", api["xinan"]).get_json()["items"]
    assert runs[0]["area_figures"]["taxpayers"] == 2 and runs[0]["area_figures"]["tax_paid_12m"] is None
    district = get(api, "/api/v1/runs", api["district"]).get_json()["items"]
    assert district[0]["area_figures"]["taxpayers"] == 5 and district[0]["area_figures"]["tax_paid_12m"] is not None


def test_suppressed_tax_cannot_be_recovered_from_coarser_totals(api):
    """The attack: take a published parent total (one resolution coarser, or a street or district
    total) and subtract the published children; if exactly one child with taxpayers is withheld,
    the difference is its tax. Every way the API allows must leave two or more unknowns, or none."""
    context.configure(context.settings().model_copy(update={"disclosure_k": 2}))  # 2: some parents publish
    try:
        _attack(api)
    finally:
        context.configure(context.settings().model_copy(update={"disclosure_k": K}))


def _attack(api) -> None:
    attempts = 0
    for res in (8, 9, 10):
        children = all_cells(api, api["district"], f"res={res}")
        parents = {c["h3"]: c for c in all_cells(api, api["district"], f"res={res - 1}")}
        groups: dict[str, list[dict]] = {}
        for c in children:
            if c["n_taxpayers"]:
                groups.setdefault(h3.cell_to_parent(c["h3"], res - 1), []).append(c)
        for parent, members in groups.items():
            unknown = [c for c in members if c["tax_paid_12m"] is None]
            if parents[parent]["tax_paid_12m"] is not None:
                attempts += 1
                assert len(unknown) != 1, f"{unknown[0]['h3']} = {parent} − its published siblings"
    district_total = get(api, "/api/v1/runs", api["district"]).get_json()["items"][0]["area_figures"]["tax_paid_12m"]
    for res in (7, 8, 9, 10):
        cells = [c for c in all_cells(api, api["district"], f"res={res}") if c["n_taxpayers"]]
        unknown = [c for c in cells if c["tax_paid_12m"] is None]
        assert len(unknown) != 1 or district_total is None, f"district total − published cells at res {res}"
    assert attempts  # the tiny region has published parents to attack


# --- runs and the audit trail ----------------------------------------------------------------------

def test_runs_newest_first(api):
    wh = context.warehouse()
    body = get(api, "/api/v1/runs", api["district"]).get_json()
    assert body["items"][0]["run_id"] == data.latest_run(wh)["run_id"]
    assert body["total"] == len(wh.query("select run_id from etl_runs"))
    assert body["items"][0]["rows_staged"]["taxpayers"] == 5


def test_every_call_is_audited_with_its_rows(api):
    store = api["store"]
    response = get(api, "/api/v1/hex-stats?res=9&page_size=2&metrics=n_taxpayers,tax_paid_12m", api["xixiang"])
    rows = audit.search(store, actor=f"api.xixiang{api['suffix']}", action="export.api", limit=5)
    assert rows and rows[0]["target"] == "hex-stats r9 page 1"
    detail = rows[0]["detail"]
    assert f"rows={len(response.get_json()['items'])}" in detail and f"area={XIXIANG}" in detail
    assert "metrics=n_taxpayers,tax_paid_12m" in detail and f"k={K}" in detail
    get(api, "/api/v1/runs", api["xixiang"])
    assert audit.search(store, actor=f"api.xixiang{api['suffix']}", action="view.api", limit=5)
    holder = next(h for h in tokens.holders(store, "system") if h.username == f"api.xixiang{api['suffix']}")
    assert holder.last_used_at is not None


# --- the OpenAPI description -----------------------------------------------------------------------

def test_openapi_description_is_valid_and_public(api):
    response = api["server"].test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # raises on an invalid OpenAPI 3.1 document
    assert set(spec["paths"]) == {"/api/v1/hex-stats", "/api/v1/hex-changes", "/api/v1/runs"}
    metrics = next(p for p in spec["paths"]["/api/v1/hex-stats"]["get"]["parameters"] if p["name"] == "metrics")
    assert all(m in metrics["description"] for m in analysis.METRICS)


def _schema():
    import app as app_module  # the description needs no warehouse: loaded at collection

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app_module.server)


schema = _schema()


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_description(case, api):
    """Generated requests (valid and invalid) against the description: no 5xx, every response
    matches its documented status, content type and schema, invalid data is refused. (A period of
    well-formed months the warehouse does not hold is refused with a 400 that says which months it
    holds: valid by the description's pattern, so the "valid data is accepted" check is left out.)"""
    case.call_and_validate(headers={"Authorization": f"Bearer {api['xixiang']}"},
                           excluded_checks=[positive_data_acceptance])


# --- period and taxpayer filters ---------------------------------------------------------------------

def test_a_period_replaces_the_12_month_tax(api):
    body = get(api, "/api/v1/hex-stats?res=7&period=2025-01:2025-06&page_size=5000", api["district"]).get_json()
    assert "tax_paid_period" in body["columns"] and "tax_paid_12m" not in body["columns"]
    table = analysis.hex_table(context.warehouse(), data.REGION, 7, k=K, period=("2025-01", "2025-06"))
    assert body["items"] == table.rows
    outside = get(api, "/api/v1/hex-stats?period=2019-01:2019-02", api["district"])
    assert outside.status_code == 400 and "2025-01" in outside.get_json()["error"]["message"]


def test_filters_are_checked_against_the_warehouse(api):
    body = get(api, "/api/v1/hex-stats?res=10&type=小规模纳税人&credit=B&page_size=5000", api["district"]).get_json()
    assert sum(c["n_taxpayers"] for c in body["items"]) == 5
    response = get(api, "/api/v1/hex-stats?type=外星纳税人", api["district"])
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "type"
    response = get(api, "/api/v1/hex-stats?credit=Z", api["district"])
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "credit"
