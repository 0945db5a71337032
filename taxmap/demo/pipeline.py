"""``generate()``: build the world, write it as a bureau would export it,
plant the bad rows, and write the ground truth beside it."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from etl.schema import GRID_UNITS, OFFICERS, TAXPAYERS
from taxmap.demo import config, formats, noise, patterns, population, profiles, truth, writer
from taxmap.demo.config import rng_for
from taxmap.demo.declarations import SCHEMA, make_declarations
from taxmap.demo.names import STR
from taxmap.demo.region import build_grids, build_region, locate

def generate(
    scale: str = "small",
    seed: int = 20261124,
    out: Path | str = "data/demo/small",
    boundaries_dir: Path | None = None,
    profile: str | profiles.NoiseProfile | None = None,
    region: str | None = None,
) -> dict:
    """Write OUT/input (the contract's input folder) and OUT/truth.

    ``profile``: how the files are written — None or "demo" (the demo's
    habits), "random" (drawn from the seed, see profiles.py) or a
    NoiseProfile. ``region``: "baoan" or "yiwu" (None: the scale's own;
    scale "shenzhen" has no other). Same arguments → byte-identical files.
    Returns a summary (paths, row counts, seconds taken)."""
    started = time.perf_counter()
    spec = config.scale_for(scale, region)
    noise_profile = profiles.resolve(profile, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _generate(spec, seed, Path(out), boundaries_dir, started, noise_profile)


def _generate(spec: config.Scale, seed: int, out: Path, boundaries_dir: Path | None, started: float, profile: profiles.NoiseProfile = profiles.DEMO_PROFILE) -> dict:
    input_dir, truth_dir = out / "input", out / "truth"
    input_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    streams = profiles.streams(seed)

    region = build_region(spec, rng_for(seed, "region"), boundaries_dir)
    hh = population.place_households(region, rng_for(seed, "households"))
    n_tp = hh.n_taxpayers
    grids = build_grids(region, hh.zone[:n_tp], hh.lng[:n_tp], hh.lat[:n_tp], rng_for(seed, "grids"))
    population.assign_grids(hh, grids)
    buildings = population.make_buildings(hh, region, rng_for(seed, "buildings"))
    tp = population.make_taxpayers(hh, region, rng_for(seed, "taxpayers"), profile, streams("collisions"))
    room = patterns.plant_mills(tp, hh, rng_for(seed, "risk-mills"))
    patterns.plant_patterns(tp, rng_for(seed, "risk-patterns"))
    tp.reg_address = population.registered_addresses(hh, buildings, region, tp.site, tp.entity == "个体工商户", room)
    population.geocode(tp, hh, grids, region, rng_for(seed, "geocode"), profile)
    per_zone = np.bincount(hh.zone[:n_tp], minlength=len(region.zones))
    officers = population.make_officers(region, grids, per_zone, rng_for(seed, "officers"))
    units = population.make_units(tp, hh, buildings, grids, region, officers, rng_for(seed, "units"), profile, streams)
    decl = make_declarations(tp, seed, rng_for(seed, "declarations"))

    # planted defects
    ptp = noise.plant_taxpayers(population.taxpayer_table(tp, region), tp.has_unit, rng_for(seed, "plant-taxpayers"), region.locale)
    first = ~ptp.is_copy
    tp_row = np.empty(tp.n, dtype=np.int64)
    tp_row[ptp.record[first]] = np.flatnonzero(first)
    written_ids = formats.to_str(ptp.table["taxpayer_id"].take(pa.array(tp_row)))
    units.table["uscc"], uscc_error = population.unit_uscc(units, written_ids, rng_for(seed, "uscc"))
    pun = noise.plant_units(units.table, _clear_of_borders(units, grids), rng_for(seed, "plant-units"), region.locale)
    pof = noise.plant_officers(officers.table, spec.name, rng_for(seed, "plant-officers"))
    rejected_kinds = ptp.planted[ptp.planted["kind"].isin(["missing_key", "missing_name"])]
    tp_staged = np.ones(tp.n, dtype=bool)
    tp_staged[ptp.record[rejected_kinds["row"].to_numpy()]] = False
    declared_ids = np.where(written_ids == "", tp.taxpayer_id, written_ids).astype(STR)
    plan = noise.plant_declarations(decl, declared_ids, tp_staged, rng_for(seed, "plant-declarations"))

    # what the rules make of the written files: exactly the planted defects
    zone_codes = [z.code for z in region.zones]
    ctx = truth.Context.build(region.union, zone_codes, grids.code, grids.geometry)
    tp_out, tp_stage = truth.evaluate_taxpayers(ptp.table, ctx)
    truth.check_planted(tp_out, ptp.planted)
    unit_out, unit_stage = truth.evaluate_units(pun.table, ctx)
    truth.check_planted(unit_out, pun.planted)
    decl_out = _write_declarations(input_dir / "declarations.parquet", decl, declared_ids, plan, tp_stage)
    orphan = np.flatnonzero(~tp_staged[decl.row_taxpayer])
    decl_expected = pd.concat(
        [plan.planted, pd.DataFrame({"source": "declarations", "row": orphan, "kind": "taxpayer_unknown", "variant": "taxpayer_rejected"})],
        ignore_index=True,
    )
    truth.check_planted(decl_out, decl_expected)
    officer_out = truth.evaluate_officers(pof.table)
    truth.check_planted(officer_out, pof.planted)
    _check_boundaries(region, grids)

    unit_tp = units.taxpayer[pun.record]
    unit_tp_row = np.where(unit_tp >= 0, tp_row[np.maximum(unit_tp, 0)], -1)
    disc, surveyed = truth.discrepancies(tp_stage, unit_stage, unit_tp_row[unit_stage.row], ctx)

    # files
    _write_inputs(input_dir, spec, seed, region, grids, ptp, pun, pof, rng_for(seed, "blank-lines"))
    outcomes = [tp_out, unit_out, decl_out, officer_out]
    summary = _write_truth(
        truth_dir, spec, seed, hh, tp, units, ptp, pun, pof, outcomes, disc, surveyed, written_ids, tp_row, uscc_error, region, grids, decl_expected
    )
    groups = tp.trade_group if tp.trade_group is not None else np.full(tp.n, -1)
    _write_trade_names(truth_dir / "trade_names.parquet", ptp, tp, groups)
    summary["region"] = spec.region
    summary["profile"] = profile.to_dict() | {
        "measured": {
            "moved_share_of_normal_status": round(float((tp.role == "moved").sum() / max(1, (tp.status == "正常").sum())), 6),
            "uscc_filled_share_of_linked_units": round(float(units.uscc_seen.sum() / max(1, (units.taxpayer >= 0).sum())), 6),
            "taxpayers_sharing_a_trade_name": int((groups >= 0).sum()),
            "trade_name_groups": int(len(np.unique(groups[groups >= 0]))),
        }
    }
    (truth_dir / "profile.json").write_text(json.dumps(summary["profile"], ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    seconds = round(time.perf_counter() - started, 1)
    summary["seconds"] = seconds
    (truth_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {
        "out": str(out),
        "scale": spec.name,
        "region": spec.region,
        "profile": profile.name,
        "seed": seed,
        "streets": len(region.zones),
        "grids": len(grids.code),
        "taxpayers_rows": summary["rows"]["taxpayers"],
        "grid_units_rows": summary["rows"]["grid_units"],
        "declarations_rows": summary["rows"]["declarations"],
        "officers_rows": summary["rows"]["officers"],
        "rejects": summary["rejects_total"],
        "quality_issues": summary["quality_issues_total"],
        "discrepancies": summary["discrepancies"],
        "seconds": seconds,
    }


def _write_trade_names(path: Path, ptp, tp, groups: np.ndarray) -> None:
    """truth/trade_names.parquet: each taxpayers row's trade name (字号) and,
    where the noise profile gave several taxpayers one trade name, its group."""
    rec = ptp.record
    group = groups[rec]
    frame = pd.DataFrame(
        {
            "taxpayer_id": truth.objects(ptp.table["taxpayer_id"]),
            "row_number": np.arange(1, len(rec) + 1),
            "trade_name": tp.brand[rec].astype(object),
            "trade_group": pd.arrays.IntegerArray(np.where(group >= 0, group, 0).astype(np.int64), group < 0),
        }
    )
    writer.write_parquet(path, pa.Table.from_pandas(frame, preserve_index=False))


def _clear_of_borders(units: population.Units, grids) -> np.ndarray:
    """Units whose position, as the ETL reads it, lies inside a grid and at
    least ~1 m from its border."""
    system = noise.normalise_coord_sys(units.table["coord_sys"])
    lng, lat = population.decode(units.table["lng"], units.table["lat"], system)
    where = locate(lng, lat, grids.geometry)
    ok = where >= 0
    margin = np.zeros(len(lng))
    margin[ok] = shapely.distance(shapely.points(lng[ok], lat[ok]), shapely.boundary(grids.geometry[where[ok]]))
    return ok & (margin > 1e-5)


def _check_boundaries(region, grids) -> None:
    """Streets and grids are valid polygons and the grids tile their streets,
    so the ETL has nothing to reject or repair in them."""
    geoms = np.asarray(grids.geometry)
    streets = np.array([z.geometry for z in region.zones], dtype=object)
    for what in (streets, geoms):
        if not shapely.is_valid(what).all() or not np.isin(shapely.get_type_id(what), (3, 6)).all():
            raise RuntimeError("a street or grid polygon is invalid")
    for zi, zone in enumerate(region.zones):
        area = shapely.area(geoms[grids.zone == zi]).sum()
        if abs(area - zone.geometry.area) > 1e-6 * zone.geometry.area:
            raise RuntimeError(f"grids of {zone.code} do not tile it")


def _write_declarations(path: Path, decl, declared_ids: np.ndarray, plan: noise.DeclarationPlan, tp_stage) -> truth.Outcome:
    """Write the declarations block by block (planted defects applied) and
    apply the rules to exactly what was written."""
    ids = pa.array(declared_ids.astype(object), type=pa.string())
    checker = truth.DeclarationChecker(pa.concat_arrays([ids, plan.strangers["taxpayer_id"].combine_chunks()]).unique(), pa.array(tp_stage.taxpayer_id, type=pa.string()))
    repeats = []
    with pq.ParquetWriter(path, SCHEMA, compression="zstd") as out:
        for start, chunk in decl.blocks(ids):
            chunk = plan.apply(chunk, start)
            repeats.append(plan.repeats_in(chunk, start))
            out.write_table(chunk, row_group_size=1_000_000)
            checker.update(chunk, start)
        tail = plan.tail(pa.concat_tables(repeats))
        out.write_table(tail, row_group_size=1_000_000)
        checker.update(tail, decl.n)
    return checker.finish()


def _write_inputs(input_dir: Path, spec, seed: int, region, grids, ptp, pun, pof, rng) -> None:
    writer.write_geojson(
        input_dir / "streets.geojson",
        [
            {"street_code": z.code, "street_name": z.name, "district_code": z.district_code, "district_name": z.district_name, "synthetic": z.synthetic}
            for z in region.zones
        ],
        [z.geometry for z in region.zones],
    )
    zone_code = np.array([z.code for z in region.zones])
    writer.write_geojson(
        input_dir / "grids.geojson",
        [{"grid_code": c, "grid_name": n, "street_code": s} for c, n, s in zip(grids.code.tolist(), grids.name.tolist(), zone_code[grids.zone].tolist(), strict=True)],
        grids.geometry,
    )
    tp_cols = [c for c in TAXPAYERS.columns]
    writer.write_csv(
        input_dir / "taxpayers.csv",
        [c.alias for c in tp_cols],
        [ptp.table[c.name] for c in tp_cols],
        encoding="gb18030",
        bom=False,
        newline="\r\n",
        blanks=writer.blank_lines(len(ptp.table["taxpayer_id"]), rng),
    )
    unit_cols = [c for c in GRID_UNITS.columns]
    writer.write_csv(
        input_dir / "grid_units.csv",
        [c.alias for c in unit_cols],
        [pun.table[c.name] for c in unit_cols],
        encoding="utf-8",
        bom=True,
        newline="\n",
        blanks=writer.blank_lines(len(pun.table["record_id"]), rng),
    )
    headers = [c.alias for c in OFFICERS.columns]
    rows = np.column_stack([truth.objects(pof.table[c.name]) for c in OFFICERS.columns]).tolist()
    exported = config.EXPORTED_AT.strftime("%Y-%m-%d %H:%M")
    writer.write_officers_xlsx(input_dir / "officers.xlsx", f"{spec.region_name}网格员与税收管理员名册（导出时间 {exported}）", headers, rows)
    writer.write_manifest(input_dir / "manifest.toml", spec, seed)


def _counts(values) -> dict:
    series = pd.Series(values, dtype=object)
    return {str(k): int(v) for k, v in series.value_counts().sort_index().items()}


def _write_truth(truth_dir, spec, seed, hh, tp, units, ptp, pun, pof, outcomes, disc, surveyed, written_ids, tp_row, uscc_error, region, grids, decl_expected) -> dict:
    # units
    defect = np.full(len(pun.record), None, dtype=object)
    defect[pun.planted["row"].to_numpy()] = pun.planted["kind"].to_numpy()
    unit_tp = units.taxpayer[pun.record]
    has_tp = unit_tp >= 0
    true_id = np.where(has_tp, written_ids[np.maximum(unit_tp, 0)], None)
    uscc_written = formats.to_str(pun.table["uscc"])
    staged_units = outcomes[1].staged
    first_row = np.full(len(units.taxpayer), -1)
    first_row[pun.record[~pun.is_copy]] = np.flatnonzero(~pun.is_copy)
    units_truth = pd.DataFrame(
        {
            "record_id": truth.objects(pun.table["record_id"]),
            "row_number": np.arange(1, len(pun.record) + 1),
            "true_taxpayer_id": pd.array(true_id, dtype="string"),
            "uscc_written": uscc_written.astype(object),
            "uscc_exact": has_tp & (uscc_written == np.where(has_tp, true_id, "").astype(STR)) & (uscc_written != ""),
            "uscc_error": pd.array(np.where(uscc_error[pun.record] == "", None, uscc_error[pun.record].astype(object)), dtype="string"),
            "true_lng": units.true_lng[pun.record],
            "true_lat": units.true_lat[pun.record],
            "kind_planted": units.kind[pun.record].astype(object),
            "defect": pd.array(defect, dtype="string"),
            "duplicate_of_row": np.where(pun.is_copy, first_row[pun.record] + 1, 0),
            "staged": staged_units,
        }
    )
    writer.write_parquet(truth_dir / "units.parquet", pa.Table.from_pandas(units_truth, preserve_index=False))

    # taxpayers
    defect = np.full(len(ptp.record), None, dtype=object)
    defect[ptp.planted["row"].to_numpy()] = ptp.planted["kind"].to_numpy()
    rec = ptp.record
    true_site = np.where(tp.operating_site >= 0, tp.operating_site, tp.site)
    taxpayers_truth = pd.DataFrame(
        {
            "taxpayer_id": truth.objects(ptp.table["taxpayer_id"]),
            "row_number": np.arange(1, len(rec) + 1),
            "true_lng": hh.lng[true_site[rec]],
            "true_lat": hh.lat[true_site[rec]],
            "operates": tp.operates[rec],
            "role": tp.role[rec].astype(object),
            "true_status": tp.status[rec].astype(object),
            "risk_pattern": tp.risk_pattern[rec].astype(object),
            "defect": pd.array(defect, dtype="string"),
            "duplicate_of_row": np.where(ptp.is_copy, tp_row[rec] + 1, 0),
            "staged": outcomes[0].staged,
        }
    )
    writer.write_parquet(truth_dir / "taxpayers.parquet", pa.Table.from_pandas(taxpayers_truth, preserve_index=False))

    # rejects and quality issues
    rejects = pd.concat(
        [o.rejects.assign(source=o.source) for o in outcomes], ignore_index=True
    )
    rejects = pd.DataFrame({"source": rejects["source"], "row_number": rejects["row"] + 1, "record_key": rejects["record_key"], "reason": rejects["reason"]})
    issues = pd.concat([o.issues.assign(source=o.source) for o in outcomes], ignore_index=True)
    issues = pd.DataFrame({"source": issues["source"], "row_number": issues["row"] + 1, "record_key": issues["record_key"], "issue": issues["issue"]})
    rejects.to_csv(truth_dir / "rejects.csv", index=False, encoding="utf-8", lineterminator="\n")
    issues.to_csv(truth_dir / "quality_issues.csv", index=False, encoding="utf-8", lineterminator="\n")
    disc = disc.sort_values(["kind", "taxpayer_id", "record_id"], ignore_index=True, na_position="first")
    writer.write_parquet(truth_dir / "discrepancies.parquet", pa.Table.from_pandas(disc, preserve_index=False))

    planted = pd.concat([ptp.planted, pun.planted, decl_expected, pof.planted], ignore_index=True)
    order = {name: i for i, name in enumerate(("taxpayers", "grid_units", "declarations", "officers"))}
    planted = planted.assign(row_number=planted["row"] + 1, _order=planted["source"].map(order))
    planted = planted.sort_values(["_order", "row_number", "kind"], ignore_index=True)
    planted[["source", "row_number", "kind", "variant"]].to_csv(truth_dir / "planted.csv", index=False, encoding="utf-8", lineterminator="\n")
    rows = {
        "streets": len(region.zones),
        "grids": len(grids.code),
        "taxpayers": len(ptp.record),
        "grid_units": len(pun.record),
        "declarations": len(outcomes[2].staged),
        "officers": len(pof.record),
    }
    return {
        "scale": spec.name,
        "seed": seed,
        "region_name": spec.region_name,
        "survey_start": config.SURVEY_START.isoformat(),
        "survey_end": config.SURVEY_END.isoformat(),
        "rows": rows,
        "staged": {o.source: int(o.staged.sum()) for o in outcomes} | {"streets": len(region.zones), "grids": len(grids.code)},
        "rejects": {o.source: _counts(o.rejects["reason"]) for o in outcomes},
        "quality_issues": {o.source: _counts(o.issues["issue"]) for o in outcomes},
        "rejects_total": len(rejects),
        "quality_issues_total": len(issues),
        "planted": {src: _counts(g["kind"]) for src, g in planted.groupby("source")},
        "blank_lines_per_csv": config.BLANK_LINES,
        "discrepancies": _counts(disc["kind"]),
        "taxpayer_roles": _counts(tp.role.astype(object)),
        "taxpayer_status": _counts(tp.status.astype(object)),
        "risk_patterns": {p: int((tp.risk_pattern == p).sum()) for p in patterns.PATTERNS},
        "unit_kinds": _counts(units.kind.astype(object)),
        "unit_coord_sys": _counts(noise.normalise_coord_sys(pun.table["coord_sys"]).astype(object)),
        "uscc_filled": int((uscc_written != "").sum()),
        "uscc_errors": _counts(uscc_error[uscc_error != ""].astype(object)),
        "households_per_street": {z.code: int(n) for z, n in zip(region.zones, np.bincount(tp.zone, minlength=len(region.zones)), strict=True)},
        "surveyed_grids": int(surveyed.sum()),
        "synthetic_streets": int(sum(z.synthetic for z in region.zones)),
    }

