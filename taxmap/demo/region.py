"""The demo region: streets (real or synthetic zones), where households are,
and the grids that tile each street.

Everything works on NumPy arrays of longitudes and latitudes (WGS84); the
only Python loops are over streets, zones or grid fragments, never over
households.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPoint

from taxmap.demo import config, places

M_PER_DEG_LAT = 110_574.0
# A fixed origin for metric coordinates (equirectangular, good to ~0.5% over Shenzhen).
ORIGIN_LNG, ORIGIN_LAT = 114.0, 22.65
M_PER_DEG_LNG = 111_320.0 * np.cos(np.radians(ORIGIN_LAT))

BOUNDARIES_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"
BAOAN_STREETS_FILE = "baoan_streets.geojson"
SHENZHEN_DISTRICTS_FILE = "shenzhen_districts.geojson"
YIWU_STREETS_FILE = "yiwu_streets.geojson"
STREET_FILES = {"baoan": BAOAN_STREETS_FILE, "shenzhen": BAOAN_STREETS_FILE, "yiwu": YIWU_STREETS_FILE}


def to_metres(lng, lat):
    return (np.asarray(lng) - ORIGIN_LNG) * M_PER_DEG_LNG, (np.asarray(lat) - ORIGIN_LAT) * M_PER_DEG_LAT


def to_degrees(x, y):
    return np.asarray(x) / M_PER_DEG_LNG + ORIGIN_LNG, np.asarray(y) / M_PER_DEG_LAT + ORIGIN_LAT


def geometry_to_metres(geom):
    return shapely.transform(geom, lambda c: np.column_stack(to_metres(c[:, 0], c[:, 1])))


@dataclass
class Zone:
    """A street: a real Bao'an street or a synthetic zone of another district."""

    code: str
    name: str
    name_en: str
    district_code: str
    district_name: str
    geometry: object
    synthetic: bool = False

    @property
    def short_name(self) -> str:
        """Street name as used inside business names (西乡街道 → 西乡)."""
        return "" if self.synthetic else self.name.removesuffix("街道").removesuffix("镇")


@dataclass
class SamplingGroup:
    """An area sampled from one continuous density: Bao'an with a fixed
    household count per street (``targets``), or a whole district whose
    households fall where they fall into its synthetic zones."""

    geometry: object
    households: int
    zones: list[int]
    targets: np.ndarray | None = None


@dataclass
class Region:
    name: str
    zones: list[Zone]
    groups: list[SamplingGroup]
    union: object = field(repr=False)
    locale: places.Locale = places.BAOAN


# --- loading ---------------------------------------------------------------


def _polygonal(geom):
    """The valid polygonal part of a geometry (input boundaries may be invalid)."""
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    polys = []
    for p in parts:
        polys.extend(shapely.get_parts(p))
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise FileNotFoundError(f"boundary file missing: {path}")
    frame = gpd.read_file(path)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


def _baoan_zones(boundaries_dir: Path, filename: str = BAOAN_STREETS_FILE) -> list[Zone]:
    frame = _read(boundaries_dir / filename).sort_values("street_code")
    zones = []
    for row in frame.itertuples():
        zones.append(
            Zone(
                code=str(row.street_code),
                name=str(row.street_name),
                name_en=str(getattr(row, "street_name_en", "") or ""),
                district_code=str(getattr(row, "district_code", places.BAOAN_DISTRICT_CODE)),
                district_name=str(getattr(row, "district_name", places.BAOAN_DISTRICT_NAME)),
                geometry=_polygonal(row.geometry),
            )
        )
    return zones


