"""The command map (指挥地图): tax-source density, risk heat and discrepancies on H3 hexagons.

The cells in view travel once per (viewport, resolution, filters); switching layer, metric or the
selection only changes the hex layer's hideout (assets/taxmap_map.js restyles). Clicking a street
label drills into the street; clicking a hexagon opens what it holds in the side panel.
"""

from __future__ import annotations

import dash
import dash_leaflet as dl
import h3
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard import context
from dashboard.components import current_run, header, no_warehouse_page
from dashboard.i18n import normalise_lang, t
from layers import boundaries
from layers import changes as changes_layer
from layers import discrepancies as discrepancies_layer
from layers import hexes as hex_layer
from layers import tasks as tasks_layer
from taxmap.data import tasks as task_data
from taxmap import data
from taxmap.data import changes, hexes
from taxmap.data import quality as quality_data

dash.register_page(__name__, path="/", title="实景税源智慧地图")

FILTERS = ("industry", "taxpayer_type", "entity_type", "credit_rating", "status", "risk_level", "discrepancy_kind")
DETAIL_ROWS = 20


def _header(lang: str, region_name: str) -> html.Header:
    return header(lang, "map", [html.Nav(className="tm-crumbs", id="breadcrumb", children=_crumbs(region_name, None, lang))])


def _crumbs(region_name: str, street_name: str | None, lang: str, grid_name: str | None = None) -> list:
    """District › street › grid; every level above the current one is a link back to it. The street
    crumb is always in the page (hidden at district level): a callback listens to its clicks."""
    region = html.Span(region_name or t("map.region", lang), id="crumb-region", n_clicks=0,
                       className="tm-crumb tm-region tm-link" if street_name else "tm-crumb tm-region")
    hidden = "" if street_name else " tm-hidden"
    crumbs = [region, html.Span("›", className="tm-crumb-sep" + hidden),
              html.Span(street_name or "", id="crumb-street", n_clicks=0,
                        className=("tm-crumb tm-link" if grid_name else "tm-crumb") + hidden)]
    if grid_name:
        crumbs += [html.Span("›", className="tm-crumb-sep"), html.Span(grid_name, className="tm-crumb",
                                                                       id="crumb-grid")]
    return crumbs


def _options(values: list[str], key: str, lang: str) -> list[dict]:
    if key == "risk_level":
        return [{"label": t(f"risk.{v}", lang), "value": v} for v in values]
    if key == "discrepancy_kind":
        return [{"label": t(f"kind.{v}", lang), "value": v} for v in values]
    if key == "credit_rating":
        return [{"label": v or t("filter.unrated", lang), "value": v} for v in values]
    return [{"label": v, "value": v} for v in values]


def _controls(wh, lang: str) -> html.Aside:
    options = hexes.filter_options(wh)
    return html.Aside(className="tm-controls", children=[
        html.Div(t("map.layer", lang), className="tm-control-title"),
        dcc.RadioItems(id="layer", value="density", className="tm-radio",
                       options=[{"label": t(f"layer.{k}", lang), "value": k} for k in hex_layer.LAYERS]),
        html.Div(t("map.metric", lang), className="tm-control-title"),
        dcc.Dropdown(id="metric", clearable=False, className="tm-dropdown",
                     options=_metric_options("density", lang), value="n_taxpayers"),
        html.Div(t("map.filters", lang), className="tm-control-title"),
        *[html.Div(className="tm-filter", children=[
            html.Label(t(f"filter.{key}", lang), htmlFor=f"filter-{key}"),
            dcc.Dropdown(id=f"filter-{key}", multi=True, placeholder=t("filter.any", lang), className="tm-dropdown",
                         options=_options(options[key], key, lang)),
        ]) for key in FILTERS],
        dcc.Checklist(id="select-mode", className="tm-check",
                      options=[{"label": t("map.select_mode", lang), "value": "multi"}], value=[]),
        html.Button(t("map.clear_selection", lang), id="clear-selection", n_clicks=0, className="tm-button"),
        # the tasks layer: for those who see tasks (leaders: their area's; officers: their own)
        dcc.Checklist(id="show-tasks", value=[],
                      className="tm-check" + ("" if context.may_dispatch() or context.is_officer() else " tm-hidden"),
                      options=[{"label": t("map.show_tasks", lang), "value": "tasks"}]),
    ])


