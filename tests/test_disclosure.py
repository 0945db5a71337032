"""Disclosure control of hexagon statistics: a small cell's sensitive figures are withheld, and no
published parent minus its published children gives one withheld cell (secondary suppression); the
analyst's map and selection get them so, leaders get the figures."""

from __future__ import annotations

import random

import h3
import pytest

from auth_helpers import ensure_user, login
from components import post_callback
from dashboard import context
from dashboard.i18n import t
from taxmap.data import REGION, disclosure, hexes
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse

K = 3


def _recoverable(children: list[dict], parents: list[dict], res: int) -> list[str]:
    """The parents from which one withheld child could be recovered: published, with exactly one
    withheld child holding taxpayers."""
    by_parent: dict[str, list[dict]] = {}
    for c in children:
        by_parent.setdefault(h3.cell_to_parent(c["h3"], res - 1), []).append(c)
    bad = []
    for p in parents:
        if p["suppressed"] or p["tax_paid_12m"] is None:
            continue
        withheld = [c for c in by_parent.get(p["h3"], []) if c["suppressed"] and c["n_taxpayers"]]
        if len(withheld) == 1:
            bad.append(p["h3"])
    return bad


def test_primary_and_secondary_suppression_on_random_cells():
    rng = random.Random(5)
    parents = [h3.latlng_to_cell(22.55 + i * 0.02, 113.88, 8) for i in range(40)]
    children = []
    for p in parents:
        for c in h3.cell_to_children(p, 9):
            n = rng.choice([0, 1, 2, 3, 5, 8, 13])
            children.append({"h3": c, "n_taxpayers": n, "tax_paid_12m": float(sum(rng.randint(1, 900) for _ in range(n))),
                             "n_high_risk": rng.randint(0, n) if n else 0})
    shown = disclosure.suppress(children, 9, K)
    assert all(r["tax_paid_12m"] is None and r["n_high_risk"] is None for r in shown if 0 < r["n_taxpayers"] < K)
    assert any(r["suppressed"] == "secondary" for r in shown) and all(
        r["tax_paid_12m"] is not None for r in shown if not r["suppressed"])
    totals = {}
    for c in children:
        t = totals.setdefault(h3.cell_to_parent(c["h3"], 8), {"n_taxpayers": 0, "tax_paid_12m": 0.0, "n_high_risk": 0})
        for m in t:
            t[m] += c[m]
    parent_rows = disclosure.suppress([{"h3": p, **totals[p]} for p in parents], 8, K)
    assert _recoverable(shown, parent_rows, 9) == []
    # the attack, spelled out: a parent minus its published children is never one withheld child's figure
    for p in parent_rows:
        if p["tax_paid_12m"] is None:
            continue
        kids = [c for c in shown if h3.cell_to_parent(c["h3"], 8) == p["h3"]]
        rest = p["tax_paid_12m"] - sum(c["tax_paid_12m"] for c in kids if c["tax_paid_12m"] is not None)
        truth = {c["h3"]: o["tax_paid_12m"] for c, o in zip(shown, children, strict=True)}
        withheld = [truth[c["h3"]] for c in kids if c["suppressed"] and c["n_taxpayers"]]
        assert len(withheld) != 1 and (not withheld or rest == pytest.approx(sum(withheld)))


@pytest.fixture(scope="module")
def small_wh(small_region):
    import app  # noqa: F401 - the Dash app must exist before its pages are imported

    previous = context.settings()
    context.configure(Settings(warehouse_dir=small_region[1].parent))
    yield Warehouse(small_region[1])
    context.configure(previous)


