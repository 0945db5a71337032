"""My tasks (/tasks, 我的任务): the officer's page, made for a phone (390×844). The tasks to do and
those reported, a map of them, one task's evidence and contact (in clear: it is the officer's own
task), accept or decline with a reason, and the report: a result code, notes, the new registration's
taxpayer id, and a site photo (JPEG/PNG ≤ 5 MB, stored on disk)."""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dashboard import context
from dashboard.components import header, no_warehouse_page, task_card
from dashboard.i18n import normalise_lang, t
from dispatch import photos
from dispatch import tasks as T
from layers import boundaries
from layers import tasks as tasks_layer
from taxmap.data import tasks as task_data

dash.register_page(__name__, path="/tasks", title="我的任务")

TODO = ("assigned", "accepted", "returned")
DONE = ("reported", "reviewed", "closed", "declined")


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if not context.is_officer():
        return no_warehouse_page(header(lang, "tasks", compact=True), t("tasks.no_access", lang))
    actor = context.actor()
    if not actor.officer_id:
        return no_warehouse_page(header(lang, "tasks", compact=True), t("tasks.no_officer", lang))
    return html.Div(className="tm-page tm-phone", children=[
        dcc.Store(id="tasks-lang", data=lang),
        dcc.Store(id="tasks-current", data=None),
        dcc.Store(id="tasks-changed", data=0),
        header(lang, "tasks", compact=True),
        html.Main(className="tm-phone-main", children=[
            dcc.Tabs(id="tasks-tab", value="todo", className="tm-tabs", mobile_breakpoint=0, children=[
                dcc.Tab(label=t("tasks.todo", lang), value="todo", className="tm-tab", selected_className="tm-tab-on"),
                dcc.Tab(label=t("tasks.done", lang), value="done", className="tm-tab", selected_className="tm-tab-on"),
                dcc.Tab(label=t("tasks.map", lang), value="map", className="tm-tab", selected_className="tm-tab-on"),
            ]),
            html.Div(id="tasks-message", className="tm-result"),
            # always in the page (a callback listens to it), shown with a task
            html.Button(t("tasks.back", lang), id="tasks-back", n_clicks=0, className="tm-button tm-back tm-hidden"),
            html.Div(id="tasks-body", children=task_list("todo", lang)),
        ]),
    ])


def _my_rows(lang: str, states) -> list[dict]:
    return task_data.rows(context.store(), context.warehouse(), context.actor(), lang, states=states)


def task_list(tab: str, lang: str) -> html.Div:
    rows = _my_rows(lang, TODO if tab == "todo" else DONE)
    rows.sort(key=lambda r: (not r["overdue"], r["due"], r["task_id"]))
    if not rows:
        return html.Div(html.P(t("tasks.empty", lang), className="tm-muted"), id="task-list")
    return html.Div(id="task-list", className="tm-task-list", children=[
        html.Div(id={"type": "task-open", "index": r["task_id"]}, n_clicks=0,
                 className="tm-task-item" + (" tm-overdue" if r["overdue"] else ""), children=[
                     html.Div(className="tm-task-top", children=[
                         html.Span(r["kind"], className="tm-task-kind"),
                         html.Span(r["state"], className=f"tm-state tm-state-{r['state_code']}")]),
                     html.Div(r["name"], className="tm-task-name"),
                     html.Div(className="tm-task-meta", children=[
                         html.Span(f"#{r['task_id']} · {r['grid_code']}"),
                         html.Span(t("tasks.due_in", lang).format(due=r["due"]),
                                   className="tm-due" + (" tm-due-late" if r["overdue"] else ""))]),
                 ])
        for r in rows])


def task_map(lang: str) -> html.Div:
    display = context.display()
    points = task_data.points(context.store(), context.actor())
    collection = tasks_layer.feature_collection(points, lang, display)
    coords = [f["geometry"]["coordinates"] for f in collection["features"]]
    view = ({"bounds": [[min(c[1] for c in coords), min(c[0] for c in coords)],
                        [max(c[1] for c in coords), max(c[0] for c in coords)]], "boundsOptions": {"padding": [30, 30]}}
            if coords else {"center": [22.6, 113.9], "zoom": 11})
    tiles = [dl.TileLayer(url=context.settings().tile_url, maxZoom=19)] if context.settings().tile_url else []
    return html.Div(id="task-map-wrap", children=[
        dl.Map(id="task-map", className="tm-phone-map", attributionControl=False, **view, children=[
            *tiles, *boundaries.layer(context.warehouse(), context.user_scope(), display=display), dl.GeoJSON(id="task-points", data=collection, pointToLayer=tasks_layer.POINTS,
                               hideout=tasks_layer.HIDEOUT)]),
        html.Div(className="tm-legend-inline", children=[
            html.Span([html.I(style={"background": color}, className="tm-swatch"), label])
            for label, color in tasks_layer.legend(lang)]),
    ])


def _hidden(show: bool) -> str:
    return "" if show else " tm-hidden"


