"""Hexagon statistics for the map: the cells in a viewport at a resolution, with every metric a layer
can show, and what one cell holds (for the side panel).

Unfiltered views of the whole region read ``hex_stats`` (precomputed by the ETL); a street scope or a
filter on taxpayers aggregates the staged rows on the fly with the same definitions, so both paths
give the same numbers (tested).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import h3

from taxmap.data import disclosure
from taxmap.data import Scope
from taxmap.warehouse import Warehouse

RESOLUTIONS = (7, 8, 9, 10)
METRICS = ("n_taxpayers", "n_units", "linked_share", "tax_paid_12m", "risk_mean", "n_high_risk",
           "n_unregistered", "n_not_found", "n_address_mismatch", "n_status_conflict")
COUNTS = ("n_taxpayers", "n_units", "n_linked", "n_unregistered", "n_not_found", "n_address_mismatch",
          "n_status_conflict", "n_high_risk")
DISCREPANCY_KINDS = ("unregistered", "not_found", "address_mismatch", "status_conflict")
RISK_LEVELS = ("high", "medium", "low")
MAX_CELLS = 1500  # above this many cells in view, the caller uses a coarser resolution


def resolution_for_zoom(zoom: float | None) -> int:
    """H3 resolution for a Leaflet zoom: a full-HD map shows a few hundred to about a thousand cells
    (bench/map_latency.py measures it), each 15–60 px across."""
    if zoom is None or zoom < 11:
        return 7
    if zoom < 14:
        return 8
    if zoom < 16:
        return 9
    return 10


@dataclass(frozen=True)
class Filters:
    """Filters on taxpayers (the taxpayer-side metrics follow them) and on discrepancy kinds."""

    industry: tuple[str, ...] = ()  # industry categories (制造, 批发 …)
    taxpayer_type: tuple[str, ...] = ()
    entity_type: tuple[str, ...] = ()
    credit_rating: tuple[str, ...] = ()  # "" stands for unrated
    status: tuple[str, ...] = ()
    risk_level: tuple[str, ...] = ()
    discrepancy_kind: tuple[str, ...] = ()

    @property
    def on_taxpayers(self) -> bool:
        return any((self.industry, self.taxpayer_type, self.entity_type, self.credit_rating, self.status,
                    self.risk_level))

    @classmethod
    def from_dict(cls, values: dict | None) -> Filters:
        values = values or {}
        return cls(**{k: tuple(sorted(str(v) for v in (values.get(k) or ()))) for k in cls.__dataclass_fields__})

    def taxpayer_sql(self, alias: str = "t") -> tuple[str, list]:
        clauses, params = [], []
        for column, chosen in (("category", self.industry), ("taxpayer_type", self.taxpayer_type),
                               ("entity_type", self.entity_type), ("status", self.status),
                               ("risk_level", self.risk_level)):
            if chosen:
                clauses.append(f"{alias}.{column} in (select unnest(?))")
                params.append(list(chosen))
        if self.credit_rating:
            clauses.append(f"coalesce({alias}.credit_rating, '') in (select unnest(?))")
            params.append(list(self.credit_rating))
        return (" and ".join(clauses) or "true"), params


@dataclass
class _CellIndex:
    """The cells of hex_stats per resolution with their centres, for one warehouse snapshot."""

    identity: object = None
    cells: dict[int, tuple[list[str], list[float], list[float]]] = field(default_factory=dict)


_index = _CellIndex()
_index_lock = threading.Lock()


def _cells_of(wh: Warehouse, res: int) -> tuple[list[str], list[float], list[float]]:
    identity = wh.identity()
    with _index_lock:
        if _index.identity != identity:
            _index.identity, _index.cells = identity, {}
        if res not in _index.cells:
            cells = [r["h3"] for r in wh.query("select h3 from hex_stats where res = ? order by h3", [res])]
            centres = [h3.cell_to_latlng(c) for c in cells]
            _index.cells[res] = (cells, [c[0] for c in centres], [c[1] for c in centres])
        return _index.cells[res]


def cells_in_view(wh: Warehouse, res: int, bounds: list[list[float]] | None) -> list[str]:
    """Cells of ``res`` whose centre lies in ``bounds`` ([[south, west], [north, east]]) widened by one
    cell, so hexagons cut by the edge of the screen are drawn too."""
    cells, lats, lngs = _cells_of(wh, res)
    if bounds is None:
        return list(cells)
    (south, west), (north, east) = bounds
    pad = h3.average_hexagon_edge_length(res, unit="km") / 111.0 * 2
    return [c for c, lat, lng in zip(cells, lats, lngs, strict=True)
            if south - pad <= lat <= north + pad and west - pad <= lng <= east + pad]


TAXPAYER_SIDE = """
    select
        h3_{res} as h3,
        count(*) as n_taxpayers,
        count(*) filter (where not_found) as n_not_found,
        count(*) filter (where risk_level = 'high') as n_high_risk,
        round(avg(risk_score), 2) as risk_mean,
        sum(tax_paid_12m) as tax_paid_12m
    from map_taxpayers as t
    where {scope} and {filters} and h3_{res} in (select unnest(?))
    group by 1
