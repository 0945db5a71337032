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

