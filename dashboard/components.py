"""Pieces more than one page uses: the header with the navigation a role may use, the empty page."""

from __future__ import annotations

from dash import html

from dashboard import context
from dashboard.i18n import t

# AG Grid's theming API, in the command-room colours (assets/style.css)
GRID_THEME = ("themeAlpine.withParams({backgroundColor: '#0d1b2e', foregroundColor: '#e6f0ff', "
              "headerBackgroundColor: '#12243b', oddRowBackgroundColor: '#10213a', borderColor: '#1f3a5a', "
              "accentColor: '#5ec8ff', fontFamily: 'inherit', fontSize: 13, headerTextColor: '#8fa8c8'})")
# (page key, path, who sees the link: a role check in dashboard.context)
NAV = (
    ("map", "/", None),
    ("dispatch", "/dispatch", "may_dispatch"),
    ("screen", "/screen", "may_watch_screen"),
    ("analysis", "/analysis", "may_analyse"),
    ("tasks", "/tasks", "is_officer"),
    ("quality", "/quality", "may_see_quality"),
    ("audit", "/admin/audit", "is_admin"),
)


def header(lang: str, current: str, middle: list | None = None, *, compact: bool = False) -> html.Header:
    """The title, what the page puts beside it (breadcrumbs, a subtitle), the links the user's role
    may follow, the language switch and the user. ``compact``: the phone layout (title and user)."""
    other = "en" if lang == "zh" else "zh"
    query = "" if lang == "zh" else "?lang=en"
    links = []
    for key, path, check in NAV:
        if check is not None and not getattr(context, check)():
            continue
        links.append(html.A(t(f"nav.{key}", lang), href=f"{path}{query}", id=f"nav-{key}",
                            className="tm-nav-link tm-active" if key == current else "tm-nav-link"))
    user = context.user_label()
    return html.Header(className="tm-header tm-header-compact" if compact else "tm-header", children=[
        html.Div(className="tm-header-left", children=[html.Span(t("app.title", lang), className="tm-title"),
                                                        *(middle or [])]),
        html.Nav(className="tm-nav", children=[
            *links,
            html.A(t("app.switch_lang", lang), href=f"?lang={other}", className="tm-lang", id="lang-switch"),
            *([html.Span(user, className="tm-user", id="user-label"),
               html.A(t("nav.logout", lang), href="/logout", className="tm-nav-link", id="logout")] if user else []),
        ]),
    ])


def current_run(wh) -> dict | None:
    """The newest ETL run of the warehouse, or None before the first one published it."""
    from taxmap import data
    from taxmap.warehouse import WarehouseMissing

    try:
        return data.latest_run(wh)
    except WarehouseMissing:
        return None


def no_warehouse_page(header: html.Header, message: str) -> html.Div:
    """What a page shows before any ETL run has published a warehouse (or to a role it is not for)."""
    return html.Div(className="tm-page", children=[
        header,
        html.Main(className="tm-empty", children=html.P(message, id="no-warehouse")),
    ])


def task_card(task: dict, lang: str, *, actions: list | None = None) -> html.Section:
    """One task (taxmap.data.tasks.detail): facts, evidence, photo link, ``actions`` (the officer's
    forms), history. Shared by /dispatch and /tasks."""
    contact = task["contact"]
    facts = [
        (t("task.kind", lang), task["kind_label"]), (t("task.state", lang), task["state_label"]),
        (t("task.officer", lang), task["officer_name"] or "—"), (t("task.due", lang), f"{task['due_at']:%Y-%m-%d}"),
        (t("task.subject", lang), " / ".join(x for x in (task["record_id"], task["taxpayer_id"]) if x)),
        (t("task.address", lang), contact.get("unit_address") or contact.get("address") or "—"),
        (t("task.legal_rep", lang), contact.get("legal_rep") or "—"), (t("task.phone", lang), contact.get("phone") or "—"),
    ]
    if task["result_code"]:
        facts.append((t("task.result", lang), task["result_label"] + (f" · {task['result_note']}"
                                                                     if task["result_note"] else "")))
    return html.Section(className="tm-card tm-task-card", id="task-detail-card", children=[
        html.H2([f"#{task['task_id']} {task['subject_name']}",
                 *([html.Span(t("task.overdue", lang), className="tm-badge tm-badge-high")] if task["overdue"] else [])]),
        html.Dl(className="tm-facts", children=[x for k, v in facts for x in (html.Dt(k), html.Dd(v))]),
        html.H3(t("task.evidence", lang)),
        html.Ul([html.Li(line) for line in task["evidence_lines"]] or [html.Li("—")], className="tm-list",
                id="task-evidence"),
        *([html.A(t("task.photo", lang), href=f"/tasks/photo/{task['task_id']}", target="_blank",
                  className="tm-link", id="task-photo")] if task["photo"] else []),
        *(actions or []),
        html.H3(t("task.history", lang)),
        html.Ol([html.Li(f"{e['at']} · {e['actor']} · {e['action']} → {e['to']}"
                         + (f" ({e['officer']})" if e["officer"] and e["action_code"] in ("create", "assign")
                            else "") + (f" · {e['note']}" if e["note"] else "")) for e in task["history"]],
                className="tm-history", id="task-history"),
    ])
