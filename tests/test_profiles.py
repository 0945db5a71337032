"""Noise profiles drawn per seed, and the second demo region (Yiwu): the
generator writes data whose habits nobody tuned the linkage to, and its
truth stays exact."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from etl import coords
from etl.schema import COORD_SYS_ALIASES, GRID_UNITS, INDUSTRY_CATEGORIES, TAXPAYERS
from taxmap.demo import config, generate, names
from taxmap.demo.__main__ import main as demo_main
from taxmap.demo.profiles import DEMO_PROFILE, RANGES, NoiseProfile, draw_profile, resolve
from taxmap.demo.region import BOUNDARIES_DIR

BAOAN_SEED = 9  # its drawn profile uses every habit: full-width, Chinese numerals, prefixes, branches, collisions
YIWU_SEED = 4
FULLWIDTH = re.compile("[０-９Ａ-Ｚ（）]")
CHINESE_TOWER = re.compile("[一二三四五六七八九十]+栋")


def read_csv(path: Path, encoding: str, columns) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=True)
    frame = frame[(frame != "").any(axis=1)].reset_index(drop=True)
    return frame.rename(columns={c.alias: c.name for c in columns})


def truth(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / "truth" / name)


def read_profile(out: Path) -> dict:
    return json.loads((out / "truth" / "profile.json").read_text(encoding="utf-8"))


def reading(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions as the ETL reads them (WGS84)."""
    key = frame["coord_sys"].str.strip().str.upper().str.replace(r"[-_ ]", "", regex=True)
    system = key.map(lambda k: "GCJ02" if k == "" else COORD_SYS_ALIASES.get(k, "?")).to_numpy()
    return coords.to_wgs84(pd.to_numeric(frame["lng"], errors="coerce").to_numpy(), pd.to_numeric(frame["lat"], errors="coerce").to_numpy(), system)


@pytest.fixture(scope="module")
def baoan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("profile") / "baoan"
    generate(scale="small", seed=BAOAN_SEED, out=out, profile="random")
    return out


