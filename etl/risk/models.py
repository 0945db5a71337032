"""Python models of the risk stage: which indicators ran, and every indicator that fired.

``risk_indicators`` lists the library (etl/risk/registry.py) with this run's
status: an indicator whose input the bureau did not send is ``skipped`` and
says which input is missing. ``risk_indicator_hits`` gathers the fired rows
of every computed indicator, each with its weight, severity and the reason
rendered in Chinese and English with the taxpayer's own values.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from etl.risk import registry


def risk_indicators(con: duckdb.DuckDBPyConnection) -> pa.Table:
    present = {name: bool(con.execute(sql).fetchone()[0]) for name, (_, _, sql) in registry.NEEDS.items()}
    rows = []
    for ind in registry.indicators():
        missing = [n for n in ind.needs if not present[n]]
        fired = 0 if missing else con.execute(f"select count(*) from {ind.model}").fetchone()[0]
        rows.append({
            "code": ind.code, "portrait": ind.portrait, "portrait_zh": ind.portrait_zh,
            "portrait_en": ind.portrait_en, "name_zh": ind.name_zh, "name_en": ind.name_en,
            "weight": ind.weight, "needs": list(ind.needs), "logic_zh": ind.logic_zh, "logic_en": ind.logic_en,
            "status": "skipped" if missing else "computed", "missing_inputs": missing,
            "missing_zh": "、".join(registry.NEEDS[n][0] for n in missing) or None,
            "n_fired": fired,
        })
    schema = pa.schema([
        ("code", pa.string()), ("portrait", pa.string()), ("portrait_zh", pa.string()),
        ("portrait_en", pa.string()), ("name_zh", pa.string()), ("name_en", pa.string()),
        ("weight", pa.float64()), ("needs", pa.list_(pa.string())), ("logic_zh", pa.string()),
        ("logic_en", pa.string()), ("status", pa.string()), ("missing_inputs", pa.list_(pa.string())),
        ("missing_zh", pa.string()), ("n_fired", pa.int64()),
    ])
    return pa.Table.from_pylist(rows, schema=schema)


def _hits_select(con: duckdb.DuckDBPyConnection, ind: registry.Indicator) -> str:
    columns = [r[0] for r in con.execute(f"describe {ind.model}").fetchall()]
    lacking = [c for c in registry.REQUIRED_COLUMNS if c not in columns]
    unknown = sorted(ind.placeholders() - set(columns))
    if lacking or unknown:
        raise registry.IndicatorError(
            f"{ind.path.name}: the SELECT lacks column(s) {lacking + unknown} (required: "
            f"{', '.join(registry.REQUIRED_COLUMNS)}, plus every column a reason template names)")
    values = ", ".join(f"'{c}', \"{c}\"" for c in columns if c not in ("taxpayer_id", "severity"))
    return f"""
        select taxpayer_id, '{ind.code}' as code, '{ind.portrait}' as portrait,
               {ind.weight}::double as weight,
               least(greatest(severity::double, 0), 1) as severity,
               value::double as value,
               {registry.template_sql(ind.reason_zh)} as reason_zh,
               {registry.template_sql(ind.reason_en)} as reason_en,
               json_object({values}) as "values"
        from {ind.model}"""


def risk_indicator_hits(con: duckdb.DuckDBPyConnection) -> pa.Table:
    computed = {r[0] for r in con.execute("select code from risk_indicators where status = 'computed'").fetchall()}
    selects = [_hits_select(con, ind) for ind in registry.indicators() if ind.code in computed]
    if not selects:
        selects = ["""select null::varchar as taxpayer_id, null::varchar as code, null::varchar as portrait,
                      null::double as weight, null::double as severity, null::double as value,
                      null::varchar as reason_zh, null::varchar as reason_en, null::json as "values"
                   where false"""]
    union = " union all ".join(selects)
    return con.execute(f"""
        select *, round(weight * severity, 6) as contribution
        from ({union})
        order by taxpayer_id, code
    """).to_arrow_table()


def python_models() -> dict:
    """The two models and their dependencies, read from the indicator library as it is now."""
    indicator_models = tuple(i.model for i in registry.indicators())
    return {
        "risk_indicators": (risk_indicators, (*indicator_models, "int_risk_declared", "stg_grid_units", "stg_taxpayers")),
        "risk_indicator_hits": (risk_indicator_hits, ("risk_indicators", *indicator_models)),
    }
