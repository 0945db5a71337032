"""The data-quality page: the latest run's row accounting, its rejects and quality issues, downloads."""

from __future__ import annotations

import csv
import io
import json
import math

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

from dashboard import context
from dashboard.components import header, no_warehouse_page
from dashboard.i18n import normalise_lang, t
from taxmap.data import quality as q
from taxmap.warehouse import WarehouseMissing

dash.register_page(__name__, path="/quality", title="数据质量 · 实景税源智慧地图")

KIND_TITLE = {"rejects": "quality.rejects", "issues": "quality.issues"}
KIND_CODE = {"rejects": "quality.reason", "issues": "quality.issue"}
NUMERIC = {"quality.read", "quality.staged", "quality.rejected", "quality.issues", "quality.count",
           "quality.row_number", "quality.seconds", "quality.balance"}
DOWNLOADS = [(which, fmt) for which in ("rejects", "issues", "group") for fmt in ("csv", "xlsx")]


def _fmt(n) -> str:
    return "—" if n is None else f"{n:,}"


def _when(ts) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S") + " UTC"  # the ETL stores naive UTC


def _thead(keys: list[str], lang: str) -> html.Thead:
    return html.Thead(html.Tr([html.Th(t(k, lang), className="num" if k in NUMERIC else "") for k in keys]))


def _header(lang: str, region_name: str) -> html.Header:
    return header(lang, "quality", [html.Span(t("quality.title", lang), className="tm-region"),
                                    html.Span(region_name, className="tm-region", id="region-name")])


def run_card(run: dict, sources: list[dict], lang: str) -> html.Section:
    head = ["quality.source", "quality.read", "quality.staged", "quality.rejected", "quality.issues",
            "quality.balance"]
    rows = []
    for s in sources:
        file = " · ".join(x for x in (s["file"], s["encoding"]) if x) or t("source.absent", lang)
        rows.append(html.Tr(id=f"q-src-{s['source']}", className="" if s["file"] else "tm-absent", children=[
            html.Td([t(f"source.{s['source']}", lang), html.Div(file, className="tm-file")]),
            html.Td(_fmt(s["rows_read"]), className="num"),
            html.Td(_fmt(s["rows_staged"]), className="num"),
            html.Td(_fmt(s["rows_rejected"]), className="num tm-bad" if s["rows_rejected"] else "num"),
            html.Td(_fmt(s["quality_issues"]), className="num"),
            html.Td("✓" if s["balanced"] else "✗", className="num tm-q-ok" if s["balanced"] else "num tm-q-off"),
        ]))
    off = [t(f"source.{s['source']}", lang) for s in sources if not s["balanced"]]
    verdict = t("quality.unbalanced", lang) + "、".join(off) if off else t("quality.all_balanced", lang)
    survey = " – ".join(str(d) for d in (run["survey_start"], run["survey_end"]) if d) or "—"
    meta = [("quality.run_id", run["run_id"], "q-run-id"), ("quality.finished", _when(run["finished_at"]), None),
            ("quality.input_dir", run["input_dir"], None), ("quality.region", run["region_name"] or "—", None),
            ("quality.survey", survey, None)]
    return html.Section(className="tm-card", id="q-run", children=[
        html.H2(t("quality.run", lang)),
        html.Dl(className="tm-meta", children=[x for key, value, id_ in meta for x in (
            html.Dt(t(key, lang)), html.Dd(value, id=id_) if id_ else html.Dd(value))]),
        html.Table(className="tm-table", id="q-sources", children=[_thead(head, lang), html.Tbody(rows)]),
        html.P(verdict, id="q-verdict", className="tm-q-note" + (" tm-q-off" if off else "")),
    ])


def linkage_card(info: dict | None, lang: str) -> html.Section | None:
    """How the linkage model was trained, and every warning of its training (docs/linkage.md)."""
    if info is None:
        return None
    recall = f"{info['prior_recall']:.0%}" if info["prior_recall"] is not None else "—"
    meta = [("quality.linkage_method", t(f"link.method.{info['training_method']}", lang)),
            ("quality.linkage_labels", _fmt(info["n_labels"])),
            ("quality.linkage_recall", recall),
            ("quality.linkage_scored", _fmt(info["n_scored"]))]
    warnings = list(info["warnings"] or [])
    shipped = info["training_method"] == "shipped"
    notes = [html.Li(w) for w in warnings] if warnings else [html.Li(t("quality.linkage_ok", lang))]
    return html.Section(className="tm-card" + (" tm-q-alarm" if shipped else ""), id="q-linkage", children=[
        html.H2(t("quality.linkage", lang)),
        html.Dl(className="tm-meta", children=[x for key, value in meta for x in (
            html.Dt(t(key, lang)), html.Dd(value, id=f"q-{key.split('.')[1]}"))]),
        html.Ul(notes, id="q-linkage-notes", className="tm-q-note" + (" tm-q-off" if warnings else "")),
    ])


