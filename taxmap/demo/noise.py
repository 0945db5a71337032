"""Planted bad rows, each with exactly one defect, all recorded.

Every function takes a clean table (column → text array, one row per record
in file order) and returns the table as it will be written, the index of the
clean record behind each written row, and the planted defects (written row,
the reason or issue the ETL rules must give it).

Rows whose defect makes them rejected are chosen so that nothing else
depends on them (a rejected taxpayer never has a grid unit), and the first
occurrence of every planted duplicate is a clean row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.schema import COORD_SYS_ALIASES
from taxmap.demo import config, formats, ids, places
from taxmap.demo.declarations import AMOUNTS, SCHEMA, TAX_TYPES, Declarations, amount_texts
from taxmap.demo.names import STR, person_names, pick
from taxmap.demo.population import write_positions

GARBAGE_LNG = ("无", "不详", "113.8.52", "东经113度")
GARBAGE_LAT = ("无", "不详", "22..61", "北纬22度")
UNKNOWN_COORD_SYS = ("MARS", "UTM", "北京54", "WGS72")
UNKNOWN_STATUS = ("清算中", "")
UNKNOWN_RATING = ("AA", "A+", "优")
BAD_DATES = ("2019-13-45", "去年", "无")
UNKNOWN_STREETS = ("440306999", "440399001", "4403060")
UNKNOWN_GRIDS = ("9999", "", "4403069999999")


def unknown_streets(locale: places.Locale = places.BAOAN) -> tuple:
    """Street codes no street has, shaped like the region's (440306999, 440399001, 4403060)."""
    dc = locale.district_code
    return (f"{dc}999", f"{dc[:4]}99001", f"{dc}0")


def unknown_grids(locale: places.Locale = places.BAOAN) -> tuple:
    return ("9999", "", f"{locale.district_code}9999999")
BAD_TIMESTAMPS = ("昨天", "", "上午")
UNKNOWN_OPERATING = ("营业中", "", "不详")
UNKNOWN_ROLES = ("协管员", "网格长")
BAD_PERIODS = ("2026-13", "abc", "2026-00", "下月")
BAD_AMOUNTS = ("一万", "1,2,3", "12.5.3", "约3000")


@dataclass
class Planted:
    """Planted defects of one source."""

    source: str
    rows: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    variants: list = field(default_factory=list)

    def add(self, rows, kind: str, variants) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        self.rows.append(rows)
        self.kinds.append(np.full(len(rows), kind, dtype=object))
        self.variants.append(np.broadcast_to(np.asarray(variants, dtype=object), rows.shape))

    def frame(self, final_row_of: np.ndarray | None = None) -> pd.DataFrame:
        rows = np.concatenate(self.rows) if self.rows else np.empty(0, dtype=np.int64)
        if final_row_of is not None:
            rows = final_row_of[rows]
        return pd.DataFrame(
            {
                "source": self.source,
                "row": rows,
                "kind": np.concatenate(self.kinds) if self.kinds else np.empty(0, dtype=object),
                "variant": np.concatenate(self.variants) if self.variants else np.empty(0, dtype=object),
            }
        )


class Picker:
    """Draws disjoint sets of rows in a random order."""

    def __init__(self, n: int, rng: np.random.Generator):
        self.order = rng.permutation(n)
        self.used = np.zeros(n, dtype=bool)

    def take(self, count: int, eligible: np.ndarray | None = None) -> np.ndarray:
        ok = ~self.used[self.order]
        if eligible is not None:
            ok &= eligible[self.order]
        rows = self.order[ok][:count]
        if len(rows) < count:
            raise RuntimeError(f"not enough rows to plant {count} defects")
        self.used[rows] = True
        return np.sort(rows)


def _choice(rng: np.random.Generator, pool, n: int) -> np.ndarray:
    return pick(pool, rng.integers(0, len(pool), n))


def normalise_coord_sys(spelled) -> np.ndarray:
    """The ETL's reading of a coord_sys cell: upper case without '-', '_' and
    spaces, looked up in COORD_SYS_ALIASES; empty → the manifest default;
    unknown → ""."""
    codes, values = formats.factorize(spelled)
    out = []
    for v in values:
        key = (v or "").strip().upper().replace("-", "").replace("_", "").replace(" ", "")
        out.append(config.DEFAULT_COORD_SYS if key == "" else COORD_SYS_ALIASES.get(key, ""))
    return np.array(out + [""], dtype=STR)[codes]


