"""Geography the generator knows: shares, old town centres, sparse zones, roads.

All positions are WGS84 and approximate (a few hundred metres): they shape a
plausible demo city, they are not survey data. ``docs/generator.md`` lists
them with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

BAOAN_DISTRICT_CODE = "440306"
BAOAN_DISTRICT_NAME = "宝安区"


@dataclass(frozen=True)
class Core:
    """An old town centre: a Gaussian cluster of households."""

    name: str
    lat: float
    lng: float
    sigma_m: float
    weight: float


@dataclass(frozen=True)
class SparseZone:
    """An ellipse (hills, water, runways) where households are rare.

    ``keep`` is the share of candidate points kept inside it (0: none).
    ``bearing_deg`` turns the major axis clockwise from north.
    """

    name: str
    lat: float
    lng: float
    major_m: float
    minor_m: float
    bearing_deg: float
    keep: float


# Bao'an streets' shares of households (percent). Xixiang is fixed by the
# sources at 213,500 of 874,500; the others share the rest in these ratios.
BAOAN_STREET_SHARES = {
    "新安街道": 13.0,
    "航城街道": 7.0,
    "福永街道": 9.0,
    "福海街道": 6.0,
    "沙井街道": 12.0,
    "新桥街道": 7.0,
    "松岗街道": 8.0,
    "燕罗街道": 5.5,
    "石岩街道": 8.0,
}
XIXIANG = "西乡街道"

# Shares of Shenzhen's taxpayers outside Bao'an (percent, normalised to the
# 3.82 M minus Bao'an's 874,500). Districts missing here get DEFAULT_DISTRICT_SHARE.
DISTRICT_SHARES = {
    "龙岗区": 18.0,
    "龙华区": 13.0,
    "南山区": 12.0,
    "福田区": 12.0,
    "罗湖区": 7.0,
    "光明区": 4.0,
    "坪山区": 3.0,
    "盐田区": 1.5,
    "大鹏新区": 1.0,
    "深汕特别合作区": 0.3,
}
DEFAULT_DISTRICT_SHARE = 0.5

CORES = (
    # Bao'an
    Core("宝安中心区", 22.556, 113.884, 1200, 3.0),
    Core("西乡", 22.578, 113.866, 1300, 4.0),
    Core("固戍", 22.598, 113.846, 900, 2.0),
    Core("黄田", 22.617, 113.853, 900, 1.5),
    Core("福永", 22.675, 113.826, 1000, 2.5),
    Core("福海", 22.700, 113.812, 800, 1.2),
    Core("沙井", 22.730, 113.830, 1200, 3.0),
    Core("新桥", 22.716, 113.845, 900, 1.5),
    Core("松岗", 22.770, 113.840, 1000, 2.5),
    Core("燕罗", 22.800, 113.860, 800, 1.2),
    Core("石岩", 22.680, 113.930, 1000, 2.0),
    # other districts (used by the shenzhen scale)
    Core("福田中心区", 22.540, 114.056, 1500, 4.0),
    Core("车公庙", 22.533, 114.022, 1000, 2.0),
    Core("东门", 22.547, 114.118, 1300, 4.0),
    Core("南山中心", 22.525, 113.930, 1500, 3.0),
    Core("科技园", 22.542, 113.952, 1000, 2.0),
    Core("蛇口", 22.490, 113.915, 1000, 1.5),
    Core("西丽", 22.583, 113.955, 900, 1.5),
    Core("沙头角", 22.548, 114.228, 800, 1.2),
    Core("龙岗中心城", 22.720, 114.245, 1500, 3.0),
    Core("布吉", 22.610, 114.125, 1300, 3.5),
    Core("横岗", 22.650, 114.190, 1200, 2.0),
    Core("坂田", 22.650, 114.068, 900, 2.0),
    Core("坪地", 22.745, 114.285, 900, 1.2),
    Core("龙华中心", 22.655, 114.025, 1300, 3.5),
    Core("观澜", 22.715, 114.050, 1200, 2.5),
    Core("民治", 22.625, 114.040, 900, 2.0),
    Core("坪山中心", 22.695, 114.345, 1200, 2.0),
    Core("坑梓", 22.745, 114.385, 800, 1.0),
    Core("光明中心", 22.750, 113.935, 1200, 2.0),
    Core("公明", 22.780, 113.895, 1000, 2.0),
    Core("葵涌", 22.630, 114.420, 800, 1.0),
    Core("大鹏", 22.595, 114.475, 700, 0.8),
)

SPARSE_ZONES = (
    SparseZone("铁岗水库", 22.605, 113.895, 1500, 1500, 0, 0.01),
    SparseZone("石岩水库", 22.635, 113.915, 1500, 1500, 0, 0.01),
    SparseZone("羊台山", 22.650, 113.950, 2000, 2000, 0, 0.05),
    SparseZone("凤凰山", 22.660, 113.860, 1200, 1200, 0, 0.05),
    # the two runways of Bao'an airport run 150°/330°
    SparseZone("宝安机场跑道", 22.637, 113.811, 2000, 600, 150, 0.0),
    SparseZone("西丽水库", 22.600, 113.955, 1000, 1000, 0, 0.01),
    SparseZone("塘朗山", 22.585, 113.990, 1500, 1500, 0, 0.05),
    SparseZone("梅林水库", 22.580, 114.055, 1200, 1200, 0, 0.03),
    SparseZone("深圳水库", 22.575, 114.145, 1200, 1200, 0, 0.01),
    SparseZone("梧桐山", 22.583, 114.205, 2500, 2500, 0, 0.03),
    SparseZone("清林径水库", 22.705, 114.180, 1500, 1500, 0, 0.01),
    SparseZone("马峦山", 22.640, 114.320, 2500, 2500, 0, 0.05),
    SparseZone("排牙山", 22.610, 114.430, 2500, 2500, 0, 0.05),
    SparseZone("七娘山", 22.530, 114.560, 3000, 3000, 0, 0.03),
)

# Points far (> 3 km) outside Shenzhen, for planted outside_region positions:
# (lng, lat) WGS84.
FAR_OUTSIDE = (
    (113.752, 22.965),  # Dongguan, Chang'an/Humen
    (113.752, 23.021),  # Dongguan city
    (114.170, 22.318),  # Hong Kong, Kowloon
    (114.158, 22.282),  # Hong Kong Island
    (114.416, 23.111),  # Huizhou
    (113.265, 23.129),  # Guangzhou
)

# Plausible road names per Bao'an street (addresses are synthetic).
ROADS = {
    "新安街道": ("宝安大道", "创业一路", "创业二路", "新安二路", "新安三路", "新安六路", "建安一路", "前进一路", "新湖路", "宝民一路", "宝民二路", "公园路", "裕安一路"),
    "西乡街道": ("西乡大道", "宝源路", "前进二路", "固戍一路", "固戍二路", "银田路", "流塘路", "河西路", "共乐路", "宝田一路", "鹤洲路", "臣田路"),
    "航城街道": ("航城大道", "黄田路", "钟屋路", "三围路", "九围路", "洲石路", "鹤洲南路"),
    "福永街道": ("福永大道", "凤凰路", "永和路", "白石厦路", "怀德路", "兴华路", "稔田路"),
    "福海街道": ("福海大道", "新和路", "桥头路", "塘尾路", "和平路", "福洲大道"),
    "沙井街道": ("沙井路", "新沙路", "沙井大街", "帝堂路", "北环路", "沙头路", "步涌路", "后亭路"),
    "新桥街道": ("新玉路", "上星路", "黄埔路", "万丰路", "沙福路", "新发路", "新桥东路"),
    "松岗街道": ("松岗大道", "东方大道", "沙江路", "松白路", "楼岗路", "潭头路", "红星路"),
    "燕罗街道": ("燕罗路", "罗田路", "燕川路", "广田路", "塘下涌路", "山门路"),
    "石岩街道": ("宝石东路", "宝石南路", "塘头大道", "石龙仔路", "浪心路", "龙眼山路", "洲石路"),
}
GENERIC_ROAD_STEMS = ("建设", "人民", "和平", "新华", "兴业", "创新", "科技", "工业", "环城", "文化", "振兴", "友谊", "中心", "发展", "明珠", "东环", "西环", "南湾", "北站", "民乐", "宝华", "华兴")
GENERIC_ROAD_SUFFIXES = ("路", "一路", "二路", "三路", "大道", "街")
