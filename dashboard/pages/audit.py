"""The audit log for admins (/admin/audit): who logged in, looked at what, exported what, changed
which user — searchable, and downloadable as CSV (the download itself is audited)."""

from __future__ import annotations

import csv
import io

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import context
from dashboard.components import header, no_warehouse_page
from dashboard.i18n import normalise_lang, t

dash.register_page(__name__, path="/admin/audit", title="审计日志")

ACTIONS = ("login", "view.", "export", "user.")
COLUMNS = ("at", "actor", "action", "target", "outcome", "detail", "remote_addr")


def _header(lang: str) -> html.Header:
    return header(lang, "audit", [html.Span(t("audit.title", lang), className="tm-region")])


def table(rows: list[dict], lang: str) -> html.Table:
    head = html.Tr([html.Th(t(f"audit.col.{c}", lang)) for c in COLUMNS])
    body = [html.Tr([html.Td(f"{r['at']:%Y-%m-%d %H:%M:%S}")] + [html.Td(r[c] or "—") for c in COLUMNS[1:]])
            for r in rows]
    return html.Table(className="tm-table", id="audit-table", children=[html.Thead(head), html.Tbody(body)])


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    if not context.is_admin():
        return no_warehouse_page(_header(lang), t("audit.no_access", lang))
    return html.Div(className="tm-page", children=[
        _header(lang),
        html.Main(className="tm-q-main", children=[
            html.Section(className="tm-card tm-q-wide", children=[
                html.H2(t("audit.title", lang)),
                html.Div(className="tm-audit-controls", children=[
                    dcc.Input(id="audit-actor", placeholder=t("audit.actor", lang), className="tm-input"),
                    dcc.Dropdown(id="audit-action", className="tm-dropdown", placeholder=t("audit.action", lang),
                                 options=[{"label": t(f"audit.action.{a.strip('.')}", lang), "value": a}
                                          for a in ACTIONS]),
                    html.Button(t("audit.download", lang), id="audit-download-button", n_clicks=0,
                                className="tm-button"),
                ]),
                html.Div(id="audit-rows", children=table(context.audit_rows(), lang)),
            ]),
        ]),
        dcc.Store(id="audit-lang", data=lang),
        dcc.Download(id="audit-download"),
    ])


@callback(Output("audit-rows", "children"), Input("audit-actor", "value"), Input("audit-action", "value"),
          State("audit-lang", "data"), prevent_initial_call=True)
def _search(actor, action, lang):
    if not context.is_admin():
        raise dash.exceptions.PreventUpdate
    return table(context.audit_rows(actor, action), normalise_lang(lang))


@callback(Output("audit-download", "data"), Input("audit-download-button", "n_clicks"),
          State("audit-actor", "value"), State("audit-action", "value"), prevent_initial_call=True)
def _download(clicks, actor, action):
    if not clicks or not context.is_admin():
        raise dash.exceptions.PreventUpdate
    rows = context.audit_rows(actor, action, limit=100_000)
    context.audit("export", "audit_log", f"{len(rows)} rows actor={actor or '*'} action={action or '*'}")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([f"{r['at']:%Y-%m-%d %H:%M:%S}", *[r[c] or "" for c in COLUMNS[1:]]])
    return dcc.send_bytes(out.getvalue().encode("utf-8-sig"), "audit_log.csv")