@pytest.fixture(scope="module")
def yiwu(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("profile") / "yiwu"
    generate(scale="small", seed=YIWU_SEED, out=out, profile="random", region="yiwu")
    return out


@pytest.fixture(scope="module")
def baoan_units(baoan) -> pd.DataFrame:
    units = read_csv(baoan / "input" / "grid_units.csv", "utf-8-sig", GRID_UNITS.columns)
    return pd.concat([units, truth(baoan, "units.parquet").drop(columns="record_id")], axis=1)


# --- the profiles themselves ------------------------------------------------------------


def test_profiles_repeat_for_a_seed_and_differ_between_seeds():
    assert draw_profile(BAOAN_SEED) == draw_profile(BAOAN_SEED)
    assert draw_profile(BAOAN_SEED).to_json() == draw_profile(BAOAN_SEED).to_json()
    drawn = [draw_profile(seed) for seed in range(1, 21)]
    for field in ("uscc_seen_share", "moved_share", "lookalike_rate", "free_category_share", "reg_prefix", "unit_coord_sys"):
        assert len({getattr(p, field) for p in drawn}) == len(drawn), field
    assert len({p.lookalikes for p in drawn}) > 15
    assert resolve(None, 1) is DEMO_PROFILE and resolve("demo", 1) is DEMO_PROFILE
    assert resolve("random", 5) == draw_profile(5)
    custom = dataclasses.replace(DEMO_PROFILE, name="mine", uscc_seen_share=0.5)
    assert resolve(custom, 1) is custom
    with pytest.raises(ValueError):
        resolve("noisy", 1)


def test_drawn_parameters_stay_in_their_ranges():
    for seed in range(1, 41):
        p = draw_profile(seed)
        for field, (lo, hi) in RANGES.items():
            if field == "sign_prefix_none":
                value = p.sign_prefix[0]
            else:
                value = getattr(p, field)
            assert value == 0.0 or lo <= value <= hi, (seed, field, value)
        assert 0.2 <= p.uscc_seen_share <= 0.6 and 0.02 <= p.moved_share <= 0.10
        for shares in (p.reg_prefix, p.sign_forms, p.sign_prefix):
            assert sum(shares) == pytest.approx(1.0, abs=1e-5) and min(shares) >= 0
        for table in (p.taxpayer_coord_sys, p.unit_coord_sys):
            assert sum(s for _, _, s in table) == pytest.approx(1.0, abs=1e-5)
            assert {system for _, system, _ in table} == {"WGS84", "GCJ02", "BD09"}
            assert all(COORD_SYS_ALIASES.get(spelled.upper().replace("-", ""), "?") != "?" for spelled, _, _ in table if spelled)
        assert set(p.lookalikes) <= set(names.LOOKALIKE_POOL) and set(p.branch_suffixes) <= set(names.BRANCH_SUFFIXES)


def test_the_demo_profile_is_todays_behaviour():
    assert DEMO_PROFILE.uscc_seen_share == config.USCC_SEEN_SHARE and DEMO_PROFILE.uscc_typo_rate == config.USCC_TYPO_SHARE
    assert DEMO_PROFILE.moved_share == config.NORMAL_ROLE_SHARES["moved"] and DEMO_PROFILE.moved_km == (1.0, 5.0)
    assert DEMO_PROFILE.lookalikes == names.LOOKALIKES and DEMO_PROFILE.lookalike_rate == 0.15
    assert DEMO_PROFILE.free_category_share == DEMO_PROFILE.fullwidth_address_rate == DEMO_PROFILE.collision_rate == 0.0
    assert isinstance(DEMO_PROFILE, NoiseProfile) and DEMO_PROFILE.is_demo and not draw_profile(1).is_demo


def test_free_categories_are_not_the_schema_categories():
    words = {w for ws in names.FREE_CATEGORIES.values() for w in ws} | {w for ws in names.FREE_CATEGORIES_BY_INDUSTRY.values() for w in ws}
    assert not words & set(INDUSTRY_CATEGORIES.values())
    assert {"餐馆", "小吃店", "饭店", "便利店", "超市", "五金店", "理发", "电子厂", "贸易公司", "物流点"} <= words


# --- data written with a random profile respects it ------------------------------------------


def test_profile_is_written_to_the_truth_and_the_summary(baoan):
    written = read_profile(baoan)
    summary = json.loads((baoan / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["profile"] == written
    expected = draw_profile(BAOAN_SEED).to_dict()
    assert {k: v for k, v in written.items() if k != "measured"} == json.loads(json.dumps(expected, ensure_ascii=False))
    assert written["name"] == f"random-{BAOAN_SEED}"


def test_uscc_copied_share_and_typos_follow_the_profile(baoan_units):
    p = draw_profile(BAOAN_SEED)
    linked = baoan_units[baoan_units["true_taxpayer_id"].notna() & (baoan_units["true_taxpayer_id"].str.len() == 18) & (baoan_units["duplicate_of_row"] == 0)]
    filled = linked["uscc"] != ""
    assert filled.mean() == pytest.approx(p.uscc_seen_share, abs=0.03)
    errors = linked["uscc_error"][filled].notna().mean()
    assert errors == pytest.approx(p.uscc_typo_rate, abs=0.015)


def test_moved_share_distance_and_address_mismatch(baoan, baoan_units):
    p = draw_profile(BAOAN_SEED)
    tp = truth(baoan, "taxpayers.parquet")
    first = tp[tp["duplicate_of_row"] == 0]
    assert (first["role"] == "moved").sum() / (first["true_status"] == "正常").sum() == pytest.approx(p.moved_share, abs=0.01)
    # every moved business, staged on both sides, is an address mismatch; nothing else is
    d = truth(baoan, "discrepancies.parquet")
    mismatch = set(d["record_id"][d["kind"] == "address_mismatch"])
    taxpayers = read_csv(baoan / "input" / "taxpayers.csv", "gb18030", TAXPAYERS.columns)
    lng, lat = reading(taxpayers)
    usable = (tp["staged"] & tp["defect"].isna()).to_numpy()  # planted position defects leave no usable position
    staged_tp = pd.DataFrame({"lng": lng, "lat": lat}, index=taxpayers["taxpayer_id"])[usable]
    staged_tp = staged_tp[~staged_tp.index.duplicated()]
    moved = baoan_units[(baoan_units["kind_planted"] == "moved") & baoan_units["staged"]]
    moved = moved[moved["true_taxpayer_id"].isin(staged_tp.index)]
    ulng, ulat = reading(moved)
    home = staged_tp.loc[moved["true_taxpayer_id"]]
    dist = coords.haversine_m(ulng, ulat, home["lng"].to_numpy(), home["lat"].to_numpy())
    located = ~np.isnan(dist)
    assert located.sum() > 100
    assert (dist[located] > 800).all() and (dist[located] < 8_500).all()
    assert dist[located].max() > 5_500  # the drawn profile moves up to 8 km, the demo only 5
    assert set(moved["record_id"][located]) <= mismatch
    kinds = baoan_units.set_index("record_id")["kind_planted"]
    assert (kinds[list(mismatch)] == "moved").mean() > 0.98


def test_free_text_categories_and_full_width(baoan_units):
    p = draw_profile(BAOAN_SEED)
    assert p.fullwidth_address_rate > 0 and p.chinese_numeral_rate > 0 and p.free_category_share > 0
    clean = baoan_units[(baoan_units["duplicate_of_row"] == 0) & baoan_units["defect"].isna()]
    category = clean["business_category"][clean["business_category"] != ""]
    free = ~category.isin(set(INDUSTRY_CATEGORIES.values()))
    assert free.mean() == pytest.approx(p.free_category_share, abs=0.03)
    wide = clean["address"].str.contains(FULLWIDTH)
    assert wide.mean() == pytest.approx(p.fullwidth_address_rate, abs=0.03)
    assert clean["address"].str.contains(CHINESE_TOWER).sum() > 0.2 * p.chinese_numeral_rate * len(clean)
    assert clean["unit_name"].str.contains(FULLWIDTH).any()


def test_sign_prefixes_branches_and_legal_forms(baoan_units):
    p = draw_profile(BAOAN_SEED)
    signs = baoan_units[baoan_units["true_taxpayer_id"].notna() & baoan_units["defect"].isna()]["unit_name"]
    places = ["深圳市", "深圳", "宝安区", "宝安", "寶安", "安区", "圳市", "新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩"]
    prefixed = signs.str.startswith(tuple(places)).mean()
    assert prefixed == pytest.approx(1 - p.sign_prefix[0], abs=0.06)
    branch = [s.replace("{n}", "").replace("{street}", "").replace("{district}", "").strip("()（）") for s in p.branch_suffixes]
    assert signs.str.contains("|".join(re.escape(b) for b in branch if b)).mean() >= 0.5 * p.branch_rate
    if p.legal_form_cut > 0:
        assert signs.str.endswith(("有限", "股份")).any()


def test_trade_name_collisions_keep_registered_names_distinct(baoan):
    p = draw_profile(BAOAN_SEED)
    trade = truth(baoan, "trade_names.parquet")
    tp = truth(baoan, "taxpayers.parquet")
    first = trade[tp["duplicate_of_row"] == 0]
    grouped = first[first["trade_group"].notna()]
    assert len(grouped) == pytest.approx(p.collision_rate * len(first), rel=0.35)
    per_group = grouped.groupby("trade_group")
    assert (per_group["trade_name"].nunique() == 1).all() and (per_group.size() >= 2).all()
    taxpayers = read_csv(baoan / "input" / "taxpayers.csv", "gb18030", TAXPAYERS.columns)
    named = taxpayers["name"][(tp["duplicate_of_row"] == 0).to_numpy() & (taxpayers["name"] != "").to_numpy()]
    assert not named.duplicated().any()
    measured = read_profile(baoan)["measured"]
    assert measured["taxpayers_sharing_a_trade_name"] == len(trade[trade["trade_group"].notna() & (tp["duplicate_of_row"] == 0)])


def test_coordinate_systems_follow_the_profile(baoan_units):
    p = draw_profile(BAOAN_SEED)
    clean = baoan_units[(baoan_units["duplicate_of_row"] == 0) & baoan_units["defect"].isna()]
    spelled = clean["coord_sys"].value_counts(normalize=True)
    for name, _, share in p.unit_coord_sys:
        assert spelled.get(name, 0.0) == pytest.approx(share, abs=0.02), name


# --- the second region: Yiwu ---------------------------------------------------------------


def test_yiwu_is_in_its_county(yiwu):
    streets = json.loads((yiwu / "input" / "streets.geojson").read_text(encoding="utf-8"))["features"]
    assert len(streets) == 14
    assert {f["properties"]["district_code"] for f in streets} == {"330782"}
    assert all(f["properties"]["street_code"].startswith("330782") for f in streets)
    assert {"稠城街道", "福田街道", "佛堂镇", "苏溪镇"} <= {f["properties"]["street_name"] for f in streets}
    county = json.loads((BOUNDARIES_DIR / "yiwu_county.geojson").read_text(encoding="utf-8"))["features"][0]
    assert county["properties"]["district_code"] == "330782"
    polygon = shapely.from_geojson(json.dumps(county["geometry"]))
    tp = truth(yiwu, "taxpayers.parquet")
    units = truth(yiwu, "units.parquet")
    for frame in (tp, units):
        assert shapely.contains_xy(polygon.buffer(1e-6), frame["true_lng"].to_numpy(), frame["true_lat"].to_numpy()).all()
    grids = json.loads((yiwu / "input" / "grids.geojson").read_text(encoding="utf-8"))["features"]
    assert all(f["properties"]["grid_code"].startswith("330782") and len(f["properties"]["grid_code"]) == 13 for f in grids)
    manifest = (yiwu / "input" / "manifest.toml").read_text(encoding="utf-8")
    assert 'region_name = "义乌市"' in manifest


def test_yiwu_writes_its_own_places(yiwu):
    taxpayers = read_csv(yiwu / "input" / "taxpayers.csv", "gb18030", TAXPAYERS.columns)
    units = read_csv(yiwu / "input" / "grid_units.csv", "utf-8-sig", GRID_UNITS.columns)
    tp = truth(yiwu, "taxpayers.parquet")
    clean = taxpayers[tp["defect"].isna().to_numpy()]
    assert clean["reg_address"].str.startswith("浙江省义乌市").all()
    assert not taxpayers["reg_address"].str.contains("深圳|宝安").any() and not units["address"].str.contains("深圳|宝安").any()
    assert clean["street_code"].str.startswith("330782").all()
    assert clean["taxpayer_id"].str[2:8].isin(["330782", "330700"]).all()
    assert clean["name"].str.contains("义乌").mean() > 0.2
    assert {"其他家庭用品批发", "互联网零售"} <= set(clean["industry_name"])
    assert units["address"].str.contains("义乌市").mean() > 0.9


def test_yiwu_truth_is_consistent(yiwu):
    tu = truth(yiwu, "units.parquet")
    tp = truth(yiwu, "taxpayers.parquet")
    d = truth(yiwu, "discrepancies.parquet")
    staged_ids = set(tp["taxpayer_id"][tp["staged"]])
    linked = tu[tu["staged"] & tu["true_taxpayer_id"].notna()]
    assert set(linked["true_taxpayer_id"]) <= staged_ids  # every true link's taxpayer is staged
    assert set(d["kind"]) == {"unregistered", "not_found", "address_mismatch", "status_conflict"}
    assert set(d["record_id"].dropna()) <= set(tu["record_id"][tu["staged"]])
    assert set(d["taxpayer_id"].dropna()) <= staged_ids
    unregistered = set(d["record_id"][d["kind"] == "unregistered"])
    assert unregistered <= set(tu["record_id"][tu["staged"] & tu["true_taxpayer_id"].isna()])
    mismatch = set(d["record_id"][d["kind"] == "address_mismatch"])
    moved = set(linked["record_id"][linked["kind_planted"] == "moved"])
    assert len(mismatch & moved) >= 0.95 * len(moved) and len(mismatch - moved) <= 0.02 * len(mismatch)
    assert not (set(linked["true_taxpayer_id"]) & set(d["taxpayer_id"][d["kind"] == "not_found"]))
    summary = json.loads((yiwu / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["discrepancies"] == d["kind"].value_counts().to_dict()
    assert summary["region"] == "yiwu" and summary["region_name"] == "义乌市"
    rejects = pd.read_csv(yiwu / "truth" / "rejects.csv", dtype=str, keep_default_na=False)
    issues = pd.read_csv(yiwu / "truth" / "quality_issues.csv", dtype=str, keep_default_na=False)
    for source, rows in (("taxpayers", len(tp)), ("grid_units", len(tu))):
        assert summary["rows"][source] == rows
        assert summary["staged"][source] + (rejects["source"] == source).sum() == rows
    planted = pd.read_csv(yiwu / "truth" / "planted.csv")
    outside = planted[(planted["kind"] == "outside_region")]["variant"]
    assert set(outside) <= {"jinhua", "lanxi", "yongkang", "hangzhou", "ningbo", "shanghai"}
    streets_unknown = issues[issues["issue"] == "street_code_unknown"]
    assert len(streets_unknown) >= 20


def test_yiwu_with_a_random_profile_is_reproducible(yiwu, tmp_path):
    generate(scale="small", seed=YIWU_SEED, out=tmp_path, profile="random", region="yiwu")
    for folder in ("input", "truth"):
        for path in sorted((yiwu / folder).iterdir()):
            twin = tmp_path / folder / path.name
            if path.name == "summary.json":
                a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (path, twin))
                a.pop("seconds"), b.pop("seconds")
                assert a == b
            else:
                assert path.read_bytes() == twin.read_bytes(), path.name


def test_regions_and_scales_that_do_not_exist_are_refused(tmp_path, capsys):
    assert config.scale_for("small", "yiwu").region == "yiwu"
    assert config.scale_for("small").region == "baoan"
    with pytest.raises(ValueError):
        config.scale_for("shenzhen", "yiwu")
    assert demo_main(["--scale", "shenzhen", "--region", "yiwu", "--out", str(tmp_path)]) == 2
    assert "not available" in capsys.readouterr().err
