"""The command map (指挥地图): tax-source density, risk heat and discrepancies on H3 hexagons.

The cells in view travel once per (viewport, resolution, filters); switching layer, metric or the
selection only changes the hex layer's hideout (assets/taxmap_map.js restyles). Clicking a street
label drills into the street; clicking a hexagon opens what it holds in the side panel.
"""

from __future__ import annotations

import h3
import dash
import dash_leaflet as dl
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard import context
from dashboard.i18n import normalise_lang, t
from layers import boundaries, hexes as hex_layer
from taxmap import data
from taxmap.data import hexes
from taxmap.warehouse import WarehouseMissing

dash.register_page(__name__, path="/", title="实景税源智慧地图")

FILTERS = ("industry", "taxpayer_type", "entity_type", "credit_rating", "status", "risk_level", "discrepancy_kind")
DETAIL_ROWS = 20


def _header(lang: str, region_name: str, current: str = "map") -> html.Header:
    other = "en" if lang == "zh" else "zh"
    query = "" if lang == "zh" else "?lang=en"
    return html.Header(className="tm-header", children=[
        html.Div(className="tm-header-left", children=[
            html.Span(t("app.title", lang), className="tm-title"),
            html.Nav(className="tm-crumbs", id="breadcrumb", children=_crumbs(region_name, None, lang)),
        ]),
        html.Nav(className="tm-nav", children=[
            html.A(t("nav.map", lang), href=f"/{query}", className="tm-nav-link tm-active" if current == "map"
                   else "tm-nav-link", id="nav-map"),
            html.A(t("nav.quality", lang), href=f"/quality{query}", className="tm-nav-link", id="nav-quality"),
            html.A(t("app.switch_lang", lang), href=f"?lang={other}", className="tm-lang", id="lang-switch"),
        ]),
    ])


def _crumbs(region_name: str, street_name: str | None, lang: str) -> list:
    """District › street; the district is a link back once a street is open."""
    region = html.Span(region_name or t("map.region", lang), id="crumb-region", n_clicks=0,
                       className="tm-crumb tm-region tm-link" if street_name else "tm-crumb tm-region")
    if not street_name:
        return [region]
    return [region, html.Span("›", className="tm-crumb-sep"),
            html.Span(street_name, className="tm-crumb", id="crumb-street")]


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
    if scope.street_codes is None:
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


def selection_card(wh, scope: data.Scope, cells: list[str], lang: str) -> html.Section:
    if not cells:
        return html.Section(className="tm-card", id="selection-card", children=[
            html.H2(t("map.selection", lang)), html.P(t("map.selection_hint", lang), className="tm-muted")])
    details = [hexes.cell_detail(wh, scope, h3.get_resolution(c), c, limit=200) for c in cells]
    taxpayers = sorted((tp for d in details for tp in d["taxpayers"]),
                       key=lambda tp: (-(tp["risk_score"] or 0), tp["taxpayer_id"]))
    units = [u for d in details for u in d["units"]]
    found = [x for d in details for x in d["discrepancies"]]
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
                 + (f" · {t('map.review', lang)}" if u["needs_review"] else ""), className="tm-item-sub"),
    ]) for u in units[:DETAIL_ROWS]]
    disc_items = [html.Li(className=f"tm-item tm-kind-{x['kind']}", children=[
        html.Div(t(f"kind.{x['kind']}", lang), className="tm-item-name"),
        html.Div(x["detail"], className="tm-item-sub")]) for x in discrepancies[:DETAIL_ROWS]]

    def section(title: str, items: list, total: int, id_: str) -> list:
        more = [html.Div(t("map.more", lang).format(n=total - len(items)), className="tm-muted")] \
            if total > len(items) else []
        return [html.H2(f"{title} · {total}", className="tm-sub"), html.Ul(items, className="tm-list", id=id_), *more]

    return html.Section(className="tm-card", id="selection-card", children=[
        html.H2(t("map.selection", lang)),
        html.Div(t("map.selected_cells", lang).format(n=len(cells)), className="tm-muted", id="selection-count"),
        *section(t("map.taxpayers_in", lang), tp_items, len(taxpayers), "selection-taxpayers"),
        *section(t("map.units_in", lang), unit_items, len(units), "selection-units"),
        *section(t("map.discrepancies_in", lang), disc_items, len(discrepancies), "selection-discrepancies"),
    ])


