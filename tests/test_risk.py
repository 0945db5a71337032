"""Risk indicators and portraits: the library, hand-checked values on a tiny region, the ranking of the
generator's planted fraud patterns, credit-aware scoring and skipped inputs (docs/risk.md)."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import runner
from etl.coords import wgs84_to_gcj02
from etl.db import connect
from etl.pipeline import run_etl, run_summary
from etl.risk import catalogue, registry
from taxmap.demo.evaluate import risk_ranking
from tiny_region import uscc, write_tiny_region

CREDIT_FACTOR = {"A": 0.8, "B": 0.9}


# --- the library --------------------------------------------------------------------------------


def test_the_library_has_thirty_indicators_in_eight_portraits():
    indicators = registry.indicators()
    assert len(indicators) >= 30
    portraits = {i.portrait for i in indicators}
    assert len(portraits) >= 8 and portraits <= set(registry.PORTRAITS)
    assert len({i.code for i in indicators}) == len(indicators)
    for ind in indicators:
        assert ind.placeholders(), f"{ind.code}: a reason must show the taxpayer's values"
        assert ind.name_zh and ind.name_en and ind.logic_zh and ind.logic_en


def test_the_catalogue_is_generated_from_the_library():
    assert catalogue.stale() == [], "run `taxmap risk-catalogue`"
    zh = catalogue.render("zh")
    for ind in registry.indicators():
        assert f"`{ind.code}` | {ind.name_zh}" in zh
        assert f"`{ind.code}` | {ind.name_en}" in catalogue.render("en")


def test_a_malformed_indicator_names_its_file(tmp_path):
    path = tmp_path / "risk_bad01.sql"
    path.write_text("-- indicator: BAD01\n-- portrait: weather\n-- name_zh: x\n-- name_en: x\n-- weight: 0.5\n"
                    "-- logic_zh: x\n-- logic_en: x\n-- reason_zh: {v}\n-- reason_en: {v}\nselect 1", encoding="utf-8")
    with pytest.raises(registry.IndicatorError, match=r"risk_bad01.sql: portrait 'weather'"):
        registry.load(path)
    path.write_text(path.read_text(encoding="utf-8").replace("weather", "credit").replace("0.5", "2"),
                    encoding="utf-8")
    with pytest.raises(registry.IndicatorError, match="weight '2' must be"):
        registry.load(path)
    path.write_text(path.read_text(encoding="utf-8").replace("-- weight: 2", "-- weight: 0.2")
                    .replace("{v}", "{v:furlongs}"), encoding="utf-8")
    with pytest.raises(registry.IndicatorError, match="unknown format 'furlongs'"):
        registry.load(path)


def test_reason_templates_render_values_in_sql():
    con = duckdb.connect()
    sql = registry.template_sql("开票 {a:wan} 万元，占 {b:pct}，{n:int} 户，{s}，缺 {missing:wan}")
    row = con.execute(f"select {sql} from (select 3560000.0 as a, 0.0123 as b, 4.0 as n, '非正常' as s, "
                      "null::double as missing)").fetchone()
    assert row[0] == "开票 356.0 万元，占 1.2%，4 户，非正常，缺 —"


# --- hand-checked on the tiny region --------------------------------------------------------------

MONTHS = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]


def _rewrite_tiny(folder: Path, declarations: bool = True) -> Path:
    """The tiny region with distinct phones and representatives, an A-rated taxpayer 6 trading normally
    beside its unit, and declarations chosen so that each indicator below fires for one reason."""
    write_tiny_region(folder)
    with (folder / "taxpayers.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    phone, rep_id, rating = header.index("phone"), header.index("legal_rep_id"), header.index("credit_rating")
    for i, row in enumerate(body, start=1):
        row[phone] = f"1380013800{i}"
        row[rep_id] = f"44030619900101{i:03d}X"
    six = list(body[0])
    six[0], six[1], six[5], six[rating] = uscc(6), "深圳市安信五金有限公司", "宝安区测试路6号", "A"
    six[header.index("phone")], six[header.index("legal_rep_id")] = "13800138006", "440306199001010066"
    six[header.index("lng")], six[header.index("lat")] = "113.8552", "22.5552"
    body.append(six)
    with (folder / "taxpayers.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    with (folder / "grid_units.csv").open(encoding="utf-8") as fh:
        unit = list(csv.reader(fh))[1]  # R001's grid and place: a hardware shop next door
    unit[0], unit[2], unit[3] = "R006", "安信五金", uscc(6)
    with (folder / "grid_units.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(unit)
    decl = folder / "declarations.csv"
    if not declarations:
        decl.unlink()
        return folder
    with decl.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["taxpayer_id", "period", "tax_type", "sales_amount", "tax_payable", "tax_paid",
                    "invoice_out_amount", "invoice_in_amount"])
        for period in MONTHS:
            # 1: trading (grid: 在营) but files zeros; 2: invoices 100 x its sales; 6: ordinary
            w.writerow([uscc(1), period, "增值税", 0, 0, 0, 0, 0])
            w.writerow([uscc(2), period, "增值税", 1000, 10, 10, 100000, 0])
            w.writerow([uscc(6), period, "增值税", 10000, 300, 300, 10000, 8000])
    return folder


@pytest.fixture(scope="module")
def tiny_risk(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny-risk")
    result = run_etl(_rewrite_tiny(base / "input"), base / "out")
    con = connect(str(result.warehouse), read_only=True)
    yield con
    con.close()


def _hits(con, serial: int) -> dict[str, dict]:
    rows = con.execute("select code, severity, value, reason_zh, reason_en, \"values\" from risk_indicator_hits "
                       "where taxpayer_id = ?", [uscc(serial)]).fetchall()
    return {r[0]: {"severity": r[1], "value": r[2], "zh": r[3], "en": r[4], "values": json.loads(r[5])} for r in rows}


def test_invoices_far_above_sales_fire_with_the_values_in_the_reason(tiny_risk):
    hit = _hits(tiny_risk, 2)["INV01"]
    assert hit["zh"] == "近12个月开票金额 120.0 万元，申报销售额 1.2 万元"
    assert hit["en"] == "invoiced CNY 1.20 m in 12 months against declared sales of CNY 0.01 m"
    assert hit["value"] == pytest.approx(100.0)
    assert hit["severity"] == 1.0  # 100 x is past the 30 x extreme
    assert hit["values"] == {"value": 100.0, "invoice_out": 1200000.0, "sales": 12000.0}


def test_operating_but_filing_zeros(tiny_risk):
    hits = _hits(tiny_risk, 1)
    assert hits["DEC02"]["zh"] == "网格采集为在营，但连续 12 个月零申报"
    assert hits["DEC01"]["value"] == 12


def test_status_and_survey_findings_are_indicators(tiny_risk):
    assert "OPS01" in _hits(tiny_risk, 3)  # 注销, grid worker found it trading
    assert "OPS02" in _hits(tiny_risk, 4)  # 正常, premises 停业
    reg = _hits(tiny_risk, 5)["REG01"]  # 正常, nobody found in its surveyed grid
    assert reg["zh"] == "网格 4403060020001 调查期内已采集 1 户，未发现该纳税人"


def test_a_clean_a_rated_taxpayer_is_left_alone(tiny_risk):
    score, level, reasons = tiny_risk.execute(
        "select risk_score, risk_level, reasons from taxpayer_risk where taxpayer_id = ?", [uscc(6)]).fetchone()
    assert (score, level, reasons) == (0.0, "low", [])


def test_the_score_combines_the_fired_indicators(tiny_risk):
    for serial in (1, 2, 3, 4, 5):
        contributions = [h["severity"] * registry_weight(code) for code, h in _hits(tiny_risk, serial).items()]
        score, rating, reasons = tiny_risk.execute(
            "select risk_score, credit_rating, reasons from taxpayer_risk where taxpayer_id = ?",
            [uscc(serial)]).fetchone()
        expected = 100 * (1 - math.prod(1 - c for c in contributions)) * CREDIT_FACTOR.get(rating, 1.0)
        assert score == pytest.approx(expected, abs=0.051)
        assert sorted(reasons) == sorted(_hits(tiny_risk, serial))


def registry_weight(code: str) -> float:
    return next(i.weight for i in registry.indicators() if i.code == code)


def test_missing_declarations_skip_their_indicators_and_the_run_says_so(tmp_path):
    result = run_etl(_rewrite_tiny(tmp_path / "input", declarations=False), tmp_path / "out")
    con = connect(str(result.warehouse), read_only=True)
    try:
        status = dict(con.execute("select code, status from risk_indicators").fetchall())
        needing = {i.code for i in registry.indicators() if "declarations" in i.needs}
        assert needing and all(status[c] == "skipped" for c in needing)
        assert status["REG01"] == status["OPS01"] == "computed"
        assert con.execute("select count(*) from risk_indicator_hits where code in "
                           "(select unnest(?))", [sorted(needing)]).fetchone()[0] == 0
        assert "OPS01" in con.execute("select reasons from taxpayer_risk where taxpayer_id = ?",
                                      [uscc(3)]).fetchone()[0]
    finally:
        con.close()
    assert set(result.skipped_indicators) == needing
    summary = run_summary(result)
    assert f"risk: {len(needing)} indicator(s) skipped for missing input" in summary
    assert "no declarations: " in summary and "INV01" in summary


def test_adding_an_indicator_is_adding_its_file(tmp_path, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(runner.MODELS_DIR, models)
    (models / "risk" / "risk_tst01.sql").write_text(
        "-- indicator: TST01\n-- portrait: credit\n-- name_zh: 测试指标\n-- name_en: Test indicator\n"
        "-- needs: credit_rating\n-- weight: 0.5\n-- logic_zh: 信用等级为 B\n-- logic_en: rated B\n"
        "-- reason_zh: 信用等级 {rating}\n-- reason_en: rated {rating}\n"
        "select taxpayer_id, 0.5 as severity, 1 as value, credit_rating as rating\n"
        "from int_risk_profile where credit_rating = 'B'\n", encoding="utf-8")
    monkeypatch.setattr(runner, "MODELS_DIR", models)
    monkeypatch.setattr(registry, "RISK_DIR", models / "risk")
    registry.indicators.cache_clear()
    try:
        assert "`TST01` | 测试指标" in catalogue.render("zh")
        result = run_etl(_rewrite_tiny(tmp_path / "input"), tmp_path / "out")
        con = connect(str(result.warehouse), read_only=True)
        fired = con.execute("select taxpayer_id, reason_zh from risk_indicator_hits where code = 'TST01' "
                            "order by 1").fetchall()
        con.close()
        assert fired == [(uscc(s), "信用等级 B") for s in sorted((1, 2, 3, 4, 5), key=uscc)]
    finally:
        registry.indicators.cache_clear()


# --- the generated small region -------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(small_region):
    base, warehouse = small_region
    con = connect(str(warehouse), read_only=True)
    yield con, base / "truth"
    con.close()


def test_the_score_ranks_the_planted_fraud_patterns(small):
    con, truth = small
    ranking = risk_ranking(con, truth)
    assert ranking["positives"] > 500
    assert ranking["auc"] >= 0.90, ranking
    assert ranking["top_decile_lift"] >= 4, ranking
    for pattern, figures in ranking["patterns"].items():
        assert figures["auc"] >= 0.85, (pattern, figures)


def test_every_high_risk_taxpayer_has_a_reason_with_values(small):
    con, _ = small
    bad = con.execute(
        """
        select r.taxpayer_id from taxpayer_risk as r
        where r.risk_level = 'high' and not exists (
            select 1 from risk_indicator_hits as h
            where h.taxpayer_id = r.taxpayer_id and h.reason_zh is not null and h.reason_en is not null
              -- every placeholder got a value: none left empty (—) or unreplaced
              and h.reason_zh not like '%—%' and h.reason_zh not like '%{%' and h.reason_en not like '%—%')
        """).fetchall()
    assert con.execute("select count(*) from taxpayer_risk where risk_level = 'high'").fetchone()[0] > 100
    assert bad == []
    # and the numbers in the reasons are the taxpayer's own: INV01's text shows its two sums
    for zh, values in con.execute("select reason_zh, \"values\" from risk_indicator_hits where code = 'INV01' "
                                  "limit 50").fetchall():
        v = json.loads(values)
        assert f"{v['invoice_out'] / 1e4:.1f} 万元" in zh and f"{v['sales'] / 1e4:.1f} 万元" in zh


def test_no_fired_indicator_means_no_risk_and_a_ratings_moderate(small):
    con, _ = small
    assert con.execute("select count(*) from taxpayer_risk where n_indicators = 0 and "
                       "(risk_score <> 0 or risk_level <> 'low')").fetchone()[0] == 0
    assert con.execute("select count(*) from taxpayer_risk where credit_rating = 'A' and n_indicators = 0"
                       ).fetchone()[0] > 100
    # an A rating lowers the combined evidence by a fifth
    rows = con.execute(
        """
        select r.risk_score, 100 * (1 - exp(sum(ln(1 - h.contribution)))) as evidence
        from taxpayer_risk as r join risk_indicator_hits as h using (taxpayer_id)
        where r.credit_rating = 'A' group by r.taxpayer_id, r.risk_score
        """).fetchall()
    assert rows and all(score == pytest.approx(0.8 * evidence, abs=0.051) for score, evidence in rows)


def test_peers_are_compared_within_their_industry(small):
    con, _ = small
    # TB01 fires relative to the peer group's median, which differs between industries
    medians = con.execute("select distinct round(json_extract(\"values\", '$.peer_median')::double, 4) "
                          "from risk_indicator_hits where code = 'TB01'").fetchall()
    assert len(medians) >= 3
    bad = con.execute("select count(*) from risk_indicator_hits where code = 'TB01' and "
                      "json_extract(\"values\", '$.burden')::double >= "
                      "0.25 * json_extract(\"values\", '$.peer_median')::double").fetchone()[0]
    assert bad == 0


def test_street_summary_and_hex_stats_carry_the_risk(small):
    con, _ = small
    high = con.execute("select count(*) from taxpayer_risk where risk_level = 'high' and street_code is not null"
                       ).fetchone()[0]
    assert con.execute("select sum(n_high) from risk_street_summary").fetchone()[0] == high
    located = con.execute("select count(*) from taxpayer_risk join stg_taxpayers using (taxpayer_id) "
                          "where risk_level = 'high' and h3_10 is not null").fetchone()[0]
    for res in (7, 10):
        assert con.execute("select sum(n_high_risk) from hex_stats where res = ?", [res]).fetchone()[0] == located
    mean = con.execute("select sum(risk_mean * n_taxpayers) / sum(n_taxpayers) from hex_stats "
                       "where res = 8 and n_taxpayers > 0").fetchone()[0]
    expected = con.execute("select avg(risk_score) from taxpayer_risk join stg_taxpayers using (taxpayer_id) "
                           "where h3_10 is not null").fetchone()[0]
    assert mean == pytest.approx(expected, abs=0.01)


def test_risk_levels_come_from_the_manifest(tmp_path):
    from etl.read import InputError, read_manifest

    def manifest(text: str):
        (tmp_path / "manifest.toml").write_text(text, encoding="utf-8")
        return read_manifest(tmp_path)

    m = manifest("risk_high_score = 70\nrisk_medium_score = 20\n")
    assert (m.risk_high_score, m.risk_medium_score) == (70.0, 20.0)
    assert (manifest("").risk_high_score, manifest("").risk_medium_score) == (60.0, 30.0)
    with pytest.raises(InputError, match="risk_medium_score \\(50.0\\) is above risk_high_score \\(40.0\\)"):
        manifest("risk_high_score = 40\nrisk_medium_score = 50\n")
    with pytest.raises(InputError, match="risk_high_score = 120 must be a risk score between 0 and 100"):
        manifest("risk_high_score = 120\n")


def test_the_thresholds_set_the_levels(tmp_path):
    folder = _rewrite_tiny(tmp_path / "input")
    with (folder / "manifest.toml").open("a", encoding="utf-8") as fh:
        fh.write("risk_high_score = 5\nrisk_medium_score = 1\n")
    result = run_etl(folder, tmp_path / "out")
    con = connect(str(result.warehouse), read_only=True)
    try:
        levels = dict(con.execute("select taxpayer_id, risk_level from taxpayer_risk").fetchall())
        scores = dict(con.execute("select taxpayer_id, risk_score from taxpayer_risk").fetchall())
    finally:
        con.close()
    assert levels[uscc(6)] == "low" and scores[uscc(6)] == 0
    assert all(levels[t] == "high" for t, s in scores.items() if s >= 5)



# --- absolute rules: hand-made taxpayers, one per rule, and a whole industry under-declaring ---------

# Codes added with the absolute rules (docs/risk.md, "Absolute rules beside the peers"); each fires on
# its crafted taxpayer below and on none of the clean ones.
ABSOLUTE = {
    # code: the crafted taxpayer it must fire on
    "INV08": 11, "INV09": 12, "INV10": 13, "INV11": 14,
    "DEC07": 15, "DEC08": 16, "DEC09": 17, "DEC10": 18, "DEC11": 19, "DEC12": 20, "DEC13": 21,
    "TB05": 22, "TB06": 23, "TB07": 24, "TB08": 25,
    "PAY03": 26, "PAY04": 27,
    "REG05": 28, "REG06": 29, "REG07": 30,
    "OPS05": 31, "OPS06": 32, "OPS07": 33,
    "REL05": 34, "REL06": 36,
}
CLEAN = (9, 10)  # a small-scale shop and a general manufacturer, both trading normally beside their units
INDUSTRY = range(100, 135)  # 35 general electronics makers that all under-declare alike
NEAR = (113.872, 22.552)  # inside grid 4403060020001, which the survey covered (unit R003)
TRADES = {"39": "制造", "51": "批发", "65": "信息技术"}  # the grid worker's trade word for the registered industry


def _crafted_region(folder: Path) -> Path:
    """The tiny region's streets, grids, officers and manifest, with taxpayers made one per absolute rule
    (ABSOLUTE), two clean ones (CLEAN) and a whole industry under-declaring (INDUSTRY)."""
    write_tiny_region(folder)
    taxpayers: list[dict] = []
    units: list[tuple] = []
    declarations: list[list] = []

    def taxpayer(serial: int, *, kind: str = "一般纳税人", industry: str = "3982", entity: str = "企业",
                 status: str = "正常", rating: str = "B", reg_date: str = "2020-01-01", operating: bool = True,
                 phone: str | None = None, rep_id: str | None = None, address: str | None = None) -> None:
        lng, lat = NEAR[0] + (serial % 40) * 0.0002, NEAR[1] + (serial // 40) * 0.0002
        taxpayers.append({"taxpayer_id": uscc(serial), "name": f"深圳市测试{serial}号有限公司", "legal_rep": "张三",
                          "legal_rep_id": rep_id or f"440306199001{serial:05d}X",
                          "phone": phone or f"1380000{serial:04d}",
                          "reg_address": address or f"宝安区测试路{serial}号", "industry_code": industry,
                          "industry_name": "测试行业", "taxpayer_type": kind, "entity_type": entity,
                          "reg_date": reg_date, "status": status, "credit_rating": rating, "street_code": "",
                          "lng": f"{lng:.6f}", "lat": f"{lat:.6f}", "coord_sys": "WGS84"})
        if operating:
            glng, glat = wgs84_to_gcj02(lng, lat)
            units.append((f"U{serial:03d}", "4403060020001", f"测试{serial}号", uscc(serial), f"测试路{serial}号", "",
                          f"{float(glng):.7f}", f"{float(glat):.7f}", "GCJ02", "在营", TRADES.get(industry[:2], "零售"),
                          "2026-03-01 10:00:00", "W001"))

    def vat(serial: int, sales, payable, invoice_out, invoice_in, paid=None, months=MONTHS) -> None:
        for i, period in enumerate(months):
            row = [v(i) if callable(v) else v for v in (sales, payable, invoice_out, invoice_in)]
            p = paid(i) if callable(paid) else (row[1] if paid is None else paid)
            declarations.append([uscc(serial), period, "增值税", row[0], row[1], p, row[2], row[3]])

    # clean: a small-scale shop under the exemption, a general manufacturer at a 5 % VAT burden
    taxpayer(9, kind="小规模纳税人", industry="5212", entity="个体工商户", rating="A")
    vat(9, 40000, 0, 20000, 10000)
    taxpayer(10, rating="A")
    vat(10, lambda i: 500000 + 1000 * i, 26000, 475000, 300000)
    for period in ("2025-12", "2026-03", "2026-06", "2026-09"):  # and its quarterly income tax
        declarations.append([uscc(10), period, "企业所得税", 1500000, 20000, 20000, "", ""])
    # one per rule
    taxpayer(11, industry="5179")  # INV08: purchases 1.7 x sales all year
    vat(11, 200000, 0, 190000, 340000)
    taxpayer(12)  # INV09: invoices 1.5 x the declared sales
    vat(12, 100000, 4000, 150000, 60000)
    taxpayer(13)  # INV10: 90 % of the year's invoices in one month
    vat(13, lambda i: 2000000 if i == 11 else 20000, lambda i: 100000 if i == 11 else 1000,
        lambda i: 2000000 if i == 11 else 20000, lambda i: 1200000 if i == 11 else 12000)
    taxpayer(14)  # INV11: CNY 1.2 m invoiced, nothing paid
    vat(14, 100000, 5000, 100000, 60000, paid=0)
    taxpayer(15, operating=False, rep_id="440306199001SHELLX")  # DEC07: 正常, twelve zero returns, not found
    vat(15, 0, 0, 0, 0)
    taxpayer(16)  # DEC08: operating, every other month a zero return
    vat(16, lambda i: 0 if i % 2 == 0 else 50000, lambda i: 0 if i % 2 == 0 else 2000,
        lambda i: 0 if i % 2 == 0 else 45000, lambda i: 0 if i % 2 == 0 else 30000)
    taxpayer(17)  # DEC09: zero returns in months it received invoices
    vat(17, lambda i: 0 if i in (3, 4, 5) else 80000, lambda i: 0 if i in (3, 4, 5) else 3000,
        lambda i: 0 if i in (3, 4, 5) else 70000, 40000)
    taxpayer(18)  # DEC10: zero VAT returns, income-tax revenue every quarter
    vat(18, 0, 0, 0, 0)
    for period in ("2026-03", "2026-06", "2026-09"):
        declarations.append([uscc(18), period, "企业所得税", 300000, 0, 0, "", ""])
    taxpayer(19, kind="小规模纳税人", industry="5212")  # DEC11: an open company declaring CNY 2,000 a month
    vat(19, 2000, 0, 0, 0)
    taxpayer(20, industry="6513")  # DEC12: the same sales every month
    vat(20, 100000, 6000, 90000, 20000)
    taxpayer(21, kind="小规模纳税人", industry="5212")  # DEC13: sales kept just under CNY 100,000
    vat(21, 95000, 0, 60000, 20000)
    taxpayer(22, industry="3989")  # TB05: VAT burden 0.2 % against the 2 % line of electronics
    vat(22, 500000, 1000, 480000, 250000)
    taxpayer(23, industry="6513")  # TB06: sales and no VAT in 8 months
    vat(23, 200000, lambda i: 0 if i < 8 else 5000, 190000, 150000)
    taxpayer(24, kind="小规模纳税人", industry="5212")  # TB07: CNY 150,000 a month, no VAT
    vat(24, 150000, 0, 100000, 20000)
    taxpayer(25, industry="5179")  # TB08: CNY 8 m of income-tax revenue, no income tax, VAT burden 0.3 %
    vat(25, 700000, 2000, 650000, 600000)
    for period in ("2025-12", "2026-03", "2026-06", "2026-09"):
        declarations.append([uscc(25), period, "企业所得税", 2000000, 0, 0, "", ""])
    taxpayer(26)  # PAY03: a fifth paid in five months
    vat(26, 100000, 5000, 95000, 60000, paid=lambda i: 1000 if i < 5 else 5000)
    taxpayer(27, status="注销", operating=False)  # PAY04: deregistered owing CNY 36,000
    vat(27, 100000, 3000, 95000, 60000, paid=0)
    taxpayer(28, operating=False)  # REG05: not found, CNY 1.2 m invoiced
    vat(28, 100000, 4000, 100000, 60000)
    for serial in (29, *range(41, 50)):  # REG06: ten taxpayers at one door and room
        taxpayer(serial, address="宝安区集中路1号101室")
    vat(29, 100000, 4000, 95000, 60000)
    taxpayer(30, reg_date="2026-05-01", operating=False, rep_id="440306199001SHELLX")  # REG07 (and REL06's)
    taxpayer(31, status="注销", operating=False)  # OPS05: deregistered, sales in the last 3 months
    vat(31, lambda i: 50000 if i >= 9 else 0, 0, lambda i: 50000 if i >= 9 else 0, 0)
    taxpayer(32, status="非正常", operating=False)  # OPS06: abnormal, invoicing in the last 3 months
    vat(32, 0, 0, lambda i: 80000 if i >= 9 else 0, 0)
    taxpayer(33, operating=False)  # OPS07: 正常, no return at all, not found
    for serial in (34, 35):  # REL05: one door, one phone
        taxpayer(serial, phone="13912345678", address="宝安区合伙路8号")
        vat(serial, 100000, 4000, 95000, 60000)
    taxpayer(36, rep_id="440306199001SHELLX")  # REL06: its legal representative's other two are nowhere
    vat(36, 100000, 4000, 95000, 60000)
    for serial in INDUSTRY:  # the whole industry: VAT burden 0.3 %, invoices 1.3 x and purchases 1.8 x sales
        taxpayer(serial, industry="3982", operating=False)
        base = 300000 + 1000 * serial
        vat(serial, lambda i, b=base: b + 10 * i, lambda i, b=base: 0.003 * (b + 10 * i), 1.3 * base, 1.8 * base)

    with (folder / "taxpayers.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(taxpayers[0]))
        w.writeheader()
        w.writerows(taxpayers)
    with (folder / "grid_units.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(units)
    with (folder / "declarations.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["taxpayer_id", "period", "tax_type", "sales_amount", "tax_payable", "tax_paid",
                    "invoice_out_amount", "invoice_in_amount"])
        w.writerows(declarations)
    return folder


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    base = tmp_path_factory.mktemp("crafted-risk")
    result = run_etl(_crafted_region(base / "input"), base / "out")
    con = connect(str(result.warehouse), read_only=True)
    yield con
    con.close()


def _fired(con, code: str) -> set[str]:
    return {r[0] for r in con.execute("select taxpayer_id from risk_indicator_hits where code = ?", [code]).fetchall()}


@pytest.mark.parametrize("code", sorted(ABSOLUTE))
def test_each_absolute_rule_fires_on_its_case_and_not_on_clean_taxpayers(crafted, code):
    fired = _fired(crafted, code)
    assert uscc(ABSOLUTE[code]) in fired, code
    assert not fired & {uscc(s) for s in CLEAN}, code
    reasons = crafted.execute("select reason_zh, reason_en from risk_indicator_hits where code = ? and taxpayer_id = ?",
                              [code, uscc(ABSOLUTE[code])]).fetchone()
    for text in reasons:  # every placeholder filled with the taxpayer's own figures
        assert text and "—" not in text and "{" not in text, (code, text)


def test_the_absolute_rules_are_in_the_library_with_their_threshold_source():
    library = {i.code: i for i in registry.indicators()}
    assert len(library) >= 60
    for code in ABSOLUTE:
        text = library[code].path.read_text(encoding="utf-8")
        assert "-- threshold source:" in text, f"{code}: say where the threshold comes from"


def test_the_clean_taxpayers_are_left_alone(crafted):
    rows = crafted.execute("select taxpayer_id, risk_score, reasons from taxpayer_risk where taxpayer_id in (?, ?)",
                           [uscc(s) for s in CLEAN]).fetchall()
    assert [(score, reasons) for _, score, reasons in rows] == [(0.0, []), (0.0, [])]


def test_a_registered_shell_filing_zeros_that_nobody_found_is_high_risk(crafted):
    score, level, reasons = crafted.execute(
        "select risk_score, risk_level, reasons from taxpayer_risk where taxpayer_id = ?", [uscc(15)]).fetchone()
    assert level == "high" and score >= 60, (score, reasons)  # rated B: the × 0.9 still leaves it high
    assert {"DEC07", "REG01", "DEC01"} <= set(reasons)
    hit = _hits(crafted, 15)["DEC07"]
    assert hit["zh"].startswith("登记状态正常，12 个月零申报、近12个月销售额 0.0 万元，网格 4403060020001 已采集")
    # a clean neighbour filing the same zeros but found operating on the ground is not a shell
    assert "DEC07" not in _hits(crafted, 18)


def test_absolute_rules_flag_a_whole_industry_that_under_declares(crafted):
    # 35 electronics makers at a VAT burden of 0.3 %, invoicing 1.3 x and buying 1.8 x their declared
    # sales: they are each other's peers, so the peer-relative rules see nothing unusual ...
    industry = {uscc(s) for s in INDUSTRY}
    for peer_rule in ("TB01", "IND01", "IND02"):
        assert not _fired(crafted, peer_rule) & industry, peer_rule
    # ... while the absolute rules flag every one of them, with the warning line in the reason
    for rule in ("TB05", "INV08", "INV09"):
        assert industry <= _fired(crafted, rule), rule
    zh = crafted.execute("select reason_zh from risk_indicator_hits where code = 'TB05' and taxpayer_id = ?",
                         [uscc(100)]).fetchone()[0]
    assert zh == "增值税税负率 0.3%，低于电子通信设备行业税负预警值 2.0%"


def test_the_perturbed_copy_shifts_industries_and_marks_the_under_declaring_one(small_region, tmp_path):
    from etl.risk.perturb import perturb

    base, warehouse = small_region
    out = perturb(base, tmp_path / "perturbed", warehouse)
    assert out["low_burden_industry"] > 30 and len(set(out["factors"].values())) > 5
    con = duckdb.connect()
    patterns = dict(con.execute(f"select risk_pattern, count(*) from read_parquet('{tmp_path}/perturbed/truth/"
                                "taxpayers.parquet') group by 1").fetchall())
    assert patterns["low_burden_industry"] == out["low_burden_industry"]
    rows = [con.execute(f"select count(*), sum(try_cast(sales_amount as double)) from read_parquet('{folder}/input/"
                        "declarations.parquet')").fetchone() for folder in (base, tmp_path / "perturbed")]
    assert rows[0][0] == rows[1][0] and rows[0][1] != pytest.approx(rows[1][1], rel=0.01)
