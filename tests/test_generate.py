"""The demo generator: `taxmap generate` writes a region in the contract's
input format with planted bad rows, and a ground truth that matches the ETL
rules on those very files."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from etl import coords, uscc
from etl.schema import COORD_SYS_ALIASES, GRID_UNITS, OFFICERS, TAXPAYERS
from taxmap.demo import generate
from taxmap.demo.region import geometry_to_metres, in_sparse_zone, to_metres

SEED = 7


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "small"
    generate(scale="small", seed=SEED, out=out)
    return out


@pytest.fixture(scope="module")
def again(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen-again") / "small"
    generate(scale="small", seed=SEED, out=out)
    return out


def read_csv(path: Path, encoding: str) -> pd.DataFrame:
    """Data rows as text, the way the rules read them: blank lines and rows of
    empty cells are not data rows."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=True)
    frame = frame[(frame != "").any(axis=1)].reset_index(drop=True)
    return frame


@pytest.fixture(scope="module")
def taxpayers(region) -> pd.DataFrame:
    frame = read_csv(region / "input" / "taxpayers.csv", "gb18030")
    return frame.rename(columns={c.alias: c.name for c in TAXPAYERS.columns})


@pytest.fixture(scope="module")
def units(region) -> pd.DataFrame:
    frame = read_csv(region / "input" / "grid_units.csv", "utf-8-sig")
    return frame.rename(columns={c.alias: c.name for c in GRID_UNITS.columns})


