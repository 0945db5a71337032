"""The map page over HTTP and as a layout: boundaries, overview, offline assets, languages."""

from __future__ import annotations

import json

import pytest

from auth_helpers import ensure_user, login
from components import find as _find
from components import text as _text
from dashboard import context
from taxmap.settings import Settings


@pytest.fixture(scope="module")
def client(tiny_warehouse):
    import app as app_module

    context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
    client = app_module.server.test_client()
    login(client, ensure_user("leader", "district_leader"))
    return client


def test_index_is_served_with_local_assets_only(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "实景税源智慧地图" in html
    assert "unpkg.com" not in html and "cdn" not in html.lower()
    assert "/_dash-component-suites/dash_leaflet/" in html
    assert "/assets/style.css" in html


def test_layout_shows_boundaries_and_the_overview(client):
    from dashboard.pages import home

    page = home.layout()
    streets = _find(page, "boundaries-streets")
    grids = _find(page, "boundaries-grids")
    assert [f["properties"]["name"] for f in streets.data["features"]] == ["新安街道", "西乡街道"]
    assert len(grids.data["features"]) == 4
    assert _text(_find(page, "kpi-taxpayers")).split()[0] == "5"
    assert _text(_find(page, "kpi-units")).split()[0] == "5"
    assert _text(_find(page, "crumb-region")) == "测试区"
    street_rows = _find(page, "street-table")
    assert "新安街道" in _text(street_rows) and "西乡街道" in _text(street_rows)


def test_english_is_one_switch_away(client):
    from dashboard.pages import home

    assert "Overview" in _text(home.layout(lang="en"))
    assert "概况" in _text(home.layout())
    assert _find(home.layout(), "lang-switch").href == "?lang=en"


def test_page_explains_when_no_warehouse_exists(tmp_path):
    from dashboard.pages import home

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tmp_path))
    try:
        assert "taxmap etl" in _text(_find(home.layout(), "no-warehouse"))
    finally:
        context.configure(previous)


def test_the_app_switches_to_a_newly_published_run_without_restart(tiny_input, tmp_path):
    from etl.pipeline import run_etl
    from taxmap import data
    from taxmap.warehouse import Warehouse

    out = tmp_path / "out"
    first = run_etl(tiny_input, out)
    wh = Warehouse(first.warehouse)
    assert data.latest_run(wh)["run_id"] == first.run_id
    second = run_etl(tiny_input, out, force=True)
    assert data.latest_run(wh)["run_id"] == second.run_id
    wh.close()


def test_boundaries_are_valid_geojson(client):
    from taxmap import data

    collection = data.boundaries_geojson(context.warehouse(), "street")
    assert json.loads(json.dumps(collection))["type"] == "FeatureCollection"
    assert collection["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_a_fresh_worker_serves_concurrent_first_requests(tiny_warehouse):
    """Each gunicorn worker imports app.py and may get its first requests at once, on several threads:
    Dash's one-time set-up must be done before then, or scripts are refused ("not a registered library")."""
    import os
    import subprocess
    import sys

    code = """
from concurrent.futures import ThreadPoolExecutor
from app import server
paths = ['/_dash-component-suites/dash/deps/prop-types@15.8.1.min.js',
         '/_dash-component-suites/dash/deps/react@18.3.1.min.js', '/_dash-layout', '/_dash-dependencies'] * 8
def get(path):
    return server.test_client().get(path).status_code
with ThreadPoolExecutor(16) as pool:
    print(sorted(set(pool.map(get, paths))))
"""
    env = {**os.environ, "TAXMAP_WAREHOUSE_DIR": str(tiny_warehouse.parent)}
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip().splitlines()[-1] == "[200]", out.stderr[-2000:]