def _metric_options(layer: str, lang: str) -> list[dict]:
    return [{"label": t(f"metric.{m}", lang), "value": m} for m in hex_layer.LAYERS[layer]["metrics"]]


def _kpi(key: str, value: str, lang: str) -> html.Div:
    return html.Div(className="tm-kpi", id=f"kpi-{key}", children=[
        html.Div(value, className="tm-kpi-value"), html.Div(t(f"kpi.{key}", lang), className="tm-kpi-label")])


def _fmt(n) -> str:
    return "—" if n is None else f"{n:,}"


def overview_card(wh, scope: data.Scope, lang: str) -> html.Section:
    o = data.overview(wh, scope)
    share = f"{o['linked'] / o['units'] * 100:.1f}%" if o["units"] else "—"
    kpis = [_kpi("taxpayers", _fmt(o["taxpayers"]), lang), _kpi("units", _fmt(o["units"]), lang),
            _kpi("linked_share", share, lang), _kpi("high_risk", _fmt(o["high_risk"]), lang),
            _kpi("unregistered", _fmt(o["discrepancies"].get("unregistered", 0)), lang),
            _kpi("not_found", _fmt(o["discrepancies"].get("not_found", 0)), lang)]
    children = [html.H2(t("map.overview", lang)), html.Div(className="tm-kpis tm-kpis-3", children=kpis)]
    if scope.grid_codes is None and (scope.street_codes is None or len(scope.street_codes) > 1):
        rows = [html.Tr(id={"type": "street-row", "code": s["street_code"]}, n_clicks=0, className="tm-link-row",
                        children=[html.Td(s["street_name"]), html.Td(_fmt(s["n_taxpayers"]), className="num"),
                                  html.Td(_fmt(s["n_high"]), className="num"),
                                  html.Td(f"{s['risk_mean']:.1f}", className="num"),
                                  html.Td(_fmt(s["n_discrepancies"]), className="num")])
                for s in data.street_summaries(wh, scope)]
        head = html.Tr([html.Th(t(f"col.{c}", lang)) for c in
                        ("street", "taxpayers", "high", "risk_mean", "discrepancies")])
        children += [html.H2(t("map.streets", lang), className="tm-sub"),
                     html.Table(className="tm-table", id="street-table", children=[html.Thead(head),
                                                                                   html.Tbody(rows)])]
    return html.Section(className="tm-card", id="overview-card", children=children)


def _risk_badge(level: str | None, score, lang: str) -> html.Span:
    if level is None:
        return html.Span("—", className="tm-badge")
    return html.Span(f"{t('risk.' + level, lang)} {score:.0f}", className=f"tm-badge tm-risk-{level}")


def _why(unit: dict, lang: str) -> list:
    """The link explained: each comparison's weight in bits (docs/linkage.md), or the exact USCC."""
    if unit["method"] == "uscc":
        return [html.Div(t("map.why_uscc", lang), className="tm-why")]
    if unit["match_weight"] is None:
        return []
    parts = [f"{t('cmp.' + c, lang)} {unit['mw_' + c]:+.1f}" for c in hexes.LINK_COMPARISONS
             if unit["mw_" + c] is not None]
    probability = f"{unit['match_probability']:.2f}" if unit["match_probability"] is not None else "—"
    return [html.Div(f"{t('map.why', lang)} p = {probability}: " + " · ".join(parts), className="tm-why")]


def _aggregate_card(wh, scope: data.Scope, cells: list[str], lang: str) -> html.Section:
    """What an analyst sees of a selection: the cells' numbers, never a taxpayer's row."""
    rows = []
    for c in cells:
        if not c.startswith("p:"):
            res = h3.get_resolution(c)
            found = [r for r in hexes.hex_cells(wh, scope, res, hexes.cell_bounds(c)) if r["h3"] == c]
            rows += context.protect(wh, scope, res, found)
    # a figure withheld in one selected cell is withheld in the total (else totals of two selections differ by it)
    totals = {m: None if any(r[m] is None for r in rows) else sum(r[m] for r in rows) for m in hexes.COUNTS}
    items = [html.Li(f"{t('metric.' + m, lang)}：{_fmt(totals[m])}", className="tm-item")
             for m in ("n_taxpayers", "n_units", "n_high_risk", "n_unregistered", "n_not_found",
                       "n_address_mismatch", "n_status_conflict")]
    return html.Section(className="tm-card", id="selection-card", children=[
        html.H2(t("map.selection", lang)),
        html.Div(t("map.selected_cells", lang).format(n=len(rows)), className="tm-muted", id="selection-count"),
        html.Ul(items, className="tm-list", id="selection-aggregates"),
        html.P(t("map.aggregates_only", lang), className="tm-muted"),
    ])


