"""The pipeline's Python models: reference values, boundary geometry, and points.

Points are converted to WGS84 and indexed on H3 with NumPy and h3ronpy over
whole arrays (no Python loop per row); streets and grids are assigned by a
point-in-polygon join in DuckDB spatial.
"""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pyarrow as pa
import shapely
from h3ronpy import change_resolution
from h3ronpy.vector import coordinates_to_cells

from etl import coords, uscc
from etl.schema import (
    COORD_SYS_ALIASES,
    CREDIT_RATINGS,
    INDUSTRY_CATEGORIES,
    OFFICER_ROLES,
    OPERATING_STATUSES,
    QUALITY_ISSUES,
    REJECT_REASONS,
    TASK_RESULT_ALIASES,
    TASK_RESULT_CODES,
    TASK_RESULT_LINKING,
    TASK_RESULT_RESOLVES,
    TAXPAYER_STATUSES,
)

H3_RESOLUTIONS = (7, 8, 9, 10)
REGION_BUFFER_M = 1000.0


def ref_values(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Accepted values from etl/schema.py as a table the models join to."""
    rows = [("coord_sys", k, v) for k, v in COORD_SYS_ALIASES.items()]
    rows += [("taxpayer_status", v, v) for v in TAXPAYER_STATUSES]
    rows += [("operating_status", v, v) for v in OPERATING_STATUSES]
    rows += [("credit_rating", v, v) for v in CREDIT_RATINGS]
    rows += [("officer_role", k, v) for k, v in OFFICER_ROLES.items()]
    rows += [("reject_reason", k, v) for k, v in REJECT_REASONS.items()]
    rows += [("quality_issue", k, v) for k, v in QUALITY_ISSUES.items()]
    rows += [("industry_category", k, v) for k, v in INDUSTRY_CATEGORIES.items()]
    rows += [("task_result", k, v) for k, v in TASK_RESULT_ALIASES.items()]  # as written → code
    rows += [("task_result_word", k, v) for k, v in TASK_RESULT_CODES.items()]  # code → 已核实在营 …
    rows += [("task_result_links", k, k) for k in TASK_RESULT_LINKING]
    rows += [("task_result_resolves", k, kind) for k, kinds in TASK_RESULT_RESOLVES.items() for kind in kinds]
    kind, value, canonical = zip(*rows, strict=True)
    return pa.table({"kind": list(kind), "value": list(value), "canonical": list(canonical)})


def _boundary_geometry(con: duckdb.DuckDBPyConnection, raw_table: str) -> pa.Table:
    """Parse, convert and validate the polygons of a GeoJSON source."""
    raw = con.execute(f"select _row, geometry from {raw_table} order by _row").to_arrow_table()
    rows = raw.column("_row").to_numpy()
    texts = raw.column("geometry").to_pylist()
    geoms = np.array([_parse_geometry(t) for t in texts], dtype=object)
    boundary_sys = con.execute("select getvariable('boundary_coord_sys')").fetchone()[0]
    if boundary_sys in ("GCJ02", "BD09"):
        inverse = coords.gcj02_to_wgs84 if boundary_sys == "GCJ02" else coords.bd09_to_wgs84
        present = np.array([g is not None for g in geoms])
        geoms[present] = shapely.transform(
            geoms[present], lambda xy: np.column_stack(inverse(xy[:, 0], xy[:, 1]))
        )
    status = np.full(len(geoms), "invalid", dtype=object)
    wkb = np.full(len(geoms), None, dtype=object)
    for i, geom in enumerate(geoms):
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            continue
        if geom.is_valid:
            status[i], wkb[i] = "ok", shapely.to_wkb(geom)
            continue
        repaired = _polygonal_part(shapely.make_valid(geom))
        if repaired is not None:
            status[i], wkb[i] = "repaired", shapely.to_wkb(repaired)
    return pa.table({"_row": rows, "geom_wkb": pa.array(list(wkb), pa.binary()), "geom_status": list(status)})


def _parse_geometry(text: str | None):
    if not text:
        return None
    try:
        return shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        try:
            return shapely.geometry.shape(json.loads(text))
        except Exception:  # noqa: BLE001 - any failure means "no usable geometry"
            return None


def _polygonal_part(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom if not geom.is_empty else None
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
        if polys:
            return shapely.union_all(polys)
    return None


def uscc_checks(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """GB 32100 check of every kept taxpayer_id, vectorised (etl/uscc.py is the one implementation)."""
    ids = con.execute(
        "select _row, taxpayer_id from stg_taxpayers_checked where reject_reason is null order by _row"
    ).to_arrow_table()
    valid = uscc.validate_array(ids.column("taxpayer_id").to_numpy(zero_copy_only=False))
    return pa.table({"_row": ids.column("_row"), "uscc_valid": valid})


def geo_streets(con: duckdb.DuckDBPyConnection) -> pa.Table:
    table = _boundary_geometry(con, "raw_streets")
    valid = [shapely.from_wkb(b) for b in table.column("geom_wkb").to_pylist() if b is not None]
    if not valid:
        # no usable street: the pipeline stops with a clear message (_require_region)
        return table
    centroid = shapely.union_all(valid).centroid
    con.execute("set variable metric_crs = ?", [utm_epsg(centroid.x, centroid.y)])
    return table


def geo_grids(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return _boundary_geometry(con, "raw_grids")


def utm_epsg(lng: float, lat: float) -> str:
    """The WGS84 UTM zone holding a point: a metric plane for distances in the region."""
    zone = int(math.floor((lng + 180.0) / 6.0)) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def points_to_cells(lng: np.ndarray, lat: np.ndarray) -> dict[int, pa.Array]:
    """H3 cells (as uint64) at every resolution in :data:`H3_RESOLUTIONS`."""
    finest = max(H3_RESOLUTIONS)
    cells = coordinates_to_cells(np.ascontiguousarray(lat), np.ascontiguousarray(lng), finest)
    out = {finest: pa.array(cells)}
    for res in H3_RESOLUTIONS:
        if res != finest:
            out[res] = pa.array(change_resolution(cells, res))
    return out


def _geo_points(con: duckdb.DuckDBPyConnection, checked_table: str) -> pa.Table:
    """Convert a source's usable positions to WGS84, index on H3, assign street and grid."""
    points = con.execute(
        f"""
        select _row, lng_num, lat_num, coord_sys_name from {checked_table}
        where reject_reason is null and position_issue is null
        order by _row
        """
    ).to_arrow_table()
    lng, lat = coords.to_wgs84(
        points.column("lng_num").to_numpy(zero_copy_only=False),
        points.column("lat_num").to_numpy(zero_copy_only=False),
        points.column("coord_sys_name").to_numpy(zero_copy_only=False),
    )
    cells = points_to_cells(lng, lat) if len(lng) else {r: pa.array([], pa.uint64()) for r in H3_RESOLUTIONS}
    converted = pa.table(
        {"_row": points.column("_row"), "lng": lng, "lat": lat, **{f"h3_{r}": cells[r] for r in H3_RESOLUTIONS}}
    )
    con.register("_converted", converted)
    try:
        located = con.execute(LOCATE_SQL, [REGION_BUFFER_M]).to_arrow_table()
    finally:
        con.unregister("_converted")
    return located


# A point in a grid takes the grid and the grid's street (grids are small: the cheap join).
# A point in no grid is tested against the streets; outside every street it gets its
# distance to the region in metres and, within the buffer, the nearest street and grid.
LOCATE_SQL = """
with pts as (
    select *, st_point(lng, lat) as geom from _converted
),
grid_hit as (
    select pts._row, arg_min(g.grid_code, g.grid_code) as grid_code, arg_min(g.street_code, g.grid_code) as street_code
    from pts join stg_grids g on st_intersects(g.geom, pts.geom)
    group by pts._row
),
gridless as (
    select pts._row, pts.geom,
        st_transform(pts.geom, 'EPSG:4326', getvariable('metric_crs'), always_xy := true) as geom_m
    from pts anti join grid_hit using (_row)
),
street_hit as (
    select gridless._row, min(s.street_code) as street_code
    from gridless join stg_streets s on st_intersects(s.geom, gridless.geom)
    group by gridless._row
),
outside as (
    select gridless._row, gridless.geom, st_distance(gridless.geom_m, region.geom_metric) as outside_m
    from gridless anti join street_hit using (_row)
    cross join stg_region as region
),
nearest_street as (
    select outside._row, arg_min(s.street_code, st_distance(s.geom, outside.geom)) as street_code
    from outside cross join stg_streets s
    where outside.outside_m <= $1
    group by outside._row
),
grids_m as (
    select grid_code, geom, st_transform(geom, 'EPSG:4326', getvariable('metric_crs'), always_xy := true) as geom_m
    from stg_grids
),
nearest_grid as (
    -- 0.02 degrees is more than 1 km anywhere below 60 degrees latitude: a coarse prefilter.
    select gridless._row, arg_min(g.grid_code, st_distance(g.geom_m, gridless.geom_m)) as grid_code
    from gridless join grids_m g on st_dwithin(g.geom, gridless.geom, 0.02)
    where st_distance(g.geom_m, gridless.geom_m) <= $1
    group by gridless._row
)
select
    pts._row, pts.lng, pts.lat,
    lower(hex(pts.h3_7)) as h3_7, lower(hex(pts.h3_8)) as h3_8,
    lower(hex(pts.h3_9)) as h3_9, lower(hex(pts.h3_10)) as h3_10,
    coalesce(grid_hit.street_code, street_hit.street_code, nearest_street.street_code) as street_code,
    coalesce(grid_hit.grid_code, nearest_grid.grid_code) as grid_code,
    outside.outside_m
from pts
left join grid_hit using (_row)
left join street_hit using (_row)
left join outside using (_row)
left join nearest_street using (_row)
left join nearest_grid using (_row)
order by pts._row
"""


def geo_taxpayers(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return _geo_points(con, "stg_taxpayers_checked")


def geo_grid_units(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return _geo_points(con, "stg_grid_units_checked")


PYTHON_MODELS = {
    "ref_values": (ref_values, ()),
    "geo_streets": (geo_streets, ("raw_streets",)),
    "geo_grids": (geo_grids, ("raw_grids",)),
    "geo_taxpayers": (geo_taxpayers, ("stg_taxpayers_checked", "stg_streets", "stg_grids", "stg_region")),
    "geo_grid_units": (geo_grid_units, ("stg_grid_units_checked", "stg_streets", "stg_grids", "stg_region")),
    "uscc_checks": (uscc_checks, ("stg_taxpayers_checked",)),
}
# Every Python model is an intermediate step: none is published.
EPHEMERAL_PYTHON_MODELS = frozenset(PYTHON_MODELS)