def baoan_street_counts(zones: list[Zone], total: int) -> np.ndarray:
    """Households per Bao'an street: Xixiang keeps 24.41 % (213,500 of
    874,500), the others share the rest by :data:`places.BAOAN_STREET_SHARES`."""
    xixiang = round(total * config.XIXIANG_HOUSEHOLDS / config.BAOAN_HOUSEHOLDS)
    weights = np.array([places.BAOAN_STREET_SHARES.get(z.name, 5.0) for z in zones])
    is_xixiang = np.array([z.name == places.XIXIANG for z in zones])
    weights[is_xixiang] = 0.0
    counts = _largest_remainder(weights, total - xixiang * is_xixiang.any())
    counts[is_xixiang] = xixiang
    return counts


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    short = total - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def build_region(scale: config.Scale, rng: np.random.Generator, boundaries_dir: Path | None = None) -> Region:
    boundaries_dir = Path(boundaries_dir) if boundaries_dir else BOUNDARIES_DIR
    locale = places.LOCALES[scale.region]
    zones = _baoan_zones(boundaries_dir, STREET_FILES[scale.region])
    if scale.region == "yiwu":
        weights = np.array([locale.street_shares.get(z.name, 3.0) for z in zones])
        counts = _largest_remainder(weights, scale.n_taxpayers)
        union = shapely.union_all([z.geometry for z in zones])
        return Region(scale.region_name, zones, [SamplingGroup(union, int(counts.sum()), list(range(len(zones))), counts)], union, locale)
    if scale.region == "baoan":
        counts = baoan_street_counts(zones, scale.n_taxpayers)
        union = shapely.union_all([z.geometry for z in zones])
        return Region(scale.region_name, zones, [SamplingGroup(union, int(counts.sum()), list(range(len(zones))), counts)], union)

    baoan_counts = baoan_street_counts(zones, config.BAOAN_HOUSEHOLDS)
    baoan_union = shapely.union_all([z.geometry for z in zones])
    groups = [SamplingGroup(baoan_union, int(baoan_counts.sum()), list(range(len(zones))), baoan_counts)]
    districts = _read(boundaries_dir / SHENZHEN_DISTRICTS_FILE).sort_values("district_code")
    others = [r for r in districts.itertuples() if str(r.district_code) != places.BAOAN_DISTRICT_CODE]
    weights = np.array([places.DISTRICT_SHARES.get(str(r.district_name), places.DEFAULT_DISTRICT_SHARE) for r in others])
    counts = _largest_remainder(weights, scale.n_taxpayers - config.BAOAN_HOUSEHOLDS)
    next_code: dict[str, int] = {}
    for row, n in zip(others, counts, strict=True):
        geom = _polygonal(shapely.difference(_polygonal(row.geometry), baoan_union))
        code = str(row.district_code)
        first = len(zones)
        for k, cell in enumerate(synthetic_zones(geom, rng), start=1):
            number = next_code.get(code, 901)
            next_code[code] = number + 1
            zones.append(
                Zone(
                    code=f"{code}{number:03d}",
                    name=f"{row.district_name}第{k}片区",
                    name_en=f"{getattr(row, 'district_name_en', '') or code} zone {k}",
                    district_code=code,
                    district_name=str(row.district_name),
                    geometry=cell,
                    synthetic=True,
                )
            )
        groups.append(SamplingGroup(geom, int(n), list(range(first, len(zones)))))
    return Region(scale.region_name, zones, groups, shapely.union_all([z.geometry for z in zones]))


def synthetic_zones(district, rng: np.random.Generator) -> list:
    """6–10 street-like zones: Voronoi cells of k-means seeds of uniform points."""
    area_km2 = shapely.area(geometry_to_metres(district)) / 1e6
    k = int(np.clip(round(area_km2 / 30), 6, 10))
    lng, lat = uniform_in(district, 4000, rng)
    x, y = to_metres(lng, lat)
    cx, cy = kmeans(x, y, k, rng, iterations=10)
    return tile(district, *to_degrees(cx, cy))


# --- households --------------------------------------------------------------