@pytest.fixture(scope="module")
def streets(region):
    return json.loads((region / "input" / "streets.geojson").read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def grids(region):
    return json.loads((region / "input" / "grids.geojson").read_text(encoding="utf-8"))["features"]


def truth(region: Path, name: str) -> pd.DataFrame:
    path = region / "truth" / name
    return pd.read_csv(path, dtype={"record_key": str}, keep_default_na=False) if name.endswith(".csv") else pd.read_parquet(path)


def normalised(coord_sys: pd.Series) -> pd.Series:
    key = coord_sys.str.strip().str.upper().str.replace(r"[-_ ]", "", regex=True)
    return key.map(lambda k: "GCJ02" if k == "" else COORD_SYS_ALIASES.get(k, "?"))


def wgs84(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return coords.to_wgs84(frame["lng"].astype(float).to_numpy(), frame["lat"].astype(float).to_numpy(), normalised(frame["coord_sys"]).to_numpy())


# --- reproducibility ----------------------------------------------------------


def test_same_seed_gives_identical_files(region, again):
    for folder in ("input", "truth"):
        for path in sorted((region / folder).iterdir()):
            twin = again / folder / path.name
            if path.name == "summary.json":
                a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (path, twin))
                a.pop("seconds"), b.pop("seconds")
                assert a == b
            else:
                assert path.read_bytes() == twin.read_bytes(), path.name


def test_another_seed_gives_another_region(region, tmp_path):
    generate(scale="small", seed=SEED + 1, out=tmp_path)
    assert (tmp_path / "input" / "taxpayers.csv").read_bytes() != (region / "input" / "taxpayers.csv").read_bytes()


# --- formats -----------------------------------------------------------------


def test_taxpayers_csv_is_gb18030_with_chinese_headers(region):
    raw = (region / "input" / "taxpayers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.split("\r\n", 1)[0].split(",") == [c.alias for c in TAXPAYERS.columns]


def test_grid_units_csv_is_utf8_with_bom_and_chinese_headers(region):
    raw = (region / "input" / "grid_units.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").split("\n", 1)[0].split(",")
    assert header == [c.alias for c in GRID_UNITS.columns]


def test_csvs_hold_a_few_blank_lines_that_are_not_rows(region, taxpayers):
    lines = (region / "input" / "taxpayers.csv").read_bytes().decode("gb18030").split("\r\n")[1:-1]
    blank = [line for line in lines if line.strip(",") == ""]
    assert 1 <= len(blank) <= 5
    summary = json.loads((region / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert len(taxpayers) == summary["rows"]["taxpayers"] == len(lines) - len(blank)


def test_manifest(region):
    manifest = tomllib.loads((region / "input" / "manifest.toml").read_text(encoding="utf-8"))
    assert manifest["region_name"] == "宝安区"
    assert manifest["default_coord_sys"] == "GCJ02"
    assert manifest["address_mismatch_m"] == 500
    assert str(manifest["survey_start"]) == "2026-01-01" and str(manifest["survey_end"]) == "2026-10-31"
    assert manifest["scale"] == "small" and manifest["seed"] == SEED


def test_officers_xlsx_has_a_merged_title_over_the_header(region):
    wb = openpyxl.load_workbook(region / "input" / "officers.xlsx")
    ws = wb.active
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert "名册" in ws.cell(1, 1).value
    assert [c.value for c in ws[2]] == [c.alias for c in OFFICERS.columns]
    rows = pd.DataFrame([[c.value for c in row] for row in ws.iter_rows(min_row=3)], columns=[c.name for c in OFFICERS.columns])
    assert set(rows["role"]) >= {"网格员", "税收管理员"}
    assert rows["officer_id"].duplicated().any()
    workers = rows[rows["role"] == "网格员"]
    assert workers["grid_codes"].str.split(";").map(len).between(1, 4).all()


def test_declarations_are_text_for_twelve_months(region, taxpayers):
    table = pq.read_table(region / "input" / "declarations.parquet")
    assert all(str(f.type) == "string" for f in table.schema)
    frame = table.to_pandas()
    periods = pd.to_datetime(frame["period"].str.replace("年", "-").str.replace("月", "").str.replace("/", "-"), format="mixed", errors="coerce")
    assert periods.dt.strftime("%Y-%m").nunique() == 12
    assert set(frame["tax_type"].dropna()) == {"增值税", "企业所得税"}
    cit = periods[frame["tax_type"] == "企业所得税"].dropna()
    assert set(cit.dt.month) == {3, 6, 9, 12}


# --- the region ----------------------------------------------------------------


def test_streets_and_grid_codes_nest(streets, grids):
    street_codes = {f["properties"]["street_code"] for f in streets}
    assert len(street_codes) == 10
    assert 55 <= len(grids) <= 90
    for f in grids:
        p = f["properties"]
        assert p["street_code"] in street_codes
        assert p["grid_code"].startswith(p["street_code"]) and len(p["grid_code"]) == 13
        assert p["grid_name"].endswith(f"第{p['grid_code'][-4:]}网格")


def test_grids_are_valid_and_tile_their_streets(streets, grids):
    area = {f["properties"]["street_code"]: shapely.area(geometry_to_metres(shapely.from_geojson(json.dumps(f["geometry"])))) for f in streets}
    covered = dict.fromkeys(area, 0.0)
    for f in grids:
        geom = shapely.from_geojson(json.dumps(f["geometry"]))
        assert shapely.is_valid(geom) and geom.geom_type in ("Polygon", "MultiPolygon")
        covered[f["properties"]["street_code"]] += shapely.area(geometry_to_metres(geom))
    for code, total in area.items():
        assert covered[code] == pytest.approx(total, rel=0.005)


def test_xixiang_holds_its_share_of_households(taxpayers, streets):
    known = taxpayers[taxpayers["street_code"].isin({f["properties"]["street_code"] for f in streets})]
    known = known.drop_duplicates("taxpayer_id")
    xixiang = next(f["properties"]["street_code"] for f in streets if f["properties"]["street_name"] == "西乡街道")
    assert (known["street_code"] == xixiang).mean() == pytest.approx(0.2441, abs=0.015)


def test_households_cluster_and_avoid_reservoirs(region, streets):
    tp = truth(region, "taxpayers.parquet")
    x, y = to_metres(tp["true_lng"].to_numpy(), tp["true_lat"].to_numpy())
    counts, _, _ = np.histogram2d(x, y, bins=[np.arange(x.min(), x.max() + 500, 500), np.arange(y.min(), y.max() + 500, 500)])
    occupied = counts[counts > 0]
    assert occupied.std() / occupied.mean() > 0.8  # uniform would give ~0.3
    union = shapely.union_all([shapely.from_geojson(json.dumps(f["geometry"])) for f in streets])
    share_of_area = np.pi * 1500**2 / shapely.area(geometry_to_metres(union))
    inside = in_sparse_zone(tp["true_lng"].to_numpy(), tp["true_lat"].to_numpy(), "铁岗水库").sum()
    assert inside < 0.1 * share_of_area * len(tp)


# --- taxpayers and units ---------------------------------------------------------


def test_clean_taxpayer_ids_are_valid_credit_codes(region, taxpayers):
    tp = truth(region, "taxpayers.parquet")
    tp["defect"] = tp["defect"].fillna("")
    bad = tp["defect"].isin(["uscc_check_digit", "uscc_format", "missing_key"]).to_numpy()
    ids = taxpayers["taxpayer_id"][~bad]
    assert ids.map(uscc.is_valid).all()
    assert ids[~tp["duplicate_of_row"].gt(0).to_numpy()[~bad]].is_unique
    assert taxpayers["taxpayer_id"][tp["defect"].eq("uscc_check_digit").to_numpy()].str.len().eq(18).all()
    assert taxpayers["taxpayer_id"][tp["defect"].eq("uscc_format").to_numpy()].str.len().eq(15).all()


def test_personal_fields_look_real(taxpayers):
    ids = taxpayers["legal_rep_id"]
    weights = np.array([pow(2, 17 - i, 11) for i in range(17)])
    digits = np.array([[int(c) for c in s[:17]] for s in ids])
    check = (12 - (digits * weights).sum(axis=1) % 11) % 11
    assert (np.where(check == 10, "X", check.astype(str)) == ids.str[17].to_numpy()).all()
    assert taxpayers["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert taxpayers["entity_type"].value_counts(normalize=True)["企业"] == pytest.approx(0.55, abs=0.03)
    assert taxpayers["status"].value_counts(normalize=True)["正常"] == pytest.approx(0.88, abs=0.02)


def test_unit_counts_and_coordinate_systems(units, taxpayers):
    assert 0.65 * len(taxpayers) < len(units) < 0.9 * len(taxpayers)
    systems = normalised(units["coord_sys"])
    explicit = units["coord_sys"].str.strip() != ""
    assert (systems[explicit] == "GCJ02").mean() * explicit.mean() == pytest.approx(0.75, abs=0.03)
    assert (~explicit).mean() == pytest.approx(0.07, abs=0.02)


def test_units_sit_10_to_30_m_from_the_business(region, units):
    truth_units = truth(region, "units.parquet")
    clean = (truth_units["defect"].isna() & (truth_units["kind_planted"] == "normal")).to_numpy()
    lng, lat = wgs84(units[clean])
    d = coords.haversine_m(lng, lat, truth_units["true_lng"][clean].to_numpy(), truth_units["true_lat"][clean].to_numpy())
    assert d.min() > 9 and d.max() < 31


def test_uscc_cells_and_transcription_errors(region, units, taxpayers):
    truth_units = truth(region, "units.parquet")
    filled = truth_units["uscc_written"] != ""
    linked = truth_units["true_taxpayer_id"].notna()
    assert filled[linked].mean() == pytest.approx(0.40, abs=0.04)
    wrong = filled & ~truth_units["uscc_exact"]
    assert wrong.sum() / filled.sum() == pytest.approx(0.03, abs=0.015)
    assert not set(truth_units["uscc_written"][wrong]) & set(taxpayers["taxpayer_id"])
    assert (units["uscc"] == truth_units["uscc_written"]).all()


def test_unknown_grid_codes_and_collectors(units, grids):
    codes = {f["properties"]["grid_code"] for f in grids}
    workers_ok = units["collector_id"].str.startswith("WG")
    assert workers_ok.all()
    own_street = units["collector_id"].str[2:11] == units["grid_code"].str[:9]
    assert own_street[units["grid_code"].isin(codes)].all()


# --- truth ---------------------------------------------------------------------------


def test_planted_rejects_are_really_in_the_files(region, taxpayers, units):
    rejects = truth(region, "rejects.csv")
    assert set(rejects["source"]) == {"taxpayers", "grid_units", "declarations", "officers"}
    for source, frame, key, name in (("taxpayers", taxpayers, "taxpayer_id", "name"), ("grid_units", units, "record_id", "unit_name")):
        r = rejects[rejects["source"] == source]
        rows = frame.iloc[r["row_number"].to_numpy() - 1]
        assert (rows[key].to_numpy() == r["record_key"].to_numpy()).all()
        assert set(r["row_number"][r["reason"] == "missing_key"]) == set(np.flatnonzero(frame[key] == "") + 1)
        named = frame[key] != ""
        assert set(r["row_number"][r["reason"] == "missing_name"]) == set(np.flatnonzero(named & (frame[name] == "")) + 1)
        dup = named & (frame[name] != "") & frame[key].where(named & (frame[name] != "")).duplicated()
        assert set(r["row_number"][r["reason"] == "duplicate_key"]) == set(np.flatnonzero(dup) + 1)
        assert 20 <= (r["reason"] == "duplicate_key").sum() <= 60
    r = rejects[rejects["source"] == "grid_units"]
    for reason, check in (
        ("position_missing", lambda f: (f["lng"] == "") | (f["lat"] == "")),
        ("position_unparseable", lambda f: ~(f["lng"].str.fullmatch(r"-?\d+(\.\d+)?") & f["lat"].str.fullmatch(r"-?\d+(\.\d+)?"))),
        ("position_out_of_range", lambda f: (f["lng"].astype(float).abs() > 180) | (f["lat"].astype(float).abs() > 90)),
        ("coord_sys_unknown", lambda f: normalised(f["coord_sys"]) == "?"),
    ):
        rows = units.iloc[r["row_number"][r["reason"] == reason].to_numpy() - 1]
        assert len(rows) >= 20 and check(rows).all(), reason
    far = units.iloc[r["row_number"][r["reason"] == "outside_region"].to_numpy() - 1]
    lng, lat = wgs84(far)
    assert ((lat > 22.87) | (lat < 22.45) | (lng > 114.1)).all()


def test_quality_issues_are_really_in_the_files(region, taxpayers, units, grids):
    issues = truth(region, "quality_issues.csv")
    tp = issues[issues["source"] == "taxpayers"]
    for issue, check in (
        ("status_unknown", lambda f: ~f["status"].isin(["正常", "非正常", "停业", "注销"])),
        ("credit_rating_unknown", lambda f: ~f["credit_rating"].isin(["A", "B", "M", "C", "D", ""])),
        ("uscc_format", lambda f: f["taxpayer_id"].str.len() != 18),
        ("uscc_check_digit", lambda f: ~f["taxpayer_id"].map(uscc.is_valid)),
        ("reg_date_unparseable", lambda f: pd.to_datetime(f["reg_date"], format="%Y-%m-%d", errors="coerce").isna()),
    ):
        rows = taxpayers.iloc[tp["row_number"][tp["issue"] == issue].to_numpy() - 1]
        assert len(rows) >= 20 and check(rows).all(), issue
    codes = {f["properties"]["grid_code"] for f in grids}
    gu = issues[issues["source"] == "grid_units"]
    rows = units.iloc[gu["row_number"][gu["issue"] == "grid_code_unknown"].to_numpy() - 1]
    assert len(rows) >= 20 and (~rows["grid_code"].isin(codes)).all()
    dec = issues[issues["source"] == "declarations"]
    assert (dec["issue"] == "taxpayer_unknown").sum() > (dec["issue"] == "amount_unparseable").sum() >= 20


def test_discrepancies_follow_the_true_links(region):
    d = truth(region, "discrepancies.parquet")
    tu = truth(region, "units.parquet")
    tp = truth(region, "taxpayers.parquet")
    staged = tu[tu["staged"]]
    assert set(d["kind"]) == {"unregistered", "not_found", "address_mismatch", "status_conflict"}
    unregistered = set(d["record_id"][d["kind"] == "unregistered"])
    assert unregistered <= set(staged["record_id"][staged["true_taxpayer_id"].isna()])
    assert len(unregistered) == pytest.approx(0.05 * len(staged), rel=0.25)
    mismatch = set(d["record_id"][d["kind"] == "address_mismatch"])
    moved = set(staged["record_id"][staged["kind_planted"] == "moved"])
    assert len(mismatch & moved) >= 0.95 * len(moved) and len(mismatch - moved) <= 0.02 * len(mismatch)
    not_found = set(d["taxpayer_id"][d["kind"] == "not_found"])
    roles = tp.set_index("taxpayer_id")["role"]
    assert set(roles[list(not_found)]) <= {"shell", "dormant", "missed", "normal", "moved", "closed_conflict"}
    assert not (set(staged["true_taxpayer_id"].dropna()) & not_found)
    conflict = d[d["kind"] == "status_conflict"]
    assert set(staged.set_index("record_id")["kind_planted"][conflict["record_id"]]) <= {"closed_conflict", "active_conflict", "normal", "moved"}
    summary = json.loads((region / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["discrepancies"] == d["kind"].value_counts().to_dict()
    assert 0.8 < summary["surveyed_grids"] / summary["rows"]["grids"] < 0.97


# --- planted risk patterns -------------------------------------------------------------

PATTERNS = ("invoice_mill", "zero_while_operating", "low_burden", "inflated_input")


@pytest.fixture(scope="module")
def registered(region, taxpayers) -> pd.DataFrame:
    """Each taxpayer's first row: truth beside the registration as written."""
    tp = truth(region, "taxpayers.parquet")
    frame = pd.concat([tp, taxpayers.drop(columns="taxpayer_id")], axis=1)
    return frame[frame["duplicate_of_row"] == 0].reset_index(drop=True)


@pytest.fixture(scope="module")
def vat_year(region, registered) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly VAT rows with parsed periods and amounts, yearly sums per
    taxpayer), joined to the truth."""
    frame = pq.read_table(region / "input" / "declarations.parquet").to_pandas()
    frame = frame[frame["tax_type"] == "增值税"].copy()
    period = frame["period"].str.replace("年", "-").str.replace("月", "").str.replace("/", "-")
    period = period.where(period.str.contains("-"), period.str[:4] + "-" + period.str[4:])
    frame["month"] = pd.to_datetime(period, format="%Y-%m", errors="coerce")
    amounts = ["sales_amount", "tax_payable", "tax_paid", "invoice_out_amount", "invoice_in_amount"]
    for c in amounts:
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    frame = frame.dropna(subset=["month", *amounts])
    info = registered[registered["taxpayer_id"] != ""].set_index("taxpayer_id")[["risk_pattern", "role", "industry_code", "taxpayer_type"]]
    frame = frame.join(info, on="taxpayer_id", how="inner")
    year = frame.groupby("taxpayer_id")[amounts].sum().join(info)
    return frame, year


def test_risk_patterns_are_planted_at_their_shares(region, registered):
    pattern, role = registered["risk_pattern"], registered["role"]
    assert set(pattern) == {"", *PATTERNS}
    assert ((pattern == "invoice_mill") == (role == "shell")).all()
    general = registered["taxpayer_type"] == "一般纳税人"
    assert set(role[pattern == "zero_while_operating"]) == {"normal"}
    assert set(role[pattern == "low_burden"]) <= {"normal", "moved"} and general[pattern == "low_burden"].all()
    assert set(role[pattern == "inflated_input"]) == {"normal"} and general[pattern == "inflated_input"].all()
    assert (role == "shell").sum() / (registered["true_status"] == "正常").sum() == pytest.approx(0.04, abs=0.006)
    assert (pattern == "zero_while_operating").sum() / (role == "normal").sum() == pytest.approx(0.015, abs=0.003)
    assert (pattern == "low_burden").sum() / role.isin(["normal", "moved"]).sum() == pytest.approx(0.015, abs=0.003)
    assert (pattern == "inflated_input").sum() / ((role == "normal") & general).sum() == pytest.approx(0.01, abs=0.004)
    summary = json.loads((region / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["risk_patterns"] == {p: int((pattern == p).sum()) for p in PATTERNS}


def test_invoice_mills_are_young_clustered_and_never_a_rated(registered):
    mills = registered[registered["risk_pattern"] == "invoice_mill"]
    assert (mills["entity_type"] == "企业").mean() > 0.95
    dated = pd.to_datetime(mills["reg_date"], format="%Y-%m-%d", errors="coerce").dropna()
    assert len(dated) >= 0.95 * len(mills)
    assert (dated > pd.Timestamp("2026-10-31") - pd.DateOffset(months=24)).all()
    assert not (mills["credit_rating"] == "A").any()
    assert mills["credit_rating"].isin(["M", ""]).mean() > 0.8
    groups = mills.groupby("phone")
    assert groups.size().between(2, 6).all()
    assert (groups["legal_rep_id"].nunique() == 1).all() and (groups["legal_rep"].nunique() == 1).all()
    assert (mills.groupby("legal_rep_id")["phone"].nunique() == 1).all()
    site = mills["reg_address"].str.replace(r"\d{2}(室|铺)$", "", regex=True)
    assert (site.groupby(mills["phone"]).nunique() == 1).all()  # identical but for the room
    assert (groups["true_lng"].nunique() == 1).all()  # one real place
    others = registered[registered["risk_pattern"] != "invoice_mill"]
    assert not set(mills["phone"]) & set(others["phone"])


def test_declarations_show_the_risk_patterns(vat_year):
    monthly, year = vat_year
    mills = year[year["risk_pattern"] == "invoice_mill"]
    assert len(mills) > 0.9 * (year["role"] == "shell").sum()
    assert (mills["invoice_out_amount"] >= 10 * mills["sales_amount"]).all()

    zero = monthly[monthly["risk_pattern"] == "zero_while_operating"]
    last = zero[zero["month"] >= pd.Timestamp("2026-05-01")]
    assert last["taxpayer_id"].nunique() == zero["taxpayer_id"].nunique() > 0
    assert (last[["sales_amount", "tax_payable", "tax_paid", "invoice_out_amount", "invoice_in_amount"]] == 0).all().all()
    assert set(zero["role"]) == {"normal"}
    assert (zero[zero["month"] < pd.Timestamp("2026-05-01")].groupby("taxpayer_id")["sales_amount"].sum() > 0).mean() > 0.5
    others = monthly[(monthly["risk_pattern"] == "") & (monthly["role"] == "normal") & (monthly["month"] >= pd.Timestamp("2026-05-01"))]
    assert (others.groupby("taxpayer_id")["sales_amount"].max() == 0).mean() < 0.01

    peers = year[(year["risk_pattern"] == "") & year["role"].isin(["normal", "moved"]) & (year["taxpayer_type"] == "一般纳税人")]
    burden = (peers["tax_payable"] / peers["sales_amount"]).groupby(peers["industry_code"]).median()
    low = year[year["risk_pattern"] == "low_burden"]
    relative = low["tax_payable"] / low["sales_amount"] / low["industry_code"].map(burden)
    assert len(low) > 0 and (relative < 0.6).all() and relative.median() < 0.2
    peer_relative = peers["tax_payable"] / peers["sales_amount"] / peers["industry_code"].map(burden)
    assert (peer_relative < 0.6).mean() < 0.02

    inflated = year[year["risk_pattern"] == "inflated_input"]
    assert len(inflated) > 0 and (inflated["invoice_in_amount"] >= 2 * inflated["sales_amount"]).all()
    assert (inflated["tax_payable"] == 0).all()
    assert (peers["invoice_in_amount"] < 1.2 * peers["sales_amount"]).mean() > 0.99


def test_planted_taxpayers_are_rarely_a_rated(registered):
    planted = registered[registered["risk_pattern"].isin(["zero_while_operating", "low_burden", "inflated_input"])]
    companies = registered[(registered["entity_type"] == "企业") & (registered["risk_pattern"] == "")]
    assert (companies["credit_rating"] == "A").mean() > 0.08
    assert (planted["credit_rating"] == "A").mean() < 0.04
