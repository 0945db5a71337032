"""The expected outcome of the ETL on the files as written.

``evaluate_*`` apply docs/etl-rules.md to the written text of each source
(trimmed cells, empty = NULL, rules in order) and return the rejects, the
quality issues and what is staged. The generator checks that they give
exactly the planted defects, so a defect can never be planted by accident.
``discrepancies`` applies the data contract's definitions to the staged rows
and the *true* links (which unit belongs to which taxpayer).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from etl import coords, uscc
from etl.schema import CREDIT_RATINGS, OFFICER_ROLES, OPERATING_STATUSES, TAXPAYER_STATUSES
from taxmap.demo import config
from taxmap.demo.formats import as_arrow, isin
from taxmap.demo.noise import normalise_coord_sys
from taxmap.demo.region import geometry_to_metres, locate, to_metres

NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
TIME = r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
DATE_PATTERNS = (
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})" + TIME,
    r"^(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})" + TIME,
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})" + TIME,
    r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日" + TIME.replace(r"\s+", r"\s*"),
)
PERIOD_PATTERNS = (r"^(\d{4})-(\d{2})$", r"^(\d{4})(\d{2})$", r"^(\d{4})/(\d{2})$", r"^(\d{4})年(\d{1,2})月$")


def text(values) -> pa.Array:
    """Cells as the ETL reads them: text, trimmed, NULL as ""."""
    return pc.fill_null(pc.utf8_trim_whitespace(as_arrow(values).cast(pa.string())), "")


def objects(values) -> np.ndarray:
    return np.asarray(as_arrow(values).to_numpy(zero_copy_only=False), dtype=object)


def np_bool(arr) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def is_empty(arr: pa.Array) -> np.ndarray:
    return np_bool(pc.equal(arr, ""))


def numbers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    ok = np_bool(pc.match_substring_regex(arr, NUMBER))
    values = np.full(len(arr), np.nan)
    if ok.any():
        values[ok] = pc.cast(pc.filter(arr, pa.array(ok)), pa.float64()).to_numpy(zero_copy_only=False)
    return ok, values


def parse_timestamps(arr: pa.Array) -> np.ndarray:
    """datetime64[s] (NaT when not one of the accepted forms or not a real date)."""
    n = len(arr)
    parts = {k: np.full(n, np.nan) for k in "ymdHMS"}
    matched = np.zeros(n, dtype=bool)
    for pattern in DATE_PATTERNS:
        hit = np_bool(pc.fill_null(pc.match_substring_regex(arr, pattern), False)) & ~matched
        if not hit.any():
            continue
        sub = pc.extract_regex(pc.filter(arr, pa.array(hit)), pattern)
        for k in "ymdHMS":
            field = pc.struct_field(sub, k)
            vals = pc.cast(pc.if_else(pc.equal(field, ""), None, field), pa.float64()).to_numpy(zero_copy_only=False)
            parts[k][hit] = vals
        matched |= hit
    for k in "HMS":
        parts[k] = np.where(matched & np.isnan(parts[k]), 0, parts[k])
    frame = pd.DataFrame({"year": parts["y"], "month": parts["m"], "day": parts["d"], "hour": parts["H"], "minute": parts["M"], "second": parts["S"]})
    stamps = pd.to_datetime(frame, errors="coerce")
    return stamps.to_numpy(dtype="datetime64[s]")


def normalise_periods(arr: pa.Array) -> np.ndarray:
    """``YYYY-MM`` for the accepted period forms, "" otherwise."""
    encoded = pc.dictionary_encode(arr)
    out = []
    for value in encoded.dictionary.to_pylist():
        norm = ""
        for pattern in PERIOD_PATTERNS:
            m = re.match(pattern, value)
            if m and 1 <= int(m.group(2)) <= 12:
                norm = f"{m.group(1)}-{int(m.group(2)):02d}"
                break
        out.append(norm)
    return np.array(out, dtype=object)[encoded.indices.to_numpy(zero_copy_only=False)]


@dataclass
class Context:
    region: object  # union of the street polygons, WGS84
    region_m: object
    street_codes: set
    grid_codes: np.ndarray
    grid_geoms: np.ndarray
    default_coord_sys: str = config.DEFAULT_COORD_SYS

    @classmethod
    def build(cls, region_union, street_codes, grid_codes, grid_geoms) -> Context:
        shapely.prepare(region_union)
        return cls(region_union, geometry_to_metres(region_union), set(street_codes), np.asarray(grid_codes), np.asarray(grid_geoms))


def positions(lng: pa.Array, lat: pa.Array, cs: pa.Array, ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(problem, lng, lat): the first position rule that fails ("" when the
    position is usable) and the WGS84 position."""
    n = len(lng)
    missing = is_empty(lng) | is_empty(lat)
    lng_ok, lng_v = numbers(lng)
    lat_ok, lat_v = numbers(lat)
    unparseable = ~missing & ~(lng_ok & lat_ok)
    checked = ~missing & ~unparseable
    out_of_range = checked & ((np.abs(np.nan_to_num(lng_v)) > 180) | (np.abs(np.nan_to_num(lat_v)) > 90))
    system = normalise_coord_sys(cs).astype(object)
    unknown = checked & ~out_of_range & (system == "")
    good = checked & ~out_of_range & ~unknown
    out_lng, out_lat = np.full(n, np.nan), np.full(n, np.nan)
    if good.any():
        out_lng[good], out_lat[good] = coords.to_wgs84(lng_v[good], lat_v[good], system[good])
    outside = np.zeros(n, dtype=bool)
    far = np.flatnonzero(good)
    far = far[~shapely.contains_xy(ctx.region, out_lng[far], out_lat[far])]
    if far.size:
        px, py = to_metres(out_lng[far], out_lat[far])
        outside[far] = shapely.distance(ctx.region_m, shapely.points(px, py)) > 1000.0
    problem = np.select(
        [missing, unparseable, out_of_range, unknown, outside],
        ["position_missing", "position_unparseable", "position_out_of_range", "coord_sys_unknown", "outside_region"],
        "",
    ).astype(object)
    usable = good & ~outside
    return problem, np.where(usable, out_lng, np.nan), np.where(usable, out_lat, np.nan)