def history_card(runs: list[dict], lang: str) -> html.Section:
    head = ["quality.run_id", "quality.finished", "quality.status", "quality.read", "quality.staged",
            "quality.rejected", "quality.issues", "quality.seconds"]
    counts = ("rows_read", "rows_staged", "rows_rejected", "quality_issues")
    rows = [html.Tr([
        html.Td(r["run_id"], className="tm-q-mono"), html.Td(_when(r["finished_at"])),
        html.Td(r["status"]), *[html.Td(_fmt(r[k]), className="num") for k in counts],
        html.Td("—" if r["seconds"] is None else f"{r['seconds']:.1f}", className="num"),
    ]) for r in runs]
    return html.Section(className="tm-card", children=[
        html.H2(t("quality.history", lang)),
        html.Div(className="tm-q-scroll", children=html.Table(
            className="tm-table", id="q-history", children=[_thead(head, lang), html.Tbody(rows)])),
    ])


def _download_buttons(which: str, label: str, disabled: bool = False) -> html.Div:
    return html.Div(className="tm-q-downloads", children=[
        html.Span(label),
        *[html.Button(fmt.upper() if fmt == "csv" else "Excel", id=f"q-dl-{which}-{fmt}", className="tm-q-btn",
                      disabled=disabled) for fmt in ("csv", "xlsx")],
    ])


def groups_card(kind: str, groups: list[dict], lang: str) -> html.Section:
    if not groups:
        body = html.P(t(f"quality.none_{kind}", lang), className="tm-q-note")
    else:
        body = html.Table(className="tm-table", id=f"q-groups-{kind}", children=[
            _thead(["quality.source", KIND_CODE[kind], "quality.count"], lang),
            html.Tbody([html.Tr(
                id={"type": "q-group", "kind": kind, "source": g["source"], "code": g["code"]},
                className="tm-q-group", n_clicks=0,
                children=[html.Td(t(f"source.{g['source']}", lang)),
                          html.Td([g[f"detail_{lang}"], html.Div(g["code"], className="tm-file")]),
                          html.Td(_fmt(g["n"]), className="num")],
            ) for g in groups]),
        ])
    return html.Section(className="tm-card", children=[
        html.H2(t(KIND_TITLE[kind], lang)), body,
        _download_buttons(kind, t("quality.download_all", lang), disabled=not groups),
    ])


def _raw_text(raw: str | None) -> str:
    """The rejected row as ``column=value``, without the reader's bookkeeping (``_row``, ``_malformed``)."""
    if not raw:
        return ""
    cells = json.loads(raw)
    if not isinstance(cells, dict):
        return raw
    return " · ".join(f"{k}={'∅' if v is None else v}" for k, v in cells.items() if not k.startswith("_"))


def rows_view(selection: dict | None, page: int, lang: str) -> tuple[list, int]:
    """The selected group's rows, one page of ``PAGE_SIZE``; returns the children and the page shown."""
    if not selection:
        return [html.P(t("quality.pick", lang), className="tm-q-note")], 0
    kind, source, code = selection["kind"], selection["source"], selection["code"]
    wh = context.warehouse()
    page = max(page, 0)
    rows, total = q.rows_page(wh, kind, source, code, page=page)
    pages = max(1, math.ceil(total / q.PAGE_SIZE))
    if page >= pages:  # "next" on the last page, or the group shrank with a new run
        page = pages - 1
        rows, total = q.rows_page(wh, kind, source, code, page=page)
    head = ["quality.source", "quality.row_number", "quality.record_key", "quality.detail"]
    head += ["quality.raw"] if kind == "rejects" else []
    body = []
    for r in rows:
        raw = _raw_text(r.get("raw"))
        cells = [html.Td(t(f"source.{r['source']}", lang)), html.Td(r["row_number"], className="num"),
                 html.Td(r["record_key"] or "∅", className="tm-q-mono"),
                 html.Td(q.split_detail(r["detail"])[0 if lang == "zh" else 1])]
        cells += [html.Td(raw, title=raw, className="tm-q-raw")] if kind == "rejects" else []
        body.append(html.Tr(cells))
    title = f"{t(KIND_TITLE[kind], lang)} · {t(f'source.{source}', lang)} · {code}"
    return [
        html.H3(title, id="q-rows-title"),
        html.Table(className="tm-table", id="q-rows-table", children=[_thead(head, lang), html.Tbody(body)]),
        html.Div(t("quality.page", lang).format(page=page + 1, pages=pages, total=f"{total:,}"),
                 id="q-page-label", className="tm-q-note"),
    ], page


