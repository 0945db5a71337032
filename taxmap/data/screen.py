"""What the big screen (/screen) shows, scoped like every read: the headline numbers, the street
ranking, the trends over ETL runs and over the last twelve declared months, and the task figures.

The warehouse part changes only when a new run is published, so it is cached per (snapshot, scope);
the task part is read from the store at most once per ``TASK_TTL`` seconds per scope, however many
screens refresh (bench/screen_load.py)."""

from __future__ import annotations

import threading
import time

from dispatch import tasks as T
from taxmap.data import Scope, overview
from taxmap.warehouse import Warehouse

TASK_TTL = 2.0
_cache: dict = {}
_lock = threading.Lock()


def _cached(key, ttl: float | None, compute):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and (ttl is None or now - hit[0] < ttl):
            return hit[1]
    value = compute()
    with _lock:
        if len(_cache) > 512:
            _cache.clear()
        _cache[key] = (now, value)
    return value


def _scope_key(scope: Scope) -> tuple:
    return (tuple(sorted(scope.street_codes)) if scope.street_codes is not None else None,
            tuple(sorted(scope.grid_codes)) if scope.grid_codes is not None else None)


def warehouse_figures(wh: Warehouse, scope: Scope) -> dict:
    """Headline numbers, street ranking and trends of the newest snapshot (cached per snapshot)."""
    return _cached(("wh", wh.identity(), _scope_key(scope)), None, lambda: _warehouse_figures(wh, scope))


def _warehouse_figures(wh: Warehouse, scope: Scope) -> dict:
    where, params = scope.area_filter()
    run = wh.query("select run_id, finished_at, region_name from etl_runs order by finished_at desc limit 1")[0]
    head = overview(wh, scope)
    head["survey_time"] = wh.query(f"select max(collected_at) as t from stg_grid_units where {where}", params)[0]["t"]
    # "this week": discrepancies at units the grid workers recorded in the 7 days up to the newest record
    week = wh.query(
        f"""select count(*) as n from discrepancies d join stg_grid_units u using (record_id)
            where u.collected_at > ?::timestamp - interval 7 day and {scope.area_filter('d.')[0]}""",
        [head["survey_time"], *scope.area_filter("d.")[1]])[0]["n"] if head["survey_time"] else 0
    one_street = scope.street_codes is not None and len(scope.street_codes) == 1
    if one_street:  # a street's screen ranks its grids
        ranking = wh.query(
            """select g.grid_code as code, g.grid_name as name, count(r.taxpayer_id) as high_risk
               from stg_grids g left join taxpayer_risk r on r.grid_code = g.grid_code and r.risk_level = 'high'
               where g.street_code = ? group by all order by high_risk desc, code limit 10""",
            [next(iter(scope.street_codes))])
    else:
        ranking = wh.query(
            f"""select s.street_code as code, s.street_name as name, coalesce(r.n_high, 0) as high_risk
                from stg_streets s left join risk_street_summary r using (street_code)
                where {scope.street_filter('s.street_code')[0]} order by high_risk desc, code""",
            scope.street_filter("s.street_code")[1])
    months = wh.query(
        f"""select period, sum(tax_paid)::double as tax_paid from street_tax_monthly where {scope.street_filter()[0]}
            group by period order by period desc limit 12""", scope.street_filter()[1])[::-1]
    runs = wh.query(
        f"""select k.run_id, r.finished_at, sum(k.taxpayers) as taxpayers, sum(k.linked) as linked,
                   sum(k.units) as units, sum(k.discrepancies) as discrepancies, sum(k.high_risk) as high_risk
            from etl_run_kpis k join etl_runs r using (run_id) where {scope.street_filter('k.street_code')[0]}
            group by k.run_id, r.finished_at order by r.finished_at desc limit 12""",
        scope.street_filter("k.street_code")[1])[::-1]
    return {
        "run_id": run["run_id"], "data_time": run["finished_at"], "region_name": run["region_name"] or "",
        "survey_time": head["survey_time"], "taxpayers": head["taxpayers"], "units": head["units"],
        "linked": head["linked"], "linked_share": head["linked"] / head["units"] if head["units"] else None,
        "high_risk": head["high_risk"], "new_discrepancies_week": week, "ranking": ranking,
        "ranking_level": "grid" if one_street else "street",
        "months": months, "runs": runs,
    }


def task_figures(store, scope: Scope) -> dict:
    """Open and overdue tasks, the closed-loop rate and the newest events of the scope's streets (the
    store is read at most every TASK_TTL seconds per scope)."""
    streets = frozenset(scope.street_codes) if scope.street_codes is not None else None

    def compute() -> dict:
        summary = T.summary(store, streets)
        events = T.recent_events(store, streets, limit=12)
        latest = max((e["at"] for e in events), default=None)
        return {"open": summary["open"], "overdue": summary["overdue"], "closed_rate": summary["closed_rate"],
                "total": summary["total"], "events": events, "latest_event": latest}

    return _cached(("tasks", id(store), _scope_key(scope)), TASK_TTL, compute)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
