"""The simulated world behind the files: households and their buildings,
taxpayers and what really happens to them, the business units grid workers
record, and the officers.

Arrays everywhere; loops only over zones, industries and other small sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import shapely

from etl import coords
from taxmap.demo import config, formats, ids, names
from taxmap.demo.profiles import DEMO_PROFILE, NoiseProfile
from taxmap.demo.names import STR, cat, pick
from taxmap.demo.region import Grids, Region, locate, sample_group, to_metres

# --- households and buildings -------------------------------------------------

EXTRA_SHARE = 0.07  # additional business sites per taxpayer (unregistered, vacant)
BUILDING_CELL_M = 25.0
ROAD_CELL_M = 300.0


@dataclass
class Households:
    """Business sites. The first ``n_taxpayers`` are the registered taxpayers'
    sites; the rest are sites of unregistered businesses or vacant premises."""

    lng: np.ndarray
    lat: np.ndarray
    zone: np.ndarray
    grid: np.ndarray
    n_taxpayers: int
    building: np.ndarray | None = None
    floor: np.ndarray | None = None
    room: np.ndarray | None = None


def place_households(region: Region, rng: np.random.Generator) -> Households:
    """Registered taxpayers' sites first (zone by zone), then the extra sites."""
    tp, extra = [], []
    for group in region.groups:
        lng, lat, zone, is_extra = sample_group(group, region.zones, EXTRA_SHARE, rng)
        tp.append((lng[~is_extra], lat[~is_extra], zone[~is_extra]))
        extra.append((lng[is_extra], lat[is_extra], zone[is_extra]))
    parts = tp + extra
    lng = np.concatenate([p[0] for p in parts])
    lat = np.concatenate([p[1] for p in parts])
    zone = np.concatenate([p[2] for p in parts])
    return Households(lng, lat, zone, np.full(len(lng), -1), sum(len(p[0]) for p in tp))


def assign_grids(hh: Households, grids: Grids) -> None:
    grid = locate(hh.lng, hh.lat, grids.geometry)
    miss = np.flatnonzero(grid < 0)
    if miss.size:
        _, near = shapely.STRtree(grids.geometry).query_nearest(shapely.points(hh.lng[miss], hh.lat[miss]), all_matches=False)
        grid[miss] = near
    hh.grid = grid


@dataclass
class Buildings:
    zone: np.ndarray
    road: np.ndarray
    number: np.ndarray
    label: np.ndarray  # as registered: "A栋", "3栋", "厂房2栋" or ""
    label_alt: np.ndarray  # as a grid worker writes it: "A座", ...
    industrial: np.ndarray
    building_id: np.ndarray
    label_alt_cn: np.ndarray | None = None  # label_alt with Chinese numerals (三栋, 厂房十二栋)


