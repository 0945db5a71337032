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


# --- regions: how a region writes its place names ----------------------------------


@dataclass(frozen=True)
class Locale:
    """How a region's names and addresses spell its places, and where its
    planted far-outside positions lie.

    ``address_head`` comes before the district in registered addresses
    (深圳市宝安区… / 浙江省义乌市…); ``city`` is the usual prefix of registered
    names (深圳市… / 义乌市…), ``city_short`` its short form; ``division`` the
    administrative division code of city-level registrations (GB 32100
    characters 3–8)."""

    key: str
    region_name: str
    province: str
    province_short: str
    city: str
    city_short: str
    address_head: str
    division: str
    district_code: str
    far_outside: tuple  # ((lng, lat, variant), …) WGS84, > 3 km outside the region
    street_shares: dict  # street name → share of households (None: the region's own rule)
    industry_factors: dict  # industry code → weight factor (missing: 1)
    industrial_streets: frozenset = frozenset()
    central_streets: frozenset = frozenset()


# GB/T 4754-2017 classes only the Yiwu region uses (see names.INDUSTRIES).
YIWU_ONLY_INDUSTRIES = ("5149", "5146", "5292", "2439", "2411", "1830")

BAOAN = Locale(
    key="baoan",
    region_name="宝安区",
    province="广东省",
    province_short="广东",
    city="深圳市",
    city_short="深圳",
    address_head="深圳市",
    division="440300",
    district_code=BAOAN_DISTRICT_CODE,
    far_outside=(
        (113.752, 22.965, "dongguan"),  # Dongguan, Chang'an/Humen
        (113.752, 23.021, "dongguan"),  # Dongguan city
        (114.170, 22.318, "hong_kong"),  # Hong Kong, Kowloon
        (114.158, 22.282, "hong_kong"),  # Hong Kong Island
        (114.416, 23.111, "huizhou"),  # Huizhou
        (113.265, 23.129, "guangzhou"),  # Guangzhou
    ),
    street_shares={},
    industry_factors={code: 0.0 for code in YIWU_ONLY_INDUSTRIES},
    industrial_streets=frozenset({"沙井街道", "松岗街道", "福永街道", "石岩街道", "燕罗街道", "新桥街道", "福海街道"}),
    central_streets=frozenset({"新安街道", "西乡街道"}),
)

# Yiwu (义乌市, Jinhua, Zhejiang): the world's small-commodities market town.
# Street shares of households (percent; rough, the market streets densest).
YIWU_STREET_SHARES = {
    "稠城街道": 14.0,
    "北苑街道": 9.0,
    "稠江街道": 10.0,
    "江东街道": 11.0,
    "后宅街道": 7.0,
    "城西街道": 4.0,
    "廿三里街道": 6.0,
    "福田街道": 12.0,
    "佛堂镇": 7.0,
    "赤岸镇": 2.5,
    "义亭镇": 4.0,
    "上溪镇": 3.0,
    "大陈镇": 3.5,
    "苏溪镇": 5.0,
}

YIWU = Locale(
    key="yiwu",
    region_name="义乌市",
    province="浙江省",
    province_short="浙江",
    city="义乌市",
    city_short="义乌",
    address_head="浙江省",
    division="330700",
    district_code="330782",
    far_outside=(
        (119.650, 29.080, "jinhua"),  # Jinhua city (24 km out)
        (119.460, 29.210, "lanxi"),  # Lanxi
        (120.040, 28.890, "yongkang"),  # Yongkang
        (120.160, 30.270, "hangzhou"),  # Hangzhou
        (121.550, 29.870, "ningbo"),  # Ningbo
        (121.470, 31.230, "shanghai"),  # Shanghai
    ),
    street_shares=YIWU_STREET_SHARES,
    # small-commodity trade and logistics; little electronics
    industry_factors={
        "3982": 0.3, "3989": 0.3, "3976": 0.3, "3525": 0.5, "6513": 0.4, "6531": 0.4, "7224": 0.5,
        "5174": 2.0, "5179": 1.5, "5132": 2.5, "5181": 2.5, "5431": 1.5, "5821": 2.0, "2929": 1.5,
    },
    industrial_streets=frozenset({"稠江街道", "后宅街道", "苏溪镇", "义亭镇", "上溪镇", "佛堂镇"}),
    central_streets=frozenset({"稠城街道", "福田街道"}),
)

LOCALES = {"baoan": BAOAN, "shenzhen": BAOAN, "yiwu": YIWU}

CORES = CORES + (
    # Yiwu (approximate town centres)
    Core("稠城", 29.306, 120.076, 1300, 4.0),
    Core("国际商贸城", 29.335, 120.105, 1100, 3.5),
    Core("北苑", 29.338, 120.066, 1000, 2.0),
    Core("稠江", 29.272, 120.050, 1100, 2.0),
    Core("江东", 29.295, 120.112, 1000, 2.5),
    Core("后宅", 29.380, 120.080, 900, 1.2),
    Core("廿三里", 29.340, 120.190, 800, 1.0),
    Core("佛堂", 29.188, 120.035, 900, 1.2),
    Core("苏溪", 29.410, 120.125, 800, 1.0),
    Core("义亭", 29.250, 119.950, 700, 0.8),
    Core("上溪", 29.320, 119.920, 700, 0.6),
    Core("大陈", 29.470, 120.150, 600, 0.5),
    Core("赤岸", 29.120, 120.030, 600, 0.4),
    Core("城西", 29.315, 119.985, 600, 0.5),
)

ROADS.update(
    {  # plausible road names per Yiwu street or town (addresses are synthetic)
        "稠城街道": ("工人北路", "稠州北路", "县前街", "朝阳路", "宾王路", "新马路", "篁园路", "化工路", "城中中路"),
        "北苑街道": ("北苑路", "雪峰西路", "春晗路", "凌云路", "西城北路", "丹溪北路"),
        "稠江街道": ("贝村路", "杨村路", "经发大道", "稠江路", "沿江路", "环城南路"),
        "江东街道": ("江东中路", "宗泽路", "青口路", "东洲路", "江滨东路", "四海大道"),
        "后宅街道": ("后宅路", "望道路", "春华路", "遗安路", "北站大道"),
        "城西街道": ("城西路", "夏演路", "西站大道", "长堰路"),
        "廿三里街道": ("廿三里大道", "华川路", "环镇路", "埠头路"),
        "福田街道": ("福田路", "商城大道", "诚信大道", "银海路", "雪峰东路", "国际商贸城路"),
        "佛堂镇": ("佛堂大道", "义南路", "老街路", "双林路"),
        "赤岸镇": ("赤岸大道", "神坛路", "尚阳路"),
        "义亭镇": ("义亭大道", "先田路", "缸窑路"),
        "上溪镇": ("上溪大道", "溪华路", "黄山路"),
        "大陈镇": ("大陈路", "楂林路", "宣塘路"),
        "苏溪镇": ("苏溪大道", "苏福路", "胡宅路", "好派路"),
    }
)