def keep_probability(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Share of candidate points kept: low inside sparse zones, 1 elsewhere."""
    keep = np.ones(lng.shape)
    x, y = to_metres(lng, lat)
    for zone in places.SPARSE_ZONES:
        zx, zy = to_metres(zone.lng, zone.lat)
        theta = np.radians(zone.bearing_deg)
        dx, dy = x - zx, y - zy
        along = dx * np.sin(theta) + dy * np.cos(theta)
        across = dx * np.cos(theta) - dy * np.sin(theta)
        inside = (along / zone.major_m) ** 2 + (across / zone.minor_m) ** 2 <= 1.0
        keep[inside] = np.minimum(keep[inside], zone.keep)
    return keep


def in_sparse_zone(lng, lat, name: str) -> np.ndarray:
    zone = next(z for z in places.SPARSE_ZONES if z.name == name)
    x, y = to_metres(lng, lat)
    zx, zy = to_metres(zone.lng, zone.lat)
    theta = np.radians(zone.bearing_deg)
    dx, dy = x - zx, y - zy
    along = dx * np.sin(theta) + dy * np.cos(theta)
    across = dx * np.cos(theta) - dy * np.sin(theta)
    return (along / zone.major_m) ** 2 + (across / zone.minor_m) ** 2 <= 1.0


def uniform_in(geom, n: int, rng: np.random.Generator, avoid_sparse: bool = False):
    """n points uniform inside ``geom`` (rejection sampling in its bounding box)."""
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    out_x, out_y, got = [], [], 0
    while got < n:
        m = max(64, int((n - got) * 2.5))
        px = rng.uniform(x0, x1, m)
        py = rng.uniform(y0, y1, m)
        ok = shapely.contains_xy(geom, px, py)
        if avoid_sparse:
            ok &= keep_probability(px, py) >= 1.0
        out_x.append(px[ok])
        out_y.append(py[ok])
        got += int(ok.sum())
    return np.concatenate(out_x)[:n], np.concatenate(out_y)[:n]


@dataclass
class Mixture:
    """Household density over an area: old town centres and many smaller
    clusters (Gaussian, 250–900 m) over a thin uniform background, thinned
    in the sparse zones (hills, reservoirs, runways)."""

    geometry: object
    cx: np.ndarray
    cy: np.ndarray
    sigma_m: np.ndarray
    weight: np.ndarray  # per cluster; the background is the last entry

    @classmethod
    def over(cls, geom, rng: np.random.Generator, background: float = 0.08) -> Mixture:
        shapely.prepare(geom)
        area_km2 = shapely.area(geometry_to_metres(geom)) / 1e6
        k = int(np.clip(round(area_km2 / 1.5), 4, 600))
        cx, cy = uniform_in(geom, k, rng, avoid_sparse=True)
        sigma = np.exp(rng.uniform(np.log(250), np.log(900), k))
        weight = rng.lognormal(0.0, 1.0, k)
        cores = [c for c in places.CORES if shapely.contains_xy(geom, c.lng, c.lat)]
        if cores:
            core_w = np.array([c.weight for c in cores])
            weights = np.concatenate([weight / weight.sum() * 0.47, core_w / core_w.sum() * 0.45])
            cx = np.concatenate([cx, [c.lng for c in cores]])
            cy = np.concatenate([cy, [c.lat for c in cores]])
            sigma = np.concatenate([sigma, [c.sigma_m for c in cores]])
        else:
            weights = weight / weight.sum() * (1 - background)
        return cls(geom, cx, cy, sigma, np.concatenate([weights, [background]]))

    def draw(self, m: int, rng: np.random.Generator):
        """Up to m points (candidates outside the area or thinned away are dropped)."""
        p = self.weight / self.weight.sum()
        comp = rng.choice(len(p), size=m, p=p)
        is_bg = comp == len(p) - 1
        c = np.where(is_bg, 0, comp)
        x0, y0, x1, y1 = self.geometry.bounds
        m_per_deg_lng = 111_320.0 * np.cos(np.radians((y0 + y1) / 2))
        px = self.cx[c] + rng.standard_normal(m) * self.sigma_m[c] / m_per_deg_lng
        py = self.cy[c] + rng.standard_normal(m) * self.sigma_m[c] / M_PER_DEG_LAT
        px[is_bg] = rng.uniform(x0, x1, int(is_bg.sum()))
        py[is_bg] = rng.uniform(y0, y1, int(is_bg.sum()))
        ok = shapely.contains_xy(self.geometry, px, py) & (rng.random(m) < keep_probability(px, py))
        return px[ok], py[ok]


def zone_of(lng: np.ndarray, lat: np.ndarray, geoms: list) -> np.ndarray:
    """Index of the zone containing each point (nearest zone on the rare
    border or sliver miss)."""
    where = locate(lng, lat, geoms)
    miss = np.flatnonzero(where < 0)
    if miss.size:
        _, near = shapely.STRtree(np.asarray(geoms)).query_nearest(shapely.points(lng[miss], lat[miss]), all_matches=False)
        where[miss] = near
    return where


def sample_group(group: SamplingGroup, zones: list[Zone], extra_share: float, rng: np.random.Generator):
    """Households of a group plus ``extra_share`` more sites (for businesses
    that never registered and vacant premises).

    With per-zone targets the mixture is first calibrated (cluster weights
    scaled by target / sampled share of the zone holding the cluster) so the
    density stays continuous across street borders, then each zone takes the
    first points that fall in it until its quota is met.
    Returns (lng, lat, zone, is_extra)."""
    geoms = [zones[z].geometry for z in group.zones]
    mix = Mixture.over(group.geometry, rng)
    if group.targets is None:
        total = group.households + int(np.ceil(group.households * extra_share))
        xs, ys, got = [], [], 0
        while got < total:
            px, py = mix.draw(max(256, int((total - got) * 1.5)), rng)
            xs.append(px)
            ys.append(py)
            got += len(px)
        lng, lat = np.concatenate(xs)[:total], np.concatenate(ys)[:total]
        zone = np.asarray(group.zones)[zone_of(lng, lat, geoms)]
        is_extra = np.arange(total) >= group.households
        return lng, lat, zone, is_extra

    targets = np.asarray(group.targets, dtype=np.float64)
    centre_zone = zone_of(mix.cx, mix.cy, geoms)
    for _ in range(4):
        px, py = mix.draw(int(np.clip(2 * targets.sum(), 50_000, 200_000)), rng)
        share = np.bincount(zone_of(px, py, geoms), minlength=len(geoms)) / len(px)
        factor = (targets / targets.sum()) / np.maximum(share, 1e-6)
        mix.weight[:-1] *= np.clip(factor[centre_zone], 0.2, 5.0)
    quota = group.targets + np.ceil(group.targets * extra_share).astype(np.int64)
    taken = [[] for _ in geoms]
    have = np.zeros(len(geoms), dtype=np.int64)
    while (have < quota).any():
        need = (quota - have).clip(0)
        share = np.maximum(share, 1e-4)
        m = int(min(5e6, max(10_000, (need / share).max() * 1.2)))
        px, py = mix.draw(m, rng)
        z = zone_of(px, py, geoms)
        for zi in np.flatnonzero(need > 0):
            hit = np.flatnonzero(z == zi)[: need[zi]]
            taken[zi].append(np.column_stack([px[hit], py[hit]]))
            have[zi] += len(hit)
        share = np.bincount(z, minlength=len(geoms)) / max(len(z), 1)
    lng, lat, zone, is_extra = [], [], [], []
    for zi, parts in enumerate(taken):
        pts = np.concatenate(parts)
        lng.append(pts[:, 0])
        lat.append(pts[:, 1])
        zone.append(np.full(len(pts), group.zones[zi]))
        is_extra.append(np.arange(len(pts)) >= group.targets[zi])
    return np.concatenate(lng), np.concatenate(lat), np.concatenate(zone), np.concatenate(is_extra)


# --- grids -------------------------------------------------------------------


def kmeans(x: np.ndarray, y: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 5):
    """Lloyd's k-means in metres on at most ~60 points per centre (nearest
    centre by an STRtree, which is vectorised in GEOS)."""
    n = len(x)
    if n > 60 * k:
        pick = rng.choice(n, 60 * k, replace=False)
        x, y = x[pick], y[pick]
        n = len(x)
    start = rng.choice(n, min(k, n), replace=False)
    cx, cy = x[start].copy(), y[start].copy()
    pts = shapely.points(x, y)
    for _ in range(iterations):
        tree = shapely.STRtree(shapely.points(cx, cy))
        _, nearest = tree.query_nearest(pts, all_matches=False)
        counts = np.bincount(nearest, minlength=len(cx))
        filled = counts > 0
        cx[filled] = np.bincount(nearest, weights=x, minlength=len(cx))[filled] / counts[filled]
        cy[filled] = np.bincount(nearest, weights=y, minlength=len(cx))[filled] / counts[filled]
    keep = np.unique(np.round(np.column_stack([cx, cy]), 3), axis=0, return_index=True)[1]
    keep.sort()
    return cx[keep], cy[keep]


def tile(area, seed_lng: np.ndarray, seed_lat: np.ndarray) -> list:
    """Voronoi cells of the seeds clipped to ``area``; a cell cut into several
    pieces keeps its largest and gives the others to the neighbour sharing
    the longest border, so cells are single polygons where the area allows."""
    if len(seed_lng) < 2:
        return [area]
    cells = shapely.voronoi_polygons(
        MultiPoint(np.column_stack([seed_lng, seed_lat])), extend_to=shapely.envelope(area).buffer(0.05), ordered=True
    )
    clipped = shapely.intersection(np.asarray(shapely.get_parts(cells)), area)
    return consolidate(list(clipped))


def consolidate(cells: list, min_area: float = 1e-9) -> list:
    mains: list = []
    fragments: list = []
    for cell in cells:
        parts = sorted((p for p in shapely.get_parts(cell) if shapely.get_type_id(p) == 3 and p.area > 0), key=lambda p: -p.area)
        if not parts:
            continue
        if parts[0].area < min_area:
            fragments.extend(parts)
            continue
        fragments.extend((len(mains), p) for p in parts[1:])
        mains.append(parts[0])
    fragments = [f if isinstance(f, tuple) else (-1, f) for f in fragments]
    fragments.sort(key=lambda f: -f[1].area)
    geoms = list(mains)
    for owner, frag in fragments:
        tree = shapely.STRtree(geoms)
        best, best_len = owner, 0.0
        for j in tree.query(frag, predicate="intersects"):
            if j == owner:
                continue
            shared = shapely.length(shapely.intersection(shapely.boundary(geoms[j]), shapely.boundary(frag)))
            if shared > best_len:
                best, best_len = int(j), shared
        if best < 0:
            best = int(tree.query_nearest(frag)[0])
        geoms[best] = shapely.union(geoms[best], frag)
    out = []
    for g in geoms:
        if not shapely.is_valid(g):
            g = _polygonal(g)
        out.append(g)
    return out


def hilbert_index(x: np.ndarray, y: np.ndarray, order: int = 16) -> np.ndarray:
    """Position along a Hilbert curve, so that neighbours in the order are
    neighbours on the map (grid numbering, officers' grid groups)."""
    side = 1 << order
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    span = max(np.ptp(x), np.ptp(y), 1e-12)
    xi = np.clip(((x - x.min()) / span * (side - 1)).astype(np.int64), 0, side - 1)
    yi = np.clip(((y - y.min()) / span * (side - 1)).astype(np.int64), 0, side - 1)
    d = np.zeros(len(xi), dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        flip = (ry == 0) & (rx == 1)
        xi = np.where(flip, side - 1 - xi, xi)
        yi = np.where(flip, side - 1 - yi, yi)
        swap = ry == 0
        xi, yi = np.where(swap, yi, xi), np.where(swap, xi, yi)
        s >>= 1
    return d


def locate(lng: np.ndarray, lat: np.ndarray, geoms) -> np.ndarray:
    """Index of the polygon containing each point (-1 when none; the lowest
    index on a shared border). The points go in the tree and the polygons
    are the (prepared) queries, which is fast for many points."""
    lng = np.asarray(lng, dtype=np.float64)
    out = np.full(len(lng), np.iinfo(np.int64).max, dtype=np.int64)
    if len(lng):
        tree = shapely.STRtree(shapely.points(lng, np.asarray(lat, dtype=np.float64)))
        poly, point = tree.query(np.asarray(geoms, dtype=object), predicate="intersects")
        np.minimum.at(out, point, poly)
    out[out == np.iinfo(np.int64).max] = -1
    return out


def _filler_seeds(area, cx: np.ndarray, cy: np.ndarray, k: int, rng: np.random.Generator):
    """Seeds for the empty parts of a street (hills, water): evenly spread
    points at twice the street's mean seed spacing, kept where no household
    seed is that close. Without them a reservoir becomes the hub of long
    wedge-shaped grids; with them it gets a few large, nearly empty grids."""
    spacing = 2.0 * np.sqrt(shapely.area(geometry_to_metres(area)) / k)
    n = max(1, round(k / 4))
    lng, lat = uniform_in(area, 30 * n, rng)
    ux, uy = to_metres(lng, lat)
    fx, fy = kmeans(ux, uy, n, rng, iterations=6)
    tree = shapely.STRtree(shapely.points(cx, cy))
    _, dist = tree.query_nearest(shapely.points(fx, fy), all_matches=False, return_distance=True)
    far = dist > spacing
    return fx[far], fy[far]


@dataclass
class Grids:
    code: np.ndarray  # grid_code strings
    name: np.ndarray
    zone: np.ndarray  # zone index
    geometry: np.ndarray  # shapely polygons


def build_grids(region: Region, zone_of: np.ndarray, lng: np.ndarray, lat: np.ndarray, rng: np.random.Generator) -> Grids:
    """Grids of ~300 households per street, numbered along a Hilbert curve."""
    codes, names, zones, geoms = [], [], [], []
    x, y = to_metres(lng, lat)
    for zi, zone in enumerate(region.zones):
        members = np.flatnonzero(zone_of == zi)
        k = max(1, round(len(members) / config.HOUSEHOLDS_PER_GRID))
        if k == 1 or len(members) < 2:
            cells = [zone.geometry]
        else:
            cx, cy = kmeans(x[members], y[members], k, rng)
            fx, fy = _filler_seeds(zone.geometry, cx, cy, k, rng)
            cells = tile(zone.geometry, *to_degrees(np.concatenate([cx, fx]), np.concatenate([cy, fy])))
        reps = shapely.point_on_surface(np.asarray(cells))
        rx, ry = to_metres(shapely.get_x(reps), shapely.get_y(reps))
        order = np.argsort(hilbert_index(rx, ry), kind="stable")
        for number, ci in enumerate(order, start=1):
            codes.append(f"{zone.code}{number:04d}")
            names.append(f"{zone.name}第{number:04d}网格")
            zones.append(zi)
            geoms.append(cells[ci])
    return Grids(np.array(codes), np.array(names), np.array(zones), np.array(geoms, dtype=object))