def selection_card(wh, scope: data.Scope, cells: list[str], lang: str) -> html.Section:
    if not cells:
        return html.Section(className="tm-card", id="selection-card", children=[
            html.H2(t("map.selection", lang)), html.P(t("map.selection_hint", lang), className="tm-muted")])
    if not context.may_see_rows():
        return _aggregate_card(wh, scope, cells, lang)
    context.audit("view.detail", ";".join(cells), f"{len(cells)} map item(s)")
    points = [tuple(c[2:].split("|")) for c in cells if c.startswith("p:")]
    hexagons = [c for c in cells if not c.startswith("p:")]
    details = [hexes.cell_detail(wh, scope, h3.get_resolution(c), c, limit=200) for c in hexagons]
    taxpayers = sorted((tp for d in details for tp in d["taxpayers"]),
                       key=lambda tp: (-(tp["risk_score"] or 0), tp["taxpayer_id"]))
    units = [u for d in details for u in d["units"]]
    found = [x for d in details for x in d["discrepancies"]] + hexes.discrepancies_by_key(wh, scope, points)
    seen, discrepancies = set(), []
    for x in found:
        key = (x["kind"], x["taxpayer_id"], x["record_id"])
        if key not in seen:
            seen.add(key)
            discrepancies.append(x)
    reason_key = "reason_zh" if lang == "zh" else "reason_en"
    tp_items = [html.Li(className="tm-item", children=[
        html.Div(className="tm-item-head", children=[html.Span(tp["name"], className="tm-item-name"),
                                                       _risk_badge(tp["risk_level"], tp["risk_score"], lang)]),
        html.Div(f"{tp['taxpayer_id']} · {tp['status'] or '—'} · {tp['industry_name'] or '—'}",
                 className="tm-item-sub"),
        *[html.Div(f"{h['code']} {h[reason_key]}", className="tm-reason") for h in tp["hits"][:3]],
    ]) for tp in taxpayers[:DETAIL_ROWS]]
    unit_items = [html.Li(className="tm-item", children=[
        html.Div(className="tm-item-head", children=[html.Span(u["unit_name"], className="tm-item-name"),
                                                       html.Span(u["operating_status"] or "—", className="tm-badge")]),
        html.Div(f"{u['record_id']} · " + (f"{t('map.linked_to', lang)} {u['taxpayer_id']} ({u['method']})"
                                          if u["taxpayer_id"] else t("map.unlinked", lang))
                 + (f" · {t('map.review', lang)} {u['review_taxpayer_id']}" if u["needs_review"] else ""),
                 className="tm-item-sub"),
        *_why(u, lang),
    ]) for u in units[:DETAIL_ROWS]]
    disc_items = [html.Li(className=f"tm-item tm-kind-{x['kind']}", children=[
        html.Div(t(f"kind.{x['kind']}", lang), className="tm-item-name"),
        html.Div(x["detail"], className="tm-item-sub")]) for x in discrepancies[:DETAIL_ROWS]]

    def section(title: str, items: list, total: int, id_: str) -> list:
        more = [html.Div(t("map.more", lang).format(n=total - len(items)), className="tm-muted")] \
            if total > len(items) else []
        return [html.H2(f"{title} · {total}", className="tm-sub"), html.Ul(items, className="tm-list", id=id_), *more]

    return html.Section(className="tm-card", id="selection-card", children=[
        html.H2([t("map.selection", lang), *_dispatch_link(hexagons, lang)]),
        html.Div(t("map.selected_cells", lang).format(n=len(hexagons))
                 + (" · " + t("map.selected_points", lang).format(n=len(points)) if points else ""),
                 className="tm-muted", id="selection-count"),
        *section(t("map.taxpayers_in", lang), tp_items, len(taxpayers), "selection-taxpayers"),
        *section(t("map.units_in", lang), unit_items, len(units), "selection-units"),
        *section(t("map.discrepancies_in", lang), disc_items, len(discrepancies), "selection-discrepancies"),
    ])


