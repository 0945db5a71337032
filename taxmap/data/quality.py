"""Data quality of the latest ETL run: row accounting, rejects and quality issues, run history.

``rejects`` and ``quality_issues`` hold the latest run's rows only; ``etl_runs`` carries earlier runs.
``kind`` is ``"rejects"`` or ``"issues"``; table and column names come from ``KINDS``, never from callers.
"""

from __future__ import annotations

from taxmap.warehouse import Warehouse

# kind -> (table, code column, extra columns shown for a row)
KINDS = {
    "rejects": ("rejects", "reason", ("raw",)),
    "issues": ("quality_issues", "issue", ()),
}
SOURCE_ORDER = ["streets", "grids", "taxpayers", "grid_units", "declarations", "officers", "task_results"]
PAGE_SIZE = 50
_BY_SOURCE = "list_position(?, source)"  # the contract's order of sources, bound to SOURCE_ORDER


def _kind(kind: str) -> tuple[str, str, tuple[str, ...]]:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {sorted(KINDS)}")
    return KINDS[kind]


def split_detail(detail: str | None) -> tuple[str, str]:
    """``detail`` is written "中文 / English"; the Chinese half never contains " / "."""
    zh, _, en = (detail or "").partition(" / ")
    return zh, en or zh


def last_run(wh: Warehouse) -> dict | None:
    rows = wh.query(
        """select run_id, started_at, finished_at, status, input_dir, region_name, survey_start, survey_end,
                  seconds, taxmap_version
           from etl_runs order by finished_at desc limit 1""")
    return rows[0] if rows else None


def run_history(wh: Warehouse, limit: int = 20) -> list[dict]:
    """Runs newest first, with their rows summed over sources."""
    return wh.query(
        """select run_id, finished_at, status, region_name, seconds,
                  list_sum(map_values(rows_read)) as rows_read, list_sum(map_values(rows_staged)) as rows_staged,
                  list_sum(map_values(rows_rejected)) as rows_rejected,
                  list_sum(map_values(quality_issues)) as quality_issues
           from etl_runs order by finished_at desc limit ?""",
        [limit],
    )


def source_accounting(wh: Warehouse, run_id: str) -> list[dict]:
    """Per source of the run: file, encoding, the four counts, and whether read = staged + rejected."""
    rows = wh.query(
        f"""select source, file, encoding, rows_read, rows_staged, rows_rejected, quality_issues
            from etl_run_sources where run_id = ? order by {_BY_SOURCE}""",
        [run_id, SOURCE_ORDER],
    )
    for r in rows:
        r["balanced"] = r["rows_read"] == r["rows_staged"] + r["rows_rejected"]
    return rows


def groups(wh: Warehouse, kind: str) -> list[dict]:
    """(source, code) groups with their row count and the code's description in Chinese and English."""
    table, code, _ = _kind(kind)
    rows = wh.query(
        f"""select source, {code} as code, count(*) as n, min(detail) as detail
            from {table} group by source, {code} order by {_BY_SOURCE}, n desc, code""",
        [SOURCE_ORDER],
    )
    for r in rows:
        r["detail_zh"], r["detail_en"] = split_detail(r.pop("detail"))
    return rows


def _where(kind: str, source: str | None, code: str | None) -> tuple[str, list]:
    _, column, _ = _kind(kind)
    clauses, params = ["true"], []
    if source is not None:
        clauses.append("source = ?")
        params.append(source)
    if code is not None:
        clauses.append(f"{column} = ?")
        params.append(code)
    return " and ".join(clauses), params


def rows_page(wh: Warehouse, kind: str, source: str | None = None, code: str | None = None,
              page: int = 0, page_size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """One page (from 0) of a group's rows in file order, and the group's row count."""
    table, column, extra = _kind(kind)
    where, params = _where(kind, source, code)
    total = wh.query(f"select count(*) as n from {table} where {where}", params)[0]["n"]
    cols = ", ".join(["source", "row_number", "record_key", f"{column} as code", "detail", *extra])
    rows = wh.query(
        f"select {cols} from {table} where {where} order by {_BY_SOURCE}, row_number limit ? offset ?",
        [*params, SOURCE_ORDER, page_size, max(page, 0) * page_size],
    )
    return rows, total


def export_rows(wh: Warehouse, kind: str, source: str | None = None, code: str | None = None) -> list[dict]:
    """Every row of the kind (or of one group) for download, with the contract's column names."""
    table, column, extra = _kind(kind)
    where, params = _where(kind, source, code)
    cols = ", ".join(["source", "row_number", "record_key", column, "detail", *[f"{c}::varchar as {c}" for c in extra]])
    return wh.query(f"select {cols} from {table} where {where} order by {_BY_SOURCE}, row_number",
                    [*params, SOURCE_ORDER])


TRAINING_METHODS = ("labels", "em", "shipped")


def linkage_model(wh: Warehouse) -> dict | None:
    """How the latest run's linkage model was trained (``link_model``, the local pass): method
    ('labels', 'em', 'shipped'), labels, the prior's measured recall and the run's warnings.
    None for a warehouse written before link_model recorded it."""
    columns = {r["column_name"] for r in wh.query(
        "select column_name from information_schema.columns where table_name = 'link_model'")}
    if "training_method" not in columns:
        return None
    rows = wh.query("""select training_method, n_labels, prior_recall, warnings, prior, n_scored
                       from link_model where pass = 'local'""")
    return rows[0] if rows else None


def linkage_degraded(info: dict | None) -> bool:
    """The run linked with the shipped parameters, or warned about its training: leaders must be told."""
    return bool(info) and (info["training_method"] == "shipped" or bool(info["warnings"]))