def make_buildings(hh: Households, region: Region, rng: np.random.Generator) -> Buildings:
    """Sites in the same 25 m cell of a zone share a building (its road,
    door number and building id)."""
    x, y = to_metres(hh.lng, hh.lat)
    ix = np.floor(x / BUILDING_CELL_M).astype(np.int64) + (1 << 19)
    iy = np.floor(y / BUILDING_CELL_M).astype(np.int64) + (1 << 19)
    key = (hh.zone.astype(np.int64) << 42) | (ix << 21) | iy
    keys, building = np.unique(key, return_inverse=True)
    hh.building = building
    hh.floor = np.minimum(1 + rng.geometric(0.22, len(hh.lng)), 30)
    hh.room = rng.integers(1, 13, len(hh.lng))
    nb = len(keys)
    zone = (keys >> 42).astype(np.int64)
    bx = ((keys >> 21) & ((1 << 21) - 1)) - (1 << 19)
    by = (keys & ((1 << 21) - 1)) - (1 << 19)
    per_road = int(ROAD_CELL_M // BUILDING_CELL_M)
    cell = (zone << 42) | ((bx // per_road + (1 << 19)) << 21) | (by // per_road + (1 << 19))
    _, road_cell = np.unique(cell, return_inverse=True)
    road_pick = rng.random(road_cell.max() + 1)[road_cell]
    road = np.empty(nb, dtype=STR)
    for zi, z in enumerate(region.zones):
        members = zone == zi
        if members.any():
            pool = names.roads_for(z.name, z.synthetic, rng)
            road[members] = pool[(road_pick[members] * len(pool)).astype(np.int64)]
    number = rng.integers(1, 400, nb)
    form = rng.choice(4, nb, p=[0.30, 0.30, 0.25, 0.15])
    letter = pick(list("ABCDEF"), rng.integers(0, 6, nb))
    tower_n = rng.integers(1, 13, nb)
    tower = tower_n.astype(STR)
    label = np.select([form == 0, form == 1, form == 3], [cat(letter, "栋"), cat(tower, "栋"), cat("厂房", tower, "栋")], "").astype(STR)
    label_alt = np.where((form == 0) & (rng.random(nb) < 0.5), cat(letter, "座"), label).astype(STR)
    cn = names.CHINESE_NUMBERS[tower_n]
    label_alt_cn = np.select([form == 1, form == 3], [cat(cn, "栋"), cat("厂房", cn, "栋")], label_alt).astype(STR)
    first_of_zone = np.searchsorted(zone, zone)
    seq = np.arange(nb) - first_of_zone + 1
    codes = np.array([z.code for z in region.zones], dtype=STR)
    building_id = cat(codes[zone], ids.digits(seq, 6))
    return Buildings(zone, road, number, label, label_alt, form == 3, building_id, label_alt_cn)


def _zone_text(region: Region):
    district = np.array([z.district_name for z in region.zones], dtype=STR)
    street = np.array(["" if z.synthetic else z.name for z in region.zones], dtype=STR)
    short = np.array([z.short_name for z in region.zones], dtype=STR)
    code = np.array([z.code for z in region.zones], dtype=STR)
    return district, street, short, code


def registered_addresses(hh: Households, b: Buildings, region: Region, sites: np.ndarray, shop: np.ndarray, room: np.ndarray | None = None) -> np.ndarray:
    """深圳市宝安区西乡街道宝源路123号A栋501室 (shops: …号105铺). ``room``:
    the room numbers, when not those of the sites."""
    district, street, _, _ = _zone_text(region)
    bi = hh.building[sites]
    zi = b.zone[bi]
    floor = hh.floor[sites]
    room = hh.room[sites] if room is None else room
    room_text = np.select(
        [shop, b.industrial[bi]],
        [cat("1", ids.digits(room, 2), "铺"), cat(floor.astype(STR), "楼")],
        cat(floor.astype(STR), ids.digits(room, 2), "室"),
    ).astype(STR)
    return cat(region.locale.address_head, district[zi], street[zi], b.road[bi], b.number[bi].astype(STR), "号", b.label[bi], room_text)


def standard_addresses(
    hh: Households, b: Buildings, region: Region, sites: np.ndarray, shop: np.ndarray, rng: np.random.Generator,
    profile: NoiseProfile = DEMO_PROFILE, prng: np.random.Generator | None = None,
) -> np.ndarray:
    """The grid system's standard address, written differently from the
    registration: no 深圳市, 座 for 栋, rooms as 501 / 5楼501 / 501房; per the
    profile, some with Chinese numerals (三栋, 十二楼) or full-width (３号)."""
    district, street, _, _ = _zone_text(region)
    bi = hh.building[sites]
    zi = b.zone[bi]
    floor, room = hh.floor[sites], hh.room[sites]
    style = rng.integers(0, 3, len(sites))
    n = len(sites)
    chinese = prng.random(n) < profile.chinese_numeral_rate if prng is not None and profile.chinese_numeral_rate > 0 else np.zeros(n, dtype=bool)
    floor_text = np.where(chinese, names.CHINESE_NUMBERS[np.clip(floor, 0, 999)], floor.astype(STR)).astype(STR)
    flat = cat(floor.astype(STR), ids.digits(room, 2))
    room_text = np.select(
        [shop & (style == 0), shop, b.industrial[bi], style == 0, style == 1],
        [cat("1", ids.digits(room, 2), "号铺"), "一楼", cat(floor_text, "层"), flat, cat(floor_text, "楼", flat)],
        cat(flat, "房"),
    ).astype(STR)
    label = np.where(chinese, b.label_alt_cn[bi], b.label_alt[bi]).astype(STR) if chinese.any() else b.label_alt[bi]
    out = cat(district[zi], street[zi], b.road[bi], b.number[bi].astype(STR), "号", label, room_text)
    if prng is not None and profile.fullwidth_address_rate > 0:
        wide = np.flatnonzero(prng.random(n) < profile.fullwidth_address_rate)
        out[wide] = names.to_fullwidth(out[wide])
    return out


# --- taxpayers -------------------------------------------------------------------

ROLES_WITH_UNIT = ("normal", "moved", "closed_conflict", "active_conflict", "suspended_unit")
OPERATING_ROLES = ("normal", "missed", "moved", "active_conflict")
INDUSTRIAL_STREETS = {"沙井街道", "松岗街道", "福永街道", "石岩街道", "燕罗街道", "新桥街道", "福海街道"}
CENTRAL_STREETS = {"新安街道", "西乡街道"}

# (as written, system it is written in, share): the demo profile's (profiles.py)
TAXPAYER_COORD_SYS = DEMO_PROFILE.taxpayer_coord_sys
UNIT_COORD_SYS = DEMO_PROFILE.unit_coord_sys


@dataclass
class Taxpayers:
    site: np.ndarray  # household index of the registered address
    entity: np.ndarray
    industry: np.ndarray  # index into names.INDUSTRIES
    taxpayer_type: np.ndarray
    status: np.ndarray
    role: np.ndarray
    reg_day: np.ndarray  # datetime64[D]
    taxpayer_id: np.ndarray
    name: np.ndarray
    brand: np.ndarray
    phrase: np.ndarray  # index of the name phrase (companies) or shop word (individuals)
    legal_rep: np.ndarray
    legal_rep_id: np.ndarray
    phone: np.ndarray
    credit_rating: np.ndarray
    zone: np.ndarray
    reg_address: np.ndarray
    geo_lng: np.ndarray | None = None  # geocoded registered address, WGS84
    geo_lat: np.ndarray | None = None
    coord_sys: np.ndarray | None = None  # as written
    lng_text: np.ndarray | None = None
    lat_text: np.ndarray | None = None
    operating_site: np.ndarray | None = None  # household index where it really operates (-1: nowhere)
    risk_pattern: np.ndarray | None = None  # planted tax-risk pattern ("" none), see patterns.py
    zero_from: np.ndarray | None = None  # first period filed as zeros by zero_while_operating (12: none)
    trade_group: np.ndarray | None = None  # taxpayers sharing a trade name (字号) by the noise profile (-1: none)

    @property
    def n(self) -> int:
        return len(self.site)

    @property
    def has_unit(self) -> np.ndarray:
        return formats.isin(self.role, ROLES_WITH_UNIT)

    @property
    def operates(self) -> np.ndarray:
        return formats.isin(self.role, OPERATING_ROLES)


def _choose(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return pick(keys, rng.choice(len(keys), n, p=p / p.sum()))


def _industries(entity: np.ndarray, zone: np.ndarray, region: Region, rng: np.random.Generator) -> np.ndarray:
    locale = region.locale
    factor_of_zone = np.array(
        [1.8 if z.name in locale.industrial_streets else 0.6 if z.name in locale.central_streets else 1.0 for z in region.zones]
    )
    making = np.array([ind.category == "制造" for ind in names.INDUSTRIES])
    of_region = np.array([locale.industry_factors.get(ind.code, 1.0) for ind in names.INDUSTRIES])
    out = np.zeros(len(entity), dtype=np.int64)
    for e, kind in enumerate(("企业", "个体工商户", "其他")):
        base = np.array([ind.weights[e] for ind in names.INDUSTRIES], dtype=float)
        for factor in np.unique(factor_of_zone):
            rows = np.flatnonzero((entity == kind) & (factor_of_zone[zone] == factor))
            w = base * np.where(making, factor, 1.0) * of_region
            out[rows] = rng.choice(len(w), len(rows), p=w / w.sum())
    return out


def _reg_days(rng: np.random.Generator, n: int) -> np.ndarray:
    years = np.arange(1995, 2026)
    w = np.exp(0.11 * (years - 1995))
    year = years[rng.choice(len(years), n, p=w / w.sum())]
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - start).astype(np.int64)
    return start + (rng.random(n) * length).astype(np.int64).astype("timedelta64[D]")


def _taxpayer_names(entity, industry, brand, zone, region: Region, rng: np.random.Generator, profile: NoiseProfile = DEMO_PROFILE):
    """Registered names: 深圳市鑫华达电子科技有限公司, 宝安区西乡鑫华达餐饮店,
    深圳市鑫华达投资合伙企业（有限合伙）, …有限公司宝安分公司. Returns the
    names and the index of the phrase (or shop word) used."""
    district, _, short, _ = _zone_text(region)
    n = len(entity)
    phrase = np.zeros(n, dtype=np.int64)
    reg_word = np.empty(n, dtype=STR)
    individual = entity == "个体工商户"
    for i, ind in enumerate(names.INDUSTRIES):
        for rows, table in ((np.flatnonzero((industry == i) & ~individual), ind.phrases), (np.flatnonzero((industry == i) & individual), ind.shops)):
            if len(rows) and table:
                k = rng.integers(0, len(table), len(rows))
                phrase[rows] = k
                reg_word[rows] = pick([p for p, _ in table], k)
    name = np.empty(n, dtype=STR)
    rows = np.flatnonzero(entity == "企业")
    loc = region.locale
    u = rng.random(len(rows))
    d = district[zone[rows]]
    if profile.reg_prefix == DEMO_PROFILE.reg_prefix:
        style = np.where(u < 0.10, 0, np.where(u < 0.15, 1, 2))
    else:
        style = np.minimum(np.searchsorted(np.cumsum(profile.reg_prefix), u, side="right"), len(profile.reg_prefix) - 1)
    # city_district, city_short, city, none, bracket, province (profiles.REG_PREFIX_STYLES)
    prefix = np.select(
        [style == 0, style == 1, style == 2, style == 5], [cat(loc.address_head, d), loc.city_short, loc.city, loc.province_short], ""
    ).astype(STR)
    bracket = np.where(style == 4, f"（{loc.city_short}）", "").astype(STR)
    suffix = pick(["有限公司", "有限责任公司", "股份有限公司"], rng.choice(3, len(rows), p=[0.88, 0.09, 0.03]))
    name[rows] = cat(prefix, brand[rows], reg_word[rows], bracket, suffix)
    rows = np.flatnonzero(individual)
    place = cat(district[zone[rows]], short[zone[rows]])
    name[rows] = cat(np.where(rng.random(len(rows)) < 0.3, cat(loc.address_head, place), place).astype(STR), brand[rows], reg_word[rows])
    codes = np.array([ind.code for ind in names.INDUSTRIES])
    for kind, rows in (
        ("partnership", np.flatnonzero((entity == "其他") & (codes[industry] == "7212"))),
        ("school", np.flatnonzero((entity == "其他") & (codes[industry] == "8393"))),
        ("branch", np.flatnonzero((entity == "其他") & ~np.isin(codes[industry], ["7212", "8393"]))),
    ):
        if kind == "partnership":
            name[rows] = cat(loc.city, brand[rows], reg_word[rows], "合伙企业（有限合伙）")
        elif kind == "school":
            name[rows] = cat(loc.address_head, district[zone[rows]], brand[rows], reg_word[rows])
        else:
            place = np.strings.replace(np.strings.replace(district[zone[rows]], "区", ""), "市", "")
            name[rows] = cat(loc.city, brand[rows], reg_word[rows], "有限公司", place, "分公司")
    return name, phrase


def make_taxpayers(
    hh: Households, region: Region, rng: np.random.Generator, profile: NoiseProfile = DEMO_PROFILE, prng: np.random.Generator | None = None
) -> Taxpayers:
    """Taxpayers in file order: bureau exports list them by registration date.
    ``prng``: the profile's own stream (trade-name collisions)."""
    n = hh.n_taxpayers
    reg_day = _reg_days(rng, n)
    site = np.lexsort((rng.random(n), reg_day))
    reg_day = reg_day[site]
    zone = hh.zone[site]
    entity = _choose(rng, config.ENTITY_SHARES, n)
    industry = _industries(entity, zone, region, rng)
    general_share = np.array([ind.general_share for ind in names.INDUSTRIES])[industry]
    general_share = np.where(entity == "个体工商户", 0.02, np.where(entity == "其他", 0.2, general_share))
    taxpayer_type = np.where(rng.random(n) < general_share, "一般纳税人", "小规模纳税人").astype(STR)
    status = _choose(rng, config.STATUS_SHARES, n)
    role = _roles(status, rng, profile)

    code = np.array([ind.code for ind in names.INDUSTRIES])[industry]
    authority = np.where((entity == "其他") & (code == "8393"), 5, 9)
    entity_type = np.where((entity == "个体工商户") | (authority == 5), 2, 1)
    district_code = np.array([z.district_code for z in region.zones], dtype=STR)[zone]
    city_level = np.where(entity == "企业", rng.random(n) < 0.7, rng.random(n) < 0.4)
    division = np.where(city_level, region.locale.division, district_code).astype(STR)
    modern = reg_day >= np.datetime64("2016-01-01")
    taxpayer_id = ids.unique_usccs(authority, entity_type, division, modern, rng)

    brand = names.brands(rng, n, three_share=0.6)
    name, phrase = _taxpayer_names(entity, industry, brand, zone, region, rng, profile)
    for _ in range(20):
        dup = formats.duplicated(name)
        if not dup.any():
            break
        rows = np.flatnonzero(dup)
        brand[rows] = names.brands(rng, len(rows), three_share=1.0)
        name[rows], phrase[rows] = _taxpayer_names(entity[rows], industry[rows], brand[rows], zone[rows], region, rng, profile)
    trade_group = np.full(n, -1, dtype=np.int64)
    if profile.collision_rate > 0 and prng is not None:
        trade_group = _collide_trade_names(entity, industry, brand, name, phrase, zone, hh.grid[site], region, profile, prng)

    credit = np.where(
        entity == "个体工商户",
        _choose(rng, {"A": 0.01, "B": 0.05, "M": 0.25, "C": 0.01, "D": 0.01, "": 0.67}, n),
        _choose(rng, {"A": 0.12, "B": 0.40, "M": 0.30, "C": 0.05, "D": 0.03, "": 0.10}, n),
    ).astype(STR)
    credit = np.where((status == "非正常") & (rng.random(n) < 0.7), "D", credit).astype(STR)
    return Taxpayers(
        site=site,
        entity=entity,
        industry=industry,
        taxpayer_type=taxpayer_type,
        status=status,
        role=role,
        reg_day=reg_day,
        taxpayer_id=taxpayer_id,
        name=name,
        brand=brand,
        phrase=phrase,
        legal_rep=names.person_names(rng, n),
        legal_rep_id=ids.resident_ids(rng, n, reg_day),
        phone=ids.phones(rng, n),
        credit_rating=credit,
        zone=zone,
        reg_address=np.empty(0, dtype=STR),
        trade_group=trade_group,
    )


def _collide_trade_names(entity, industry, brand, name, phrase, zone, grid, region: Region, profile: NoiseProfile, rng: np.random.Generator) -> np.ndarray:
    """Give groups of 2–4 distinct taxpayers one trade name (字号), in place:
    ``collision_close_share`` of the groups in one grid (neighbours), the
    others anywhere in the region. Registered names stay distinct (a member
    whose new name would repeat one keeps its own). Returns each taxpayer's
    group (-1: none)."""
    n = len(brand)
    sizes = rng.integers(2, 5, max(1, round(n * profile.collision_rate / 3)))
    sizes = sizes[np.cumsum(sizes) <= n // 2]
    if sizes.size == 0:
        return np.full(n, -1, dtype=np.int64)
    close = rng.random(len(sizes)) < profile.collision_close_share
    by_grid = np.lexsort((rng.random(n), grid))  # neighbours in this order share a grid
    anywhere = rng.permutation(n)
    starts = rng.integers(0, n, len(sizes))
    of_group = np.repeat(np.arange(len(sizes)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = (starts[of_group] + np.arange(len(of_group)) - first[of_group]) % n
    member = np.where(close[of_group], by_grid[pos], anywhere[pos])
    # a group is kept when its members are in no other group and, if close, in one grid
    spread = np.maximum.reduceat(grid[member], first) != np.minimum.reduceat(grid[member], first)
    shared = np.maximum.reduceat(np.bincount(member, minlength=n)[member], first) > 1
    keep = ~(shared | (close & spread))
    group = np.full(n, -1, dtype=np.int64)
    kept = keep[of_group]
    group[member[kept]] = of_group[kept]
    is_leader = np.zeros(len(member), dtype=bool)
    is_leader[first] = True
    follower = kept & ~is_leader
    rows = member[follower]
    leader = member[first][of_group[follower]]
    if rows.size == 0:
        return group
    new_brand = brand[leader]
    new_name, new_phrase = _taxpayer_names(entity[rows], industry[rows], new_brand, zone[rows], region, rng, profile)
    ok = ~formats.isin(new_name, pa.array(name.astype(object), type=pa.string())) & ~formats.duplicated(new_name)
    brand[rows[ok]], name[rows[ok]], phrase[rows[ok]] = new_brand[ok], new_name[ok], new_phrase[ok]
    group[rows[~ok]] = -1
    counts = np.bincount(group[group >= 0], minlength=len(sizes))
    group[(group >= 0) & (counts[np.maximum(group, 0)] < 2)] = -1
    return group


def _roles(status: np.ndarray, rng: np.random.Generator, profile: NoiseProfile = DEMO_PROFILE) -> np.ndarray:
    n = len(status)
    u = rng.random(n)
    role = np.full(n, "normal", dtype=object)
    edge = 0.0
    normal = status == "正常"
    for name, share in (config.NORMAL_ROLE_SHARES | {"moved": profile.moved_share}).items():
        role[normal & (u >= edge) & (u < edge + share)] = name
        edge += share
    role[normal & (role == "normal") & (rng.random(n) < config.MISSED_SHARE)] = "missed"
    gone = (status == "注销") | (status == "非正常")
    active = rng.random(n) < config.ACTIVE_CONFLICT_SHARE
    role[gone & active] = "active_conflict"
    role[(status == "注销") & ~active] = "deregistered"
    role[(status == "非正常") & ~active] = "absconded"
    suspended = status == "停业"
    with_unit = rng.random(n) < config.SUSPENDED_WITH_UNIT_SHARE
    role[suspended & with_unit] = "suspended_unit"
    role[suspended & ~with_unit] = "suspended_gone"
    return role.astype(STR)


# --- positions as written -------------------------------------------------------


def coord_sys_choice(table, n: int, rng: np.random.Generator):
    spelled = [s for s, _, _ in table]
    system = [t for _, t, _ in table]
    p = np.array([w for _, _, w in table])
    k = rng.choice(len(table), n, p=p / p.sum())
    return pick(spelled, k), pick(system, k)


def encode(lng: np.ndarray, lat: np.ndarray, system: np.ndarray):
    """WGS84 positions written in each row's system (WGS84, GCJ02 or BD09)."""
    out_lng, out_lat = lng.copy(), lat.copy()
    for name, forward in (("GCJ02", coords.wgs84_to_gcj02), ("BD09", coords.wgs84_to_bd09)):
        rows = system == name
        if rows.any():
            out_lng[rows], out_lat[rows] = forward(lng[rows], lat[rows])
    return out_lng, out_lat


def decode(lng_text: np.ndarray, lat_text: np.ndarray, system: np.ndarray):
    """What the ETL reads back: the written text parsed and converted to WGS84."""
    lng = np.asarray(lng_text).astype(np.float64)
    lat = np.asarray(lat_text).astype(np.float64)
    return coords.to_wgs84(lng, lat, np.asarray(system).astype(object))


def write_positions(lng: np.ndarray, lat: np.ndarray, system: np.ndarray):
    wl, wt = encode(lng, lat, system)
    return formats.decimal(wl, 6), formats.decimal(wt, 6)


def geocode(tp: Taxpayers, hh: Households, grids: Grids, region: Region, rng: np.random.Generator, profile: NoiseProfile = DEMO_PROFILE) -> None:
    """The registered address geocoded: the site plus a geocoding error of a
    few metres (3 % up to 150 m), kept inside its street and never within
    5 cm of a grid border (so point-in-polygon has one answer)."""
    n = tp.n
    spelled, system = coord_sys_choice(profile.taxpayer_coord_sys, n, rng)
    lng0, lat0 = hh.lng[tp.site], hh.lat[tp.site]
    lng, lat = lng0.copy(), lat0.copy()
    redo = np.arange(n)
    boundaries = shapely.boundary(grids.geometry)
    zone_geoms = np.array([z.geometry for z in region.zones], dtype=object)
    for attempt in range(12):
        m = len(redo)
        scale_m = np.where(rng.random(m) < 0.03, rng.uniform(60, 150, m), np.minimum(np.abs(rng.normal(0, 12, m)), 60))
        angle = rng.uniform(0, 2 * np.pi, m)
        cand_lng = lng0[redo] + scale_m * np.cos(angle) / (111_320.0 * np.cos(np.radians(lat0[redo])))
        cand_lat = lat0[redo] + scale_m * np.sin(angle) / 110_574.0
        inside = shapely.contains_xy(zone_geoms[tp.zone[redo]], cand_lng, cand_lat)
        lng[redo] = np.where(inside, cand_lng, lng0[redo])
        lat[redo] = np.where(inside, cand_lat, lat0[redo])
        lng_text, lat_text = write_positions(lng[redo], lat[redo], system[redo])
        if attempt == 0:
            all_lng_text, all_lat_text = lng_text, lat_text
        else:
            all_lng_text[redo], all_lat_text[redo] = lng_text, lat_text
        seen_lng, seen_lat = decode(lng_text, lat_text, system[redo])
        where = locate(seen_lng, seen_lat, grids.geometry)
        margin = np.full(m, -1.0)
        ok = where >= 0
        margin[ok] = shapely.distance(shapely.points(seen_lng[ok], seen_lat[ok]), boundaries[where[ok]])
        redo = redo[margin < 5e-7]
        if redo.size == 0:
            break
    else:
        raise RuntimeError("could not place some registered addresses away from grid borders")
    tp.geo_lng, tp.geo_lat = lng, lat
    tp.coord_sys, tp.lng_text, tp.lat_text = spelled, all_lng_text, all_lat_text


# --- officers --------------------------------------------------------------------


@dataclass
class Officers:
    table: dict  # column → text array, in file order
    worker_of_grid: np.ndarray  # officer_id of each grid's grid worker


def make_officers(region: Region, grids: Grids, households_per_zone: np.ndarray, rng: np.random.Generator) -> Officers:
    ids_, roles, streets, grid_lists = [], [], [], []
    worker_of_grid = np.empty(len(grids.code), dtype=object)
    for zi, zone in enumerate(region.zones):
        members = np.flatnonzero(grids.zone == zi)  # already in Hilbert (code) order
        sizes = rng.choice([1, 2, 3, 4], size=len(members), p=[0.25, 0.35, 0.25, 0.15])
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        bounds = bounds[bounds < len(members)].tolist() + [len(members)]
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True), start=1):
            officer = f"WG{zone.code}{k:03d}"
            ids_.append(officer)
            roles.append("网格员")
            streets.append(zone.code)
            grid_lists.append(";".join(grids.code[members[a:b]]))
            worker_of_grid[members[a:b]] = officer
        n_tax = int(min(len(members), max(2, round(households_per_zone[zi] / 5000))))
        for k, chunk in enumerate(np.array_split(members, n_tax), start=1):
            ids_.append(f"SW{zone.code}{k:02d}")
            roles.append("税收管理员")
            streets.append(zone.code)
            grid_lists.append(";".join(grids.code[chunk]))
    n = len(ids_)
    table = {
        "officer_id": np.array(ids_, dtype=STR),
        "name": names.person_names(rng, n),
        "role": np.array(roles, dtype=STR),
        "street_code": np.array(streets, dtype=STR),
        "grid_codes": np.array(grid_lists, dtype=STR),
        "phone": ids.phones(rng, n),
    }
    return Officers(table, worker_of_grid.astype(STR))


# --- grid units ------------------------------------------------------------------


@dataclass
class Units:
    """Business units as recorded (one per row before planted defects)."""

    taxpayer: np.ndarray  # index into Taxpayers, -1 when none
    kind: np.ndarray  # normal / moved / closed_conflict / active_conflict / suspended_unit / unregistered / vacant
    site: np.ndarray  # household index of the place
    true_lng: np.ndarray
    true_lat: np.ndarray
    grid: np.ndarray
    table: dict  # column → text, uscc filled later
    uscc_seen: np.ndarray
    uscc_misread: np.ndarray
    collected: np.ndarray  # datetime64[s]


def _moved_sites(
    tp_rows: np.ndarray, tp: Taxpayers, hh: Households, rng: np.random.Generator, profile: NoiseProfile = DEMO_PROFILE, region: Region | None = None
) -> np.ndarray:
    """A different site ``profile.moved_km`` (1–5 km) from the registered one,
    for each moved business (in the same district when the profile says so)."""
    x, y = to_metres(hh.lng[: hh.n_taxpayers], hh.lat[: hh.n_taxpayers])
    lo, hi = profile.moved_km[0] * 1000.0, profile.moved_km[1] * 1000.0
    district = None
    if profile.moved_same_district and region is not None:
        codes = np.array([z.district_code for z in region.zones])
        district = np.unique(codes, return_inverse=True)[1][hh.zone[: hh.n_taxpayers]]
    out = np.full(len(tp_rows), -1)
    todo = np.arange(len(tp_rows))
    while todo.size:
        cand = rng.integers(0, hh.n_taxpayers, size=(todo.size, 64))
        home = tp.site[tp_rows[todo]]
        d = np.hypot(x[cand] - x[home][:, None], y[cand] - y[home][:, None])
        ok = (d >= lo) & (d <= hi)
        if district is not None:
            ok &= district[cand] == district[home][:, None]
        has = ok.any(axis=1)
        out[todo[has]] = cand[has, ok[has].argmax(axis=1)]
        todo = todo[~has]
    return out


def _sign_names(
    tp: Taxpayers, rows: np.ndarray, rng: np.random.Generator, profile: NoiseProfile = DEMO_PROFILE,
    region: Region | None = None, prng: np.random.Generator | None = None,
) -> np.ndarray:
    """What the shop sign says: no 深圳市/区 prefix, usually no legal form,
    abbreviations; then look-alike characters and typos. A noise profile
    adds place prefixes (宝安华达电子, 安区华达电子), branch suffixes (分店,
    (西乡店)), cut legal forms (华达电子有限) and full-width characters."""
    n = len(rows)
    entity, industry, brand, phrase = tp.entity[rows], tp.industry[rows], tp.brand[rows], tp.phrase[rows]
    sign_word = np.empty(n, dtype=STR)
    reg_word = np.empty(n, dtype=STR)
    for i, ind in enumerate(names.INDUSTRIES):
        for kind_rows, table in ((entity != "个体工商户", ind.phrases), (entity == "个体工商户", ind.shops)):
            sel = (industry == i) & kind_rows
            if sel.any() and table:
                k = np.minimum(phrase[sel], len(table) - 1)
                reg_word[sel] = pick([a for a, _ in table], k)
                sign_word[sel] = pick([b for _, b in table], k)
    p = np.asarray(profile.sign_forms, dtype=float)
    form = rng.choice(len(p), n, p=p / p.sum())
    legal = np.full(n, "有限公司", dtype=STR)
    if profile.legal_form_as_registered:
        registered = tp.name[rows]
        for full in reversed(names.LEGAL_FORMS):  # the longest match wins: 股份有限公司 before 有限公司
            legal[np.strings.endswith(registered, full)] = full
        if prng is not None and profile.legal_form_cut > 0:
            cut = prng.random(n) < profile.legal_form_cut
            for full, short in names.LEGAL_FORM_CUTS:
                legal[cut & (legal == full)] = short
    company = np.select(
        [form == 0, form == 1, form == 2, form == 3], [cat(brand, sign_word), cat(brand, reg_word), cat(brand, reg_word, legal), cat(brand, "公司")], brand
    ).astype(STR)
    individual = np.where(rng.random(n) < 0.8, cat(brand, sign_word), cat(brand, reg_word)).astype(STR)
    other = np.where(formats.isin(sign_word, ["投资", "培训"]), cat(brand, sign_word), cat(brand, sign_word, "分公司")).astype(STR)
    sign = np.select([entity == "企业", entity == "个体工商户"], [company, individual], other).astype(STR)
    if prng is not None and region is not None:
        sign = _sign_places(sign, tp.zone[rows], region, profile, prng)
    sign = names.apply_lookalikes(sign, rng, profile.lookalike_rate, profile.lookalikes)
    homophones = None if profile.homophones == DEMO_PROFILE.homophones else {k: names.HOMOPHONES[k] for k in profile.homophones}
    sign = names.apply_typos(sign, rng, profile.typo_rate, homophones)
    if prng is not None and profile.fullwidth_name_rate > 0:
        wide = np.flatnonzero(prng.random(n) < profile.fullwidth_name_rate)
        sign[wide] = names.to_fullwidth(sign[wide])
    return sign


def _sign_places(sign: np.ndarray, zone: np.ndarray, region: Region, profile: NoiseProfile, rng: np.random.Generator) -> np.ndarray:
    """Place prefixes (profiles.SIGN_PREFIX_STYLES) and branch suffixes."""
    n = len(sign)
    loc = region.locale
    district, _, short, _ = _zone_text(region)
    d = district[zone]
    d_short = np.strings.replace(np.strings.replace(d, "区", ""), "市", "")
    if profile.sign_prefix[0] < 1.0:
        style = np.minimum(np.searchsorted(np.cumsum(profile.sign_prefix), rng.random(n), side="right"), len(profile.sign_prefix) - 1)
        half = np.where(rng.random(n) < 0.5, np.strings.slice(d, 1, None), loc.city[1:]).astype(STR)
        prefix = np.select(
            [style == 1, style == 2, style == 3, style == 4, style == 5, style == 6], [d_short, d, loc.city_short, loc.city, half, short[zone]], ""
        ).astype(STR)
        sign = cat(prefix, sign)
    if profile.branch_rate > 0 and profile.branch_suffixes:
        rows = np.flatnonzero(rng.random(n) < profile.branch_rate)
        suffix = pick(profile.branch_suffixes, rng.integers(0, len(profile.branch_suffixes), len(rows)))
        street = short[zone[rows]]
        street = np.where(street == "", d_short[rows], street).astype(STR)
        suffix = np.strings.replace(suffix, "{street}", street)
        suffix = np.strings.replace(suffix, "{district}", d_short[rows])
        suffix = np.strings.replace(suffix, "{n}", rng.integers(2, 10, len(rows)).astype(STR))
        half = rng.random(len(rows)) < profile.halfwidth_bracket_share
        suffix = np.where(half, names.to_halfwidth_brackets(suffix), np.strings.replace(np.strings.replace(suffix, "(", "（"), ")", "）")).astype(STR)
        sign[rows] = cat(sign[rows], suffix)
    return sign


def _collection_times(n: int, in_window: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Working-hours timestamps: inside the window (never on its first or last
    day, so date-level and timestamp-level comparisons agree) or before it."""
    start = np.datetime64(config.SURVEY_START) + np.timedelta64(1, "D")
    end = np.datetime64(config.SURVEY_END) - np.timedelta64(1, "D")
    old_start, old_end = np.datetime64("2024-03-01"), np.datetime64(config.SURVEY_START) - np.timedelta64(2, "D")
    span_in = (end - start).astype(np.int64) + 1
    span_old = (old_end - old_start).astype(np.int64) + 1
    day = np.where(in_window, start + rng.integers(0, span_in, n), old_start + rng.integers(0, span_old, n))
    seconds = rng.integers(8 * 3600, 19 * 3600, n)
    return day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def make_units(
    tp: Taxpayers, hh: Households, b: Buildings, grids: Grids, region: Region, officers: Officers, rng: np.random.Generator,
    profile: NoiseProfile = DEMO_PROFILE, streams=None,
) -> Units:
    """``streams(what)``: the profile's own random streams (profiles.streams)."""
    linked = np.flatnonzero(tp.has_unit)
    site = tp.site[linked].copy()
    moved = tp.role[linked] == "moved"
    site[moved] = _moved_sites(linked[moved], tp, hh, rng, profile, region)
    tp.operating_site = np.where(tp.operates, tp.site, -1)
    tp.operating_site[linked[moved]] = site[moved]

    n_linked = len(linked)
    n_unreg = round(n_linked * config.UNREGISTERED_UNIT_SHARE / (1 - config.UNREGISTERED_UNIT_SHARE - config.VACANT_UNIT_SHARE))
    n_vacant = round(n_linked * config.VACANT_UNIT_SHARE / (1 - config.UNREGISTERED_UNIT_SHARE - config.VACANT_UNIT_SHARE))
    extras = rng.permutation(np.arange(hh.n_taxpayers, len(hh.lng)))[: n_unreg + n_vacant]
    unreg_sites, vacant_sites = np.sort(extras[:n_unreg]), np.sort(extras[n_unreg:])

    taxpayer = np.concatenate([linked, np.full(n_unreg + n_vacant, -1)])
    site = np.concatenate([site, unreg_sites, vacant_sites])
    kind = np.concatenate([tp.role[linked], np.full(n_unreg, "unregistered", dtype=STR), np.full(n_vacant, "vacant", dtype=STR)]).astype(STR)
    n = len(site)

    status = np.full(n, "在营", dtype=object)
    status[kind == "suspended_unit"] = "停业"
    closed = np.flatnonzero(kind == "closed_conflict")
    status[closed] = pick(["停业", "空置", "已搬离"], rng.choice(3, len(closed), p=[0.4, 0.25, 0.35]))
    status[kind == "vacant"] = "空置"
    status = status.astype(STR)

    unit_name = np.empty(n, dtype=STR)
    category = np.empty(n, dtype=STR)
    has_tp = taxpayer >= 0
    unit_name[has_tp] = _sign_names(tp, taxpayer[has_tp], rng, profile, region, streams("signs") if streams else None)
    category[has_tp] = pick([ind.category for ind in names.INDUSTRIES], tp.industry[taxpayer[has_tp]])
    unreg = kind == "unregistered"
    unit_name[unreg], category[unreg] = names.unregistered_names(rng, int(unreg.sum()))
    vac = kind == "vacant"
    unit_name[vac] = pick(names.VACANT_NAMES, rng.integers(0, len(names.VACANT_NAMES), int(vac.sum())))
    category[vac] = ""
    if streams is not None and profile.free_category_share > 0:
        crng = streams("categories")
        free = np.flatnonzero((crng.random(n) < profile.free_category_share) & (category != ""))
        code = np.full(n, "", dtype=STR)
        code[has_tp] = pick([ind.code for ind in names.INDUSTRIES], tp.industry[taxpayer[has_tp]])
        category[free] = names.free_categories(code[free], category[free], crng)

    shop = np.ones(n, dtype=bool)
    shop[has_tp] = tp.entity[taxpayer[has_tp]] == "个体工商户"
    address = standard_addresses(hh, b, region, site, shop, rng, profile, streams("addresses") if streams else None)
    building_id = b.building_id[hh.building[site]]

    true_lng, true_lat = hh.lng[site], hh.lat[site]
    grid = hh.grid[site]
    surveyed_grid = rng.random(len(grids.code)) >= config.UNSURVEYED_GRID_SHARE
    in_window = surveyed_grid[grid] & (rng.random(n) >= config.OLD_RECORD_SHARE)
    collected = _collection_times(n, in_window, rng)
    style = rng.choice(4, n, p=[0.55, 0.20, 0.15, 0.10])

    distance = rng.uniform(10, 30, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    gps_lng = true_lng + distance * np.cos(angle) / (111_320.0 * np.cos(np.radians(true_lat)))
    gps_lat = true_lat + distance * np.sin(angle) / 110_574.0
    spelled, system = coord_sys_choice(profile.unit_coord_sys, n, rng)
    lng_text, lat_text = write_positions(gps_lng, gps_lat, system)

    seen = has_tp & (rng.random(n) < profile.uscc_seen_share)
    misread = seen & (rng.random(n) < profile.uscc_typo_rate)

    order = np.lexsort((rng.random(n), collected))
    year = formats.datetime_parts(collected[order])[0]
    first_of_year = np.searchsorted(year, year)
    record_id = cat("CJ", year.astype(STR), ids.digits(np.arange(n) - first_of_year + 1, 7))

    def o(a):
        return a[order]

    table = {
        "record_id": record_id,
        "grid_code": o(grids.code.astype(STR)[grid]),
        "unit_name": o(unit_name),
        "uscc": np.full(n, "", dtype=STR),
        "address": o(address),
        "building_id": o(building_id),
        "lng": o(lng_text),
        "lat": o(lat_text),
        "coord_sys": o(spelled),
        "operating_status": o(status),
        "business_category": o(category),
        "collected_at": formats.timestamps(collected[order], style[order]),
        "collector_id": o(officers.worker_of_grid[grid]),
    }
    return Units(
        taxpayer=o(taxpayer),
        kind=o(kind),
        site=o(site),
        true_lng=o(true_lng),
        true_lat=o(true_lat),
        grid=o(grid),
        table=table,
        uscc_seen=o(seen),
        uscc_misread=o(misread),
        collected=o(collected),
    )


def taxpayer_table(tp: Taxpayers, region: Region) -> dict:
    """The registration export, one row per taxpayer, before planted defects."""
    ind_code = np.array([i.code for i in names.INDUSTRIES], dtype=STR)
    ind_name = np.array([i.name for i in names.INDUSTRIES], dtype=STR)
    _, _, _, zone_code = _zone_text(region)
    return {
        "taxpayer_id": tp.taxpayer_id.copy(),
        "name": tp.name.copy(),
        "legal_rep": tp.legal_rep,
        "legal_rep_id": tp.legal_rep_id,
        "phone": tp.phone,
        "reg_address": tp.reg_address,
        "industry_code": ind_code[tp.industry],
        "industry_name": ind_name[tp.industry],
        "taxpayer_type": tp.taxpayer_type,
        "entity_type": tp.entity,
        "reg_date": formats.dates(tp.reg_day),
        "status": tp.status.copy(),
        "credit_rating": tp.credit_rating.copy(),
        "street_code": zone_code[tp.zone],
        "lng": tp.lng_text.copy(),
        "lat": tp.lat_text.copy(),
        "coord_sys": tp.coord_sys.copy(),
    }


def unit_uscc(units: Units, written_taxpayer_ids: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The uscc cell: the licence code when the worker saw it (18-character
    codes only), 3 % of them mis-transcribed into a code no taxpayer has.
    Returns the cells and the kind of transcription error ("" when exact)."""
    n = len(units.taxpayer)
    cell = np.full(n, "", dtype=STR)
    error = np.full(n, "", dtype=STR)
    has = units.taxpayer >= 0
    code = np.full(n, "", dtype=STR)
    code[has] = written_taxpayer_ids[units.taxpayer[has]]
    seen = units.uscc_seen & (np.strings.str_len(code) == 18)
    cell[seen] = code[seen]
    bad = np.flatnonzero(seen & units.uscc_misread)
    known = pa.array(written_taxpayer_ids)
    todo = bad
    while todo.size:
        cell[todo], error[todo] = ids.misread(code[todo], rng)
        todo = todo[formats.isin(cell[todo], known) | (cell[todo] == code[todo])]
    return cell, error