def _cell_text(value) -> str:
    """Text as written, except that a cell Excel would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def export_file(kind: str, fmt: str, source: str | None = None, code: str | None = None) -> dict:
    """A dcc.Download payload: the latest run's rows of ``kind`` (or of one group) as CSV (UTF-8 + BOM) or XLSX."""
    wh = context.warehouse()
    rows = q.export_rows(wh, kind, source, code)
    columns = list(rows[0]) if rows else ["source", "row_number", "record_key", q.KINDS[kind][1], "detail"]
    run = q.last_run(wh)
    name = "-".join(x for x in (kind, source, code, run["run_id"] if run else None) if x)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        writer.writerows([[_cell_text(r[c]) for c in columns] for r in rows])
        return dcc.send_bytes(buf.getvalue().encode("utf-8-sig"), f"{name}.csv")  # BOM: Excel then reads UTF-8
    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    sheet.append(columns)
    for r in rows:
        sheet.append([_xlsx_cell(sheet, r[c]) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return dcc.send_bytes(out.getvalue(), f"{name}.xlsx")


def _xlsx_cell(sheet, value):
    if value is None or isinstance(value, int):
        return value
    # strings are data, never formulas; Excel refuses control characters and cells over 32,767 characters
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767])
    cell.data_type = "s"
    return cell


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_lang(lang)
    wh = context.warehouse()
    try:
        run = q.last_run(wh)
    except WarehouseMissing:
        run = None
    if run is None:
        return no_warehouse_page(_header(lang, ""), t("quality.no_warehouse", lang))
    if not context.may_see_quality():
        return no_warehouse_page(_header(lang, run["region_name"] or ""), t("quality.no_access", lang))
    return html.Div(className="tm-page", children=[
        _header(lang, run["region_name"] or ""),
        html.Main(className="tm-q-main", children=[
            run_card(run, q.source_accounting(wh, run["run_id"]), lang),
            *[card for card in [linkage_card(q.linkage_model(wh), lang)] if card is not None],
            history_card(q.run_history(wh), lang),
            groups_card("rejects", q.groups(wh, "rejects"), lang),
            groups_card("issues", q.groups(wh, "issues"), lang),
            html.Section(className="tm-card tm-q-wide", id="q-rows-card", children=[
                html.H2(t("quality.rows", lang)),
                html.Div(rows_view(None, 0, lang)[0], id="q-rows"),
                html.Div(className="tm-q-pager", children=[
                    html.Button(t("quality.prev", lang), id="q-prev", className="tm-q-btn", n_clicks=0),
                    html.Button(t("quality.next", lang), id="q-next", className="tm-q-btn", n_clicks=0),
                    _download_buttons("group", t("quality.download_group", lang), disabled=True),
                ]),
            ]),
        ]),
        dcc.Store(id="q-lang", data=lang),
        dcc.Store(id="q-selection"),
        dcc.Store(id="q-page", data=0),
        dcc.Download(id="q-download"),
    ])


@dash.callback(
    Output("q-selection", "data"),
    Output({"type": "q-group", "kind": ALL, "source": ALL, "code": ALL}, "className"),
    Output("q-dl-group-csv", "disabled"),
    Output("q-dl-group-xlsx", "disabled"),
    Input({"type": "q-group", "kind": ALL, "source": ALL, "code": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select_group(_clicks):
    picked = ctx.triggered_id
    if not picked or not ctx.triggered[0]["value"]:  # rows re-rendered, not clicked
        raise dash.exceptions.PreventUpdate
    selection = {k: picked[k] for k in ("kind", "source", "code")}
    classes = ["tm-q-group tm-q-selected" if o["id"] == picked else "tm-q-group" for o in ctx.outputs_list[1]]
    return selection, classes, False, False


@dash.callback(
    Output("q-rows", "children"),
    Output("q-page", "data"),
    Input("q-selection", "data"),
    Input("q-prev", "n_clicks"),
    Input("q-next", "n_clicks"),
    State("q-page", "data"),
    State("q-lang", "data"),
    prevent_initial_call=True,
)
def show_rows(selection, _prev, _next, page, lang):
    if not context.may_see_quality():
        raise dash.exceptions.PreventUpdate
    step = {"q-prev": -1, "q-next": 1}.get(ctx.triggered_id)
    return rows_view(selection, (page or 0) + step if step else 0, normalise_lang(lang))


@dash.callback(
    Output("q-download", "data"),
    *[Input(f"q-dl-{which}-{fmt}", "n_clicks") for which, fmt in DOWNLOADS],
    State("q-selection", "data"),
    prevent_initial_call=True,
)
def download(*args):
    selection = args[-1]
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise dash.exceptions.PreventUpdate
    if not context.may_see_quality():
        raise dash.exceptions.PreventUpdate
    _, which, fmt = ctx.triggered_id.rsplit("-", 2)
    if which == "group":
        if not selection:
            raise dash.exceptions.PreventUpdate
        context.audit("export", f"quality:{selection['kind']}", f"{selection['source']}/{selection['code']} {fmt}")
        return export_file(selection["kind"], fmt, selection["source"], selection["code"])
    context.audit("export", f"quality:{which}", fmt)
    return export_file(which, fmt)