"""

# tax paid in a chosen span of declared months (fct_taxpayer_monthly, the last 24), by the same taxpayers
PERIOD_SIDE = """
    select
        h3_{res} as h3,
        sum(m.tax_paid) as tax_paid_period
    from map_taxpayers as t
    join fct_taxpayer_monthly as m using (taxpayer_id)
    where {scope} and {filters} and m.period between ? and ? and h3_{res} in (select unnest(?))
    group by 1
"""

UNIT_SIDE = """
    select
        h3_{res} as h3,
        count(*) as n_units,
        count(*) filter (where linked) as n_linked,
        count(*) filter (where unregistered) as n_unregistered,
        count(*) filter (where address_mismatch) as n_address_mismatch,
        count(*) filter (where status_conflict) as n_status_conflict
    from map_units as u
    where {scope} and h3_{res} in (select unnest(?))
    group by 1
"""


def _derived(row: dict) -> dict:
    for c in COUNTS:
        row[c] = int(row.get(c) or 0)
    for c in ("risk_mean", "tax_paid_12m"):  # DECIMAL sums arrive as Decimal: JSON wants numbers
        row[c] = None if row.get(c) is None else float(row[c])
    if "tax_paid_period" in row:
        row["tax_paid_period"] = None if row["tax_paid_period"] is None else float(row["tax_paid_period"])
    row["linked_share"] = round(row["n_linked"] / row["n_units"], 4) if row["n_units"] else None
    return row


def hex_cells(wh: Warehouse, scope: Scope, res: int, bounds: list[list[float]] | None,
              filters: Filters | None = None, period: tuple[str, str] | None = None) -> list[dict]:
    """One dict per cell in view that holds a taxpayer or a unit of the scope: h3 and every metric;
    with ``period`` (first, last declared month 'YYYY-MM', checked by the caller: see
    taxmap.data.analysis.check_period) also ``tax_paid_period``, the tax its taxpayers paid then."""
    if res not in RESOLUTIONS:
        raise ValueError(f"resolution {res} is not one of {RESOLUTIONS}")
    return _cell_rows(wh, scope, res, cells_in_view(wh, res, bounds), filters or Filters(), period)


def cells_for_zoom(wh: Warehouse, scope: Scope, zoom: float | None, bounds: list[list[float]] | None,
                   filters: Filters | None = None) -> tuple[int, list[dict]]:
    """The resolution the zoom asks for, made coarser while the view would hold more than MAX_CELLS
    cells, and the rows of ``hex_cells`` at it (the cells in view are found once)."""
    res = resolution_for_zoom(zoom)
    cells = cells_in_view(wh, res, bounds)
    while res > RESOLUTIONS[0] and len(cells) > MAX_CELLS:
        res -= 1
        cells = cells_in_view(wh, res, bounds)
    return res, _cell_rows(wh, scope, res, cells, filters or Filters())


def _cell_rows(wh: Warehouse, scope: Scope, res: int, cells: list[str], filters: Filters,
               period: tuple[str, str] | None = None) -> list[dict]:
    rows = _cell_rows_12m(wh, scope, res, cells, filters)
    if period is None or not rows:
        return rows
    declared = wh.query("select count(*) > 0 as present from fct_taxpayer_declarations")[0]["present"]
    taxpayer_scope, scope_params = scope.area_filter("t.")
    filter_sql, filter_params = filters.taxpayer_sql("t")
    sums = {r["h3"]: r["tax_paid_period"] for r in wh.query(
        PERIOD_SIDE.format(res=res, scope=taxpayer_scope, filters=filter_sql),
        scope_params + filter_params + [period[0], period[1], [r["h3"] for r in rows]])}
    for row in rows:  # as tax_paid_12m: 0 for a cell without declarations, unknown when none were sent
        row["tax_paid_period"] = float(sums.get(row["h3"]) or 0) if declared else None
    return rows


def _cell_rows_12m(wh: Warehouse, scope: Scope, res: int, cells: list[str], filters: Filters) -> list[dict]:
    if not cells:
        return []
    if scope.street_codes is None and scope.grid_codes is None and not filters.on_taxpayers:
        rows = wh.query(
            """select h3, n_taxpayers, n_units, n_linked, n_unregistered, n_not_found, n_address_mismatch,
                      n_status_conflict, n_high_risk, risk_mean, tax_paid_12m
               from hex_stats where res = ? and h3 in (select unnest(?)) order by h3""", [res, cells])
        return [_derived(r) for r in rows]
    taxpayer_scope, scope_params = scope.area_filter("t.")
    unit_scope, _ = scope.area_filter("u.")
    filter_sql, filter_params = filters.taxpayer_sql("t")
    taxpayer_rows = wh.query(TAXPAYER_SIDE.format(res=res, scope=taxpayer_scope, filters=filter_sql),
                             scope_params + filter_params + [cells])
    unit_rows = wh.query(UNIT_SIDE.format(res=res, scope=unit_scope), scope_params + [cells])
    merged: dict[str, dict] = {}
    for row in taxpayer_rows:
        merged[row["h3"]] = dict(row)
    for row in unit_rows:
        merged.setdefault(row["h3"], {"h3": row["h3"], "risk_mean": None, "tax_paid_12m": 0.0}).update(row)
    # unknown, not zero, when the bureau sent no declarations (as in hex_stats)
    if not wh.query("select count(*) > 0 as present from fct_taxpayer_declarations")[0]["present"]:
        for row in merged.values():
            row["tax_paid_12m"] = None
    return [_derived(merged[h]) for h in sorted(merged)]


def protected_cells(wh: Warehouse, scope: Scope, res: int, rows: list[dict], filters: Filters | None = None,
                    k: int = disclosure.DEFAULT_K, period: tuple[str, str] | None = None, *,
                    complete: bool = False) -> list[dict]:
    """``rows`` (cells of one resolution) as those who may not see single taxpayers get them: disclosure
    control (taxmap.data.disclosure) decided over each cell's complete sibling group, whatever part of
    it is in view, so no two views can be combined to undo it; under a taxpayer filter, a cell whose
    unfiltered count exceeds its filtered one by fewer than ``k`` is withheld too (else the difference
    of the two maps would give the few taxpayers left out); narrowed to streets, a cell shared with
    another street that holds fewer than ``k`` of its taxpayers is withheld (disclosure.split_cells:
    else the district's cell minus the streets' parts would give them). ``period``: the rows carry
    ``tax_paid_period`` (hex_cells), withheld exactly like ``tax_paid_12m``. ``complete``: ``rows`` are
    every cell of the scope holding a taxpayer or a unit (a whole area's table), so their sibling
    groups are already whole and the figures are not read again. At the coarsest resolution the whole
    area is a group too (its total is published), so every cell of the area is read there."""
    if not rows:
        return rows
    filters = filters or Filters()
    view = {r["h3"] for r in rows}
    area = res == RESOLUTIONS[0]  # the coarsest: the area's total is its parent (disclosure.suppress)
    if area:
        family = cells_in_view(wh, res, None)
    else:
        family = sorted({c for cell in view for c in h3.cell_to_children(h3.cell_to_parent(cell, res - 1), res)})
    full = rows if complete else _cell_rows(wh, scope, res, family, filters, period)
    also: set[str] = set()
    if filters.on_taxpayers:
        everyone = {r["h3"]: r["n_taxpayers"] or 0 for r in _cell_rows(wh, scope, res, family, Filters())}
        also = {r["h3"] for r in full if 0 < everyone.get(r["h3"], 0) - (r["n_taxpayers"] or 0) < k}
    if scope.street_codes is not None:  # narrowed to streets: cells shared with a street holding few
        also |= street_split_cells(wh, res, [r["h3"] for r in full if r.get("n_taxpayers")], filters, k)
    return [r for r in disclosure.suppress(full, res, k, also, area) if r["h3"] in view]


def street_split_cells(wh: Warehouse, res: int, cells: list[str], filters: Filters, k: int) -> set[str]:
    """Of ``cells``, those a table narrowed to streets withholds (disclosure.split_cells): each cell's
    taxpayers matching ``filters`` per street, over the whole region."""
    if not cells:
        return set()
    filter_sql, filter_params = filters.taxpayer_sql("t")
    counts = wh.query(f"""select h3_{res} as h3, street_code, count(*) as n from map_taxpayers as t
                          where {filter_sql} and h3_{res} in (select unnest(?)) group by all""",
                      [*filter_params, cells])
    return disclosure.split_cells(((r["h3"], r["street_code"], r["n"]) for r in counts), k)


def cell_polygon(cell: str) -> list[list[float]]:
    """The cell's outline as a closed GeoJSON ring of [lng, lat]."""
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]  # 0.1 m: plenty
    return ring + [ring[0]]


