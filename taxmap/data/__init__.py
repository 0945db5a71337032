"""The data-access layer: every read the web tier makes goes through here.

Functions take the warehouse and the caller's scope (the area a user may
see). Pages and layers never open DuckDB themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from taxmap.warehouse import Warehouse


@dataclass(frozen=True)
class Scope:
    """The area a user may see or has drilled into: the whole region, a set of streets, and
    within them possibly a set of grids."""

    street_codes: frozenset[str] | None = None  # None: the whole region
    grid_codes: frozenset[str] | None = None  # None: every grid of the streets

    def street_filter(self, column: str = "street_code") -> tuple[str, list]:
        """For tables of streets (boundaries): the streets only."""
        if self.street_codes is None:
            return "true", []
        return f"{column} in (select unnest(?))", [sorted(self.street_codes)]

    def narrow(self, other: Scope) -> Scope:
        """What both scopes allow (a drill-down inside the user's own area)."""
        def both(a, b):
            return b if a is None else a if b is None else a & b
        return Scope(both(self.street_codes, other.street_codes), both(self.grid_codes, other.grid_codes))

    def area_filter(self, prefix: str = "") -> tuple[str, list]:
        """For rows that sit in a street and a grid (taxpayers, units, discrepancies, risk)."""
        where, params = self.street_filter(f"{prefix}street_code")
        if self.grid_codes is None:
            return where, params
        return f"{where} and {prefix}grid_code in (select unnest(?))", [*params, sorted(self.grid_codes)]


REGION = Scope()


def boundaries_geojson(wh: Warehouse, level: str, scope: Scope = REGION) -> dict:
    """Streets or grids as a GeoJSON FeatureCollection (WGS84) with their names."""
    if level == "street":
        sql = "select street_code as code, street_name as name, street_code, st_asgeojson(geom) as g from stg_streets"
    elif level == "grid":
        sql = "select grid_code as code, grid_name as name, street_code, st_asgeojson(geom) as g from stg_grids"
    else:
        raise ValueError(f"unknown boundary level {level!r}")
    where, params = scope.street_filter()
    rows = wh.query(f"select * from ({sql}) where {where} order by code", params)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["code"],
                "properties": {"code": r["code"], "name": r["name"], "street_code": r["street_code"]},
                "geometry": json.loads(r["g"]),
            }
            for r in rows
        ],
    }


def boundary_labels(wh: Warehouse, level: str, scope: Scope = REGION) -> list[dict]:
    """Name and a point inside each street, or each grid of the scope's streets (for map labels)."""
    if level not in ("street", "grid"):
        raise ValueError(f"labels are drawn for streets and grids, not {level!r}")
    where, params = scope.street_filter()
    table = "stg_streets" if level == "street" else "stg_grids"
    return wh.query(
        f"""select {level}_code as code, {level}_name as name,
                   st_x(st_pointonsurface(geom)) as lng, st_y(st_pointonsurface(geom)) as lat
            from {table} where {where} order by code""",
        params,
    )


def region_bounds(wh: Warehouse, scope: Scope = REGION) -> list[list[float]]:
    """[[south, west], [north, east]] of the visible streets."""
    where, params = scope.street_filter()
    row = wh.query(
        f"""select min(st_ymin(geom)) s, min(st_xmin(geom)) w, max(st_ymax(geom)) n, max(st_xmax(geom)) e
            from stg_streets where {where}""",
        params,
    )[0]
    return [[row["s"], row["w"]], [row["n"], row["e"]]]


def latest_run(wh: Warehouse) -> dict | None:
    rows = wh.query("select * from etl_runs order by finished_at desc limit 1")
    return rows[0] if rows else None


def run_sources(wh: Warehouse, run_id: str) -> list[dict]:
    return wh.query(
        """select source, file, encoding, rows_read, rows_staged, rows_rejected, quality_issues
           from etl_run_sources where run_id = ?
           order by list_position(['streets', 'grids', 'taxpayers', 'grid_units', 'declarations', 'officers',
                                   'task_results'], source)""",
        [run_id],
    )


def overview(wh: Warehouse, scope: Scope = REGION) -> dict:
    """Headline numbers of the scope: registrations, units, links, risk and discrepancies."""
    where, params = scope.area_filter()
    row = wh.query(
        f"""select
              (select count(*) from stg_taxpayers where {where}) as taxpayers,
              (select count(*) from stg_grid_units where {where}) as units,
              (select count(*) from unit_links join stg_grid_units using (record_id)
                 where method <> 'none' and {where}) as linked,
              (select count(*) from taxpayer_risk where risk_level = 'high' and {where}) as high_risk,
              (select count(*) from taxpayer_risk where risk_level = 'medium' and {where}) as medium_risk""",
        params * 5,
    )[0]
    kinds = wh.query(f"select kind, count(*) as n from discrepancies where {where} group by kind", params)
    row["discrepancies"] = {k["kind"]: k["n"] for k in kinds}
    return row


def street_summaries(wh: Warehouse, scope: Scope = REGION) -> list[dict]:
    """Per street: taxpayers, risk and discrepancies, for the overview table."""
    where, params = scope.street_filter("s.street_code")
    return wh.query(
        f"""select s.street_code, s.street_name, s.n_taxpayers, s.n_high, s.n_medium, s.risk_mean,
                   coalesce(d.n, 0) as n_discrepancies
            from risk_street_summary as s
            left join (select street_code, count(*) as n from discrepancies group by 1) as d using (street_code)
            where {where} order by s.street_code""",
        params,
    )


def area_bounds(wh: Warehouse, level: str, code: str) -> list[list[float]] | None:
    """[[south, west], [north, east]] of one street or grid."""
    if level not in ("street", "grid"):
        raise ValueError(f"no bounds for {level!r}")
    rows = wh.query(
        f"""select st_ymin(geom) as s, st_xmin(geom) as w, st_ymax(geom) as n, st_xmax(geom) as e
            from stg_{level}s where {level}_code = ?""", [code])
    return [[rows[0]["s"], rows[0]["w"]], [rows[0]["n"], rows[0]["e"]]] if rows else None


def area_name(wh: Warehouse, level: str, code: str) -> str | None:
    if level not in ("street", "grid"):
        raise ValueError(f"no names for {level!r}")
    rows = wh.query(f"select {level}_name as name from stg_{level}s where {level}_code = ?", [code])
    return rows[0]["name"] if rows else None


def grid_street(wh: Warehouse, grid_code: str) -> str | None:
    """The street a grid belongs to."""
    rows = wh.query("select street_code from stg_grids where grid_code = ?", [grid_code])
    return rows[0]["street_code"] if rows else None

