"""Comparison features for linking: normalised names and addresses.

``int_link_names`` (a Python model) brings the text of both sides to one form:

1. Unicode NFKC (full-width letters, digits and brackets become half-width),
   OpenCC traditional → simplified (``str.translate``, C speed);
2. addresses: Chinese numerals before an address unit become Arabic
   (三号楼 → 3号楼, 十二栋 → 12栋; ``cn2an``, only on the strings that hold one);
3. names: brackets go (branch places, legal notes), then, with regular
   expressions in DuckDB, place prefixes from the front (``etl/linkage/gazetteer.py``:
   every division's full name nationwide, the region's own short names and their
   dangling tails) and legal forms, cut legal forms and branch markers from the end;
4. the homophone fold (``etl/linkage/text.py``).

The SQL models ``int_link_texts``, ``int_link_grams``, ``int_link_units`` and
``int_link_taxpayers`` add address parts, name bigrams, categories, H3 blocks
and the blocking keys (docs/linkage.md).
"""

from __future__ import annotations

import functools
import re

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl.linkage import gazetteer, text

# Legal forms at the end of a name, in full or cut (longest first when joined).
LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "有限公司", "股份公司", "分公司", "合伙企业", "个人独资企业", "个体工商户",
    "有限责任", "责任公司", "有限", "股份", "集团", "公司", "个体", "工作室", "经营部", "商行",
)
# Branch and location markers at the end: 分店, 二部, 3号店, 第一分店, 新址.
BRANCH_WORDS = (
    "分店", "分部", "分厂", "新址", "旧址", "总店", "总部", "门市部", "门市", "门店", "营业部", "营业厅", "办事处",
)
BRANCH_NUMBERED = r"第?[0-9一二三四五六七八九十]+(?:号|分)?(?:店|部|厂|分店|分部|门市|门店)"
BRANCH_AFTER_PLACE = ("分店", "店", "分部", "分公司", "营业部")
SHOP_WORDS = ("店", "部", "铺", "馆")
# A prefix ending in 市/区/县 that starts at least this share of the names is
# the region's own city or district, whatever the gazetteer says.
FREQUENT_PREFIX_SHARE = 0.01
# Chinese numerals before an address unit (三号楼, 十二栋, 三〇五室).
CN_NUMERAL = "零〇一二两三四五六七八九十百千"
ADDRESS_UNITS = "号栋幢座楼层室房单元期区巷弄排街"
NUMERAL_RE = re.compile(f"[{CN_NUMERAL}]+(?=[{ADDRESS_UNITS}])")


def _stems(names: set[str]) -> set[str]:
    out = set()
    for name in names:
        if name:
            out.add(name)
            short = gazetteer.stem(name)
            if short != name:
                out.add(short)
    return out


def _region(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str], gazetteer.Lineage]:
    columns = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_name = 'stg_streets'").fetchall()]
    picked = [f"{c}::varchar" if c in columns else "null::varchar" for c in ("district_code", "district_name", "street_name")]
    rows = con.execute(f"select distinct {', '.join(picked)} from stg_streets").fetchall()
    codes = {str(c).strip()[:6] for c, _, _ in rows if c}
    districts = {text.simplified(d) for _, d, _ in rows if d}
    streets = {text.simplified(s) for _, _, s in rows if s}
    return districts, streets, gazetteer.lineage(codes, districts)


def _frequent_prefixes(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
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
    return {text.simplified(p) for (p,) in rows}


def admin_prefixes(con: duckdb.DuckDBPyConnection, stems: bool = True) -> list[str]:
    """Place names that may open a name (``stems``) or an address in this region, longest first.

    Names: every division's full name nationwide, province short names, the region's
    lineage (short names and dangling tails), the streets of ``streets.geojson`` and the
    data's own frequent 市/区/县 prefixes, with their short forms. Addresses keep the short
    forms, since roads are often named after their town (福永大道)."""
    districts, streets, lineage = _region(con)
    own = districts | streets | _frequent_prefixes(con) | set(lineage.full)
    places = set(gazetteer.full_names()) | own
    if stems:
        places |= _stems(own) | set(lineage.short) | set(lineage.tails) | gazetteer.province_aliases()
    return sorted((p for p in places if len(p) >= 2), key=lambda p: (-len(p), p))


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def nfkc(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.utf8_normalize(values, form="NFKC")


@functools.lru_cache(maxsize=4096)
def _numeral(run: str) -> str:
    import cn2an

    try:
        return str(cn2an.cn2an(run.replace("〇", "零") if len(run) > 1 and run[0] != "〇" else run, "smart"))
    except (ValueError, KeyError, IndexError):
        digits = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "两": "2"}
        return "".join(digits.get(c, c) for c in run) if all(c in digits for c in run) else run


def arabic_numerals(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """三号楼 → 3号楼, 十二栋 → 12栋, 三〇五室 → 305室; only strings holding such a numeral go through Python."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    hit = pc.fill_null(pc.match_substring_regex(values, f"[{CN_NUMERAL}]+[{ADDRESS_UNITS}]"), False)
    if not pc.any(hit).as_py():
        return values.cast(pa.string())
    changed = pa.array([NUMERAL_RE.sub(lambda m: _numeral(m.group(0)), v) for v in values.filter(hit).to_pylist()],
                       pa.string())
    return pc.replace_with_mask(values.cast(pa.string()), hit, changed)


def _prepared(column: pa.ChunkedArray) -> pa.Array:
    return text.translate_sparse(nfkc(column), text.t2s_table())


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
        "name": _prepared(sides["name"]),
        "address": arabic_numerals(_prepared(sides["address"])),
    })
    districts, streets, lineage = _region(con)
    prefix = _alternation(admin_prefixes(con))
    address_prefix = _alternation(admin_prefixes(con, stems=False))
    # a branch named after a place of the region: 西乡店, 宝安分公司
    places = _alternation(_stems(districts | streets) | set(lineage.short))
    legal = _alternation(LEGAL_FORMS)
    branch = _alternation(BRANCH_WORDS) + "|" + BRANCH_NUMBERED
    after_place = _alternation(BRANCH_AFTER_PLACE)
    shop = _alternation(SHOP_WORDS)
    con.register("_link_text", simple)
    try:
        stripped = con.execute(
            rf"""
            with cleaned as (
                select side, key,
                    -- brackets hold branch places and legal notes: (有限合伙), (深圳), (西乡店)
                    regexp_replace(regexp_replace(upper(name), '[(\[【][^)\]】]*[)\]】]', '', 'g'),
                                   '[^\p{{Han}}A-Z0-9]', '', 'g') as name,
                    regexp_replace(upper(address), '\s', '', 'g') as address
                from _link_text
            ),
            no_prefix as (
                select side, key, name as whole,
                    regexp_replace(name, '^(?:{prefix})+', '') as name,
                    regexp_replace(address, '^(?:{address_prefix})+', '') as address
                from cleaned
            ),
            no_form as (
                select side, key, address, whole,
                    regexp_replace(name, '(?:(?:{legal})|(?:{branch})|(?:(?:{places})(?:{after_place})))+$', '') as name
                from no_prefix
            ),
            kept as (
                -- a name that was nothing but places and forms keeps its whole text
                select side, key, address, case when length(name) >= 2 then name else whole end as name from no_form
            )
            select side, key,
                case when length(name) > 3 then regexp_replace(name, '(?:{shop})$', '') else name end as name_core,
                address as address_core
            from kept
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
