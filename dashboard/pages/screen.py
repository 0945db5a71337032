"""The live big screen (/screen, 智慧大屏) for the command room: headline numbers, a hexagon map of
tax-source density or risk (rotating, or fixed by ``?layer=``), street ranking, trends over the
last twelve declared months and over ETL runs, and a live feed of task events.

Made for 1920×1080 and 3840×2160 (type scales with the viewport), dark, never needs a click. Every
``TAXMAP_SCREEN_REFRESH_SECONDS`` one callback sends the numbers, the feed and the charts' data
(``Patch``: the figures' layout and the map's geometry stay); the map's layer rotates in the browser.
``?kiosk=1`` (and every token screen) hides the navigation and the cursor; assets/taxmap_screen.js
notices a lost server, shows it, and reloads when the server answers again."""

from __future__ import annotations

import datetime as dt

import dash
import dash_leaflet as dl
from dash import Input, Output, Patch, State, callback, clientside_callback, dcc, html, no_update

from dashboard import context
from dashboard.charts import bar, fmt_cn, line, pct
from dashboard.components import current_run, header, no_warehouse_page
from dashboard.i18n import normalise_lang, t
from dispatch import tasks as T
from layers import boundaries
from layers import hexes as hex_layer
from taxmap import data
from taxmap.data import hexes
from taxmap.data import screen as figures

dash.register_page(__name__, path="/screen", title="智慧大屏")

RES_DISTRICT, RES_STREET = 8, 9
LAYERS = {"density": "n_taxpayers", "risk": "n_high_risk"}
ROTATE_SECONDS = 30
KPIS = ("taxpayers", "linked", "new_disc", "high_risk", "open", "overdue", "closed_rate")


def _resolution(scope: data.Scope) -> int:
    """Hexagons a wall can read: res 8 for a district, 9 for one street."""
    return RES_STREET if scope.street_codes is not None and len(scope.street_codes) == 1 else RES_DISTRICT


def _scope(street: str | None) -> data.Scope:
    scope = context.user_scope()
    return scope.narrow(data.Scope(frozenset({street}))) if street else scope


def kpi_values(wh_figures: dict, task_figures: dict | None, lang: str) -> dict[str, str]:
    """The headline numbers as shown (万/亿); task numbers None when the store could not be read."""
    values = {"taxpayers": fmt_cn(wh_figures["taxpayers"], lang), "linked": pct(wh_figures["linked_share"]),
              "new_disc": fmt_cn(wh_figures["new_discrepancies_week"], lang),
              "high_risk": fmt_cn(wh_figures["high_risk"], lang)}
    if task_figures is not None:
        values.update(open=fmt_cn(task_figures["open"], lang), overdue=fmt_cn(task_figures["overdue"], lang),
                      closed_rate=pct(task_figures["closed_rate"]))
    return values


def stale_warning(wh_figures: dict, task_ok: bool, lang: str, now: dt.datetime | None = None) -> str:
    """Why the numbers may be old: the warehouse older than TAXMAP_SCREEN_STALE_HOURS, or the task
    store unreachable; empty when all is current."""
    now = now or T.now()
    hours = (now - wh_figures["data_time"]).total_seconds() / 3600
    parts = []
    if hours > context.settings().screen_stale_hours:
        parts.append(t("screen.stale_data", lang).format(hours=int(hours)))
    if not task_ok:
        parts.append(t("screen.stale_tasks", lang))
    return " · ".join(parts)


def _feed_items(events: list[dict], lang: str) -> list:
    i = 0 if lang == "zh" else 1
    if not events:
        return [html.Li(t("screen.feed_empty", lang), className="tm-feed-empty")]
    return [html.Li(className="tm-feed-item", children=[
        html.Span(f"{e['at']:%H:%M}", className="tm-feed-time"),
        html.Span(f"{T.KINDS[e['kind']][i]} · {e['subject_name']}", className="tm-feed-what"),
        html.Span(f"{T.ACTION_LABELS[e['action']][i]} → {T.STATE_LABELS[e['to_state']][i]}",
                  className=f"tm-feed-state tm-state-{e['to_state']}"),
    ]) for e in events]


def _ranking_data(ranking: list[dict]) -> tuple[list[str], list[float]]:
    top = ranking[:10]
    return [r["name"] for r in top], [r["high_risk"] for r in top]


def _months_data(months: list[dict]) -> tuple[list[str], list[float]]:
    return [m["period"] for m in months], [round(m["tax_paid"] / 1e8, 2) for m in months]


def _runs_data(runs: list[dict]) -> tuple[list[str], list[float]]:
    return [f"{r['finished_at']:%m-%d %H:%M}" for r in runs], [r["discrepancies"] for r in runs]


def _tasks_or_none(scope: data.Scope):
    try:
        return figures.task_figures(context.store(), scope)
    except Exception:  # noqa: BLE001 - the screen keeps the last numbers and says the store is away
        return None