def detail_view(task_id: int, lang: str) -> html.Div:
    task = task_data.detail(context.store(), context.warehouse(), context.actor(), task_id, lang)
    if task is None:
        return html.Div(html.P(t("task.not_visible", lang), className="tm-muted"))
    context.audit("view.task", f"task {task_id}", f"{task['kind']} {task['taxpayer_id'] or task['record_id']}")
    can = set(task["actions"])
    i = 0 if lang == "zh" else 1
    forms = [
        dcc.Store(id="task-version", data={"task_id": task["task_id"], "version": task["version"]}),
        html.Div(className="tm-task-actions" + _hidden("accept" in can or "decline" in can), children=[
            html.Button(t("task.action.accept", lang), id="task-accept", n_clicks=0,
                        className="tm-button tm-primary tm-block" + _hidden("accept" in can)),
            dcc.Input(id="task-decline-note", className="tm-input tm-block" + _hidden("decline" in can),
                      placeholder=t("tasks.decline_reason", lang)),
            html.Button(t("task.action.decline", lang), id="task-decline", n_clicks=0,
                        className="tm-button tm-danger tm-block" + _hidden("decline" in can)),
        ]),
        html.Div(className="tm-task-form" + _hidden("report" in can), id="task-report-form", children=[
            html.Label(t("tasks.result", lang), className="tm-control-title"),
            dcc.Dropdown(id="task-result", className="tm-dropdown", searchable=False,
                         options=[{"label": v[i], "value": k} for k, v in T.RESULTS.items()]),
            html.Label(t("tasks.note", lang), className="tm-control-title"),
            dcc.Textarea(id="task-note", className="tm-input tm-block tm-textarea"),
            dcc.Input(id="task-new-taxpayer", className="tm-input tm-block", maxLength=20,
                      placeholder=t("tasks.new_taxpayer", lang)),
            dcc.Upload(id="task-photo-upload", className="tm-upload", accept="image/jpeg,image/png",
                       max_size=photos.MAX_BYTES, children=html.Div(t("tasks.photo", lang), id="task-photo-label")),
            html.Button(t("task.action.report", lang), id="task-report", n_clicks=0,
                        className="tm-button tm-primary tm-block"),
        ]),
    ]
    return html.Div(task_card(task, lang, actions=forms))


def act(action: str, current: dict | None, lang: str, *, note=None, result=None, new_taxpayer=None,
        photo_contents=None) -> tuple[str, bool]:
    """Do the officer's ``action`` on the current task; returns (message, done)."""
    if not current:
        return "", False
    photo = None
    if action == "report" and photo_contents:
        try:
            photo = photos.save(context.settings().resolved_photo_dir, current["task_id"],
                                photos.decode_upload(photo_contents))
        except photos.PhotoError:
            return t("tasks.photo_bad", lang), False
    try:
        T.transition(context.store(), int(current["task_id"]), action, context.actor(), int(current["version"]),
                     note=note, result=result, result_taxpayer_id=new_taxpayer, photo=photo)
    except T.Conflict:
        return t("tasks.conflict", lang), False
    except T.TaskError as exc:
        return str(exc), False
    return t("tasks.saved", lang).format(action=t(f"task.action.{action}", lang)), True


# --- callbacks ---------------------------------------------------------------------------------------------


def _guard():
    if not context.is_officer():
        raise dash.exceptions.PreventUpdate


@callback(Output("tasks-current", "data"), Input({"type": "task-open", "index": ALL}, "n_clicks"),
          Input("tasks-back", "n_clicks"), Input("tasks-tab", "value"), prevent_initial_call=True)
def _open(clicks, _back, _tab):
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and trigger.get("type") == "task-open":
        if not any(clicks or []):
            raise dash.exceptions.PreventUpdate  # the list was redrawn, nothing clicked
        return int(trigger["index"])
    return None


@callback(Output("tasks-body", "children"), Output("tasks-back", "className"), Input("tasks-current", "data"),
          Input("tasks-tab", "value"), Input("tasks-changed", "data"), State("tasks-lang", "data"),
          prevent_initial_call=True)
def _render(current, tab, _changed, lang):
    _guard()
    lang = normalise_lang(lang)
    if current is not None:
        return detail_view(int(current), lang), "tm-button tm-back"
    return (task_map(lang) if tab == "map" else task_list(tab, lang)), "tm-button tm-back tm-hidden"


@callback(Output("task-photo-label", "children"), Input("task-photo-upload", "filename"),
          State("tasks-lang", "data"), prevent_initial_call=True)
def _photo_chosen(filename, lang):
    return t("tasks.photo_ok", normalise_lang(lang)).format(name=filename) if filename else dash.no_update


@callback(Output("tasks-message", "children"), Output("tasks-changed", "data"),
          Input("task-accept", "n_clicks"), Input("task-decline", "n_clicks"), Input("task-report", "n_clicks"),
          State("task-version", "data"), State("task-decline-note", "value"), State("task-result", "value"),
          State("task-note", "value"), State("task-new-taxpayer", "value"), State("task-photo-upload", "contents"),
          State("tasks-lang", "data"), State("tasks-changed", "data"), prevent_initial_call=True)
def _act(accept, decline, report, current, decline_note, result, note, new_taxpayer, photo, lang, changed):
    _guard()
    action = str(ctx.triggered_id or "").removeprefix("task-")
    if action not in ("accept", "decline", "report") or not (accept or decline or report):
        raise dash.exceptions.PreventUpdate
    message, done = act(action, current, normalise_lang(lang), note=decline_note if action == "decline" else note,
                        result=result, new_taxpayer=new_taxpayer, photo_contents=photo)
    return message, (changed or 0) + 1 if done else dash.no_update


@callback(Output("tasks-current", "data", allow_duplicate=True), Input("task-points", "clickData"),
          prevent_initial_call=True)
def _open_on_map(click):
    """Tapping a task on the map opens it."""
    if not click or "task_id" not in (click.get("properties") or {}):
        raise dash.exceptions.PreventUpdate
    return int(click["properties"]["task_id"])
