"""What changed per hexagon between two ETL runs: tax sources that came (new registrations located in
the cell), went (no longer registered or located anywhere), moved in or out, and the change in tax paid
over 12 months, mean risk and high-risk count. Read from ``etl_run_taxpayers`` (each run's located
taxpayers, kept for the newest etl.pipeline.TAXPAYER_HISTORY_RUNS runs), so any two kept runs compare.

Disclosure control (docs/analysis.md): each run's cells are suppressed exactly as that run's own table
would be (taxmap.data.disclosure over the complete sibling groups of the area, the area itself at
resolution 7, the complement rule under a taxpayer filter and the shared-cell rule for a table narrowed
to streets); a cell withholds every sensitive figure of both runs and their change
when either run withholds it. Within a sibling group each run withholds no cell or two or more cells
with taxpayers, so their union does too: a parent's published total (or change) minus its published
children never gives one cell's figure."""

from __future__ import annotations

import h3

from taxmap.data import Scope, disclosure, hexes
from taxmap.data.memo import Memo
from taxmap.warehouse import Warehouse

# column: (中文, English, meaning in Chinese); added to analysis.COLUMNS for the exports' headers
CHANGE_COLUMNS: dict[str, tuple[str, str, str]] = {
    "n_new": ("新增税源", "New sources", "对比批次新出现（基准批次中没有）的纳税人户数"),
    "n_gone": ("消失税源", "Disappeared sources", "基准批次中有、对比批次中已没有的纳税人户数"),
    "n_moved_in": ("迁入税源", "Moved in", "两批次均有、对比批次迁入该六边形的纳税人户数"),
    "n_moved_out": ("迁出税源", "Moved out", "两批次均有、对比批次迁出该六边形的纳税人户数"),
    "tax_change": ("实缴税款变化", "Change in tax paid", "对比批次减基准批次（元）；任一批次抑制时为空"),
    "risk_change": ("平均风险分变化", "Change in mean risk", "对比批次减基准批次；任一批次抑制时为空"),
    "n_taxpayers_from": ("基准批次纳税人数", "Taxpayers, base run", "基准批次中位于该六边形的登记纳税人户数"),
    "n_taxpayers_to": ("对比批次纳税人数", "Taxpayers, compared run", "对比批次中位于该六边形的登记纳税人户数"),
    "tax_paid_from": ("基准批次近12个月实缴税款", "Tax paid 12 m, base run",
                      "基准批次近12个申报月实缴税款合计（元）；小区域抑制时为空"),
    "tax_paid_to": ("对比批次近12个月实缴税款", "Tax paid 12 m, compared run",
                    "对比批次近12个申报月实缴税款合计（元）；小区域抑制时为空"),
    "risk_mean_from": ("基准批次平均风险分", "Mean risk, base run", "基准批次纳税人风险分均值；小区域抑制时为空"),
    "risk_mean_to": ("对比批次平均风险分", "Mean risk, compared run", "对比批次纳税人风险分均值；小区域抑制时为空"),
    "n_high_risk_from": ("基准批次高风险户数", "High-risk, base run", "基准批次高风险纳税人户数；小区域抑制时为空"),
    "n_high_risk_to": ("对比批次高风险户数", "High-risk, compared run", "对比批次高风险纳税人户数；小区域抑制时为空"),
}
METRICS = tuple(CHANGE_COLUMNS)
DEFAULT_METRICS = ("n_new", "n_gone", "n_moved_in", "n_moved_out", "tax_change", "risk_change", "n_taxpayers_to")
# withheld where either run withholds the cell
SENSITIVE = ("tax_paid_from", "tax_paid_to", "tax_change", "risk_mean_from", "risk_mean_to", "risk_change",
             "n_high_risk_from", "n_high_risk_to")
DIVERGING = ("tax_change", "risk_change")  # signed: the map colours them on a two-sided scale

_SIDE = """
    select taxpayer_id, h3_10, risk_score, risk_level, tax_paid_12m
    from etl_run_taxpayers as t
    where run_id = ? and {scope} and {filters}
"""

