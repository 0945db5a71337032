"""Hexagon statistics for analysts (/analysis, 统计分析): choose the area, the resolution, the metrics,
taxpayer filters (industry, taxpayer type, credit rating) and the declared months the tax covers;
preview the table and a small map of its cells; download it as CSV, XLSX, GeoJSON, GeoParquet or a
zipped Shapefile. Always under disclosure control (docs/analysis.md); every download is audited with
its filters and period."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_leaflet as dl
import h3
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import context
from dashboard.components import GRID_THEME, current_run, header, no_warehouse_page
from dashboard.i18n import normalise_lang, t
from layers import boundaries
from layers import changes as changes_layer
from layers import hexes as hex_layer
from taxmap import data, exports
from taxmap.data import analysis, changes, hexes

dash.register_page(__name__, path="/analysis", title="统计分析")

PREVIEW_ROWS = 200
MAP_MAX_CELLS = 4000  # the small map draws at most this many cells (those with most taxpayers and units)
DEFAULT_METRICS = ["n_taxpayers", "n_units", "linked_share", "tax_paid_12m", "n_high_risk"]
FILTERS = ("industry", "taxpayer_type", "credit_rating")
HEX_STYLE = {"variable": "taxmap.analysis.hexStyle"}  # assets/taxmap_analysis.js
SUPPRESSED_SWATCH = "tm-swatch tm-a-hatch"


def _period(period_from: str | None, period_to: str | None, lang: str = "zh") -> tuple[str, str] | None:
    """The chosen months: none chosen is the last 12 months (None); one end alone runs to the first or
    last month there is. The months come from the warehouse's list, so the one mistake left to say
    in the page's language is a reversed span."""
    if not period_from and not period_to:
        return None
    available = analysis.periods(context.warehouse())
    first = period_from or (available[0] if available else "")
    last = period_to or (available[-1] if available else "")
    if first > last:
        raise ValueError(t("analysis.period_reversed", lang).format(first=first, last=last))
    return first, last


def _table(street: str | None, res, metrics: list[str] | None, filter_values=(None, None, None),
           period_from: str | None = None, period_to: str | None = None, compare: str | None = None,
           lang: str = "zh") -> analysis.HexTable:
    scope = context.user_scope()
    if street:
        scope = scope.narrow(data.Scope(frozenset({street})))
    chosen = dict(zip(FILTERS, [list(v or []) for v in filter_values], strict=True))
    if compare:
        if period_from or period_to:
            raise ValueError(t("analysis.compare_no_period", lang))
        picked = tuple(m for m in changes.METRICS if m in (metrics or ())) or changes.DEFAULT_METRICS
        return analysis.change_table(context.warehouse(), scope, int(res or 8), compare, metrics=picked,
                                     filters=analysis.make_filters(**chosen), k=context.settings().disclosure_k)
    return analysis.hex_table(context.warehouse(), scope, int(res or 8),
                              metrics=tuple(m for m in analysis.METRICS if m in (metrics or DEFAULT_METRICS)),
                              filters=analysis.make_filters(**chosen), period=_period(period_from, period_to, lang),
                              k=context.settings().disclosure_k)


def _filter_options(values: list[str], key: str, lang: str) -> list[dict]:
    if key == "credit_rating":
        return [{"label": v or t("filter.unrated", lang), "value": v} for v in values]
    return [{"label": v, "value": v} for v in values]


def metric_options(compare: str | None, lang: str) -> tuple[list[dict], list[str]]:
    """The metrics one may choose (and those chosen at first): the statistics, or a comparison's columns."""
    i = 0 if lang == "zh" else 1
    if compare:
        return ([{"label": analysis.COLUMNS[m][i], "value": m} for m in changes.METRICS],
                list(changes.DEFAULT_METRICS))
    return ([{"label": t("analysis.metric_tax", lang) if m == "tax_paid_12m" else analysis.COLUMNS[m][i], "value": m}
             for m in analysis.METRICS], list(DEFAULT_METRICS))