@dataclass
class Outcome:
    source: str
    rejects: pd.DataFrame  # row (0-based), record_key, reason
    issues: pd.DataFrame  # row (0-based), record_key, issue
    staged: np.ndarray  # bool per row


def _first_reason(conditions: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    reason = np.full(n, "", dtype=object)
    for name, cond in conditions:
        reason[(reason == "") & cond] = name
    return reason


def _duplicates(keys: np.ndarray, passing: np.ndarray) -> np.ndarray:
    dup = np.zeros(len(keys), dtype=bool)
    idx = np.flatnonzero(passing)
    dup[idx] = pd.Series(keys[idx]).duplicated().to_numpy()
    return dup


def _outcome(source: str, key_text: np.ndarray, reason: np.ndarray, issues: list[tuple[str, np.ndarray]]) -> Outcome:
    staged = reason == ""
    rej = np.flatnonzero(~staged)
    rejects = pd.DataFrame({"row": rej, "record_key": key_text[rej], "reason": reason[rej]})
    frames = []
    for name, cond in issues:
        rows = np.flatnonzero(cond & staged)
        frames.append(pd.DataFrame({"row": rows, "record_key": key_text[rows], "issue": name}))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["row", "record_key", "issue"])
    return Outcome(source, rejects, found.sort_values(["row", "issue"], ignore_index=True), staged)


@dataclass
class StagedTaxpayers:
    row: np.ndarray
    taxpayer_id: np.ndarray
    status: np.ndarray  # None when unknown
    lng: np.ndarray
    lat: np.ndarray