def _street_labels(wh) -> list:
    return [
        dl.DivMarker(
            id={"type": "street-label", "code": row["code"]}, position=[row["lat"], row["lng"]], n_clicks=0,
            iconOptions={"className": "tm-street-label", "html": row["name"], "iconSize": [96, 22],
                         "iconAnchor": [48, 11]},
        )
        for row in data.boundary_labels(wh, "street")
    ]


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    wh = context.warehouse()
    try:
        run = data.latest_run(wh)
    except WarehouseMissing:
        run = None
    if run is None:
        return html.Div(className="tm-page", children=[
            _header(lang, ""),
            html.Main(className="tm-empty", children=html.P(t("home.no_warehouse", lang), id="no-warehouse")),
        ])
    region_name = run["region_name"] or ""
    view = boundaries.initial_view(data.region_bounds(wh), fit_px=820)
    return html.Div(className="tm-page", children=[
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="region-name-store", data=region_name),
        dcc.Store(id="scope", data=None),
        dcc.Store(id="selection", data=[]),
        dcc.Store(id="cell-breaks", data={}),
        dcc.Store(id="cell-meta", data={"res": hexes.resolution_for_zoom(view["zoom"]), "n": 0}),
        _header(lang, region_name),
        html.Main(className="tm-main", children=[
            _controls(wh, lang),
            html.Div(className="tm-map-wrap", children=[
                dl.Map(
                    id="map", className="tm-map", zoomSnap=0.25, attributionControl=False, trackViewport=True,
                    **view,
                    children=[
                        dl.GeoJSON(id="hexes", data=None, style=hex_layer.HEX_STYLE,
                                   hideout=hex_layer.hideout("density", "n_taxpayers", {}, []),
                                   hoverStyle={"weight": 2.5, "color": "#ffd166"}),
                        *boundaries.layer(wh, labels_too=False, filled=False),
                        dl.GeoJSON(id="points", data=None, pointToLayer=hex_layer.POINT_TO_LAYER,
                                   hideout={"kindColors": hex_layer.KIND_COLORS}),
                        *_street_labels(wh),
                        dl.ScaleControl(position="bottomleft", imperial=False),
                    ],
                ),
                html.Div(className="tm-legend", id="map-legend"),
            ]),
            html.Aside(className="tm-side", children=[
                html.Div(id="overview", children=overview_card(wh, data.REGION, lang)),
                html.Div(id="selection-panel", children=selection_card(wh, data.REGION, [], lang)),
            ]),
        ]),
    ])


def _scope(street: str | None) -> data.Scope:
    return data.REGION if not street else data.Scope(frozenset({street}))


def _filters(values: list) -> hexes.Filters:
    return hexes.Filters.from_dict(dict(zip(FILTERS, values, strict=True)))


def cells_for_view(wh, scope: data.Scope, zoom: float | None, bounds, filters: hexes.Filters) -> tuple[int, list]:
    """The resolution zoom asks for, made coarser while the view would hold too many cells."""
    res = hexes.resolution_for_zoom(zoom)
    while True:
        if res == hexes.RESOLUTIONS[0] or len(hexes.cells_in_view(wh, res, bounds)) <= hexes.MAX_CELLS:
            return res, hexes.hex_cells(wh, scope, res, bounds, filters)
        res -= 1


@callback(Output("metric", "options"), Output("metric", "value"), Input("layer", "value"), State("lang", "data"))
def _metric_for_layer(layer: str, lang: str):
    return _metric_options(layer, lang), hex_layer.LAYERS[layer]["metrics"][0]