_CHANGES = """
with a as ({side}), b as ({side}),
parents as (select unnest(?::varchar[]) as h3_10, unnest(?::varchar[]) as cell),
j as (
    select pa.cell as cell_a, pb.cell as cell_b, a.tax_paid_12m as tax_a, b.tax_paid_12m as tax_b,
           a.risk_score as risk_a, b.risk_score as risk_b,
           a.risk_level = 'high' as high_a, b.risk_level = 'high' as high_b
    from a full join b using (taxpayer_id)
    left join parents as pa on pa.h3_10 = a.h3_10
    left join parents as pb on pb.h3_10 = b.h3_10
),
side_a as (
    select cell_a as h3, count(*) as n_taxpayers_from,
           count(*) filter (where cell_b is null) as n_gone,
           count(*) filter (where cell_b <> cell_a) as n_moved_out,
           sum(tax_a) as tax_paid_from, round(avg(risk_a), 2) as risk_mean_from,
           count(*) filter (where high_a) as n_high_risk_from
    from j where cell_a is not null group by 1
),
side_b as (
    select cell_b as h3, count(*) as n_taxpayers_to,
           count(*) filter (where cell_a is null) as n_new,
           count(*) filter (where cell_a <> cell_b) as n_moved_in,
           sum(tax_b) as tax_paid_to, round(avg(risk_b), 2) as risk_mean_to,
           count(*) filter (where high_b) as n_high_risk_to
    from j where cell_b is not null group by 1
)
select coalesce(side_a.h3, side_b.h3) as h3, side_a.* exclude (h3), side_b.* exclude (h3)
from side_a full join side_b on side_a.h3 = side_b.h3
order by 1
"""

_COUNTS = """
    select run_id, h3_10, count(*) as n from etl_run_taxpayers as t
    where run_id in (?, ?) and {scope} group by all
"""


def history_runs(wh: Warehouse) -> list[dict]:
    """The runs that can be compared (their taxpayers are kept), newest first: run_id, finished_at."""
    present = wh.query("select count(*) as n from information_schema.tables where table_name = 'etl_run_taxpayers'")
    if not present[0]["n"]:
        return []
    return wh.query(
        """select r.run_id, r.finished_at from etl_runs as r
           where r.run_id in (select distinct run_id from etl_run_taxpayers)
           order by r.finished_at desc""")


def check_runs(wh: Warehouse, base: str, run: str | None) -> tuple[dict, dict]:
    """The base and the compared run (default: the newest) as etl_runs rows; ValueError naming what to
    choose when one is not kept, or both are the same run."""
    kept = {r["run_id"]: r for r in history_runs(wh)}
    if not kept:
        raise ValueError("the warehouse keeps no run history to compare (run taxmap etl again to start one)")
    run = run or next(iter(kept))
    for name, value in (("base run", base), ("compared run", run)):
        if value not in kept:
            raise ValueError(f"{name} {value!r} is not kept in the warehouse; one of {', '.join(kept)}")
    if base == run:
        raise ValueError(f"base run and compared run are both {run}: choose two different runs")
    return kept[base], kept[run]


_latest = Memo(32)  # the command map's changes layer asks again at every pan and zoom


def since_previous(wh: Warehouse, scope: Scope, res: int, filters: hexes.Filters | None = None,
                   k: int | None = disclosure.DEFAULT_K) -> tuple[list[dict], dict, dict] | None:
    """What changed per cell of ``scope`` at ``res`` between the two newest kept runs (rows as
    change_rows, the base run, the compared run), or None while fewer than two runs are kept."""
    runs = history_runs(wh)
    if len(runs) < 2:
        return None
    base, run = runs[1], runs[0]
    filters = filters or hexes.Filters()
    rows = _latest.get((str(wh.path), wh.identity(), scope, res, filters, k),
                       lambda: change_rows(wh, scope, res, base["run_id"], run["run_id"], filters, k))
    return rows, base, run