def cell_bounds(cell: str) -> list[list[float]]:
    ring = cell_polygon(cell)
    lats, lngs = [p[1] for p in ring], [p[0] for p in ring]
    return [[min(lats), min(lngs)], [max(lats), max(lngs)]]


def discrepancy_points(wh: Warehouse, scope: Scope, bounds: list[list[float]], kinds: tuple[str, ...] = (),
                       limit: int = 2000) -> list[dict]:
    """Discrepancies in view as points (kind, detail, ids, position), at most ``limit``."""
    (south, west), (north, east) = bounds
    scope_sql, scope_params = scope.area_filter()
    kind_sql = "kind in (select unnest(?))" if kinds else "true"
    return wh.query(
        f"""select kind, taxpayer_id, record_id, lng, lat, street_code, grid_code, detail
            from discrepancies
            where lat between ? and ? and lng between ? and ? and {scope_sql} and {kind_sql}
            order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')
            limit ?""",
        [south, north, west, east, *scope_params, *([list(kinds)] if kinds else []), limit],
    )


# The linkage model's comparisons (etl/linkage/model.py COMPARISONS): link_scores has mw_<name> for each.
LINK_COMPARISONS = ("name", "place", "category", "uscc")


def cell_detail(wh: Warehouse, scope: Scope, res: int, cell: str, limit: int = 50) -> dict:
    """What one cell holds for the side panel: taxpayers (riskiest first) with their risk reasons,
    units with their link, and discrepancies. Personal fields are never read here."""
    if res not in RESOLUTIONS:
        raise ValueError(f"resolution {res} is not one of {RESOLUTIONS}")
    scope_sql, scope_params = scope.area_filter("s.")
    taxpayers = wh.query(
        f"""select s.taxpayer_id, s.name, s.status, s.entity_type, s.industry_name, s.credit_rating,
                   r.risk_score, r.risk_level, r.reasons, r.top_reason_zh, r.top_reason_en
            from stg_taxpayers as s left join taxpayer_risk as r using (taxpayer_id)
            where s.h3_{res} = ? and {scope_sql}
            order by r.risk_score desc nulls last, s.taxpayer_id limit ?""",
        [cell, *scope_params, limit])
    unit_scope, unit_params = scope.area_filter("u.")
    # a warehouse published before address and distance became one comparison has no mw_place: its
    # panel shows the other weights until the next run
    scored = {r["column_name"] for r in wh.query(
        "select column_name from information_schema.columns where table_name = 'link_scores'")}
    weights = ", ".join(f"s.mw_{c}" if f"mw_{c}" in scored else f"null::double as mw_{c}"
                        for c in LINK_COMPARISONS)
    units = wh.query(
        f"""select u.record_id, u.unit_name, u.operating_status, u.business_category, u.collected_at,
                   l.method, l.taxpayer_id, l.match_probability, l.needs_review, l.review_taxpayer_id,
                   -- why: each comparison's match weight (bits) for the linked or the reviewed pair
                   s.match_weight, {weights}
            from stg_grid_units as u
            left join unit_links as l using (record_id)
            left join link_scores as s
                on s.record_id = u.record_id and s.taxpayer_id = coalesce(l.taxpayer_id, l.review_taxpayer_id)
            where u.h3_{res} = ? and {unit_scope}
            order by u.record_id limit ?""",
        [cell, *unit_params, limit])
    ids = [t["taxpayer_id"] for t in taxpayers]
    records = [u["record_id"] for u in units]
    discrepancies = wh.query(
        """select kind, taxpayer_id, record_id, detail from discrepancies
           where taxpayer_id in (select unnest(?)) or record_id in (select unnest(?))
           order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')""",
        [ids, records])
    reasons = wh.query(
        """select taxpayer_id, code, portrait, contribution, reason_zh, reason_en from risk_indicator_hits
           where taxpayer_id in (select unnest(?)) order by taxpayer_id, contribution desc, code""", [ids])
    by_taxpayer: dict[str, list[dict]] = {}
    for r in reasons:
        by_taxpayer.setdefault(r["taxpayer_id"], []).append(r)
    for t in taxpayers:
        t["hits"] = by_taxpayer.get(t["taxpayer_id"], [])
    return {"h3": cell, "res": res, "taxpayers": taxpayers, "units": units, "discrepancies": discrepancies}


