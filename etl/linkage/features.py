"""Comparison features for linking: normalised names and addresses.

``int_link_names`` (a Python model) folds the text of both sides: OpenCC
traditional → simplified in Python (``str.translate``, C speed), region and
legal-form affixes stripped with regular expressions in DuckDB, then the
homophone fold. The SQL models ``int_link_units`` and ``int_link_taxpayers``
add address parts, categories, H3 blocks and blocking keys.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from etl.linkage import text

# Legal forms and generic shop words at the end of a name (longest first).
LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "合伙企业", "个人独资企业", "个体工商户",
    "集团", "公司", "个体",
)
SHOP_WORDS = ("店", "部", "铺", "馆")
# Provinces (a name may start with one); the region's own city, district and
# street names are read from the data.
PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
    "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
    "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
    "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区", "内蒙古", "广西", "宁夏", "新疆",
    "西藏", "香港", "澳门",
)
ADMIN_SUFFIXES = ("省", "市", "区", "县", "街道", "镇", "乡", "自治区", "特别行政区")
# A prefix ending in 市/区/县 that starts at least this share of the names is
# the region's own city or district ("深圳市", "宝安区").
FREQUENT_PREFIX_SHARE = 0.01


def _stems(names: set[str]) -> set[str]:
    out = set()
    for name in names:
        if not name:
            continue
        out.add(name)
        for suffix in sorted(ADMIN_SUFFIXES, key=len, reverse=True):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                out.add(name[: -len(suffix)])
                break
    return out


def admin_prefixes(con: duckdb.DuckDBPyConnection, stems: bool = True) -> list[str]:
    """Place names that may open a name or an address in this region, longest first.

    With ``stems`` also the short forms (宝安, 西乡) that names use; addresses
    keep them, since roads are often named after their town (福永大道)."""
    expand = _stems if stems else (lambda names: {n for n in names if n})
    places = expand(set(PROVINCES))
    for district, street in con.execute("select distinct district_name, street_name from stg_streets").fetchall():
        places |= expand({text.simplified(district or ""), text.simplified(street or "")})
    frequent = con.execute(
        r"""
        with names as (
            select name as s from stg_taxpayers union all select reg_address from stg_taxpayers
            union all select address from stg_grid_units
        ),
        prefixes as (select regexp_extract(s, '^(\p{Han}{2,3}?(?:市|区|县))', 1) as p from names where s is not null)
        select p from prefixes where p <> '' group by p
        having count(*) >= ? * (select count(*) from names)
        """,
        [FREQUENT_PREFIX_SHARE],
    ).fetchall()
    places |= expand({text.simplified(p) for (p,) in frequent})
    return sorted(places, key=lambda p: (-len(p), p))


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def int_link_names(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per (side, key): the name's core, its folded core, the address without the region prefix."""
    sides = con.execute(
        """
        select 'taxpayer' as side, taxpayer_id as key, name, reg_address as address from stg_taxpayers
        union all
        select 'unit', record_id, unit_name, address from stg_grid_units
        """
    ).to_arrow_table()
    simple = pa.table({
        "side": sides["side"], "key": sides["key"],
        "name": text.translate_sparse(sides["name"], text.t2s_table()),
        "address": text.translate_sparse(sides["address"], text.t2s_table()),
    })
    prefix = _alternation(admin_prefixes(con))
    address_prefix = _alternation(admin_prefixes(con, stems=False))
    legal = _alternation(LEGAL_FORMS)
    shop = _alternation(SHOP_WORDS)
    con.register("_link_text", simple)
    try:
        stripped = con.execute(
            rf"""
            with cleaned as (
                select side, key,
                    -- brackets hold branch places and legal notes: （有限合伙）, (深圳)
                    regexp_replace(regexp_replace(upper(name), '[（(][^）)]*[）)]', '', 'g'),
                                   '[^\p{{Han}}A-Z0-9]', '', 'g') as name,
                    regexp_replace(upper(address), '\s', '', 'g') as address
                from _link_text
            ),
            no_prefix as (
                select side, key,
                    regexp_replace(name, '^(?:{prefix})+', '') as name,
                    regexp_replace(address, '^(?:{address_prefix})+', '') as address
                from cleaned
            ),
            no_form as (
                select side, key, address,
                    regexp_replace(name, '(?:(?:{prefix})?(?:{legal}))+$', '') as name
                from no_prefix
            )
            select side, key,
                case when length(name) > 3 then regexp_replace(name, '(?:{shop})$', '') else name end as name_core,
                address as address_core
            from no_form
            """
        ).to_arrow_table()
    finally:
        con.unregister("_link_text")
    folded = text.translate(stripped["name_core"], text.fold_table())
    return stripped.append_column("name_fold", folded)


BLOCK_RESOLUTION = 9  # H3 res 9 cells are ~174 m across an edge: the ring covers GPS noise and geocoding error
BLOCK_RING = 1


def int_link_unit_rings(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Each unit's H3 cell and its ring at :data:`BLOCK_RESOLUTION`, as strings (vectorised with h3ronpy)."""
    from h3ronpy import cells_parse, cells_to_string, grid_disk

    units = con.execute(f"select record_id, h3_{BLOCK_RESOLUTION} as cell from stg_grid_units").to_arrow_table()
    cells = cells_parse(units["cell"].combine_chunks())
    disks = pa.array(grid_disk(cells, BLOCK_RING, flatten=False))
    flat = pa.array(cells_to_string(disks.flatten()))
    return pa.table({
        "record_id": units["record_id"],
        "h3_block": pa.ListArray.from_arrays(disks.offsets, flat),
    })