@pytest.mark.parametrize("res", [8, 9, 10])
def test_no_withheld_cell_comes_back_from_its_parent_on_the_small_region(small_wh, res):
    children = hexes.protected_cells(small_wh, REGION, res, hexes.hex_cells(small_wh, REGION, res, None), k=K)
    parents = hexes.protected_cells(small_wh, REGION, res - 1, hexes.hex_cells(small_wh, REGION, res - 1, None), k=K)
    assert any(c["suppressed"] == "primary" for c in children)
    assert _recoverable(children, parents, res) == []
    # a view of part of the district decides like the whole: two views cannot be combined to undo it
    part = children[: len(children) // 3]
    again = hexes.protected_cells(small_wh, REGION, res, hexes.hex_cells(small_wh, REGION, res, None)[: len(part)], k=K)
    assert {r["h3"]: r["suppressed"] for r in again} == {r["h3"]: r["suppressed"] for r in part}


def test_a_filter_cannot_be_subtracted_from_the_whole(small_wh):
    filters = hexes.Filters.from_dict({"taxpayer_type": ["一般纳税人"]})
    everyone = {r["h3"]: r for r in hexes.hex_cells(small_wh, REGION, 9, None)}
    filtered = hexes.protected_cells(small_wh, REGION, 9, hexes.hex_cells(small_wh, REGION, 9, None, filters),
                                     filters, k=K)
    for r in filtered:
        left_out = everyone[r["h3"]]["n_taxpayers"] - r["n_taxpayers"]
        if 0 < left_out < K and r["n_taxpayers"]:
            assert r["tax_paid_12m"] is None, r["h3"]


def test_the_analysts_map_withholds_what_the_leaders_map_shows(tiny_warehouse):
    import app as app_module

    previous = context.settings()
    context.configure(Settings(warehouse_dir=tiny_warehouse.parent))
    try:
        server = app_module.server
        body = {"map.bounds": None, "map.zoom": 15, "scope.data": None, "layer.value": "density"}
        cells = {}
        for username, role in (("d.analyst", "analyst"), ("d.leader", "district_leader")):
            client = server.test_client()
            login(client, ensure_user(username, role))
            out = post_callback(client, ["hexes.data"], body, "map.zoom", {"lang.data": "zh"})
            cells[role] = [f["properties"] for f in out["hexes"]["data"]["features"]]
        taxed = [c for c in cells["district_leader"] if c["n_taxpayers"]]
        assert taxed and all(c["tax_paid_12m"] is not None for c in taxed)
        # the tiny region has one taxpayer per cell: nothing sensitive reaches the analyst
        assert all(c["tax_paid_12m"] is None and c["n_high_risk"] is None for c in cells["analyst"] if c["n_taxpayers"])
        client = server.test_client()
        login(client, "d.analyst")
        cell = taxed[0]["h3"]
        card = str(post_callback(client, ["selection-panel.children"], {"selection.data": [cell]}, "selection.data",
                                 {"scope.data": None, "lang.data": "zh"}))
        assert f"{t('metric.n_high_risk', 'zh')}：—" in card and f"{t('metric.n_taxpayers', 'zh')}：1" in card
    finally:
        context.configure(previous)


def test_the_area_is_the_parent_of_the_coarsest_cells():
    """At res 7 the parents (res 6) are not published but the area's total is: a small cell alone
    under its res-6 parent would be the total minus the other cells, so one more cell is withheld."""
    lonely = h3.latlng_to_cell(22.60, 113.70, 7)
    far = [c for c in h3.grid_ring(lonely, 12) if h3.cell_to_parent(c, 6) != h3.cell_to_parent(lonely, 6)][:2]
    rows = [{"h3": lonely, "n_taxpayers": 1, "tax_paid_12m": 10.0},
            {"h3": far[0], "n_taxpayers": 40, "tax_paid_12m": 400.0},
            {"h3": far[1], "n_taxpayers": 30, "tax_paid_12m": 300.0}]
    plain = {r["h3"]: r["suppressed"] for r in disclosure.suppress(rows, 7, K)}
    assert list(plain.values()).count(None) == 2  # the groups alone leave the lonely cell recoverable
    area = {r["h3"]: r["suppressed"] for r in disclosure.suppress(rows, 7, K, area=True)}
    assert area == {lonely: "primary", far[1]: "secondary", far[0]: None}


@pytest.mark.parametrize("k", [3, 10, 40])
def test_no_area_total_minus_the_coarsest_cells_gives_one(small_wh, k):
    """The district's and each street's published total (the runs' area figures) minus their res-7
    cells leave two or more withheld cells, or none."""
    from taxmap.data import Scope, analysis

    streets = [r["street_code"] for r in small_wh.query("select street_code from stg_streets")]
    for scope in [REGION, *(Scope(frozenset({s})) for s in streets)]:
        rows = analysis.hex_table(small_wh, scope, 7, k=k).rows
        withheld = [r for r in rows if r["suppressed"] and r["n_taxpayers"]]
        assert len(withheld) != 1, (scope, withheld)
        # the map decides the same (it reads every res-7 cell of the area, whatever is in view)
        some = [r for r in hexes.hex_cells(small_wh, scope, 7, None) if r["n_taxpayers"] or r["n_units"]][:3]
        mapped = {r["h3"]: r["suppressed"] for r in hexes.protected_cells(small_wh, scope, 7, some, k=k)}
        assert mapped == {r["h3"]: r["suppressed"] for r in rows if r["h3"] in mapped}