def change_rows(wh: Warehouse, scope: Scope, res: int, base: str, run: str,
                filters: hexes.Filters | None = None, k: int | None = disclosure.DEFAULT_K) -> list[dict]:
    """One row per cell at ``res`` holding a taxpayer of the scope in either run: CHANGE_COLUMNS and
    ``suppressed`` (with ``k``; None for a caller who may see single taxpayers). ``filters``: the
    taxpayers counted in each run are those matching them in that run."""
    if res not in hexes.RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(map(str, hexes.RESOLUTIONS))}")
    filters = filters or hexes.Filters()
    scope_sql, scope_params = scope.area_filter("t.")
    filter_sql, filter_params = filters.taxpayer_sql("t")
    counts = wh.query(_COUNTS.format(scope=scope_sql), [base, run, *scope_params])
    fine = sorted({r["h3_10"] for r in counts})
    coarse = [h3.cell_to_parent(c, res) for c in fine]
    side_params = [*scope_params, *filter_params]
    rows = wh.query(_CHANGES.format(side=_SIDE.format(scope=scope_sql, filters=filter_sql)),
                    [base, *side_params, run, *side_params, fine, coarse])
    declared = {r["run_id"]: r["declared"] for r in wh.query(
        """select run_id, count(tax_paid_12m) > 0 as declared from etl_run_taxpayers
           where run_id in (?, ?) group by 1""", [base, run])}
    out = [_row(r, declared.get(base, False), declared.get(run, False)) for r in rows]
    if k is None:
        return out
    also_from, also_to = set(), set()
    if scope.street_codes is not None:  # narrowed to streets: cells shared with a street holding few, per run
        also_from, also_to = (_split(wh, run_id, res, filters, k) for run_id in (base, run))
    if filters.on_taxpayers:  # a filtered cell whose complement holds fewer than k taxpayers, per run
        everyone: dict[tuple[str, str], int] = {}
        for r in counts:
            key = (r["run_id"], h3.cell_to_parent(r["h3_10"], res))
            everyone[key] = everyone.get(key, 0) + r["n"]
        also_from |= {r["h3"] for r in out if 0 < everyone.get((base, r["h3"]), 0) - r["n_taxpayers_from"] < k}
        also_to |= {r["h3"] for r in out if 0 < everyone.get((run, r["h3"]), 0) - r["n_taxpayers_to"] < k}
    withheld_from = _withheld(out, "from", res, k, also_from)
    withheld_to = _withheld(out, "to", res, k, also_to)
    for r in out:
        marks = {withheld_from.get(r["h3"]), withheld_to.get(r["h3"])} - {None}
        r["suppressed"] = "primary" if "primary" in marks else "secondary" if marks else None
        if marks:
            for c in SENSITIVE:
                r[c] = None
    return out


def _split(wh: Warehouse, run_id: str, res: int, filters: hexes.Filters, k: int) -> set[str]:
    """The run's cells at ``res`` that a table narrowed to streets withholds (disclosure.split_cells)."""
    filter_sql, filter_params = filters.taxpayer_sql("t")
    counts = wh.query(f"""select h3_10, street_code, count(*) as n from etl_run_taxpayers as t
                          where run_id = ? and {filter_sql} group by all""", [run_id, *filter_params])
    return disclosure.split_cells(
        ((h3.cell_to_parent(r["h3_10"], res), r["street_code"], r["n"]) for r in counts), k)


def _row(r: dict, declared_from: bool, declared_to: bool) -> dict:
    row = {"h3": r["h3"]}
    for c in ("n_taxpayers_from", "n_taxpayers_to", "n_new", "n_gone", "n_moved_in", "n_moved_out",
              "n_high_risk_from", "n_high_risk_to"):
        row[c] = int(r.get(c) or 0)
    for side, declared in (("from", declared_from), ("to", declared_to)):
        tax = r.get(f"tax_paid_{side}")
        # a cell without taxpayers in a run paid nothing then; unknown when that run had no declarations
        row[f"tax_paid_{side}"] = float(tax) if tax is not None else (0.0 if declared else None)
        risk = r.get(f"risk_mean_{side}")
        row[f"risk_mean_{side}"] = None if risk is None else float(risk)
    row["tax_change"] = _difference(row["tax_paid_to"], row["tax_paid_from"], 2)
    row["risk_change"] = _difference(row["risk_mean_to"], row["risk_mean_from"], 2)
    return {c: row[c] for c in ("h3", *CHANGE_COLUMNS)}


def _difference(to, from_, digits: int):
    return None if to is None or from_ is None else round(to - from_, digits)


def _withheld(rows: list[dict], side: str, res: int, k: int, also: set[str]) -> dict[str, str | None]:
    """Which cells one run withholds, and why, as its own table would (disclosure.suppress over every
    cell of the area holding its taxpayers)."""
    held = [{"h3": r["h3"], "n_taxpayers": r[f"n_taxpayers_{side}"], "tax_paid_12m": r[f"tax_paid_{side}"]}
            for r in rows if r[f"n_taxpayers_{side}"]]
    return {r["h3"]: r["suppressed"] for r in disclosure.suppress(held, res, k, also, res == hexes.RESOLUTIONS[0])}