def _break_positions(t: dict, kind: str, rows: np.ndarray, rng: np.random.Generator, locale: places.Locale = places.BAOAN) -> np.ndarray:
    """Apply one position defect; returns the variant written per row."""
    n = len(rows)
    if kind == "position_missing":
        variant = _choice(rng, ["both", "lng", "lat"], n)
        t["lng"][rows] = np.where(variant != "lat", "", t["lng"][rows])
        t["lat"][rows] = np.where(variant != "lng", "", t["lat"][rows])
    elif kind == "position_unparseable":
        variant = _choice(rng, ["lng", "lat"], n)
        t["lng"][rows] = np.where(variant == "lng", _choice(rng, GARBAGE_LNG, n), t["lng"][rows])
        t["lat"][rows] = np.where(variant == "lat", _choice(rng, GARBAGE_LAT, n), t["lat"][rows])
    elif kind == "position_out_of_range":
        variant = _choice(rng, ["swapped", "lng_plus_100", "lat_plus_90"], n)
        lng, lat = t["lng"][rows].copy(), t["lat"][rows].copy()
        lng_value, lat_value = lng.astype(np.float64), lat.astype(np.float64)
        t["lng"][rows] = np.select([variant == "swapped", variant == "lng_plus_100"], [lat, formats.decimal(lng_value + 100, 6)], lng)
        t["lat"][rows] = np.select([variant == "swapped", variant == "lat_plus_90"], [lng, formats.decimal(lat_value + 90, 6)], lat)
    elif kind == "coord_sys_unknown":
        variant = _choice(rng, UNKNOWN_COORD_SYS, n)
        t["coord_sys"][rows] = variant
    elif kind == "outside_region":
        which = rng.integers(0, len(locale.far_outside), n)
        far = np.array([(lng, lat) for lng, lat, _ in locale.far_outside])[which]
        lng = far[:, 0] + rng.uniform(-0.01, 0.01, n)
        lat = far[:, 1] + rng.uniform(-0.01, 0.01, n)
        system = normalise_coord_sys(t["coord_sys"][rows])
        t["lng"][rows], t["lat"][rows] = write_positions(lng, lat, np.where(system == "CGCS2000", "WGS84", system))
        variant = pick([v for _, _, v in locale.far_outside], which)
    else:
        raise ValueError(kind)
    return variant