def _dispatch_link(hexagons: list[str], lang: str) -> list:
    """For leaders: dispatch verification tasks for the selected hexagons (those of the resolution most
    of them have: a batch is one resolution)."""
    if not hexagons or not context.may_dispatch():
        return []
    by_res: dict[int, list[str]] = {}
    for c in hexagons:
        by_res.setdefault(h3.get_resolution(c), []).append(c)
    cells = max(by_res.values(), key=len)
    query = "cells=" + ",".join(cells) + ("&lang=en" if lang == "en" else "")
    return [html.A(t("map.dispatch", lang), href=f"/dispatch?{query}", className="tm-link tm-h2-link",
                   id="dispatch-link")]


def _linkage_warning(wh, lang: str) -> list:
    """A run that linked with the shipped parameters, or whose training warned, says so above the map."""
    info = quality_data.linkage_model(wh)
    if not quality_data.linkage_degraded(info):
        return []
    key = "link.warning_shipped" if info["training_method"] == "shipped" else "link.warning_weak"
    return [html.Div(t(key, lang), id="link-warning", className="tm-link-warning", role="alert")]


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if context.is_screen():  # a wall display's token opens /screen only
        return no_warehouse_page(_header(lang, ""), t("screen.only", lang))
    wh = context.warehouse()
    run = current_run(wh)
    if run is None:
        return no_warehouse_page(_header(lang, ""), t("home.no_warehouse", lang))
    region_name = run["region_name"] or ""
    display, scope = context.display(), context.user_scope()
    view = boundaries.initial_view(display.bounds_out(data.region_bounds(wh, scope)), fit_px=820)
    tiles = [dl.TileLayer(url=context.settings().tile_url, maxZoom=19, id="base-tiles")] \
        if context.settings().tile_url else []
    return html.Div(className="tm-page", children=[
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="region-name-store", data=region_name),
        dcc.Store(id="scope", data=None),
        dcc.Store(id="selection", data=[]),
        dcc.Store(id="cell-breaks", data={}),
        dcc.Store(id="cell-meta", data={"res": hexes.resolution_for_zoom(view["zoom"]), "n": 0}),
        _header(lang, region_name),
        *_linkage_warning(wh, lang),
        html.Main(className="tm-main", children=[
            _controls(wh, lang),
            html.Div(className="tm-map-wrap", children=[
                dl.Map(
                    id="map", className="tm-map", zoomSnap=0.25, attributionControl=False, trackViewport=True,
                    **view,
                    children=[
                        *tiles,
                        dl.GeoJSON(id="hexes", data=None, style=hex_layer.HEX_STYLE,
                                   hideout=hex_layer.hideout("density", "n_taxpayers", {}, []),
                                   hoverStyle={"weight": 2.5, "color": "#ffd166"}),
                        *boundaries.layer(wh, scope, display=display),
                        dl.GeoJSON(id="points", data=None, pointToLayer=hex_layer.POINT_TO_LAYER,
                                   hideout={"kindColors": hex_layer.KIND_COLORS}),
                        dl.GeoJSON(id="task-layer", data=None, pointToLayer=tasks_layer.POINTS,
                                   hideout=tasks_layer.HIDEOUT),
                        *boundaries.labels(wh, "street", scope, display),
                        dl.LayerGroup(id="grid-labels", children=[]),
                        dl.ScaleControl(position="bottomleft", imperial=False),
                    ],
                ),
                html.Div(className="tm-legend", id="map-legend"),
            ]),
            html.Aside(className="tm-side", children=[
                html.Div(id="overview", children=overview_card(wh, scope, lang)),
                html.Div(id="selection-panel", children=selection_card(wh, scope, [], lang)),
            ]),
        ]),
    ])


def _scope(area: dict | None) -> data.Scope:
    """The drill-down store ({"street": code, "grid": code or None}, or None) within the user's area:
    a street or grid outside it gives a scope that matches nothing."""
    allowed = context.user_scope()
    if not area or not area.get("street"):
        return allowed
    grid = area.get("grid")
    return allowed.narrow(data.Scope(frozenset({area["street"]}), frozenset({grid}) if grid else None))


