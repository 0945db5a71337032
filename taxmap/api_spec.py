"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json; docs/api.md). Built from
the same lists the API checks against (metrics, resolutions, formats), so the two cannot drift."""

from __future__ import annotations

import taxmap
from taxmap.data import analysis, changes, hexes
from taxmap.settings import Settings

NUMBER_OR_NULL = {"type": ["number", "null"]}


def _param(name: str, description: str, schema: dict, example=None) -> dict:
    p = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        p["example"] = example
    return p


PAGE = _param("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1})


def _page_size(default: int, maximum: int) -> dict:
    return _param("page_size", f"Rows per page (at most {maximum}).",
                  {"type": "integer", "minimum": 1, "maximum": maximum, "default": default})


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


ERRORS = {
    "400": _error("A parameter is wrong; `error.parameter` names it and `error.message` says what to send."),
    "401": _error("No token, or a token that is unknown, revoked or expired."),
    "403": _error("The caller may not use the API, or asked for an area outside its own."),
    "503": _error("No ETL run has published a warehouse yet."),
}
LINKS = {"type": "object", "required": ["self", "next", "prev"], "properties": {
    "self": {"type": "string"}, "next": {"type": ["string", "null"]}, "prev": {"type": ["string", "null"]}}}
PAGING = {"page": {"type": "integer"}, "page_size": {"type": "integer"}, "total": {"type": "integer"},
          "pages": {"type": "integer"}, "links": LINKS}


def _metric_schema(metric: str) -> dict:
    zh, en, meaning = analysis.COLUMNS[metric]
    counts = metric.startswith("n_")
    return {"type": ["integer", "null"] if counts else ["number", "null"], "description": f"{zh} · {en}: {meaning}"}


SUPPRESSED = {"type": ["string", "null"], "enum": ["primary", "secondary", None],
              "description": "primary: fewer than k taxpayers; secondary: withheld so a parent total "
                             "cannot give a primary cell back; null: published"}


def _cell(metrics: list[str]) -> dict:
    return {"type": "object", "required": ["h3", "res", "lng", "lat", "suppressed"], "properties": {
        "h3": {"type": "string", "description": "H3 cell index"},
        "res": {"type": "integer", "enum": list(hexes.RESOLUTIONS)},
        "lng": {"type": "number"}, "lat": {"type": "number"},
        **{m: _metric_schema(m) for m in metrics},
        "suppressed": SUPPRESSED,
    }}


RUN_REF = {"type": "object", "properties": {"run_id": {"type": ["string", "null"]},
                                            "finished_at": {"type": ["string", "null"]}}}


def _meta(extra: dict) -> dict:
    return {
        "run": RUN_REF, **extra,
        "res": {"type": "integer"}, "area": {"type": ["array", "null"], "items": {"type": "string"}},
        "columns": {"type": "array", "items": {"type": "string"}},
        "disclosure": {"type": "object", "required": ["k", "rule"],
                       "properties": {"k": {"type": "integer"}, "rule": {"type": "string"}}},
        **PAGING,
    }


def _cells_ok(description: str, cell: dict, meta: dict) -> dict:
    return {"description": description, "headers": {"Link": {"schema": {"type": "string"}}}, "content": {
        "application/json": {"schema": {"type": "object", "required": [
            "run", "res", "disclosure", "page", "total", "links", "items"],
            "properties": {**meta, "items": {"type": "array", "items": cell}}}},
        "application/geo+json": {"schema": {"type": "object", "required": ["type", "features", "taxmap"], "properties": {
            "type": {"const": "FeatureCollection"}, "taxmap": {"type": "object", "properties": meta},
            "features": {"type": "array", "items": {"type": "object", "properties": {
                "type": {"const": "Feature"}, "id": {"type": "string"},
                "geometry": {"type": "object"}, "properties": cell}}}}}},
    }}


def _common_params() -> list[dict]:
    """What both hexagon endpoints take (taxmap/api.py common())."""
    return [
        _param("res", "H3 resolution.", {"type": "integer", "enum": list(hexes.RESOLUTIONS), "default": 8}),
        _param("area", "Comma-separated street codes within the caller's area; empty: the caller's whole area.",
               {"type": "string"}),
        _param("format", "json (default) or geojson (also chosen by `Accept: application/geo+json`).",
               {"type": "string", "enum": ["json", "geojson"]}),
        _param("industry", "Comma-separated industry categories (taxpayer-side metrics follow them).",
               {"type": "string"}),
        _param("type", "Comma-separated taxpayer types.", {"type": "string"}),
        _param("credit", "Comma-separated credit ratings (A, B, C, D, M; `unrated` for none).", {"type": "string"}),
        _param("lang", "Language of the disclosure rule text.", {"type": "string", "enum": ["zh", "en"]}),
        PAGE, _page_size(1000, 5000),
    ]


def spec(settings: Settings) -> dict:
    metrics = list(analysis.METRICS)
    cell = _cell([*metrics, "tax_paid_period"])  # with a period, tax_paid_12m comes as tax_paid_period
    meta = _meta({"metrics": {"type": "array", "items": {"type": "string", "enum": metrics}}})
    stats_params = [
        *_common_params(),
        _param("metrics", "Comma-separated metrics; empty: all. One or more of: " + ", ".join(metrics) + ".",
               {"type": "string"}, "n_taxpayers,tax_paid_12m"),
        _param("period", "Declaration months FROM:TO (YYYY-MM:YYYY-MM): tax paid over those months instead of "
                         "the last twelve (also when empty).", {"type": "string", "pattern": r"^(\d{4}-\d{2}(:\d{4}-\d{2})?)?$"},
               "2026-01:2026-06"),
    ]
    change_params = [
        {**_param("from", "The base run's id (GET /api/v1/runs: the runs with `comparable` true).",
                  {"type": "string", "minLength": 1}), "required": True},
        _param("to", "The compared run's id; empty: the newest run.", {"type": "string"}),
        *_common_params(),
    ]
    change_cell = _cell(list(changes.METRICS))
    change_meta = _meta({"base_run": RUN_REF})
    run = {"type": "object", "properties": {
        "run_id": {"type": "string"}, "status": {"type": "string"},
        "started_at": {"type": ["string", "null"]}, "finished_at": {"type": ["string", "null"]},
        "seconds": NUMBER_OR_NULL, "region_name": {"type": ["string", "null"]},
        "survey_start": {"type": ["string", "null"]}, "survey_end": {"type": ["string", "null"]},
        "taxmap_version": {"type": ["string", "null"]},
        "rows_staged": {"type": "object", "additionalProperties": {"type": "integer"}},
        "rows_rejected": {"type": "object", "additionalProperties": {"type": "integer"}},
        "comparable": {"type": "boolean", "description": "Its taxpayers are kept: usable as `from` or `to` of "
                                                         "/api/v1/hex-changes."},
        "area_figures": {"type": ["object", "null"], "description": "The run's figures over the caller's area; "
                         "tax paid withheld when it covers fewer than k taxpayers.",
                         "properties": {**{c: {"type": ["integer", "null"]} for c in (
                             "taxpayers", "units", "linked", "discrepancies", "unregistered", "not_found",
                             "high_risk")}, "tax_paid_12m": NUMBER_OR_NULL}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "taxmap read API",
            "version": taxmap.__version__,
            "description": (
                "Hexagon statistics of the tax-source map for other systems. Every answer covers the caller's "
                f"area only and is under small-cell suppression (k = {settings.disclosure_k}): no figure reveals "
                "a single taxpayer. Every call is audited. Tokens: `taxmap api add NAME [--streets ...]`."),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/v1/hex-stats": {"get": {
                "operationId": "hexStats", "summary": "Statistics per H3 cell of the caller's area",
                "parameters": stats_params,
                "responses": {"200": _cells_ok("One page of cells, ordered by H3 index; `Link` has next/prev.",
                                               cell, meta), **ERRORS},
            }},
            "/api/v1/hex-changes": {"get": {
                "operationId": "hexChanges",
                "summary": "What changed per H3 cell between two ETL runs: new, disappeared and moved tax sources, "
                           "change in tax paid and risk",
                "parameters": change_params,
                "responses": {"200": _cells_ok("One page of cells holding a taxpayer in either run, ordered by H3 "
                                               "index; a cell withheld in either run withholds every tax and risk "
                                               "figure.", change_cell, change_meta), **ERRORS},
            }},
            "/api/v1/runs": {"get": {
                "operationId": "runs", "summary": "ETL runs, newest first, with their figures over the caller's area",
                "parameters": [PAGE, _page_size(50, 500)],
                "responses": {
                    "200": {"description": "One page of runs.", "headers": {"Link": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["page", "total", "links", "items"],
                                "properties": {**PAGING, "items": {"type": "array", "items": run}}}}}},
                    **{c: ERRORS[c] for c in ("400", "401", "403", "503")},
                },
            }},
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A system's token from `taxmap api add` (shown once)."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "A signed-in analyst's or leader's browser session."},
            },
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "parameter": {"type": "string"}}}}}},
        },
    }