def _insert_after(n: int, originals: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Order of n records followed by one copy per original (indices into
    ``[records, copies]``), each copy placed somewhere after its original."""
    key = np.concatenate([np.arange(n, dtype=np.float64), originals + 0.5 + rng.random(len(originals)) * (n - 1 - originals)])
    return np.argsort(key, kind="stable")


@dataclass
class PlantedTable:
    table: dict  # column → text, written order
    record: np.ndarray  # clean record behind each written row
    is_copy: np.ndarray  # planted duplicate rows
    planted: pd.DataFrame  # row (0-based written), kind, variant


def plant_taxpayers(table: dict, has_unit: np.ndarray, rng: np.random.Generator, locale: places.Locale = places.BAOAN) -> PlantedTable:
    n = len(table["taxpayer_id"])
    t = {k: v.copy() for k, v in table.items()}
    count = config.planted_count(n, config.TAXPAYER_DEFECT_RATE)
    picker = Picker(n, rng)
    plan = Planted("taxpayers")
    for kind, column in (("missing_key", "taxpayer_id"), ("missing_name", "name")):
        rows = picker.take(count, ~has_unit)
        t[column][rows] = ""
        plan.add(rows, kind, "empty")
    for kind in ("position_missing", "position_unparseable", "position_out_of_range", "coord_sys_unknown", "outside_region"):
        rows = picker.take(count)
        plan.add(rows, kind, _break_positions(t, kind, rows, rng, locale))
    known = set(t["taxpayer_id"].tolist())
    rows = picker.take(count)
    t["taxpayer_id"][rows] = _fresh(lambda at: ids.wrong_check_digit(table["taxpayer_id"][rows[at]], rng), len(rows), known)
    plan.add(rows, "uscc_check_digit", "wrong_18th_char")
    rows = picker.take(count)
    division = np.strings.slice(table["taxpayer_id"][rows], 2, 8)
    t["taxpayer_id"][rows] = _fresh(lambda at: ids.old_tax_numbers(division[at], rng), len(rows), known)
    plan.add(rows, "uscc_format", "old_15_digit")
    for kind, column, pool in (
        ("status_unknown", "status", UNKNOWN_STATUS),
        ("credit_rating_unknown", "credit_rating", UNKNOWN_RATING),
        ("reg_date_unparseable", "reg_date", BAD_DATES),
        ("street_code_unknown", "street_code", unknown_streets(locale)),
    ):
        rows = picker.take(count)
        values = _choice(rng, pool, len(rows))
        t[column][rows] = values
        plan.add(rows, kind, values)
    originals = picker.take(count)
    return _with_copies(t, originals, plan, rng, _vary_taxpayer)


def _fresh(make, n: int, known: set) -> np.ndarray:
    """n new identifiers, ``make(positions)`` drawing those at the given
    positions; draws that collide with an existing identifier are redrawn."""
    values = make(np.arange(n))
    for _ in range(50):
        seen = set(known)
        bad = []
        for i, v in enumerate(values.tolist()):
            if v in seen:
                bad.append(i)
            seen.add(v)
        if not bad:
            known.update(values.tolist())
            return values
        values[bad] = make(np.asarray(bad))
    raise RuntimeError("could not draw fresh identifiers")


def _vary_taxpayer(copy: dict, rng: np.random.Generator) -> np.ndarray:
    n = len(copy["taxpayer_id"])
    variant = _choice(rng, ["exact", "changed_phone", "changed_status"], n)
    copy["phone"] = np.where(variant == "changed_phone", ids.phones(rng, n), copy["phone"]).astype(STR)
    copy["status"] = np.where(variant == "changed_status", _choice(rng, ["注销", "停业", "非正常"], n), copy["status"]).astype(STR)
    return variant


def _with_copies(t: dict, originals: np.ndarray, plan: Planted, rng: np.random.Generator, vary) -> PlantedTable:
    """Add one copy per original somewhere after it; the written table is
    returned as Arrow arrays (reordering is much faster there)."""
    n = len(next(iter(t.values())))
    copies = {k: v[originals].copy() for k, v in t.items()}
    variant = vary(copies, rng)
    order = _insert_after(n, originals, rng)
    take = pa.array(order)
    written = {k: pa.concat_arrays([formats.as_arrow(t[k]), formats.as_arrow(copies[k])]).take(take) for k in t}
    is_copy = order >= n
    record = np.concatenate([np.arange(n), originals])[order]
    row_of = np.empty(n, dtype=np.int64)
    row_of[order[~is_copy]] = np.flatnonzero(~is_copy)
    copy_rows = np.flatnonzero(is_copy)
    planted = pd.concat(
        [
            plan.frame(row_of),
            pd.DataFrame({"source": plan.source, "row": copy_rows, "kind": "duplicate_key", "variant": np.asarray(variant, dtype=object)[order[copy_rows] - n]}),
        ],
        ignore_index=True,
    )
    return PlantedTable(written, record, is_copy, planted)


def plant_units(table: dict, grid_ok: np.ndarray, rng: np.random.Generator, locale: places.Locale = places.BAOAN) -> PlantedTable:
    """``grid_ok`` marks rows whose position (as the ETL will read it) lies
    clearly inside a grid: only those get an unknown grid_code, so the grid
    taken from the position is unambiguous."""
    n = len(table["record_id"])
    t = {k: v.copy() for k, v in table.items()}
    count = config.planted_count(n, config.UNIT_DEFECT_RATE)
    picker = Picker(n, rng)
    plan = Planted("grid_units")
    for kind, column in (("missing_key", "record_id"), ("missing_name", "unit_name")):
        rows = picker.take(count)
        t[column][rows] = ""
        plan.add(rows, kind, "empty")
    for kind in ("position_missing", "position_unparseable", "position_out_of_range", "coord_sys_unknown", "outside_region"):
        rows = picker.take(count)
        plan.add(rows, kind, _break_positions(t, kind, rows, rng, locale))
    for kind, column, pool, eligible in (
        ("grid_code_unknown", "grid_code", unknown_grids(locale), grid_ok),
        ("collected_at_unparseable", "collected_at", BAD_TIMESTAMPS, None),
        ("operating_status_unknown", "operating_status", UNKNOWN_OPERATING, None),
    ):
        rows = picker.take(count, eligible)
        values = _choice(rng, pool, len(rows))
        t[column][rows] = values
        plan.add(rows, kind, values)
    originals = picker.take(count)
    return _with_copies(t, originals, plan, rng, _vary_unit)


def _vary_unit(copy: dict, rng: np.random.Generator) -> np.ndarray:
    """Re-visits: the same record id with a later time and maybe a new status."""
    n = len(copy["record_id"])
    variant = _choice(rng, ["exact", "revisit"], n)
    revisit = variant == "revisit"
    later = np.datetime64(config.SURVEY_END) - np.timedelta64(1, "D") + np.timedelta64(9, "h")
    copy["collected_at"] = np.where(revisit, formats.timestamps(np.full(n, later), np.zeros(n, dtype=np.int64)), copy["collected_at"]).astype(STR)
    copy["operating_status"] = np.where(revisit, _choice(rng, ["在营", "停业", "已搬离"], n), copy["operating_status"]).astype(STR)
    return variant


def plant_officers(table: dict, scale: str, rng: np.random.Generator) -> PlantedTable:
    n = len(table["officer_id"])
    count = config.OFFICER_DEFECTS[scale]
    t = {k: v.copy() for k, v in table.items()}
    plan = Planted("officers")
    picker = Picker(n, rng)
    unknown = picker.take(count, np.asarray(t["role"] == "网格员"))
    extra = {k: v[unknown].copy() for k, v in t.items()}
    extra["officer_id"] = np.strings.replace(extra["officer_id"], "WG", "XG")
    extra["name"] = person_names(rng, count)
    extra["phone"] = ids.phones(rng, count)
    extra["role"] = _choice(rng, UNKNOWN_ROLES, count)
    extra["grid_codes"] = np.full(count, "", dtype=STR)
    # the extra helpers are listed right after the worker they assist
    key = np.concatenate([np.arange(n, dtype=np.float64), unknown + 0.5])
    order = np.argsort(key, kind="stable")
    t = {k: np.concatenate([t[k], extra[k]])[order] for k in t}
    extra_rows = np.flatnonzero(order >= n)
    plan.add(extra_rows, "role_unknown", t["role"][extra_rows])
    n2 = len(t["officer_id"])
    clean = np.ones(n2, dtype=bool)
    clean[extra_rows] = False
    originals = Picker(n2, rng).take(count, clean)
    planted = _with_copies(t, originals, plan, rng, _vary_officer)
    return planted


def _vary_officer(copy: dict, rng: np.random.Generator) -> np.ndarray:
    n = len(copy["officer_id"])
    copy["name"] = person_names(rng, n)
    copy["phone"] = ids.phones(rng, n)
    return np.full(n, "same_id_other_person", dtype=object)


@dataclass
class DeclarationPlan:
    """Planted defects of the declarations, applied block by block as the
    file is written (the file is too large to hold as text at once)."""

    edits: dict  # column → (sorted rows, values; None = empty cell)
    originals: np.ndarray  # sorted rows repeated at the end of the file
    vary: np.ndarray  # per original: its repeat carries another tax_paid
    strangers: pa.Table  # rows of taxpayers that never registered
    tail_order: np.ndarray  # order of [repeats, strangers] at the end
    planted: pd.DataFrame  # row (0-based written), kind, variant

    def apply(self, chunk: pa.Table, start: int) -> pa.Table:
        stop = start + chunk.num_rows
        for column, (rows, values) in self.edits.items():
            lo, hi = np.searchsorted(rows, [start, stop])
            if lo == hi:
                continue
            mask = np.zeros(chunk.num_rows, dtype=bool)
            mask[rows[lo:hi] - start] = True
            i = chunk.schema.get_field_index(column)
            replaced = pc.replace_with_mask(chunk[column].combine_chunks(), pa.array(mask), pa.array(values[lo:hi].tolist(), type=pa.string()))
            chunk = chunk.set_column(i, column, replaced)
        return chunk

    def repeats_in(self, chunk: pa.Table, start: int) -> pa.Table:
        lo, hi = np.searchsorted(self.originals, [start, start + chunk.num_rows])
        return chunk.take(pa.array(self.originals[lo:hi] - start))

    def tail(self, repeats: pa.Table) -> pa.Table:
        if self.vary.any():
            paid = repeats["tax_paid"].combine_chunks()
            values = pc.cast(paid, pa.float64()).to_numpy(zero_copy_only=False)
            new_paid = pc.cast(pa.array(np.round(np.nan_to_num(values) * 1.1 + 1.0, 2)), pa.string())
            repeats = repeats.set_column(repeats.schema.get_field_index("tax_paid"), "tax_paid", pc.if_else(pa.array(self.vary), new_paid, paid))
        return pa.concat_tables([repeats, self.strangers]).take(pa.array(self.tail_order)).combine_chunks()


def plant_declarations(decl: Declarations, declared_ids: np.ndarray, staged: np.ndarray, rng: np.random.Generator) -> DeclarationPlan:
    """``declared_ids``: the identifier each taxpayer declares under;
    ``staged``: taxpayers whose registration row the ETL keeps. Defects go
    to rows of staged taxpayers only, so each has exactly one."""
    n = decl.n
    count = config.planted_count(n, config.DECLARATION_DEFECT_RATE)
    candidates = rng.choice(n, size=min(n, 8 * count), replace=False)
    candidates = candidates[staged[decl.row_taxpayer[candidates]]]
    groups = [np.sort(candidates[i * count : (i + 1) * count]) for i in range(4)]
    if any(len(g) < count for g in groups):
        raise RuntimeError("not enough declaration rows to plant defects")
    missing, bad_period, bad_amount, originals = groups
    plan = Planted("declarations")
    edits: dict[str, tuple[list, list]] = {}

    def edit(column, rows, values):
        edits.setdefault(column, ([], []))
        edits[column][0].append(rows)
        edits[column][1].append(np.asarray(values, dtype=object))

    which = _choice(rng, ["taxpayer_id", "period", "tax_type"], count)
    for column in ("taxpayer_id", "period", "tax_type"):
        edit(column, missing[which == column], np.full(int((which == column).sum()), None, dtype=object))
    plan.add(missing, "missing_key", which)
    values = _choice(rng, BAD_PERIODS, count)
    edit("period", bad_period, values)
    plan.add(bad_period, "period_invalid", values)
    which = _choice(rng, AMOUNTS, count)
    values = _choice(rng, BAD_AMOUNTS, count)
    for column in AMOUNTS:
        edit(column, bad_amount[which == column], values[which == column])
    plan.add(bad_amount, "amount_unparseable", which)
    sorted_edits = {}
    for column, (rows_list, values_list) in edits.items():
        rows = np.concatenate(rows_list)
        order = np.argsort(rows)
        sorted_edits[column] = (rows[order], np.concatenate(values_list)[order])

    known = set(declared_ids.tolist())
    unknown_ids = _fresh(
        lambda at: ids.unique_usccs(np.full(len(at), 9), np.full(len(at), 1), np.full(len(at), "440300", dtype=STR), np.ones(len(at), dtype=bool), rng), count, known
    )
    period = rng.integers(0, len(config.PERIODS), count)
    strangers = pa.table(
        {
            "taxpayer_id": pa.array(unknown_ids.astype(object), type=pa.string()),
            "period": pa.array([config.PERIODS[p] for p in period]),
            "tax_type": pa.array([TAX_TYPES[0]] * count),
            **{name: amount_texts(np.round(rng.lognormal(11, 1, count), 2)) for name in AMOUNTS},
        },
        schema=SCHEMA,
    )
    vary = rng.random(count) < 0.5
    tail_order = rng.permutation(2 * count)
    tail_kind = np.concatenate([np.full(count, "duplicate_key", dtype=object), np.full(count, "taxpayer_unknown", dtype=object)])[tail_order]
    tail_variant = np.concatenate([np.where(vary, "other_tax_paid", "exact").astype(object), np.full(count, "unregistered_id", dtype=object)])[tail_order]
    planted = pd.concat(
        [plan.frame(), pd.DataFrame({"source": "declarations", "row": n + np.arange(2 * count), "kind": tail_kind, "variant": tail_variant})],
        ignore_index=True,
    )
    return DeclarationPlan(sorted_edits, originals, vary, strangers, tail_order, planted)
