"""The region page: boundaries on the map and the latest run's row accounting."""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import html

from dashboard import context
from dashboard.i18n import normalise_lang, t
from layers import boundaries
from taxmap import data
from taxmap.warehouse import WarehouseMissing

dash.register_page(__name__, path="/", title="实景税源智慧地图")

SOURCES = ("streets", "grids", "taxpayers", "grid_units", "declarations", "officers")


def _header(lang: str, region_name: str) -> html.Header:
    other = "en" if lang == "zh" else "zh"
    return html.Header(
        className="tm-header",
        children=[
            html.Div([html.Span(t("app.title", lang), className="tm-title"),
                      html.Span(region_name, className="tm-region", id="region-name")]),
            html.A(t("app.switch_lang", lang), href=f"?lang={other}", className="tm-lang", id="lang-switch"),
        ],
    )


def _fmt(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def _totals_card(totals: dict, lang: str) -> html.Section:
    items = [("home.streets", "streets"), ("home.grids", "grids"), ("home.taxpayers", "taxpayers"),
             ("home.grid_units", "grid_units"), ("home.linked_uscc", "linked_uscc")]
    return html.Section(
        className="tm-card",
        children=[
            html.H2(t("home.totals", lang)),
            html.Div(className="tm-kpis", children=[
                html.Div(className="tm-kpi", id=f"kpi-{key}", children=[
                    html.Div(_fmt(totals[key]), className="tm-kpi-value"),
                    html.Div(t(label, lang), className="tm-kpi-label"),
                ])
                for label, key in items
            ]),
        ],
    )


def _run_card(run: dict, sources: list[dict], lang: str) -> html.Section:
    by_source = {s["source"]: s for s in sources}
    header = html.Tr([html.Th(t(k, lang)) for k in
                      ("home.source", "home.read", "home.staged", "home.rejected", "home.issues")])
    rows = []
    for name in SOURCES:
        s = by_source.get(name)
        present = s is not None and s["file"] is not None
        rows.append(html.Tr(
            id=f"run-row-{name}",
            className="" if present else "tm-absent",
            children=[
                html.Td([t(f"source.{name}", lang),
                         html.Div(s["file"] if present else t("source.absent", lang), className="tm-file")]),
                html.Td(_fmt(s["rows_read"]) if s else "—", className="num"),
                html.Td(_fmt(s["rows_staged"]) if s else "—", className="num"),
                html.Td(_fmt(s["rows_rejected"]) if s else "—", className="num tm-bad" if s and s["rows_rejected"]
                        else "num"),
                html.Td(_fmt(s["quality_issues"]) if s else "—", className="num"),
            ],
        ))
    finished = run["finished_at"].strftime("%Y-%m-%d %H:%M:%S") + " UTC"
    return html.Section(
        className="tm-card",
        children=[
            html.H2(t("home.run", lang)),
            html.Dl(className="tm-meta", children=[
                html.Dt(t("home.run_id", lang)), html.Dd(run["run_id"], id="run-id"),
                html.Dt(t("home.finished", lang)), html.Dd(finished),
            ]),
            html.Table(className="tm-table", id="run-table", children=[html.Thead(header), html.Tbody(rows)]),
        ],
    )


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
    bounds = data.region_bounds(wh)
    return html.Div(className="tm-page", children=[
        _header(lang, run["region_name"] or ""),
        html.Main(className="tm-main", children=[
            dl.Map(
                id="region-map", className="tm-map", zoomSnap=0.25, attributionControl=False,
                **boundaries.initial_view(bounds),
                children=[*boundaries.layer(wh), dl.ScaleControl(position="bottomleft", imperial=False)],
            ),
            html.Aside(className="tm-side", children=[
                _totals_card(data.region_totals(wh), lang),
                _run_card(run, data.run_sources(wh, run["run_id"]), lang),
            ]),
        ]),
    ])