def _card(title_key: str, graph_id: str, figure, lang: str) -> html.Section:
    return html.Section(className="tm-s-card", children=[
        html.H2(t(title_key, lang)),
        dcc.Graph(id=graph_id, figure=figure, config={"displayModeBar": False, "staticPlot": True},
                  className="tm-s-graph"),
    ])


def layout(lang: str | None = None, street: str | None = None, layer: str | None = None, kiosk: str | None = None,
           token: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if not context.may_watch_screen():
        return no_warehouse_page(header(lang, "screen"), t("screen.no_access", lang))
    wh = context.warehouse()
    if current_run(wh) is None:
        return no_warehouse_page(header(lang, "screen"), t("home.no_warehouse", lang))
    scope = _scope(street)
    wf = figures.warehouse_figures(wh, scope)
    tf = _tasks_or_none(scope)
    values = kpi_values(wf, tf, lang)
    warning = stale_warning(wf, tf is not None, lang)
    kiosk_mode = bool(kiosk) or context.is_screen()
    one_street = street or (next(iter(scope.street_codes)) if scope.street_codes and len(scope.street_codes) == 1
                            else None)
    area = (data.area_name(wh, "street", one_street) if one_street else None) or wf["region_name"]
    display = context.display()
    res = _resolution(scope)
    rows = context.protect(wh, scope, res, hexes.hex_cells(wh, scope, res, None))
    breaks = hex_layer.all_breaks(rows)
    hideouts = {name: hex_layer.hideout(name, metric, breaks, []) for name, metric in LAYERS.items()}
    fixed = layer if layer in LAYERS else None
    first = fixed or "density"
    # the map fits the area in whatever size the wall gives it (1080p or 4K)
    view = {"bounds": display.bounds_out(data.region_bounds(wh, scope)), "boundsOptions": {"padding": [12, 12]}}
    tiles = [dl.TileLayer(url=context.settings().tile_url, maxZoom=19)] if context.settings().tile_url else []
    kpi_cards = [
        ("taxpayers", "screen.kpi.taxpayers"), ("linked", "screen.kpi.linked"), ("new_disc", "screen.kpi.new_disc"),
        ("high_risk", "screen.kpi.high_risk"),
    ]
    return html.Div(className="tm-screen" + (" tm-kiosk" if kiosk_mode else ""), id="screen-root", children=[
        dcc.Interval(id="screen-tick", interval=context.settings().screen_refresh_seconds * 1000),
        dcc.Interval(id="screen-rotate", interval=ROTATE_SECONDS * 1000, disabled=fixed is not None),
        dcc.Interval(id="screen-scale", interval=300, max_intervals=1),
        dcc.Store(id="screen-lang", data=lang),
        dcc.Store(id="screen-street", data=street),
        dcc.Store(id="screen-run", data=wf["run_id"]),
        dcc.Store(id="screen-hideouts", data={"order": list(LAYERS), "layers": hideouts,
                                              "titles": {k: t(f"screen.layer.{k}", lang) for k in LAYERS}}),
        html.Header(className="tm-s-header", children=[
            html.Div(className="tm-s-title", children=[
                html.Span(t("screen.title", lang)), html.Span(area, className="tm-s-area", id="screen-area")]),
            html.Div(className="tm-s-meta", children=[
                html.Span(t("screen.data_time", lang), className="tm-s-label"),
                html.Span(f"{wf['data_time']:%Y-%m-%d %H:%M}", id="screen-data-time"),
                html.Span(id="screen-clock", className="tm-s-clock"),
                *([] if kiosk_mode else [header(lang, "screen").children[1]]),
            ]),
        ]),
        html.Div(warning, id="screen-stale", className="tm-s-stale" + ("" if warning else " tm-hidden")),
        html.Main(className="tm-s-main", children=[
            html.Div(className="tm-s-left", children=[
                *[html.Div(className="tm-s-kpi", children=[
                    html.Div(values[key], className="tm-s-kpi-value", id=f"kpi-s-{key}"),
                    html.Div(t(label, lang), className="tm-s-kpi-label")]) for key, label in kpi_cards],
                html.Div(className="tm-s-kpi tm-s-kpi-tasks", children=[
                    html.Div(className="tm-s-kpi-pair", children=[
                        html.Div([html.Div(values.get("open", "—"), className="tm-s-kpi-value", id="kpi-s-open"),
                                  html.Div(t("screen.kpi.open", lang), className="tm-s-kpi-label")]),
                        html.Div([html.Div(values.get("overdue", "—"), className="tm-s-kpi-value tm-s-bad",
                                           id="kpi-s-overdue"),
                                  html.Div(t("screen.kpi.overdue", lang), className="tm-s-kpi-label")]),
                        html.Div([html.Div(values.get("closed_rate", "—"), className="tm-s-kpi-value",
                                           id="kpi-s-closed_rate"),
                                  html.Div(t("screen.kpi.closed_rate", lang), className="tm-s-kpi-label")]),
                    ])]),
            ]),
            html.Div(className="tm-s-center", children=[
                html.Div(t(f"screen.layer.{first}", lang), id="screen-map-title",
                         className="tm-s-map-title"),
                dl.Map(id="screen-map", className="tm-s-map", zoomControl=False, attributionControl=False,
                       dragging=False, scrollWheelZoom=False, doubleClickZoom=False, zoomSnap=0.25, **view,
                       children=[*tiles,
                                 dl.GeoJSON(id="screen-hexes", data=hex_layer.feature_collection(rows, lang, display),
                                            style=hex_layer.HEX_STYLE, hideout=hideouts[first], interactive=False),
                                 *boundaries.layer(wh, scope, display=display)]),
            ]),
            html.Div(className="tm-s-right", children=[
                _card(f"screen.ranking.{wf['ranking_level']}", "screen-ranking", bar(*_ranking_data(wf["ranking"])), lang),
                _card("screen.months", "screen-months", line(*_months_data(wf["months"]), tickformat=".2f"), lang),
                _card("screen.runs", "screen-runs", line(*_runs_data(wf["runs"]), color="#ffb454", tickformat=",d"), lang),
            ]),
            html.Section(className="tm-s-feed", children=[
                html.H2(t("screen.feed", lang)),
                html.Ul(_feed_items(tf["events"] if tf else [], lang), id="screen-feed", className="tm-feed"),
            ]),
        ]),
        html.Div(id="screen-heartbeat", className="tm-hidden", children="0"),
        html.Div(t("screen.reconnecting", lang), id="screen-offline", className="tm-s-offline tm-hidden"),
    ])


def refresh(street: str | None, run_id: str | None, lang: str) -> tuple:
    """What a refresh sends: numbers, data time, the stale warning, the feed, the charts' data, and the
    map's cells only when a new ETL run was published."""
    wh = context.warehouse()
    scope = _scope(street)
    wf = figures.warehouse_figures(wh, scope)
    tf = _tasks_or_none(scope)
    values = kpi_values(wf, tf, lang)
    warning = stale_warning(wf, tf is not None, lang)
    patches = []
    # the ranking's bars lie (labels on y); the trends stand (labels on x)
    for (labels, values_), label_axis in ((_ranking_data(wf["ranking"]), "y"), (_months_data(wf["months"]), "x"),
                                          (_runs_data(wf["runs"]), "x")):
        patch = Patch()
        patch["data"][0][label_axis] = labels
        patch["data"][0]["x" if label_axis == "y" else "y"] = values_
        patches.append(patch)
    new_run = wf["run_id"] != run_id
    res = _resolution(scope)
    cells = hex_layer.feature_collection(context.protect(wh, scope, res, hexes.hex_cells(wh, scope, res, None)),
                                         lang, context.display()) \
        if new_run else no_update
    return (*[values.get(k, no_update) for k in KPIS], f"{wf['data_time']:%Y-%m-%d %H:%M}", warning,
            "tm-s-stale" + ("" if warning else " tm-hidden"),
            _feed_items(tf["events"], lang) if tf else no_update, *patches, cells, wf["run_id"],
            f"{T.now():%H:%M:%S}")


@callback(*[Output(f"kpi-s-{k}", "children") for k in KPIS], Output("screen-data-time", "children"),
          Output("screen-stale", "children"), Output("screen-stale", "className"), Output("screen-feed", "children"),
          Output("screen-ranking", "figure"), Output("screen-months", "figure"), Output("screen-runs", "figure"),
          Output("screen-hexes", "data"), Output("screen-run", "data"), Output("screen-heartbeat", "children"),
          Input("screen-tick", "n_intervals"), State("screen-street", "data"), State("screen-run", "data"),
          State("screen-lang", "data"), prevent_initial_call=True)
def _refresh(_n, street, run_id, lang):
    if not context.may_watch_screen():
        raise dash.exceptions.PreventUpdate
    return refresh(street, run_id, normalise_lang(lang))


clientside_callback(  # chart type follows the wall: plotly sizes are pixels, the page's are viewport units
    dash.ClientsideFunction(namespace="taxmap_screen", function_name="scale"),
    Output("screen-ranking", "figure", allow_duplicate=True), Output("screen-months", "figure", allow_duplicate=True),
    Output("screen-runs", "figure", allow_duplicate=True), Input("screen-scale", "n_intervals"),
    State("screen-ranking", "figure"), State("screen-months", "figure"), State("screen-runs", "figure"),
    prevent_initial_call=True,
)

clientside_callback(
    dash.ClientsideFunction(namespace="taxmap_screen", function_name="rotate"),
    Output("screen-hexes", "hideout"), Output("screen-map-title", "children"),
    Input("screen-rotate", "n_intervals"), State("screen-hideouts", "data"), prevent_initial_call=True,
)
