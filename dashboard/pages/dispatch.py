"""Task dispatch for leaders (/dispatch, 任务调度): bulk dispatch of a map selection with a preview per
officer, the risk-weighted random check (双随机), the task table with bulk actions, workload per
officer, the overdue list, and the closed-loop rate per street. District leaders see the district,
street leaders their streets; every change goes through dispatch.tasks (audited)."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import context
from dashboard.components import GRID_THEME, current_run, header, no_warehouse_page, task_card
from dashboard.i18n import normalise_lang, t
from dispatch import sources
from dispatch import tasks as T
from taxmap import data
from taxmap.data import tasks as task_data

dash.register_page(__name__, path="/dispatch", title="任务调度")

BULK_ACTIONS = ("assign", "review", "return", "close", "cancel")
KIND_CHOICES = (*sources.DISCREPANCY_KINDS, "high_risk")


def _fmt(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "—" if n is None else str(n)


def _pct(x) -> str:
    return "—" if x is None else f"{x:.0%}"


def _scope_streets() -> frozenset[str] | None:
    actor = context.actor()
    seen = task_data.visibility(actor)
    return None if seen is None else seen.get("street_codes")


def kpis(lang: str) -> html.Div:
    s = T.summary(context.store(), _scope_streets())
    items = [("dispatch.kpi.open", _fmt(s["open"])), ("dispatch.kpi.overdue", _fmt(s["overdue"])),
             ("dispatch.kpi.to_review", _fmt(s["by_state"]["reported"])),
             ("dispatch.kpi.closed_rate", _pct(s["closed_rate"]))]
    return html.Div(className="tm-kpis tm-kpis-4", id="dispatch-kpis", children=[
        html.Div(className="tm-kpi", children=[html.Div(value, className="tm-kpi-value", id=f"kpi-{key.split('.')[-1]}"),
                                               html.Div(t(key, lang), className="tm-kpi-label")])
        for key, value in items])


def _table(keys: list[str], rows: list[list], lang: str, id_: str) -> html.Table:
    return html.Table(className="tm-table", id=id_, children=[
        html.Thead(html.Tr([html.Th(t(k, lang)) for k in keys])),
        html.Tbody([html.Tr([html.Td(c, className="num" if i else "") for i, c in enumerate(r)]) for r in rows])])


def workload_card(lang: str) -> html.Section:
    wh = context.warehouse()
    names = task_data.officer_names(wh)
    rows = T.per_officer(context.store(), _scope_streets())
    return html.Section(className="tm-card", id="workload-card", children=[
        html.H2(t("dispatch.workload", lang)),
        _table(["dispatch.col.officer", "dispatch.col.open", "dispatch.col.waiting", "dispatch.col.accepted",
                "dispatch.col.reported", "dispatch.col.overdue", "dispatch.col.closed"],
               [[html.Span(names.get(r["officer_id"], r["officer_id"]), title=r["officer_id"]), _fmt(r["open"]),
                 _fmt(r["waiting"]), _fmt(r["accepted"]), _fmt(r["reported"]), _fmt(r["overdue"]), _fmt(r["closed"])]
                for r in rows], lang, "workload-table") if rows else html.P(t("dispatch.none", lang),
                                                                              className="tm-muted")])


def streets_card(lang: str) -> html.Section:
    names = task_data.street_names(context.warehouse())
    rows = T.per_street(context.store(), _scope_streets())
    return html.Section(className="tm-card", id="streets-card", children=[
        html.H2(t("dispatch.closed_loop", lang)),
        _table(["dispatch.col.street", "dispatch.col.tasks", "dispatch.col.closed", "dispatch.col.open",
                "dispatch.col.overdue", "dispatch.col.rate"],
               [[names.get(r["street_code"], r["street_code"]), _fmt(r["n"]), _fmt(r["closed"]), _fmt(r["open"]),
                 _fmt(r["overdue"]), _pct(r["closed_rate"])] for r in rows], lang, "streets-table")
        if rows else html.P(t("dispatch.none", lang), className="tm-muted")])


def overdue_card(lang: str) -> html.Section:
    rows = task_data.rows(context.store(), context.warehouse(), context.actor(), lang, overdue_only=True, limit=50)
    rows.sort(key=lambda r: r["due"])
    return html.Section(className="tm-card", id="overdue-card", children=[
        html.H2(t("dispatch.escalation", lang)),
        _table(["dispatch.col.task", "dispatch.col.kind", "dispatch.col.name", "dispatch.col.officer",
                "dispatch.col.state", "dispatch.col.due"],
               [[f"#{r['task_id']}", r["kind"], r["name"], r["officer"], r["state"], r["due"]] for r in rows],
               lang, "overdue-table") if rows else html.P(t("dispatch.no_overdue", lang), className="tm-muted")])


def _selection_panel(lang: str, streets: list[dict], cells: list[str]) -> html.Section:
    return html.Section(className="tm-card", id="bulk-card", children=[
        html.H2(t("dispatch.bulk", lang)),
        html.Label(t("dispatch.street", lang), className="tm-control-title"),
        dcc.Dropdown(id="dispatch-street", className="tm-dropdown", placeholder=t("dispatch.all_streets", lang),
                     options=[{"label": s["name"], "value": s["code"]} for s in streets]),
        html.Div(t("dispatch.cells", lang).format(n=len(cells)) if cells else t("dispatch.no_cells", lang),
                 className="tm-muted", id="dispatch-cells-label"),
        html.Label(t("dispatch.kinds", lang), className="tm-control-title"),
        dcc.Checklist(id="dispatch-kinds", className="tm-checklist", value=list(sources.DISCREPANCY_KINDS),
                      options=[{"label": t(f"task.kind.{k}", lang), "value": k} for k in KIND_CHOICES]),
        html.Div(className="tm-buttons", children=[
            html.Button(t("dispatch.preview", lang), id="dispatch-preview-button", n_clicks=0, className="tm-button"),
            html.Button(t("dispatch.confirm", lang), id="dispatch-confirm-button", n_clicks=0,
                        className="tm-button tm-primary"),
        ]),
        html.Div(id="dispatch-preview"),
        html.Div(id="dispatch-result", className="tm-result"),
    ])


def _random_panel(lang: str) -> html.Section:
    return html.Section(className="tm-card", id="random-card", children=[
        html.H2(t("dispatch.random", lang)),
        html.P(t("dispatch.random_hint", lang), className="tm-muted"),
        html.Div(className="tm-inline", children=[
            html.Label(t("dispatch.random_n", lang)), dcc.Input(id="random-n", type="number", min=1, max=5000,
                                                                 value=50, className="tm-input tm-narrow"),
            html.Label(t("dispatch.random_seed", lang)), dcc.Input(id="random-seed", type="number", min=0, value=2026,
                                                                    className="tm-input tm-narrow"),
        ]),
        html.Button(t("dispatch.random_draw", lang), id="random-button", n_clicks=0, className="tm-button tm-primary"),
        html.Div(id="random-result", className="tm-result"),
    ])


# AG Grid's own words in Chinese (pagination, filter menus); English is its default
GRID_ZH = {"page": "第", "to": "至", "of": "共", "more": "更多", "next": "下一页", "last": "末页", "first": "首页",
           "previous": "上一页", "pageSizeSelectorLabel": "每页", "pageLastRowUnknown": "?", "filterOoo": "筛选…",
           "equals": "等于", "notEqual": "不等于", "contains": "包含", "notContains": "不包含", "startsWith": "开头是",
           "endsWith": "结尾是", "blank": "为空", "notBlank": "不为空", "lessThan": "小于", "greaterThan": "大于",
           "lessThanOrEqual": "小于等于", "greaterThanOrEqual": "大于等于", "inRange": "介于", "andCondition": "且",
           "orCondition": "或", "applyFilter": "应用", "resetFilter": "重置", "clearFilter": "清除",
           "selectAll": "全选", "loadingOoo": "加载中…"}
COLUMNS = ("task_id", "kind", "name", "street", "grid_code", "officer", "state", "due", "priority")


def _grid(lang: str) -> dag.AgGrid:
    cols = [{"field": c, "headerName": t(f"dispatch.col.{c}", lang), "filter": True} for c in COLUMNS]
    cols[0].update(width=90, filter="agNumberColumnFilter")
    cols[-1].update(width=90, filter="agNumberColumnFilter")
    return dag.AgGrid(
        id="tasks-grid", rowData=[], columnDefs=cols, className="tm-grid",
        defaultColDef={"sortable": True, "resizable": True, "flex": 1, "minWidth": 90},
        dashGridOptions={"rowSelection": {"mode": "multiRow"}, "pagination": True, "paginationPageSize": 50,
                         "theme": {"function": GRID_THEME}, "localeText": {**(GRID_ZH if lang == "zh" else {}),
                                                     "noRowsToShow": t("dispatch.none", lang)}},
        getRowId="params.data.task_id", getRowStyle={"styleConditions": [
            {"condition": "params.data.overdue", "style": {"color": "#ff8a8a"}}]},
        style={"height": "460px", "width": "100%"})


def layout(lang: str | None = None, cells: str | None = None, street: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if not context.may_dispatch():
        return no_warehouse_page(header(lang, "dispatch"), t("dispatch.no_access", lang))
    wh = context.warehouse()
    run = current_run(wh)
    if run is None:
        return no_warehouse_page(header(lang, "dispatch"), t("home.no_warehouse", lang))
    scope = context.user_scope()
    streets = data.street_summaries(wh, scope)
    cell_list = [c for c in (cells or "").split(",") if c][:5000]
    return html.Div(className="tm-page", children=[
        dcc.Store(id="dispatch-lang", data=lang),
        dcc.Store(id="dispatch-cells", data=cell_list),
        dcc.Store(id="dispatch-changed", data=0),
        dcc.Store(id="random-changed", data=0),
        dcc.Store(id="bulk-changed", data=0),
        header(lang, "dispatch", [html.Span(t("nav.dispatch", lang), className="tm-region"),
                                  html.Span(run["region_name"] or "", className="tm-region")]),
        html.Main(className="tm-d-main", children=[
            html.Div(id="dispatch-summary", className="tm-d-kpis", children=kpis(lang)),
            html.Div(className="tm-d-side", children=[
                _selection_panel(lang, [{"code": s["street_code"], "name": s["street_name"]} for s in streets],
                                 cell_list),
                _random_panel(lang),
            ]),
            html.Div(className="tm-d-center", children=[
                html.Section(className="tm-card", children=[
                    html.H2(t("dispatch.tasks", lang)),
                    html.Div(className="tm-inline", children=[
                        dcc.Dropdown(id="tasks-state", className="tm-dropdown tm-wide", multi=True,
                                     placeholder=t("dispatch.filter_state", lang),
                                     options=[{"label": T.STATE_LABELS[s][0 if lang == "zh" else 1], "value": s}
                                              for s in T.STATES]),
                        dcc.Dropdown(id="tasks-kind", className="tm-dropdown tm-wide", multi=True,
                                     placeholder=t("dispatch.filter_kind", lang),
                                     options=[{"label": t(f"task.kind.{k}", lang), "value": k} for k in T.KINDS]),
                        dcc.Checklist(id="tasks-overdue", className="tm-checklist",
                                      options=[{"label": t("dispatch.overdue_only", lang), "value": "overdue"}],
                                      value=[]),
                    ]),
                    _grid(lang),
                    html.Div(className="tm-inline tm-bulk", children=[
                        dcc.Dropdown(id="bulk-officer", className="tm-dropdown tm-wide",
                                     placeholder=t("dispatch.pick_officer", lang),
                                     options=[{"label": f"{o['name']} ({o['officer_id']})", "value": o["officer_id"]}
                                              for o in task_data.officers_for(wh, context.actor())]),
                        dcc.Input(id="bulk-note", className="tm-input tm-wide", placeholder=t("dispatch.note", lang)),
                        *[html.Button(t(f"task.action.{a}", lang), id=f"bulk-{a}", n_clicks=0,
                                      className="tm-button" + (" tm-danger" if a in ("cancel", "return") else ""))
                          for a in BULK_ACTIONS],
                    ]),
                    html.Div(id="bulk-result", className="tm-result"),
                ]),
                html.Div(id="task-detail"),
            ]),
            html.Div(className="tm-d-side", id="dispatch-stats", children=[
                workload_card(lang), overdue_card(lang), streets_card(lang)]),
        ]),
    ])


# --- actions (plain functions: the callbacks below, and the tests, call them) ------------------------------


def _selection(street: str | None, kinds: list[str] | None, cells: list[str] | None) -> sources.Selection:
    scope = context.user_scope()
    if street:
        scope = scope.narrow(data.Scope(frozenset({street})))
    return sources.Selection(scope, tuple(cells or ()), tuple(kinds or ()))


def preview(street, kinds, cells, lang: str) -> html.Div:
    if not kinds:
        return html.P(t("dispatch.pick_kinds", lang), className="tm-muted")
    wh = context.warehouse()
    selection = _selection(street, kinds, cells)
    plan = T.plan(context.store(), sources.candidates(wh, selection), sources.officers(wh, selection.scope))
    names = task_data.officer_names(wh)
    per = sorted(plan.per_officer().items(), key=lambda kv: (-kv[1], str(kv[0])))
    return html.Div(id="preview-table", children=[
        html.P(t("dispatch.preview_line", lang).format(n=len(plan.rows), dup=plan.duplicates), id="preview-line"),
        _table(["dispatch.col.officer", "dispatch.col.tasks"],
               [[f"{names.get(o, o)} ({o})" if o else t("dispatch.unassigned", lang), _fmt(n)] for o, n in per],
               lang, "preview-officers"),
        html.P(" · ".join(f"{t(f'task.kind.{k}', lang)} {n}" for k, n in sorted(plan.per_kind().items())),
               className="tm-muted"),
    ])


def confirm(street, kinds, cells, lang: str) -> str:
    if not kinds:
        return t("dispatch.pick_kinds", lang)
    wh = context.warehouse()
    selection = _selection(street, kinds, cells)
    result = T.dispatch(context.store(), sources.candidates(wh, selection), sources.officers(wh, selection.scope),
                        context.actor(), params=selection.params())
    return t("dispatch.created", lang).format(n=result.created, dup=result.duplicates, batch=result.batch_id)


def draw(street, n, seed, lang: str) -> str:
    if not n or n < 1 or seed is None:
        return t("dispatch.random_bad", lang)
    wh = context.warehouse()
    scope = context.user_scope()
    if street:
        scope = scope.narrow(data.Scope(frozenset({street})))
    store = context.store()
    seen = task_data.visibility(context.actor())
    exclude = frozenset(r["taxpayer_id"] for r in T.list_tasks(store, kinds=["random_check"], states=T.OPEN, **seen))
    result = sources.random_draw(wh, scope, int(min(n, 5000)), int(seed), exclude=exclude)
    done = T.dispatch(store, result.candidates, sources.officers(wh, scope), context.actor(), params=result.params,
                      batch_kind="random_check")
    return t("dispatch.random_done", lang).format(n=done.created, high=result.params["high_risk_drawn"],
                                                  pop=result.params["population"], seed=seed, batch=done.batch_id)


def bulk(action: str, selected: list[dict] | None, officer_id, note, lang: str) -> str:
    if not selected:
        return t("dispatch.pick_rows", lang)
    if action == "assign" and not officer_id:
        return t("dispatch.pick_officer", lang)
    if officer_id and officer_id not in {o["officer_id"] for o in task_data.officers_for(context.warehouse(),
                                                                                           context.actor())}:
        return t("dispatch.pick_officer", lang)
    items = [(int(r["task_id"]), int(r["version"])) for r in selected]
    done, failed = T.bulk_transition(context.store(), items, action, context.actor(), note=note,
                                     officer_id=officer_id if action == "assign" else None)
    text = t("dispatch.bulk_done", lang).format(action=t(f"task.action.{action}", lang), n=len(done))
    if failed:
        first = next(iter(failed.items()))
        text += " " + t("dispatch.bulk_failed", lang).format(n=len(failed), task=first[0], why=first[1])
    return text


def detail_card(task_id: int | None, lang: str) -> html.Section | None:
    """One task: evidence, contact (masked for leaders), result, photo and history; audited."""
    if task_id is None:
        return None
    task = task_data.detail(context.store(), context.warehouse(), context.actor(), int(task_id), lang)
    if task is None:
        return html.Section(className="tm-card", id="task-detail-card",
                            children=html.P(t("task.not_visible", lang), className="tm-muted"))
    context.audit("view.task", f"task {task_id}", f"{task['kind']} {task['taxpayer_id'] or task['record_id']}")
    return task_card(task, lang)


# --- callbacks ---------------------------------------------------------------------------------------------


def _guard():
    if not context.may_dispatch():
        raise dash.exceptions.PreventUpdate


def _said(action, *args):
    """What an action reports, or why it could not be done (a refusal, a bad selection)."""
    try:
        return action(*args)
    except (T.TaskError, ValueError) as exc:
        return str(exc)


@callback(Output("dispatch-preview", "children"), Input("dispatch-preview-button", "n_clicks"),
          State("dispatch-street", "value"), State("dispatch-kinds", "value"), State("dispatch-cells", "data"),
          State("dispatch-lang", "data"), prevent_initial_call=True)
def _preview(_n, street, kinds, cells, lang):
    _guard()
    return _said(preview, street, kinds, cells, normalise_lang(lang))


@callback(Output("dispatch-result", "children"), Output("dispatch-changed", "data"),
          Input("dispatch-confirm-button", "n_clicks"), State("dispatch-street", "value"),
          State("dispatch-kinds", "value"), State("dispatch-cells", "data"), State("dispatch-lang", "data"),
          prevent_initial_call=True)
def _confirm(n, street, kinds, cells, lang):
    _guard()
    return _said(confirm, street, kinds, cells, normalise_lang(lang)), n


@callback(Output("random-result", "children"), Output("random-changed", "data"),
          Input("random-button", "n_clicks"), State("dispatch-street", "value"), State("random-n", "value"),
          State("random-seed", "value"), State("dispatch-lang", "data"), prevent_initial_call=True)
def _random(n_clicks, street, n, seed, lang):
    _guard()
    return _said(draw, street, n, seed, normalise_lang(lang)), n_clicks


@callback(Output("bulk-result", "children"), Output("bulk-changed", "data"),
          *[Input(f"bulk-{a}", "n_clicks") for a in BULK_ACTIONS],
          State("tasks-grid", "selectedRows"), State("bulk-officer", "value"), State("bulk-note", "value"),
          State("dispatch-lang", "data"), State("bulk-changed", "data"), prevent_initial_call=True)
def _bulk(*args):
    _guard()
    selected, officer_id, note, lang, changed = args[len(BULK_ACTIONS):]
    action = str(ctx.triggered_id or "").removeprefix("bulk-")
    if action not in BULK_ACTIONS:
        raise dash.exceptions.PreventUpdate
    return bulk(action, selected, officer_id, note, normalise_lang(lang)), (changed or 0) + 1


@callback(Output("tasks-grid", "rowData"), Output("dispatch-summary", "children"),
          Output("dispatch-stats", "children"),
          Input("dispatch-changed", "data"), Input("random-changed", "data"), Input("bulk-changed", "data"),
          Input("tasks-state", "value"), Input("tasks-kind", "value"), Input("tasks-overdue", "value"),
          State("dispatch-lang", "data"))
def _refresh(_a, _b, _c, states, kinds, overdue, lang):
    _guard()
    lang = normalise_lang(lang)
    rows = task_data.rows(context.store(), context.warehouse(), context.actor(), lang, states=states or None,
                          kinds=kinds or None, overdue_only=bool(overdue))
    return rows, kpis(lang), [workload_card(lang), overdue_card(lang), streets_card(lang)]


@callback(Output("task-detail", "children"), Input("tasks-grid", "cellClicked"), State("tasks-grid", "rowData"),
          State("dispatch-lang", "data"), prevent_initial_call=True)
def _detail(cell, _rows, lang):
    _guard()
    if not cell or cell.get("rowId") is None:
        raise dash.exceptions.PreventUpdate
    return detail_card(int(cell["rowId"]), normalise_lang(lang))