def compare_options(wh) -> list[dict]:
    """The runs the newest can be compared with (their taxpayers are kept), newest first."""
    return [{"label": f"{r['finished_at']:%Y-%m-%d %H:%M} · {r['run_id']}", "value": r["run_id"]}
            for r in changes.history_runs(wh)[1:]]


def _controls(wh, streets: list[dict], lang: str) -> html.Section:
    options = hexes.filter_options(wh)
    months = [{"label": m, "value": m} for m in reversed(analysis.periods(wh))]  # newest first
    metrics, chosen = metric_options(None, lang)
    runs = compare_options(wh)
    return html.Section(className="tm-card tm-a-controls", children=[
        html.H2(t("analysis.title", lang)),
        html.Div(className="tm-inline", children=[
            dcc.Dropdown(id="analysis-street", className="tm-dropdown tm-wide",
                         placeholder=t("dispatch.all_streets", lang),
                         options=[{"label": s["street_name"], "value": s["street_code"]} for s in streets]),
            html.Label(t("analysis.res", lang)),
            dcc.RadioItems(id="analysis-res", value=8, inline=True, className="tm-checklist",
                           options=[{"label": str(r), "value": r} for r in (7, 8, 9, 10)]),
            dcc.Dropdown(id="analysis-format", value="csv", clearable=False, className="tm-dropdown tm-a-format",
                         options=[{"label": f, "value": f} for f in exports.FORMATS]),
            html.Button(t("analysis.download", lang), id="analysis-download-button", n_clicks=0,
                        className="tm-button tm-primary"),
        ]),
        html.Div(className="tm-a-filters", children=[
            *[html.Div(className="tm-filter", children=[
                html.Label(t(f"filter.{key}", lang), htmlFor=f"analysis-{key}"),
                dcc.Dropdown(id=f"analysis-{key}", multi=True, placeholder=t("filter.any", lang),
                             className="tm-dropdown", options=_filter_options(options[key], key, lang)),
            ]) for key in FILTERS],
            html.Div(className="tm-filter tm-a-period", children=[
                html.Label(t("analysis.period", lang), htmlFor="analysis-period-from"),
                html.Div(className="tm-a-period-row", children=[
                    dcc.Dropdown(id="analysis-period-from", options=months, className="tm-dropdown",
                                 placeholder=t("analysis.period_from", lang)),
                    html.Span(t("analysis.to", lang), className="tm-muted"),
                    dcc.Dropdown(id="analysis-period-to", options=months, className="tm-dropdown",
                                 placeholder=t("analysis.period_to", lang)),
                ]),
            ]),
            html.Div(className="tm-filter tm-a-compare", children=[
                html.Label(t("analysis.compare", lang), htmlFor="analysis-compare"),
                dcc.Dropdown(id="analysis-compare", options=runs, className="tm-dropdown", disabled=not runs,
                             placeholder=t("analysis.compare_none" if runs else "analysis.compare_single", lang)),
            ]),
        ]),
        html.Div(t("analysis.period_hint", lang) + " " + t("analysis.compare_hint", lang), className="tm-a-hint"),
        dcc.Checklist(id="analysis-metrics", value=chosen, className="tm-checklist", options=metrics),
        html.P(id="analysis-rule", className="tm-muted tm-a-rule"),
    ])


