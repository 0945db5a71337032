"""Hexagon statistics for analysts (/analysis, 统计分析): choose the area, the resolution and the
metrics, preview the table, download it as CSV, XLSX, GeoJSON, GeoParquet or a zipped Shapefile.
Always under disclosure control (docs/analysis.md); every download is audited."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html

from dashboard import context
from dashboard.components import GRID_THEME, current_run, header, no_warehouse_page
from dashboard.i18n import normalise_lang, t
from taxmap import data, exports
from taxmap.data import analysis

dash.register_page(__name__, path="/analysis", title="统计分析")

PREVIEW_ROWS = 200
DEFAULT_METRICS = ["n_taxpayers", "n_units", "linked_share", "tax_paid_12m", "n_high_risk"]


def _table(street: str | None, res, metrics: list[str] | None) -> analysis.HexTable:
    scope = context.user_scope()
    if street:
        scope = scope.narrow(data.Scope(frozenset({street})))
    return analysis.hex_table(context.warehouse(), scope, int(res or 8),
                              metrics=tuple(m for m in analysis.METRICS if m in (metrics or DEFAULT_METRICS)),
                              k=context.settings().disclosure_k)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if not context.may_analyse():
        return no_warehouse_page(header(lang, "analysis"), t("analysis.no_access", lang))
    wh = context.warehouse()
    if current_run(wh) is None:
        return no_warehouse_page(header(lang, "analysis"), t("home.no_warehouse", lang))
    streets = data.street_summaries(wh, context.user_scope())
    i = 0 if lang == "zh" else 1
    return html.Div(className="tm-page", children=[
        dcc.Store(id="analysis-lang", data=lang),
        dcc.Download(id="analysis-download"),
        header(lang, "analysis", [html.Span(t("nav.analysis", lang), className="tm-region")]),
        html.Main(className="tm-q-main", children=[
            html.Section(className="tm-card tm-q-wide", children=[
                html.H2(t("analysis.title", lang)),
                html.Div(className="tm-inline", children=[
                    dcc.Dropdown(id="analysis-street", className="tm-dropdown tm-wide",
                                 placeholder=t("dispatch.all_streets", lang),
                                 options=[{"label": s["street_name"], "value": s["street_code"]} for s in streets]),
                    html.Label(t("analysis.res", lang)),
                    dcc.RadioItems(id="analysis-res", value=8, inline=True, className="tm-checklist",
                                   options=[{"label": str(r), "value": r} for r in (7, 8, 9, 10)]),
                    dcc.Dropdown(id="analysis-format", value="csv", clearable=False, className="tm-dropdown",
                                 options=[{"label": f, "value": f} for f in exports.FORMATS]),
                    html.Button(t("analysis.download", lang), id="analysis-download-button", n_clicks=0,
                                className="tm-button tm-primary"),
                ]),
                dcc.Checklist(id="analysis-metrics", value=DEFAULT_METRICS, className="tm-checklist",
                              options=[{"label": analysis.COLUMNS[m][i], "value": m} for m in analysis.METRICS]),
                html.P(id="analysis-rule", className="tm-muted"),
                dag.AgGrid(id="analysis-grid", rowData=[], columnDefs=[], className="tm-grid",
                           defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 110},
                           dashGridOptions={"theme": {"function": GRID_THEME}, "pagination": True,
                                            "paginationPageSize": 50},
                           style={"height": "520px", "width": "100%"}),
            ]),
        ]),
    ])


def preview(street, res, metrics, lang: str) -> tuple[list[dict], list[dict], str]:
    table = _table(street, res, metrics)
    i = 0 if lang == "zh" else 1
    columns = [{"field": c, "headerName": analysis.COLUMNS[c][i]} for c in table.columns]
    n_withheld = sum(1 for r in table.rows if r.get("suppressed"))
    note = t("analysis.summary", lang).format(n=len(table.rows), withheld=n_withheld) + " " + table.rule(lang)
    return table.rows[:PREVIEW_ROWS], columns, note


def download(street, res, metrics, fmt: str, lang: str) -> dict:
    table = _table(street, res, metrics)
    payload = exports.to_bytes(table, fmt, lang)
    context.audit("export.hex", exports.filename(table, fmt),
                  f"rows={len(table.rows)} res={table.res} format={fmt} k={table.k} street={street or 'all'}")
    return dcc.send_bytes(payload, exports.filename(table, fmt))


@callback(Output("analysis-grid", "rowData"), Output("analysis-grid", "columnDefs"), Output("analysis-rule", "children"),
          Input("analysis-street", "value"), Input("analysis-res", "value"), Input("analysis-metrics", "value"),
          State("analysis-lang", "data"))
def _preview(street, res, metrics, lang):
    if not context.may_analyse():
        raise dash.exceptions.PreventUpdate
    return preview(street, res, metrics, normalise_lang(lang))


@callback(Output("analysis-download", "data"), Input("analysis-download-button", "n_clicks"),
          State("analysis-street", "value"), State("analysis-res", "value"), State("analysis-metrics", "value"),
          State("analysis-format", "value"), State("analysis-lang", "data"), prevent_initial_call=True)
def _download(clicks, street, res, metrics, fmt, lang):
    if not clicks or not context.may_analyse():
        raise dash.exceptions.PreventUpdate
    return download(street, res, metrics, fmt or "csv", normalise_lang(lang))