def discrepancies_by_key(wh: Warehouse, scope: Scope, keys: list[tuple[str, str, str]]) -> list[dict]:
    """Discrepancies picked on the map as points: (kind, taxpayer_id or "", record_id or "")."""
    if not keys:
        return []
    scope_sql, scope_params = scope.area_filter()
    return wh.query(
        f"""select kind, taxpayer_id, record_id, detail from discrepancies
            where (kind, coalesce(taxpayer_id, ''), coalesce(record_id, '')) in (
                select (k[1], k[2], k[3]) from (select unnest(?) as k)) and {scope_sql}
            order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')""",
        [[list(k) for k in keys], *scope_params])


def filter_options(wh: Warehouse) -> dict[str, list[str]]:
    """The values each filter can take in this warehouse."""
    def values(sql: str) -> list[str]:
        return [r["v"] for r in wh.query(sql) if r["v"] is not None]

    return {
        "industry": values("select distinct category as v from map_taxpayers order by 1"),
        "taxpayer_type": values("select distinct taxpayer_type as v from stg_taxpayers order by 1"),
        "entity_type": values("select distinct entity_type as v from stg_taxpayers order by 1"),
        "credit_rating": values("select distinct coalesce(credit_rating, '') as v from stg_taxpayers order by 1"),
        "status": values("select distinct status as v from stg_taxpayers order by 1"),
        "risk_level": list(RISK_LEVELS),
        "discrepancy_kind": list(DISCREPANCY_KINDS),
    }