def _area_bounds(wh, area: dict | None):
    if area and area.get("grid"):
        return data.area_bounds(wh, "grid", area["grid"])
    if area and area.get("street"):
        return data.area_bounds(wh, "street", area["street"])
    return data.region_bounds(wh, context.user_scope())


def _filters(values: list) -> hexes.Filters:
    return hexes.Filters.from_dict(dict(zip(FILTERS, values, strict=True)))


@callback(Output("metric", "options"), Output("metric", "value"), Input("layer", "value"), State("lang", "data"))
def _metric_for_layer(layer: str, lang: str):
    return _metric_options(layer, lang), hex_layer.LAYERS[layer]["metrics"][0]


def cells_update(bounds, zoom, street, layer, filter_values, lang, trigger=None, meta=None):
    """The hex layer's cells, class breaks and resolution, and the discrepancy points, for a view.
    A layer switch alone sends nothing new (the hideout restyles) unless points appear or go."""
    wh, display = context.warehouse(), context.display()
    scope, filters = _scope(street), _filters(filter_values)
    bounds = display.bounds_in(bounds) or _area_bounds(wh, street)
    points = None
    if layer == "discrepancies" and zoom is not None and zoom >= discrepancies_layer.POINTS_FROM_ZOOM:
        points = hex_layer.points_collection(
            hexes.discrepancy_points(wh, scope, bounds, filters.discrepancy_kind), lang, display)
    with_changes = layer == "changes"
    if trigger == "layer" and with_changes == bool((meta or {}).get("changes")):
        return no_update, no_update, no_update, points
    res, rows = hexes.cells_for_zoom(wh, scope, zoom, bounds, filters)
    rows = context.protect(wh, scope, res, rows, filters)
    note = None
    if with_changes:
        rows, note = _with_changes(wh, scope, res, rows, bounds, filters, lang)
    return (hex_layer.feature_collection(rows, lang, display), hex_layer.all_breaks(rows),
            {"res": res, "n": len(rows), "changes": with_changes, "note": note}, points)


def _with_changes(wh, scope: data.Scope, res: int, rows: list[dict], bounds, filters: hexes.Filters,
                  lang: str) -> tuple[list[dict], str]:
    """The cells in view with what changed in each since the previous run (under the user's disclosure
    control), plus the cells in view that lost every taxpayer; and a line saying which runs compare."""
    found = changes.since_previous(wh, scope, res, filters, context.disclosure_k())
    if found is None:
        return rows, t("map.changes_none", lang)
    changed, base, run = found
    (south, west), (north, east) = bounds
    by_cell = {r["h3"]: dict(r) for r in rows}
    for c in changed:
        if c["h3"] not in by_cell:
            lat, lng = h3.cell_to_latlng(c["h3"])
            if not (south <= lat <= north and west <= lng <= east):
                continue
            by_cell[c["h3"]] = {"h3": c["h3"]}
        by_cell[c["h3"]].update({m: c[m] for m in changes_layer.METRICS})
    note = t("map.changes_between", lang).format(base=f"{base['finished_at']:%Y-%m-%d %H:%M}",
                                                 run=f"{run['finished_at']:%Y-%m-%d %H:%M}")
    return [by_cell[h] for h in sorted(by_cell)], note


@callback(
    Output("hexes", "data"), Output("cell-breaks", "data"), Output("cell-meta", "data"), Output("points", "data"),
    Input("map", "bounds"), Input("map", "zoom"), Input("scope", "data"), Input("layer", "value"),
    *[Input(f"filter-{k}", "value") for k in FILTERS],
    State("lang", "data"), State("cell-meta", "data"),
)
def _cells(bounds, zoom, street, layer, *rest):
    *values, lang, meta = rest
    return cells_update(bounds, zoom, street, layer, values, lang, ctx.triggered_id, meta)


@callback(
    Output("hexes", "hideout"), Output("map-legend", "children"),
    Input("cell-breaks", "data"), Input("layer", "value"), Input("metric", "value"), Input("selection", "data"),
    State("cell-meta", "data"), State("lang", "data"),
)
def _style(cell_breaks, layer, metric, selected, meta, lang):
    if metric not in hex_layer.LAYERS[layer]["metrics"]:
        metric = hex_layer.LAYERS[layer]["metrics"][0]
    return (hex_layer.hideout(layer, metric, cell_breaks or {}, selected or []),
            hex_layer.legend(layer, metric, cell_breaks or {}, meta["res"], meta["n"], lang, meta.get("note")))