def evaluate_taxpayers(t: dict, ctx: Context) -> tuple[Outcome, StagedTaxpayers]:
    cells = {k: text(v) for k, v in t.items()}
    n = len(cells["taxpayer_id"])
    key = objects(cells["taxpayer_id"])
    missing_key = is_empty(cells["taxpayer_id"])
    missing_name = is_empty(cells["name"])
    reason = _first_reason([("missing_key", missing_key), ("missing_name", missing_name)], n)
    reason[_duplicates(key, reason == "")] = "duplicate_key"
    problem, lng, lat = positions(cells["lng"], cells["lat"], cells["coord_sys"], ctx)
    length = pc.utf8_length(cells["taxpayer_id"]).to_numpy(zero_copy_only=False)
    valid = uscc.validate_array(key)
    status = objects(cells["status"])
    status_known = isin(cells["status"], TAXPAYER_STATUSES)
    reg_date = cells["reg_date"]
    issues = [(p, problem == p) for p in ("position_missing", "position_unparseable", "position_out_of_range", "coord_sys_unknown", "outside_region")]
    issues += [
        ("uscc_format", length != 18),
        ("uscc_check_digit", (length == 18) & ~valid),
        ("status_unknown", ~status_known),
        ("credit_rating_unknown", ~is_empty(cells["credit_rating"]) & ~isin(cells["credit_rating"], CREDIT_RATINGS)),
        ("reg_date_unparseable", ~is_empty(reg_date) & np.isnat(parse_timestamps(reg_date))),
        ("street_code_unknown", ~is_empty(cells["street_code"]) & ~isin(cells["street_code"], sorted(ctx.street_codes))),
    ]
    outcome = _outcome("taxpayers", objects(t["taxpayer_id"]), reason, issues)
    s = outcome.staged
    staged = StagedTaxpayers(np.flatnonzero(s), key[s], np.where(status_known, status, None)[s], lng[s], lat[s])
    return outcome, staged


@dataclass
class StagedUnits:
    row: np.ndarray
    record_id: np.ndarray
    grid: np.ndarray  # index into ctx.grid_codes, -1 when none
    collected: np.ndarray  # datetime64[s], NaT when unparseable
    status: np.ndarray  # None when unknown
    lng: np.ndarray
    lat: np.ndarray


def evaluate_units(t: dict, ctx: Context) -> tuple[Outcome, StagedUnits]:
    cells = {k: text(v) for k, v in t.items()}
    n = len(cells["record_id"])
    key = objects(cells["record_id"])
    reason = _first_reason([("missing_key", is_empty(cells["record_id"])), ("missing_name", is_empty(cells["unit_name"]))], n)
    reason[_duplicates(key, reason == "")] = "duplicate_key"
    problem, lng, lat = positions(cells["lng"], cells["lat"], cells["coord_sys"], ctx)
    reason[(reason == "") & (problem != "")] = problem[(reason == "") & (problem != "")]
    index = pc.index_in(cells["grid_code"], value_set=pa.array(ctx.grid_codes.astype(object), type=pa.string()))
    grid = pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    known = grid >= 0
    collected = parse_timestamps(cells["collected_at"])
    status = objects(cells["operating_status"])
    status_known = isin(cells["operating_status"], OPERATING_STATUSES)
    issues = [
        ("grid_code_unknown", ~known),
        ("collected_at_unparseable", np.isnat(collected)),
        ("operating_status_unknown", ~status_known),
    ]
    outcome = _outcome("grid_units", objects(t["record_id"]), reason, issues)
    s = outcome.staged
    from_position = s & ~known
    if from_position.any():
        grid[from_position] = grid_from_position(lng[from_position], lat[from_position], ctx)
    staged = StagedUnits(np.flatnonzero(s), key[s], grid[s], collected[s], np.where(status_known, status, None)[s], lng[s], lat[s])
    return outcome, staged


def grid_from_position(lng: np.ndarray, lat: np.ndarray, ctx: Context) -> np.ndarray:
    """The grid containing the point, else the nearest within 1 km, else -1."""
    grid = locate(lng, lat, ctx.grid_geoms)
    miss = np.flatnonzero(grid < 0)
    if miss.size:
        geoms_m = geometry_to_metres(ctx.grid_geoms)
        px, py = to_metres(lng[miss], lat[miss])
        idx, dist = shapely.STRtree(geoms_m).query_nearest(shapely.points(px, py), all_matches=False, return_distance=True)
        grid[miss[idx[0]]] = np.where(dist <= 1000.0, idx[1], -1)
    return grid


AMOUNT_OK = r"^\s*(" + NUMBER[1:-1] + r")?\s*$"  # empty or a number, spaces around allowed


def amounts_ok(col: pa.Array) -> np.ndarray:
    """Empty or a number. Plain decimals ("12345.67") pass a cheap test; only
    the rest go through the full pattern."""
    col = pc.fill_null(col, "")
    ok = np_bool(pc.fill_null(pc.ascii_is_decimal(pc.replace_substring(col, ".", "", max_replacements=1)), False))
    rest = np.flatnonzero(~ok)
    if rest.size:
        ok[rest] = np_bool(pc.match_substring_regex(col.take(pa.array(rest)), AMOUNT_OK))
    return ok


