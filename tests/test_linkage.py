"""Linkage and discrepancies against the generator's truth (`small`, seed 7), and
the pieces they stand on: Chinese text folding, address parts, one-to-one
resolution, explanations, the shipped-parameter fallback."""

from __future__ import annotations

import math
import re

import duckdb
import pytest

from etl.linkage import explain, model, text
from taxmap.demo.evaluate import discrepancy_accuracy, link_accuracy


@pytest.fixture(scope="module")
def wh(small_region):
    from etl.db import connect

    con = connect(str(small_region[1]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth(small_region):
    return small_region[0] / "truth"


def test_links_meet_precision_and_recall(wh, truth):
    accuracy = link_accuracy(wh, truth)
    assert accuracy.true > 10_000
    assert accuracy.precision >= 0.98, accuracy.as_dict()
    assert accuracy.recall >= 0.95, accuracy.as_dict()


def test_probabilistic_links_do_the_work_beyond_exact_codes(wh, truth):
    methods = dict(wh.execute("select method, count(*) from unit_links group by method").fetchall())
    assert methods["probabilistic"] > methods["uscc"]  # most units carry no licence number


@pytest.mark.parametrize("kind", ["unregistered", "not_found", "address_mismatch", "status_conflict"])
def test_each_discrepancy_kind_has_f1_above_090(wh, truth, kind):
    accuracy = discrepancy_accuracy(wh, truth)[kind]
    assert accuracy.true > 100
    assert accuracy.f1 >= 0.90, accuracy.as_dict()


def test_links_are_one_to_one_per_grid(wh):
    assert wh.execute("select count(*) - count(distinct record_id) from unit_links").fetchone()[0] == 0
    repeated = wh.execute(
        """
        select count(*) from (
            select l.taxpayer_id, u.grid_code from unit_links l join stg_grid_units u using (record_id)
            where l.method = 'probabilistic' group by all having count(*) > 1)
        """
    ).fetchone()[0]
    assert repeated == 0


def test_review_band_is_kept_for_officers(wh):
    low, high = wh.execute("select review_threshold, link_threshold from link_model where pass = 'local'").fetchone()
    assert (low, high) == (0.5, 0.9)
    reviews = wh.execute("select min(match_probability), max(match_probability), count(*) from link_reviews").fetchone()
    assert reviews[2] > 0 and reviews[0] >= low
    flagged = wh.execute("select count(*) from unit_links where needs_review and method = 'none'").fetchone()[0]
    assert flagged == wh.execute("select count(distinct record_id) from link_reviews").fetchone()[0]


def test_model_is_trained_on_the_run_from_its_own_labels(wh):
    trained, method, labels, recall = wh.execute(
        "select trained_this_run, training_method, n_labels, prior_recall from link_model where pass = 'local'").fetchone()
    assert trained and method == "labels"
    exact = wh.execute("select count(*) from unit_links where method = 'uscc'").fetchone()[0]
    assert labels == exact > 1000
    assert 0.05 < recall < 1
    levels = wh.execute("select count(*), count(distinct comparison) from link_model_levels where pass = 'local'").fetchone()
    assert levels[1] == len(model.COMPARISONS) and levels[0] > 20


def test_discrepancy_details_read_as_chinese_sentences(wh):
    detail, = wh.execute("select detail from discrepancies where kind = 'address_mismatch' limit 1").fetchone()
    assert detail.startswith("登记地址距实际经营地 ") and ("km" in detail or " m" in detail)
    for kind in ("unregistered", "not_found", "status_conflict"):
        detail, = wh.execute("select detail from discrepancies where kind = ? limit 1", [kind]).fetchone()
        assert "「" in detail


def test_hex_stats_count_discrepancies(wh):
    for res in (7, 10):
        sums = wh.execute("select sum(n_unregistered), sum(n_not_found) from hex_stats where res = ?", [res]).fetchone()
        kinds = dict(wh.execute("select kind, count(*) from discrepancies group by kind").fetchall())
        assert sums == (kinds["unregistered"], kinds["not_found"])


def test_explanation_adds_up_to_the_stored_score(wh):
    record_id, taxpayer_id, stored = wh.execute(
        "select record_id, taxpayer_id, match_probability from unit_links where method = 'probabilistic' "
        "order by record_id limit 1").fetchone()
    e = explain.explain_pair(wh, record_id, taxpayer_id)
    assert e["match_probability"] == pytest.approx(stored, abs=1e-9)
    total = e["prior_weight"] + sum(c["match_weight"] for c in e["comparisons"])
    assert total == pytest.approx(e["match_weight"], abs=1e-6)
    assert {c["comparison"] for c in e["comparisons"]} == set(model.COMPARISONS)
    assert all(c["level"] for c in e["comparisons"])
    assert "名称" in explain.format_explanation(e)


def test_explanation_of_a_non_match_is_negative(wh):
    record_id, = wh.execute("select record_id from unit_links where method = 'probabilistic' order by record_id "
                            "limit 1").fetchone()
    other, = wh.execute("select taxpayer_id from stg_taxpayers where taxpayer_id not in "
                        "(select taxpayer_id from unit_links where record_id = ?) order by taxpayer_id limit 1",
                        [record_id]).fetchone()
    e = explain.explain_pair(wh, record_id, other)
    assert e["match_probability"] < 0.01
    with pytest.raises(explain.PairNotFound):
        explain.explain_pair(wh, "no-such-unit", other)


@pytest.mark.parametrize("a,b", [("南锋星電子", "南峰星电子"), ("華德塑胶", "华德塑胶"), ("鑫华达", "新化大")])
def test_folding_equates_traditional_lookalike_and_homophone_names(a, b):
    assert text.folded(a) == text.folded(b)
    assert len(text.folded(a)) == len(a)


def test_folding_keeps_different_names_apart():
    assert text.folded("宏通祥") != text.folded("华强北")


def _features(sql_side: str, names: list[tuple[str, str]]):
    from etl.linkage.features import int_link_names

    con = duckdb.connect()
    con.execute("create table stg_streets as select '440306' as district_code, '宝安区' as district_name, "
                "'西乡街道' as street_name")
    rows = ", ".join(f"('{i}', '{n}', '{a}')" for i, (n, a) in enumerate(names))
    con.execute(f"create table stg_taxpayers as select * from (values {rows}) t(taxpayer_id, name, reg_address)")
    con.execute("create table stg_grid_units as select * from (values ('u', '阿强五金', '宝安区西乡街道鹤洲路1号')) "
                "t(record_id, unit_name, address)")
    return con, int_link_names(con).to_pylist()


def test_name_cores_drop_region_and_legal_form():
    con, rows = _features("taxpayer", [
        ("深圳市宝安区西乡南新峰小吃店", "深圳市宝安区西乡街道鹤洲路299号605室"),
        ("深圳市唐盛物业管理有限公司宝安分公司", "深圳市宝安区西乡街道宝源路97号7栋812室"),
        ("深圳市品明亚投资发展合伙企业（有限合伙）", "深圳市宝安区西乡街道共乐路59号4栋102铺"),
    ])
    cores = [r["name_core"] for r in rows if r["side"] == "taxpayer"]
    assert cores == ["南新峰小吃", "唐盛物业管理", "品明亚投资发展"]
    addresses = [r["address_core"] for r in rows if r["side"] == "taxpayer"]
    assert addresses[0] == "鹤洲路299号605室"


def test_address_parts(tmp_path):
    from etl import runner

    con = duckdb.connect()
    con.execute((runner.MODELS_DIR / "macros.sql").read_text(encoding="utf-8"))
    got = con.execute(
        "select addr_road(a), addr_number(a), addr_building(a), addr_floor(a), addr_room(a) from (values "
        "('鹤洲路299号6栋6楼605室'), ('宝民一路235号C座5楼506'), ('共乐路252号4栋一楼'), ('塘下涌路4号F栋108铺')) t(a)"
    ).fetchall()
    assert got == [("鹤洲路", "299", "6", 6, "605"), ("宝民一路", "235", "C", 5, "506"),
                   ("共乐路", "252", "4", 1, None), ("塘下涌路", "4", "F", 1, "108")]


def test_tiny_region_falls_back_to_shipped_parameters_loudly(tiny_warehouse):
    from etl.db import connect

    con = connect(str(tiny_warehouse), read_only=True)
    try:
        assert con.execute("select bool_or(trained_this_run) from link_model").fetchone()[0] is False
        method, warnings = con.execute(
            "select training_method, warnings from link_model where pass = 'local'").fetchone()
        assert method == "shipped"
        assert any("shipped parameters" in w for w in warnings), warnings
        prior = con.execute("select model_json::json ->> 'probability_two_random_records_match' from link_model "
                            "where pass = 'local'").fetchone()[0]
        assert 0 < float(prior) <= 0.5
    finally:
        con.close()


def test_regularised_model_has_no_impossible_level():
    shipped = model.default_model(1000)
    for comparison in model.regularised(shipped)["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert level["m_probability"] >= model.M_FLOOR * 0.5
                assert math.isfinite(math.log2(level["m_probability"] / level["u_probability"]))


@pytest.mark.parametrize("body,message", [
    ("link_threshold = 1.5", "link_threshold"),
    ("review_threshold = 0.95", "review_threshold (0.95) is above link_threshold"),
    ("link_threshold = 'high'", "link_threshold"),
])
def test_bad_thresholds_in_the_manifest_are_refused(tmp_path, body, message):
    from etl.read import InputError, read_manifest

    (tmp_path / "manifest.toml").write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        read_manifest(tmp_path)


def test_a_pair_found_by_both_passes_keeps_its_better_score(monkeypatch):
    """A unit whose local candidates were all below the link threshold is scored again district-wide,
    and the wide pass can find a candidate the local pass already had: the pair is kept once, with its
    better probability (seen on the demo region's previous month; link_reviews' key failed)."""
    import pyarrow as pa

    from etl.linkage import models, score

    pairs = pa.table({"record_id": ["R1", "R1", "R1"], "taxpayer_id": ["T1", "T1", "T2"],
                      "match_probability": [0.61, 0.72, 0.55], "match_weight": [0.6, 1.4, 0.3],
                      "pass": [1, 2, 1], "mw_name": [0.1, 0.2, 0.3]})
    monkeypatch.setattr(score, "score", lambda *a, **k: score.Scores(pairs=pairs, model={}, seconds={}))
    con = duckdb.connect()
    for name, value in (("linkage_backend", "duckdb"), ("review_threshold", 0.5), ("link_threshold", 0.9)):
        con.execute(f"set variable {name} = ?", [value])
    out = models.link_scores(con).to_pylist()
    assert [(r["record_id"], r["taxpayer_id"], r["match_probability"], r["pass"]) for r in out] == [
        ("R1", "T1", 0.72, 2), ("R1", "T2", 0.55, 1)]