def cells_update(bounds, zoom, street, layer, filter_values, lang, trigger=None):
    """The hex layer's cells, class breaks and resolution, and the discrepancy points, for a view.
    A layer switch alone sends nothing new (the hideout restyles) unless points appear or go."""
    wh = context.warehouse()
    scope, filters = _scope(street), _filters(filter_values)
    if not bounds:
        bounds = data.street_bounds(wh, street) if street else data.region_bounds(wh)
    points = None
    if layer == "discrepancies" and zoom is not None and zoom >= 16:
        points = hex_layer.points_collection(
            hexes.discrepancy_points(wh, scope, bounds, filters.discrepancy_kind), lang)
    if trigger == "layer":
        return no_update, no_update, no_update, points
    res, rows = cells_for_view(wh, scope, zoom, bounds, filters)
    return (hex_layer.feature_collection(rows, lang), hex_layer.all_breaks(rows), {"res": res, "n": len(rows)},
            points)


@callback(
    Output("hexes", "data"), Output("cell-breaks", "data"), Output("cell-meta", "data"), Output("points", "data"),
    Input("map", "bounds"), Input("map", "zoom"), Input("scope", "data"), Input("layer", "value"),
    *[Input(f"filter-{k}", "value") for k in FILTERS],
    State("lang", "data"),
)
def _cells(bounds, zoom, street, layer, *rest):
    *values, lang = rest
    return cells_update(bounds, zoom, street, layer, values, lang, ctx.triggered_id)


@callback(
    Output("hexes", "hideout"), Output("map-legend", "children"),
    Input("cell-breaks", "data"), Input("layer", "value"), Input("metric", "value"), Input("selection", "data"),
    State("cell-meta", "data"), State("lang", "data"),
)
def _style(cell_breaks, layer, metric, selected, meta, lang):
    if metric not in hex_layer.LAYERS[layer]["metrics"]:
        metric = hex_layer.LAYERS[layer]["metrics"][0]
    return (hex_layer.hideout(layer, metric, cell_breaks or {}, selected or []),
            hex_layer.legend(layer, metric, cell_breaks or {}, meta["res"], meta["n"], lang))


def select_update(trigger, click, mode, selected) -> list[str]:
    """A click on a cell selects it alone, or in multi-select mode adds or removes it; clearing the
    selection or changing the scope empties it."""
    if trigger != "hexes" or not click:
        return []
    cell = (click.get("properties") or {}).get("h3")
    if not cell:
        return list(selected or [])
    if "multi" not in (mode or []):
        return [cell]
    selected = list(selected or [])
    return [c for c in selected if c != cell] if cell in selected else [*selected, cell]


@callback(
    Output("selection", "data"),
    Input("hexes", "clickData"), Input("clear-selection", "n_clicks"), Input("scope", "data"),
    State("select-mode", "value"), State("selection", "data"),
    prevent_initial_call=True,
)
def _select(click, _clear, _scope_changed, mode, selected):
    return select_update(ctx.triggered_id, click, mode, selected)


@callback(Output("selection-panel", "children"), Input("selection", "data"), State("scope", "data"),
          State("lang", "data"))
def _selection_panel(selected, street, lang):
    return selection_card(context.warehouse(), _scope(street), selected or [], lang)


@callback(
    Output("scope", "data"), Output("map", "viewport"), Output("breadcrumb", "children"),
    Output("overview", "children"),
    Input({"type": "street-label", "code": ALL}, "n_clicks"), Input({"type": "street-row", "code": ALL}, "n_clicks"),
    Input("crumb-region", "n_clicks"),
    State("region-name-store", "data"), State("lang", "data"),
    prevent_initial_call=True,
)
def _drill(_labels, _rows, _region, region_name, lang):
    if not ctx.triggered or not any(t_["value"] for t_ in ctx.triggered):
        return no_update, no_update, no_update, no_update
    return drill_update(ctx.triggered_id, region_name, lang)


def drill_update(trigger, region_name: str, lang: str):
    """Into a street (its label or its row was clicked) or back to the district: the scope, the map's
    new viewport, the breadcrumb and the overview."""
    wh = context.warehouse()
    if isinstance(trigger, dict):
        code = trigger["code"]
        crumbs = _crumbs(region_name, data.street_name(wh, code), lang)
        return (code, {"bounds": data.street_bounds(wh, code), "transition": "flyToBounds"}, crumbs,
                overview_card(wh, _scope(code), lang))
    return (None, {"bounds": data.region_bounds(wh), "transition": "flyToBounds"},
            _crumbs(region_name, None, lang), overview_card(wh, data.REGION, lang))