def _map_card(wh, scope: data.Scope, lang: str) -> html.Section:
    display = context.display()
    view = boundaries.initial_view(display.bounds_out(data.region_bounds(wh, scope)), fit_px=360)
    tiles = [dl.TileLayer(url=context.settings().tile_url, maxZoom=19)] if context.settings().tile_url else []
    streets = display.collection(data.boundaries_geojson(wh, "street", scope))
    return html.Section(className="tm-card tm-a-map-card", children=[
        html.Div(className="tm-a-map-head", children=[
            html.H2(t("analysis.map", lang)),
            dcc.Dropdown(id="analysis-map-metric", className="tm-dropdown tm-a-map-metric", clearable=False,
                         options=[], value=None, placeholder=t("analysis.map_metric", lang)),
        ]),
        dcc.Store(id="analysis-map-breaks", data={}),
        dcc.Store(id="analysis-map-meta", data=None),
        html.Div(className="tm-a-map-wrap", children=[
            dl.Map(id="analysis-map", className="tm-a-map", zoomSnap=0.25, attributionControl=False, **view,
                   children=[
                       *tiles,
                       dl.GeoJSON(id="analysis-hexes", data=None, style=HEX_STYLE, hideout=hideout("n_taxpayers", None),
                                  hoverStyle={"weight": 2.5, "color": "#ffd166"}),
                       dl.GeoJSON(id="analysis-streets", data=streets, interactive=False,
                                  style={**boundaries.STREET_STYLE, "weight": 1.4, "opacity": 0.8}),
                       dl.ScaleControl(position="bottomleft", imperial=False),
                   ]),
            html.Div(id="analysis-legend", className="tm-legend tm-a-legend"),
        ]),
    ])


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if not context.may_analyse():
        return no_warehouse_page(header(lang, "analysis"), t("analysis.no_access", lang))
    wh = context.warehouse()
    if current_run(wh) is None:
        return no_warehouse_page(header(lang, "analysis"), t("home.no_warehouse", lang))
    scope = context.user_scope()
    streets = data.street_summaries(wh, scope)
    return html.Div(className="tm-page", children=[
        dcc.Store(id="analysis-lang", data=lang),
        dcc.Download(id="analysis-download"),
        header(lang, "analysis", [html.Span(t("nav.analysis", lang), className="tm-region")]),
        html.Main(className="tm-q-main tm-a-main", children=[
            _controls(wh, streets, lang),
            _map_card(wh, scope, lang),
            html.Section(className="tm-card tm-q-wide", children=[
                dag.AgGrid(id="analysis-grid", rowData=[], columnDefs=[], className="tm-grid",
                           defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 110},
                           dashGridOptions={"theme": {"function": GRID_THEME}, "pagination": True,
                                            "paginationPageSize": 50},
                           style={"height": "520px", "width": "100%"}),
            ]),
        ]),
    ])


# ---- the small map: the table's cells coloured by the first metric, withheld cells hatched grey ----

def _ramp(metric: str) -> list[str]:
    if metric in ("n_new", "n_moved_in", "n_taxpayers_from", "n_taxpayers_to", "tax_paid_from", "tax_paid_to"):
        return hex_layer.LAYERS["density"]["colors"]
    if metric in ("n_gone", "n_moved_out"):
        return hex_layer.LAYERS["discrepancies"]["colors"]
    if metric in ("tax_change", "risk_change", "risk_mean_from", "risk_mean_to", "n_high_risk_from", "n_high_risk_to"):
        return hex_layer.LAYERS["risk"]["colors"]
    for layer in ("density", "risk", "discrepancies"):
        if metric in hex_layer.LAYERS[layer]["metrics"]:
            return hex_layer.LAYERS[layer]["colors"]
    return hex_layer.LAYERS["density"]["colors"]


def hideout(metric: str, breaks: list[float] | None) -> dict:
    """What the style function (assets/taxmap_analysis.js) needs: the metric, its classes and ramps."""
    return {"metric": metric, "breaks": breaks or [], "colors": _ramp(metric),
            "negative": changes_layer.DECREASE_COLORS, "signed": metric in hex_layer.SIGNED}


def _metric_name(metric: str, lang: str) -> str:
    return analysis.COLUMNS[metric][0 if lang == "zh" else 1]


def _tooltip(row: dict, metrics: list[str], k: int | None, lang: str) -> str:
    lines = [f"<b>{t('map.cell', lang)} {row['h3']}</b>"]
    if row.get("suppressed"):
        lines.append(t(f"analysis.suppressed_{row['suppressed']}", lang).format(k=k))
    lines += [f"{_metric_name(m, lang)}：{hex_layer.format_value(m, row.get(m), lang)}" for m in metrics]
    return "<br>".join(lines)