class DeclarationChecker:
    """The declaration rules, applied block by block as the file is written.

    ``ids``: every taxpayer_id that can occur (to number them for the
    duplicate check); ``staged_ids``: the staged taxpayers."""

    def __init__(self, ids: pa.Array, staged_ids: pa.Array):
        self.ids = ids
        self.staged_ids = staged_ids
        self.tax_codes: dict[str, int] = {}
        self.rejects: list[pd.DataFrame] = []
        self.issues: list[pd.DataFrame] = []
        self.keys: list[np.ndarray] = []
        self.key_rows: list[np.ndarray] = []
        self.rows = 0

    def update(self, chunk: pa.Table, start: int) -> None:
        n = chunk.num_rows
        self.rows += n
        raw_key = pc.fill_null(as_arrow(chunk["taxpayer_id"]), "")
        tid, period_text, tax = (text(chunk[c]) for c in ("taxpayer_id", "period", "tax_type"))
        missing = is_empty(tid) | is_empty(period_text) | is_empty(tax)
        period = normalise_periods(period_text)
        reason = _first_reason([("missing_key", missing), ("period_invalid", period == "")], n)
        bad = np.flatnonzero(reason != "")
        self.rejects.append(pd.DataFrame({"row": start + bad, "record_key": objects(raw_key.take(pa.array(bad))), "reason": reason[bad]}))
        ok = np.flatnonzero(reason == "")
        code = pc.index_in(tid, value_set=self.ids).to_numpy(zero_copy_only=False)
        if np.isnan(code[ok].astype(float)).any():
            raise RuntimeError("a declaration names a taxpayer_id outside the known set")
        encoded = pc.dictionary_encode(tax)
        local = np.array([self.tax_codes.setdefault(v, len(self.tax_codes)) for v in encoded.dictionary.to_pylist()], dtype=np.int64)
        tax_code = local[encoded.indices.to_numpy(zero_copy_only=False)]
        yyyymm = np.array([int(p.replace("-", "")) if p else 0 for p in pd.unique(period)], dtype=np.int64)
        period_code = yyyymm[pd.factorize(period)[0]]
        self.keys.append((code[ok].astype(np.int64) * 1_000_000 + period_code[ok]) * 64 + tax_code[ok])
        self.key_rows.append(start + ok)
        unknown = ~isin(tid, self.staged_ids)
        amount_bad = np.zeros(n, dtype=bool)
        for name in ("sales_amount", "tax_payable", "tax_paid", "invoice_out_amount", "invoice_in_amount"):
            amount_bad |= ~amounts_ok(as_arrow(chunk[name]))
        for issue, cond in (("taxpayer_unknown", unknown), ("amount_unparseable", amount_bad)):
            rows = np.flatnonzero(cond & (reason == ""))
            self.issues.append(pd.DataFrame({"row": start + rows, "record_key": objects(raw_key.take(pa.array(rows))), "issue": issue}))

    def finish(self) -> Outcome:
        keys = np.concatenate(self.keys)
        rows = np.concatenate(self.key_rows)
        dup = pd.Series(keys).duplicated().to_numpy()
        dup_rows = rows[dup]
        ids = objects(self.ids)
        dup_keys = ids[(keys[dup] // 64) // 1_000_000]
        rejects = pd.concat(self.rejects + [pd.DataFrame({"row": dup_rows, "record_key": dup_keys, "reason": "duplicate_key"})], ignore_index=True)
        issues = pd.concat(self.issues, ignore_index=True)
        issues = issues[~issues["row"].isin(dup_rows)]
        staged = np.ones(self.rows, dtype=bool)
        staged[rejects["row"].to_numpy()] = False
        return Outcome(
            "declarations",
            rejects.sort_values("row", ignore_index=True),
            issues.sort_values(["row", "issue"], ignore_index=True),
            staged,
        )


def evaluate_officers(t: dict) -> Outcome:
    cells = {k: text(v) for k, v in t.items()}
    n = len(cells["officer_id"])
    key = objects(cells["officer_id"])
    reason = _first_reason([("missing_key", is_empty(cells["officer_id"])), ("missing_name", is_empty(cells["name"]))], n)
    reason[_duplicates(key, reason == "")] = "duplicate_key"
    return _outcome("officers", objects(t["officer_id"]), reason, [("role_unknown", ~isin(cells["role"], list(OFFICER_ROLES)))])


def discrepancies(tps: StagedTaxpayers, units: StagedUnits, unit_taxpayer_row: np.ndarray, ctx: Context) -> pd.DataFrame:
    """The contract's four discrepancy kinds, from staged rows and true links.

    ``unit_taxpayer_row``: per staged unit, the written row of its true
    taxpayer's staged registration (-1 when it has none).
    """
    index_of_row = np.full(max(int(tps.row.max(initial=0)), int(unit_taxpayer_row.max(initial=0))) + 1, -1, dtype=np.int64)
    index_of_row[tps.row] = np.arange(len(tps.row))
    link = np.where(unit_taxpayer_row >= 0, index_of_row[np.maximum(unit_taxpayer_row, 0)], -1)
    if ((unit_taxpayer_row >= 0) & (link < 0)).any():
        raise RuntimeError("a unit is truly linked to a taxpayer the ETL rejects")
    start = np.datetime64(config.SURVEY_START)
    end = np.datetime64(config.SURVEY_END + dt.timedelta(days=1))
    days = units.collected
    in_window = ~np.isnat(days) & (days >= start) & (days < end)
    surveyed = np.zeros(len(ctx.grid_codes), dtype=bool)
    surveyed[units.grid[in_window & (units.grid >= 0)]] = True

    out = []
    linked = link >= 0
    has_pos = ~np.isnan(tps.lng)
    tp_grid = np.full(len(tps.row), -1)
    tp_grid[has_pos] = locate(tps.lng[has_pos], tps.lat[has_pos], ctx.grid_geoms)
    linked_tp = np.zeros(len(tps.row), dtype=bool)
    linked_tp[link[linked]] = True
    nf = (tps.status == "正常") & has_pos & (tp_grid >= 0) & surveyed[np.maximum(tp_grid, 0)] & ~linked_tp
    out.append(pd.DataFrame({"kind": "not_found", "taxpayer_id": tps.taxpayer_id[nf], "record_id": None}))

    u = np.flatnonzero(linked)
    t = link[u]
    dist = coords.haversine_m(units.lng[u], units.lat[u], tps.lng[t], tps.lat[t])
    far = ~np.isnan(dist) & (dist > config.ADDRESS_MISMATCH_M)
    out.append(pd.DataFrame({"kind": "address_mismatch", "taxpayer_id": tps.taxpayer_id[t[far]], "record_id": units.record_id[u[far]]}))
    ustat, tstat = units.status[u], tps.status[t]
    conflict = ((ustat == "在营") & isin(tstat, ["注销", "非正常"])) | (isin(ustat, ["停业", "空置", "已搬离"]) & (tstat == "正常"))
    out.append(pd.DataFrame({"kind": "status_conflict", "taxpayer_id": tps.taxpayer_id[t[conflict]], "record_id": units.record_id[u[conflict]]}))
    unreg = ~linked & (units.status == "在营")
    out.append(pd.DataFrame({"kind": "unregistered", "taxpayer_id": None, "record_id": units.record_id[unreg]}))
    frame = pd.concat(out, ignore_index=True)
    frame["taxpayer_id"] = frame["taxpayer_id"].astype("string")
    frame["record_id"] = frame["record_id"].astype("string")
    return frame, surveyed


def check_planted(outcome: Outcome, expected: pd.DataFrame) -> None:
    """The rules must give exactly the planted defects: no more, no fewer."""
    got = pd.concat(
        [
            outcome.rejects.rename(columns={"reason": "kind"})[["row", "kind"]],
            outcome.issues.rename(columns={"issue": "kind"})[["row", "kind"]],
        ],
        ignore_index=True,
    )
    got_set = set(zip(got["row"].tolist(), got["kind"].tolist(), strict=True))
    want_set = set(zip(expected["row"].tolist(), expected["kind"].tolist(), strict=True))
    if got_set != want_set:
        extra = sorted(got_set - want_set)[:10]
        missing = sorted(want_set - got_set)[:10]
        raise RuntimeError(f"{outcome.source}: rules disagree with the planted defects; unplanted {extra}, not produced {missing}")
