"""The read API for other systems (/api/v1, docs/api.md): hexagon statistics and the ETL runs, as
JSON or GeoJSON, paginated, described by OpenAPI at /api/v1/openapi.json.

Who: a system with a bearer token (role ``system``, dispatch/tokens.py), or a signed-in analyst or
leader trying it from the browser. What: the caller's area only, always under disclosure control
(taxmap.data.disclosure) — the API never returns a single taxpayer, whoever asks. Every call is
audited with the rows it returned; refused tokens are audited as failed logins."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from urllib.parse import urlencode

import flask
from flask_login import current_user

from dispatch import audit as audit_log
from dispatch import tokens
from taxmap import auth, data
from taxmap.data import analysis, changes, hexes
from taxmap.data.memo import Memo
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse, WarehouseMissing

PREFIX = "/api/v1"
SPEC_PATH = f"{PREFIX}/openapi.json"
SESSION_ROLES = ("analyst", "district_leader", "street_leader")  # signed in, trying the API in a browser
MAX_PAGE_SIZE = 5000
DEFAULT_PAGE_SIZE = 1000
FORMATS = ("json", "geojson")
LIST_FILTERS = {"industry": "industry", "type": "taxpayer_type", "credit": "credit_rating"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter

    def response(self) -> flask.Response:
        body = {"error": {"code": self.code, "message": self.message}}
        if self.parameter:
            body["error"]["parameter"] = self.parameter
        response = flask.jsonify(body)
        response.status_code = self.status
        if self.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="taxmap"'
        return response


def _bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, "bad_parameter", message, parameter)


def _int(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise _bad(name, f"{name} must be a whole number from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise _bad(name, f"{name} must be from {low} to {high}")
    return value


def _list(args, name: str) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in (args.get(name) or "").split(",") if v.strip()}))


def _check_params(args, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise _bad(unknown[0], f"unknown parameter(s) {', '.join(unknown)}; this endpoint takes {', '.join(allowed)}")


def _page_links(total: int, page: int, size: int) -> dict:
    pages = max(1, math.ceil(total / size))
    args = flask.request.args.to_dict()

    def url(p: int) -> str:
        return f"{flask.request.path}?{urlencode({**args, 'page': p, 'page_size': size})}"

    return {"pages": pages, "links": {"self": url(page), "next": url(page + 1) if page < pages else None,
                                      "prev": url(page - 1) if 1 < page <= pages else None}}


def _link_header(links: dict) -> str:
    return ", ".join(f'<{links[rel]}>; rel="{rel}"' for rel in ("next", "prev") if links.get(rel))


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def install(server: flask.Flask, get_settings: Callable[[], Settings], get_warehouse: Callable[[], Warehouse]) -> None:
    """The API's routes on ``server``; settings and warehouse are looked up per request (the app may be
    reconfigured, and a new ETL run publishes a new snapshot)."""
    # hexagon tables by (warehouse snapshot, area, request): a paginating client asks for the same table once
    # per page, and suppression must be decided on the whole table, never one page
    tables = server.extensions["taxmap_api_tables"] = Memo(16)
    store = server.extensions["taxmap_store"]

    def caller():
        """The user the request acts for: a system's bearer token, else the signed-in session."""
        header = flask.request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "unauthorized", "use `Authorization: Bearer <token>` (taxmap api add)")
            user = tokens.user_for_token(store, token.strip(), "system", flask.request.remote_addr, audit_use=False)
            if user is None:
                raise ApiError(401, "unauthorized", "the token is unknown, revoked or expired")
            return user
        if current_user.is_authenticated:
            user = current_user.user
            if user.role not in SESSION_ROLES:
                raise ApiError(403, "forbidden", f"the API is for systems, analysts and leaders, not {user.role}")
            if user.must_change_password:
                raise ApiError(403, "forbidden", "change your password first")
            return user
        raise ApiError(401, "unauthorized", "a bearer token is required (taxmap api add)")

    def record(user, action: str, target: str, detail: str) -> None:
        with store.begin() as conn:
            audit_log.record(conn, user.username, action, target[:256], "ok", detail, flask.request.remote_addr)

    def area(args, user, wh: Warehouse) -> data.Scope:
        scope = auth.scope_of(user, wh)
        asked = _list(args, "area")
        if not asked:
            return scope
        allowed = scope.street_codes
        known = {r["street_code"] for r in wh.query("select street_code from stg_streets")}
        outside = [c for c in asked if (allowed is not None and c not in allowed) or c not in known]
        if outside:
            if allowed is None:
                raise _bad("area", f"unknown street code(s) {', '.join(outside)}")
            # the same answer for "not yours" and "not there": the API does not reveal other areas
            raise ApiError(403, "forbidden", f"street code(s) {', '.join(outside)} are outside your area")
        return scope.narrow(data.Scope(frozenset(asked)))

    def period(args) -> tuple[str, str] | None:
        try:  # the form here; whether the warehouse holds the months, when the table is built
            return analysis.check_period(analysis.parse_period(args.get("period")))
        except ValueError as exc:
            raise _bad("period", f"{exc} (period is FROM:TO in months, e.g. 2026-01:2026-06)") from exc

    def common(args, extra: tuple[str, ...]):
        """What both hexagon endpoints take: the caller, settings, warehouse, resolution, format, lang,
        paging, area and taxpayer filters."""
        _check_params(args, ("res", "area", "format", "page", "page_size", "lang", *LIST_FILTERS, *extra))
        user = caller()
        settings, wh = get_settings(), get_warehouse()
        res = _int(args, "res", 8, hexes.RESOLUTIONS[0], hexes.RESOLUTIONS[-1])
        # given, a choice must be one of its values (an empty one too); absent, the default
        fmt = args.get("format", "geojson" if "geo+json" in flask.request.headers.get("Accept", "") else "json")
        if fmt not in FORMATS:
            raise _bad("format", f"format is one of {', '.join(FORMATS)}")
        lang = args.get("lang", "zh")
        if lang not in ("zh", "en"):
            raise _bad("lang", "lang is zh or en")
        page = _int(args, "page", 1, 1, 10**6)
        size = _int(args, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        scope = area(args, user, wh)
        chosen = {field: _list(args, name) for name, field in LIST_FILTERS.items()}
        try:
            filters = analysis.make_filters(wh, **chosen)
        except ValueError as exc:  # a value the warehouse does not hold would silently match nothing
            name = next((n for n, f in LIST_FILTERS.items() if str(exc).startswith(analysis.FILTER_KEYS[f])), "industry")
            raise _bad(name, str(exc)) from exc
        return user, settings, wh, res, fmt, lang, page, size, scope, filters

    def cells_response(user, table: analysis.HexTable, scope, fmt: str, lang: str, page: int, size: int,
                       target: str, detail: str, extra_meta: dict):
        """One page of ``table`` as JSON or GeoJSON, with paging links, audited with its rows."""
        total = len(table.rows)
        items = table.rows[(page - 1) * size: page * size]
        meta = {
            "run": {"run_id": table.run_id, "finished_at": _iso(table.data_time)}, **extra_meta,
            "res": table.res, "area": sorted(scope.street_codes) if scope.street_codes is not None else None,
            "columns": table.columns,
            "disclosure": {"k": table.k, "rule": table.rule(lang)},
            "page": page, "page_size": size, "total": total, **_page_links(total, page, size),
        }
        record(user, "export.api", f"{target} r{table.res} page {page}",
               f"rows={len(items)} total={total} res={table.res} format={fmt} k={table.k} "
               f"area={','.join(meta['area']) if meta['area'] else 'all'} {detail}"
               + "".join(f" {n}={','.join(v)}" for n in LIST_FILTERS if (v := _list(flask.request.args, n))))
        if fmt == "geojson":
            body = {"type": "FeatureCollection", "taxmap": meta,
                    "features": [{"type": "Feature", "id": r["h3"],
                                  "geometry": {"type": "Polygon", "coordinates": [hexes.cell_polygon(r["h3"])]},
                                  "properties": r} for r in items]}
            response = flask.Response(flask.json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")
        else:
            response = flask.jsonify({**meta, "items": items})
        if link := _link_header(meta["links"]):
            response.headers["Link"] = link
        return response

    def hex_stats():
        args = flask.request.args
        user, settings, wh, res, fmt, lang, page, size, scope, filters = common(args, ("metrics", "period"))
        metrics = _list(args, "metrics") or analysis.METRICS
        unknown = [m for m in metrics if m not in analysis.METRICS]
        if unknown:
            raise _bad("metrics", f"unknown metric(s) {', '.join(unknown)}; one of {', '.join(analysis.METRICS)}")
        metrics = tuple(m for m in analysis.METRICS if m in metrics)
        months = period(args)
        key = ("stats", str(wh.path), wh.identity(), scope, res, metrics, filters, months, settings.disclosure_k)
        try:
            table = tables.get(key, lambda: analysis.hex_table(wh, scope, res, metrics=metrics, filters=filters,
                                                               k=settings.disclosure_k, period=months))
        except ValueError as exc:  # what only the warehouse can tell: e.g. months it does not hold
            raise _bad("period" if str(exc).startswith("period") else "res", str(exc)) from exc
        return cells_response(user, table, scope, fmt, lang, page, size, "hex-stats",
                              f"metrics={','.join(metrics)}" + (f" period={months[0]}:{months[1]}" if months else ""),
                              {"metrics": list(metrics)})

    def hex_changes():
        args = flask.request.args
        user, settings, wh, res, fmt, lang, page, size, scope, filters = common(args, ("from", "to"))
        base, run = (args.get("from") or "").strip(), (args.get("to") or "").strip() or None
        if not base:
            raise _bad("from", "from is the base run's id (GET /api/v1/runs lists them; `comparable` ones)")
        key = ("changes", str(wh.path), wh.identity(), scope, res, base, run, filters, settings.disclosure_k)
        try:
            table = tables.get(key, lambda: analysis.change_table(wh, scope, res, base, run, filters=filters,
                                                                  k=settings.disclosure_k))
        except ValueError as exc:  # a run the warehouse does not keep
            raise _bad("to" if str(exc).startswith("compared") else "from", str(exc)) from exc
        return cells_response(user, table, scope, fmt, lang, page, size, "hex-changes",
                              f"from={table.base_run} to={table.run_id}",
                              {"base_run": {"run_id": table.base_run, "finished_at": _iso(table.base_time)}})

    def runs():
        args = flask.request.args
        _check_params(args, ("page", "page_size"))
        user = caller()
        page = _int(args, "page", 1, 1, 10**6)
        size = _int(args, "page_size", 50, 1, 500)
        settings, wh = get_settings(), get_warehouse()
        scope = auth.scope_of(user, wh)
        rows = wh.query("select * from etl_runs order by finished_at desc")
        where, params = scope.street_filter("street_code")
        try:
            kpis = {r["run_id"]: r for r in wh.query(
                f"""select run_id, sum(taxpayers) as taxpayers, sum(units) as units, sum(linked) as linked,
                           sum(discrepancies) as discrepancies, sum(unregistered) as unregistered,
                           sum(not_found) as not_found, sum(high_risk) as high_risk,
                           sum(tax_paid_12m)::double as tax_paid_12m
                    from etl_run_kpis where {where} group by run_id""", params)}
        except Exception:  # a warehouse from before etl_run_kpis: the runs without their figures
            kpis = {}
        comparable = {r["run_id"] for r in changes.history_runs(wh)}
        items = []
        for r in rows[(page - 1) * size: page * size]:
            k = kpis.get(r["run_id"])
            figures = None
            if k is not None:
                figures = {c: (None if k[c] is None else int(k[c])) for c in
                           ("taxpayers", "units", "linked", "discrepancies", "unregistered", "not_found",
                            "high_risk")}
                small = (figures["taxpayers"] or 0) < settings.disclosure_k
                figures["tax_paid_12m"] = None if small or k["tax_paid_12m"] is None else float(k["tax_paid_12m"])
            items.append({"run_id": r["run_id"], "status": r["status"], "started_at": _iso(r["started_at"]),
                          "finished_at": _iso(r["finished_at"]), "seconds": r["seconds"],
                          "region_name": r["region_name"], "survey_start": _iso(r["survey_start"]),
                          "survey_end": _iso(r["survey_end"]), "taxmap_version": r["taxmap_version"],
                          "rows_staged": dict(r["rows_staged"] or {}), "rows_rejected": dict(r["rows_rejected"] or {}),
                          "comparable": r["run_id"] in comparable, "area_figures": figures})
        record(user, "view.api", f"runs page {page}", f"rows={len(items)} total={len(rows)}")
        meta = {"page": page, "page_size": size, "total": len(rows), **_page_links(len(rows), page, size)}
        response = flask.jsonify({**meta, "items": items})
        if link := _link_header(meta["links"]):
            response.headers["Link"] = link
        return response

    def guarded(view):
        def run():
            try:
                return view()
            except ApiError as exc:
                return exc.response()
            except WarehouseMissing:
                return ApiError(503, "no_warehouse", "no ETL run has published a warehouse yet").response()

        run.__name__ = f"api_{view.__name__}"
        return run

    server.add_url_rule(f"{PREFIX}/hex-stats", view_func=guarded(hex_stats), methods=["GET"])
    server.add_url_rule(f"{PREFIX}/hex-changes", view_func=guarded(hex_changes), methods=["GET"])
    server.add_url_rule(f"{PREFIX}/runs", view_func=guarded(runs), methods=["GET"])

    @server.route(SPEC_PATH)
    def api_openapi():
        from taxmap.api_spec import spec

        return flask.jsonify(spec(get_settings()))

    @server.after_request
    def _api_headers(response):
        if flask.request.path.startswith(PREFIX):
            response.headers["Cache-Control"] = "no-store"
        return response