def map_update(table: analysis.HexTable, lang: str, current: str | None = None):
    """The small map's cells (GeoJSON with every chosen metric), the class breaks of each metric, the
    map's facts (resolution, cells, k), the viewport fitted to the cells, and the metric choice (kept
    when the new table still has it). At most MAP_MAX_CELLS cells: those with most taxpayers and units."""
    display = context.display()
    metrics = [c for c in table.columns[4:] if c != "suppressed"]
    rows = table.rows
    if len(rows) > MAP_MAX_CELLS:
        weight = ("n_taxpayers", "n_units") if not table.is_change else ("n_taxpayers_from", "n_taxpayers_to")
        rows = sorted(rows, key=lambda r: (-sum(r.get(c) or 0 for c in weight), r["h3"]))[:MAP_MAX_CELLS]
    features = [{
        "type": "Feature", "id": r["h3"],
        "geometry": {"type": "Polygon", "coordinates": [display.ring(hexes.cell_polygon(r["h3"]))]},
        "properties": {"h3": r["h3"], "suppressed": r.get("suppressed"), **{m: r.get(m) for m in metrics},
                       "tooltip": _tooltip(r, metrics, table.k, lang)},
    } for r in rows]
    viewport = no_update
    if rows:
        pad = h3.average_hexagon_edge_length(table.res, unit="km") / 111.0
        lats, lngs = [r["lat"] for r in rows], [r["lng"] for r in rows]
        bounds = [[min(lats) - pad, min(lngs) - pad], [max(lats) + pad, max(lngs) + pad]]
        viewport = {"bounds": display.bounds_out(bounds), "transition": "fitBounds"}
    meta = {"res": table.res, "n": len(table.rows), "shown": len(rows), "k": table.k}
    options = [{"label": _metric_name(m, lang), "value": m} for m in metrics]
    metric = current if current in metrics else (metrics[0] if metrics else None)
    return ({"type": "FeatureCollection", "features": features}, {m: hex_layer.metric_breaks(rows, m) for m in metrics}, meta,
            viewport, options, metric)


def legend(metric: str, breaks: list[float] | None, meta: dict, lang: str) -> html.Div:
    """The metric's classes (a signed change: decreases below, increases above), withheld cells, and
    what the map shows."""
    items = hex_layer.legend_rows(metric, breaks, _ramp(metric), lang)
    if meta["k"] is not None:
        items.append(html.Div(className="tm-legend-row", children=[
            html.Span(className=SUPPRESSED_SWATCH), html.Span(t("analysis.legend_suppressed", lang),
                                                              className="tm-legend-text")]))
    note = t("analysis.map_cells", lang).format(res=meta["res"], n=meta["n"])
    if meta["shown"] < meta["n"]:
        note = t("analysis.map_capped", lang).format(res=meta["res"], shown=meta["shown"], n=meta["n"])
    return html.Div(id="analysis-legend-body", children=[
        html.Div(_metric_name(metric, lang), className="tm-legend-title", id="analysis-legend-title"),
        *items,
        html.Div(note, className="tm-legend-note", id="analysis-legend-note"),
    ])


# ---- callbacks ----

def preview(street, res, metrics, lang: str, filter_values=(None, None, None), period_from=None, period_to=None,
            compare=None, map_metric=None):
    """The grid's rows and columns, the note (counts, period, filters, the rule), and the small map
    (map_update). A period the warehouse cannot give is said in the note."""
    try:
        table = _table(street, res, metrics, filter_values, period_from, period_to, compare, lang)
    except ValueError as exc:
        note = html.Span(t("analysis.error", lang).format(error=exc), className="tm-a-error", id="analysis-error")
        empty = {"type": "FeatureCollection", "features": []}
        return [], [], note, empty, {}, None, no_update, [], None
    i = 0 if lang == "zh" else 1
    columns = [{"field": c, "headerName": analysis.COLUMNS[c][i]} for c in table.columns]
    n_withheld = sum(1 for r in table.rows if r.get("suppressed"))
    sentences = [t("analysis.summary", lang).format(n=len(table.rows), withheld=n_withheld),
                 table.period_text(lang) + ("。" if lang == "zh" else ".")]
    if table.filters is not None:
        sentences.append(t("analysis.filtered", lang).format(filters=table.filters_text(lang)))
    note = " ".join([*sentences, table.rule(lang)])
    return (table.rows[:PREVIEW_ROWS], columns, note, *map_update(table, lang, map_metric))


