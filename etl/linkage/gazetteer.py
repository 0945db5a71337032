"""China's administrative divisions (GB/T 2260 codes and names), from a maintained national source.

The source is the division table shipped by JioNLP (PyPI ``jionlp``,
``jionlp/dictionary/china_location.zip``, kept up to date by its maintainers with
the Ministry of Civil Affairs' changes): every province, prefecture and county with
its six-digit code and short name (广东省 440000 广东, 宝安区 440306 宝安), and the
towns and streets (乡镇、街道) under each county. The file is read directly: importing
``jionlp`` itself loads much more and prints a banner.

What linkage takes from it (``etl/linkage/features.py``):

- every division's full name, nationwide, may open a name or an address
  (深圳市, 余杭区, 内蒙古自治区): a full name with its suffix is never a trade name;
- the short names (宝安, 深圳, 西乡) only of the region's own lineage: its counties,
  their prefecture and province, the other counties of that prefecture and the
  towns and streets of its counties. A short name elsewhere may be a trade name
  (金华电子 in Shenzhen), so it is kept there;
- the tails of the lineage's full names (安区 of 宝安区, 圳市 of 深圳市): a sign or
  a clerk that dropped the first characters leaves them dangling.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("province", "prefecture", "county", "town")
# Suffixes of division names, longest first: what is left is the short name (stem).
SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗", "新区",
    "街道办事处", "街道", "地区", "林区", "特区", "省", "市", "区", "县", "旗", "盟", "镇", "乡", "州",
)


class GazetteerMissing(RuntimeError):
    """The division table is not installed (``pip install jionlp``)."""


@dataclass(frozen=True)
class Division:
    level: str  # province / prefecture / county / town
    name: str  # full name: 宝安区
    alias: str  # short name: 宝安 (towns: the name without 街道/镇/乡)
    code: str  # six-digit GB/T 2260 code ('' for towns: the table gives them none)
    province: str  # code of the province
    prefecture: str  # code of the prefecture ('' for a province)
    county: str  # code of the county ('' above county level)


def source_path() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise GazetteerMissing("the national division table needs the jionlp package (pip install jionlp)")
    path = Path(list(spec.submodule_search_locations)[0]) / "dictionary" / "china_location.zip"
    if not path.exists():
        raise GazetteerMissing(f"the national division table is missing: {path}")
    return path


def stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@functools.lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """Every province, prefecture, county and town of the table (villages are skipped)."""
    with zipfile.ZipFile(source_path()) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".txt"))
        text = archive.read(member).decode("utf-8")
    out: list[Division] = []
    province = prefecture = county = ""
    # villages (four tabs deep) are nine lines in ten: a regular expression skips them in C
    for match in re.finditer(r"^(\t{0,3})([^\t\n][^\n]*)$", text, flags=re.MULTILINE):
        depth, line = len(match.group(1)), match.group(2)
        if not line.strip():
            continue
        parts = line.strip().split("\t")
        if depth == 3:
            name = parts[0]
            out.append(Division("town", name, stem(name), "", province, prefecture, county))
            continue
        if len(parts) != 3:
            continue
        name, code, alias = parts
        alias = alias.split("/")[0] or stem(name)
        if depth == 0:
            province, prefecture, county = code, "", ""
            out.append(Division("province", name, alias, code, province, "", ""))
        elif depth == 1:
            prefecture, county = code, ""
            out.append(Division("prefecture", name, alias, code, province, prefecture, ""))
        else:
            county = code
            out.append(Division("county", name, alias, code, province, prefecture, county))
    if not out:
        raise GazetteerMissing(f"the national division table {source_path()} holds no divisions")
    return tuple(out)


def full_names() -> set[str]:
    """Full names of every province, prefecture and county (not towns: 新华街道 is also a road's name)."""
    return {d.name for d in divisions() if d.level != "town"}


def province_aliases() -> set[str]:
    return {d.alias for d in divisions() if d.level == "province" and len(d.alias) >= 2}


def find_counties(codes: set[str], names: set[str]) -> list[Division]:
    """The counties of a region, by GB/T 2260 code (first) or by full name."""
    counties = [d for d in divisions() if d.level == "county"]
    found = [d for d in counties if d.code in codes]
    if not found:
        found = [d for d in counties if d.name in names]
    if not found:  # a prefecture-level region (a whole city): its counties
        prefectures = {d.code for d in divisions() if d.level == "prefecture" and (d.code in codes or d.name in names)}
        found = [d for d in counties if d.prefecture in prefectures]
    return found


@dataclass(frozen=True)
class Lineage:
    """The region's own places (see the module docstring)."""

    counties: tuple[Division, ...]
    full: frozenset[str]  # full names of the lineage (province, prefecture, counties, siblings, towns)
    short: frozenset[str]  # their short names
    tails: frozenset[str]  # dangling tails of the lineage's full names

    @property
    def known(self) -> bool:
        return bool(self.counties)


def lineage(codes: set[str], names: set[str]) -> Lineage:
    counties = find_counties(codes, names)
    prefectures = {c.prefecture for c in counties}
    provinces = {c.province for c in counties}
    county_codes = {c.code for c in counties}
    places = [
        d for d in divisions()
        if (d.level == "province" and d.code in provinces)
        or (d.level == "prefecture" and d.code in prefectures)
        or (d.level == "county" and d.prefecture in prefectures)
        or (d.level == "town" and d.county in county_codes)
    ]
    full = {d.name for d in places}
    short = {d.alias for d in places if len(d.alias) >= 2}
    # the region's own counties and its prefecture and province, less their first characters
    tails = set()
    for d in places:
        if d.level == "town" or (d.level == "county" and d.code not in county_codes):
            continue
        for i in range(1, len(d.name) - 1):
            tail = d.name[i:]
            if len(tail) >= 2 and tail not in SUFFIXES:
                tails.add(tail)
    return Lineage(tuple(counties), frozenset(full), frozenset(short), frozenset(tails))
