"""Text normalisation for any region of China: the national gazetteer, place prefixes (full,
partial, dangling), branch markers, cut legal forms, full-width characters, Chinese numerals."""

from __future__ import annotations

import duckdb
import pytest

from etl.linkage import features, gazetteer


def _cores(district_code: str, district: str, street: str, names: list[str], addresses: list[str] | None = None):
    con = duckdb.connect()
    con.execute("create table stg_streets as select ? as district_code, ? as district_name, ? as street_name",
                [district_code, district, street])
    addresses = addresses or ["x"] * len(names)
    con.execute("create table stg_taxpayers (taxpayer_id varchar, name varchar, reg_address varchar)")
    con.executemany("insert into stg_taxpayers values (?, ?, ?)",
                    [[str(i), n, a] for i, (n, a) in enumerate(zip(names, addresses, strict=True))])
    con.execute("create table stg_grid_units (record_id varchar, unit_name varchar, address varchar)")
    rows = [r for r in features.int_link_names(con).to_pylist() if r["side"] == "taxpayer"]
    return [r["name_core"] for r in rows], [r["address_core"] for r in rows]


def test_gazetteer_has_every_level_with_gb2260_codes():
    divisions = gazetteer.divisions()
    by_level = {level: [d for d in divisions if d.level == level] for level in gazetteer.LEVELS}
    assert len(by_level["province"]) == 34
    assert len(by_level["prefecture"]) > 330 and len(by_level["county"]) > 2800 and len(by_level["town"]) > 30_000
    baoan = next(d for d in by_level["county"] if d.code == "440306")
    assert (baoan.name, baoan.alias, baoan.prefecture, baoan.province) == ("宝安区", "宝安", "440300", "440000")
    assert {"余杭区", "义乌市", "内蒙古自治区", "恩施土家族苗族自治州"} <= gazetteer.full_names()


def test_lineage_of_a_county_in_another_province():
    lineage = gazetteer.lineage({"330782"}, {"义乌市"})
    assert [c.name for c in lineage.counties] == ["义乌市"]
    assert {"浙江", "金华", "义乌", "稠城", "佛堂"} <= lineage.short  # province, prefecture, county, towns
    assert "乌市" in lineage.tails
    assert "宝安" not in lineage.short
    # found by name when the code is not given
    assert [c.code for c in gazetteer.lineage(set(), {"余杭区"}).counties] == ["330110"]


@pytest.mark.parametrize("name", [
    "深圳市宝安区华达电子科技有限公司",  # full prefix, full legal form
    "宝安华达电子科技",  # short name of the district
    "安区华达电子科技有限",  # dangling tail, cut legal form
    "广东省深圳市华达电子科技股份有限公司",
    "华达电子科技（深圳）有限公司",  # the place in brackets
    "華達電子科技有限责任公司",  # traditional characters
    "华达电子科技西乡分店",  # a branch named after a street
    "华达电子科技3号店",
    "华达电子科技二部",
    "华达电子科技（新址）",
    "华达电子科技新址",
    "华达电子科技(深圳)有限公司",  # half-width brackets
])
def test_name_variants_reach_one_core(name):
    cores, _ = _cores("440306", "宝安区", "西乡街道", [name])
    assert cores == ["华达电子科技"]


def test_a_short_name_elsewhere_stays_a_trade_name():
    """金华 is a prefecture in Zhejiang: in Shenzhen it is a trade name, in Yiwu a place."""
    cores, _ = _cores("440306", "宝安区", "西乡街道", ["深圳市金华电子有限公司"])
    assert cores == ["金华电子"]
    cores, _ = _cores("330782", "义乌市", "稠城街道", ["金华电子有限公司", "义乌市稠城金华电子有限公司"])
    assert cores == ["电子", "电子"]


def test_a_name_made_only_of_places_keeps_its_text():
    cores, _ = _cores("440306", "宝安区", "西乡街道", ["深圳市宝安区西乡街道"])
    assert cores == ["深圳市宝安区西乡街道"]


def test_addresses_read_numerals_and_full_width_alike():
    _, addresses = _cores("440306", "宝安区", "西乡街道", ["a", "b", "c"], [
        "深圳市宝安区西乡街道宝民一路三号楼三〇五室", "宝民一路３号楼305室", "宝民一路十二栋二十八号"])
    assert addresses == ["宝民一路3号楼305室", "宝民一路3号楼305室", "宝民一路12栋28号"]


def test_gazetteer_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(gazetteer.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(gazetteer.GazetteerMissing, match="pip install jionlp"):
        gazetteer.source_path()