def download(street, res, metrics, fmt: str, lang: str, filter_values=(None, None, None), period_from=None,
             period_to=None, compare=None) -> dict:
    table = _table(street, res, metrics, filter_values, period_from, period_to, compare, lang)
    payload = exports.to_bytes(table, fmt, lang)
    context.audit("export.hex", exports.filename(table, fmt),
                  f"rows={len(table.rows)} res={table.res} format={fmt} k={table.k} street={street or 'all'} "
                  f"{table.audit_text()}")
    return dcc.send_bytes(payload, exports.filename(table, fmt))


@callback(Output("analysis-grid", "rowData"), Output("analysis-grid", "columnDefs"), Output("analysis-rule", "children"),
          Output("analysis-hexes", "data"), Output("analysis-map-breaks", "data"), Output("analysis-map-meta", "data"),
          Output("analysis-map", "viewport"), Output("analysis-map-metric", "options"),
          Output("analysis-map-metric", "value"),
          Input("analysis-street", "value"), Input("analysis-res", "value"), Input("analysis-metrics", "value"),
          *[Input(f"analysis-{key}", "value") for key in FILTERS],
          Input("analysis-period-from", "value"), Input("analysis-period-to", "value"),
          Input("analysis-compare", "value"), State("analysis-lang", "data"), State("analysis-map-metric", "value"))
def _preview(street, res, metrics, industry, taxpayer_type, credit_rating, period_from, period_to, compare, lang,
             map_metric):
    if not context.may_analyse():
        raise dash.exceptions.PreventUpdate
    return preview(street, res, metrics, normalise_lang(lang), (industry, taxpayer_type, credit_rating),
                   period_from, period_to, compare, map_metric)


@callback(Output("analysis-hexes", "hideout"), Output("analysis-legend", "children"),
          Input("analysis-map-metric", "value"), Input("analysis-map-breaks", "data"),
          State("analysis-map-meta", "data"), State("analysis-lang", "data"))
def _map_style(metric, breaks, meta, lang):
    """A metric switch restyles the cells already drawn (the classes were sent with them)."""
    lang = normalise_lang(lang)
    if not context.may_analyse():
        raise dash.exceptions.PreventUpdate
    if not metric or not meta:
        return hideout("n_taxpayers", None), html.Div(t("map.no_data", lang), className="tm-legend-text")
    cuts = (breaks or {}).get(metric)
    return hideout(metric, cuts), legend(metric, cuts, meta, lang)


@callback(Output("analysis-metrics", "options"), Output("analysis-metrics", "value"),
          Input("analysis-compare", "value"), State("analysis-lang", "data"), prevent_initial_call=True)
def _mode(compare, lang):
    """A comparison chooses among its own columns; back to the statistics without one."""
    if not context.may_analyse():
        raise dash.exceptions.PreventUpdate
    return metric_options(compare, normalise_lang(lang))


@callback(Output("analysis-download", "data"), Input("analysis-download-button", "n_clicks"),
          State("analysis-street", "value"), State("analysis-res", "value"), State("analysis-metrics", "value"),
          State("analysis-format", "value"), State("analysis-lang", "data"),
          *[State(f"analysis-{key}", "value") for key in FILTERS],
          State("analysis-period-from", "value"), State("analysis-period-to", "value"),
          State("analysis-compare", "value"), prevent_initial_call=True)
def _download(clicks, street, res, metrics, fmt, lang, industry, taxpayer_type, credit_rating, period_from, period_to,
              compare):
    if not clicks or not context.may_analyse():
        raise dash.exceptions.PreventUpdate
    try:
        return download(street, res, metrics, fmt or "csv", normalise_lang(lang),
                        (industry, taxpayer_type, credit_rating), period_from, period_to, compare)
    except ValueError:  # a period the warehouse cannot give: the preview's note says why
        raise dash.exceptions.PreventUpdate from None