def select_update(trigger, click, mode, selected) -> list[str]:
    """A click on a cell (or a discrepancy point) selects it alone, or in multi-select mode adds or
    removes it; clearing the selection or changing the area empties it. Points are kept as
    "p:kind|taxpayer_id|record_id"."""
    if trigger not in ("hexes", "points") or not click:
        return []
    props = click.get("properties") or {}
    if trigger == "points":
        item = "p:" + "|".join([props.get("kind") or "", props.get("taxpayer_id") or "",
                                props.get("record_id") or ""])
    else:
        item = props.get("h3")
    if not item:
        return list(selected or [])
    if "multi" not in (mode or []):
        return [item]
    selected = list(selected or [])
    return [c for c in selected if c != item] if item in selected else [*selected, item]


@callback(
    Output("selection", "data"),
    Input("hexes", "clickData"), Input("points", "clickData"), Input("clear-selection", "n_clicks"),
    Input("scope", "data"), State("select-mode", "value"), State("selection", "data"),
    prevent_initial_call=True,
)
def _select(hex_click, point_click, _clear, _scope_changed, mode, selected):
    click = point_click if ctx.triggered_id == "points" else hex_click
    return select_update(ctx.triggered_id, click, mode, selected)


@callback(Output("selection-panel", "children"), Input("selection", "data"), State("scope", "data"),
          State("lang", "data"))
def _selection_panel(selected, street, lang):
    return selection_card(context.warehouse(), _scope(street), selected or [], lang)


@callback(
    Output("scope", "data"), Output("map", "viewport"), Output("breadcrumb", "children"),
    Output("overview", "children"), Output("grid-labels", "children"),
    Input({"type": "street-label", "code": ALL}, "n_clicks"), Input({"type": "street-row", "code": ALL}, "n_clicks"),
    Input({"type": "grid-label", "code": ALL}, "n_clicks"),
    Input("crumb-region", "n_clicks"), Input("crumb-street", "n_clicks"),
    State("scope", "data"), State("region-name-store", "data"), State("lang", "data"),
    prevent_initial_call=True,
)
def _drill(_streets, _rows, _grids, _region, _street, area, region_name, lang):
    if not ctx.triggered or not any(t_["value"] for t_ in ctx.triggered):
        return (no_update,) * 5
    return drill_update(ctx.triggered_id, area, region_name, lang)


def drill_update(trigger, area: dict | None, region_name: str, lang: str):
    """District → street → grid and back: the new area, the map's viewport, the breadcrumb, the
    overview, and the grid names to click (shown inside an open street)."""
    wh, display = context.warehouse(), context.display()
    kind = trigger.get("type") if isinstance(trigger, dict) else trigger
    if kind in ("street-label", "street-row"):
        area = {"street": trigger["code"], "grid": None}
    elif kind == "grid-label":
        area = {"street": data.grid_street(wh, trigger["code"]), "grid": trigger["code"]}
    elif kind == "crumb-street" and area:
        area = {"street": area["street"], "grid": None}
    else:
        area = None
    if area and not context.user_scope().narrow(data.Scope(frozenset({area["street"]}))).street_codes:
        area = None  # not the user's street: back to the user's own area
    street_name = data.area_name(wh, "street", area["street"]) if area else None
    grid_name = data.area_name(wh, "grid", area["grid"]) if area and area["grid"] else None
    scope = _scope(area)
    grid_labels = boundaries.labels(wh, "grid", data.Scope(frozenset({area["street"]})), display) \
        if area and not area["grid"] else []
    return (area, {"bounds": display.bounds_out(_area_bounds(wh, area)), "transition": "flyToBounds"},
            _crumbs(region_name, street_name, lang, grid_name), overview_card(wh, scope, lang), grid_labels)



def tasks_update(show: list | None, lang: str) -> dict | None:
    """The open tasks the user may see, as map points; None when the layer is off."""
    if not show:
        return None
    points = task_data.points(context.store(), context.actor())
    return tasks_layer.feature_collection(points, lang, context.display())


@callback(Output("task-layer", "data"), Input("show-tasks", "value"), State("lang", "data"),
          prevent_initial_call=True)
def _tasks(show, lang):
    return tasks_update(show, normalise_lang(lang))
