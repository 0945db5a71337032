"""Names and addresses, built from pools with vectorised string operations:
registered names, the shorter names on shop signs (with look-alike and
traditional characters, homophone typos), personal names and addresses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taxmap.demo import places

STR = np.dtypes.StringDType()


def pick(pool, idx) -> np.ndarray:
    return np.asarray(pool, dtype=STR)[idx]


def cat(*parts) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out, dtype=STR)


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    category: str  # business_category on the grid worker's form
    weights: tuple[float, float, float]  # share among 企业, 个体工商户, 其他
    phrases: tuple[tuple[str, str], ...]  # (in the registered name, on the sign) for companies
    shops: tuple[tuple[str, str], ...]  # (in the registered name, on the sign) for individual businesses
    sales_log_mu: float  # log of a typical company's monthly sales (yuan)
    general_share: float  # share of 一般纳税人 among companies
    input_ratio: float  # purchase invoices / sales


# GB/T 4754-2017 classes common in Bao'an.
INDUSTRIES = (
    Industry("3982", "电子电路制造", "制造", (6, 0, 0), (("电子科技", "电子"), ("电路科技", "电路"), ("线路板", "线路板")), (), 13.6, 0.75, 0.75),
    Industry("3989", "其他电子元件制造", "制造", (5, 0, 0), (("电子", "电子"), ("电子科技", "电子"), ("电子元件", "电子")), (), 13.1, 0.6, 0.75),
    Industry("3976", "光电子器件制造", "制造", (3, 0, 0), (("光电科技", "光电"), ("光电", "光电")), (), 13.2, 0.65, 0.7),
    Industry("2929", "塑料零件及其他塑料制品制造", "制造", (4, 0, 0), (("塑胶制品", "塑胶"), ("塑胶五金", "塑胶")), (), 12.8, 0.55, 0.7),
    Industry("3525", "模具制造", "制造", (3, 0, 0), (("模具", "模具"), ("精密模具", "模具")), (), 12.7, 0.5, 0.6),
    Industry("3484", "机械零部件加工", "制造", (4, 0.3, 0), (("精密五金", "五金"), ("精密机械", "机械")), (("五金加工厂", "五金加工"),), 12.7, 0.5, 0.6),
    Industry("5174", "五金产品批发", "批发", (4, 1, 0), (("五金贸易", "五金"), ("五金机电", "五金")), (("五金商行", "五金"),), 12.5, 0.4, 0.85),
    Industry("5179", "其他机械设备及电子产品批发", "批发", (6, 0, 0), (("电子贸易", "电子"), ("科技", "科技"), ("实业", "实业")), (), 12.9, 0.45, 0.85),
    Industry("5132", "服装批发", "批发", (2, 1, 0), (("服装", "服装"), ("服饰", "服饰")), (("服装批发部", "服装批发"),), 12.3, 0.3, 0.85),
    Industry("5181", "贸易代理", "批发", (6, 0, 0), (("贸易", "贸易"), ("进出口贸易", "贸易"), ("国际贸易", "国际贸易")), (), 12.6, 0.35, 0.85),
    Industry("5212", "超级市场零售", "零售", (1, 2, 0), (("商业连锁", "超市"), ("百货", "百货")), (("超市", "超市"), ("购物广场", "购物广场")), 12.4, 0.4, 0.8),
    Industry("5213", "便利店零售", "零售", (1, 6, 0), (("便利店", "便利店"),), (("便利店", "便利店"), ("士多店", "士多"), ("商店", "商店")), 11.3, 0.2, 0.8),
    Industry("5223", "果品、蔬菜零售", "零售", (0, 4, 0), (), (("水果店", "水果"), ("蔬菜店", "蔬菜"), ("果蔬店", "果蔬")), 10.8, 0.0, 0.8),
    Industry("5232", "服装零售", "零售", (1, 4, 0), (("服饰", "服饰"),), (("服装店", "服饰"), ("服饰店", "服饰")), 11.0, 0.2, 0.7),
    Industry("5274", "通信设备零售", "零售", (1, 3, 0), (("通讯设备", "通讯"),), (("通讯店", "手机"), ("手机店", "手机维修")), 11.2, 0.2, 0.85),
    Industry("5281", "五金零售", "零售", (0, 3, 0), (), (("五金店", "五金"), ("五金建材店", "五金建材")), 10.9, 0.0, 0.8),
    Industry("5291", "流动货摊零售", "零售", (0, 1, 0), (), (("商行", "商行"),), 10.3, 0.0, 0.8),
    Industry("5251", "西药零售", "零售", (2, 0, 0), (("医药", "药店"), ("大药房", "大药房")), (), 12.0, 0.4, 0.8),
    Industry("6210", "正餐服务", "餐饮", (2, 7, 0), (("餐饮管理", "餐饮"), ("饮食", "饮食")), (("餐饮店", "饭店"), ("餐饮店", "餐厅"), ("酒家", "酒家"), ("饭店", "饭店")), 11.8, 0.25, 0.5),
    Industry("6220", "快餐服务", "餐饮", (1, 4, 0), (("餐饮", "快餐"),), (("快餐店", "快餐"), ("餐饮店", "快餐")), 11.2, 0.2, 0.5),
    Industry("6291", "小吃服务", "餐饮", (0, 5, 0), (), (("小吃店", "小吃"), ("粉店", "粉店"), ("早餐店", "早餐")), 10.4, 0.0, 0.5),
    Industry("8040", "理发及美容服务", "居民服务", (1, 4, 0), (("美容美发", "美发"),), (("理发店", "发廊"), ("美发店", "美发"), ("美容院", "美容")), 10.7, 0.1, 0.3),
    Industry("8111", "汽车修理与维护", "居民服务", (1, 2, 0), (("汽车服务", "汽修"),), (("汽车维修店", "汽修"), ("汽车美容店", "汽车美容")), 11.2, 0.2, 0.6),
    Industry("6513", "应用软件开发", "信息技术", (5, 0, 0), (("软件", "软件"), ("网络科技", "网络"), ("信息技术", "信息")), (), 12.2, 0.5, 0.3),
    Industry("6531", "信息系统集成服务", "信息技术", (3, 0, 0), (("智能科技", "智能"), ("信息系统", "信息")), (), 12.4, 0.5, 0.5),
    Industry("5431", "普通货物道路运输", "物流", (3, 2, 0), (("物流", "物流"), ("运输", "运输")), (("货运部", "货运"), ("物流部", "物流")), 12.3, 0.45, 0.6),
    Industry("5821", "货物运输代理", "物流", (3, 0, 0), (("国际货运代理", "货代"), ("供应链", "供应链")), (), 12.6, 0.5, 0.8),
    Industry("4790", "其他房屋建筑业", "建筑", (3, 0, 0), (("建筑工程", "建筑"), ("建设工程", "建设")), (), 13.0, 0.7, 0.7),
    Industry("5012", "住宅装饰和装修", "建筑", (3, 2, 0), (("装饰工程", "装饰"), ("装饰设计工程", "装饰")), (("装饰部", "装饰"),), 11.8, 0.3, 0.6),
    Industry("7030", "房地产中介服务", "房地产", (3, 2, 0), (("房地产经纪", "地产"), ("房地产顾问", "地产")), (("地产中介", "地产"), ("房屋中介", "中介")), 11.5, 0.2, 0.2),
    Industry("7020", "物业管理", "房地产", (2, 0, 2), (("物业管理", "物业"),), (), 12.2, 0.6, 0.4),
    Industry("7224", "供应链管理服务", "商务服务", (4, 0, 0), (("供应链管理", "供应链"),), (), 13.0, 0.6, 0.9),
    Industry("7212", "投资与资产管理", "商务服务", (2, 0, 6), (("投资", "投资"), ("投资发展", "投资")), (), 12.0, 0.3, 0.2),
    Industry("6121", "经济型连锁酒店", "住宿", (1, 0, 1), (("酒店管理", "酒店"),), (), 12.3, 0.5, 0.4),
    Industry("6129", "其他一般旅馆", "住宿", (0, 2, 0), (), (("旅馆", "旅馆"), ("公寓", "公寓")), 10.8, 0.0, 0.3),
    Industry("8393", "文化艺术培训", "教育", (0, 0, 3), (("培训中心", "培训"),), (), 11.0, 0.1, 0.2),
    # Yiwu's small-commodity trade (weight 0 in Bao'an: places.BAOAN.industry_factors)
    Industry("5149", "其他家庭用品批发", "批发", (4, 5, 0), (("日用品", "日用品"), ("小商品", "小商品"), ("家居用品", "家居")), (("日用品商行", "日用品"), ("小商品店", "小商品")), 12.2, 0.3, 0.85),
    Industry("5146", "首饰、工艺品及收藏品批发", "批发", (3, 4, 0), (("饰品", "饰品"), ("工艺品", "工艺品")), (("饰品店", "饰品"), ("工艺品店", "工艺品")), 12.0, 0.3, 0.85),
    Industry("5292", "互联网零售", "零售", (3, 4, 0), (("电子商务", "电商"), ("网络科技", "电商")), (("网店", "网店"), ("电子商务商行", "电商")), 11.8, 0.25, 0.85),
    Industry("2439", "其他工艺美术及礼仪用品制造", "制造", (3, 1, 0), (("工艺品", "工艺品厂"), ("饰品", "饰品厂")), (("工艺品加工厂", "工艺品加工"),), 12.4, 0.45, 0.7),
    Industry("2411", "文具制造", "制造", (1, 0.5, 0), (("文具", "文具"), ("办公用品", "文具")), (("文具加工厂", "文具"),), 12.3, 0.45, 0.7),
    Industry("1830", "服饰制造", "制造", (2, 0.5, 0), (("服饰", "服饰"), ("袜业", "袜业")), (("袜子加工厂", "袜子加工"),), 12.3, 0.4, 0.7),
)

BRAND_CHARS = "鑫华达兴盛源丰泰宏富利通恒信嘉佳宇航博瑞祥和德金银星海天龙凯辉峰美康新万永安顺益发创智腾飞荣昌隆伟捷联晟锦汇晶光明东南中亚科威朗诺森林易优品尚卓越汉唐骏豪润泽弘毅铭远"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国文辉玲燕红梅鹏飞宇浩俊峰斌波健婷雪琳晶欣怡佳颖志海林东亮成龙彬凯欢楠琴兰凤洁云丹萍秀英春"

# Characters a sign or a grid worker may write differently: traditional forms
# and look-alike / homophone characters.
LOOKALIKES = (
    ("华", "華"), ("电", "電"), ("达", "達"), ("兴", "興"), ("发", "發"), ("丰", "豐"), ("东", "東"), ("龙", "龍"),
    ("汇", "匯"), ("源", "元"), ("园", "圆"), ("盛", "晟"), ("佳", "家"), ("辉", "晖"), ("峰", "锋"),
)
# The pool a noise profile draws its look-alike set from (LOOKALIKES first).
LOOKALIKE_POOL = LOOKALIKES + (
    ("贸", "貿"), ("业", "業"), ("运", "運"), ("饭", "飯"), ("货", "貨"), ("车", "車"), ("门", "門"), ("长", "長"),
    ("乐", "樂"), ("锦", "錦"), ("广", "廣"), ("韩", "韓"), ("饰", "飾"), ("艺", "藝"), ("鸿", "宏"), ("科", "料"),
    ("信", "言"), ("晶", "品"), ("汉", "漢"), ("湾", "灣"), ("丽", "麗"), ("宝", "寶"), ("顺", "順"), ("联", "聯"),
)
HOMOPHONES = {"鑫": "新", "华": "化", "达": "大", "兴": "星", "盛": "胜", "源": "圆", "丰": "风", "泰": "太", "宏": "鸿", "富": "福", "利": "力", "通": "同", "恒": "衡", "信": "欣", "嘉": "佳", "宇": "雨", "航": "行", "博": "波", "瑞": "锐", "祥": "翔", "德": "得", "金": "今", "星": "新", "海": "还", "天": "添", "龙": "隆", "凯": "恺", "辉": "晖", "峰": "锋", "美": "每", "康": "慷", "万": "旺", "永": "勇", "安": "岸", "顺": "舜", "益": "亿", "发": "法", "创": "闯", "智": "志", "腾": "藤", "飞": "菲", "荣": "容", "昌": "常", "隆": "龙", "伟": "威", "捷": "杰", "联": "连", "锦": "金", "汇": "会", "晶": "京", "光": "广", "明": "名"}

PLACE_STYLES = ("湘味", "川味", "潮汕", "客家", "东北", "沙县", "隆江", "桂林", "兰州", "重庆", "江西", "潮州")
# (sign word, business_category) of businesses that never registered
UNREGISTERED_SHOPS = (
    ("烧腊", "餐饮"), ("小吃", "餐饮"), ("粉面", "餐饮"), ("五金", "零售"), ("士多", "零售"), ("水果", "零售"),
    ("发廊", "居民服务"), ("手机维修", "居民服务"), ("快递点", "物流"), ("麻辣烫", "餐饮"), ("便利店", "零售"),
    ("肠粉", "餐饮"), ("奶茶", "餐饮"), ("烟酒", "零售"), ("汽修", "居民服务"), ("牛肉丸", "餐饮"),
    ("猪脚饭", "餐饮"), ("米粉", "餐饮"), ("杂货", "零售"), ("裁缝", "居民服务"),
)
VACANT_NAMES = ("空置商铺", "空置厂房", "空置写字楼单元", "空置仓库")


def brands(rng: np.random.Generator, n: int, three_share: float = 0.35) -> np.ndarray:
    """Trade names (字号) of two or three characters."""
    chars = np.array(list(BRAND_CHARS), dtype=STR)
    a, b, c = (chars[rng.integers(0, len(chars), n)] for _ in range(3))
    three = rng.random(n) < three_share
    return np.where(three, cat(a, b, c), cat(a, b)).astype(STR)


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    surnames = np.array(list(SURNAMES), dtype=STR)
    p = 1.0 / (np.arange(len(surnames)) + 6.0)
    given = np.array(list(GIVEN_CHARS), dtype=STR)
    s = surnames[rng.choice(len(surnames), n, p=p / p.sum())]
    g1 = given[rng.integers(0, len(given), n)]
    g2 = given[rng.integers(0, len(given), n)]
    return np.where(rng.random(n) < 0.7, cat(s, g1, g2), cat(s, g1)).astype(STR)


def apply_lookalikes(names: np.ndarray, rng: np.random.Generator, share: float, pairs=LOOKALIKES) -> np.ndarray:
    """Swap characters for traditional or look-alike ones (``pairs``) on about ``share`` of names."""
    out = names.copy()
    chosen = rng.random(len(names)) < share
    for plain, other in pairs:
        hit = chosen & (np.strings.find(out, plain) >= 0)
        if hit.any():
            out[hit] = np.strings.replace(out[hit], plain, other)
    return out


def apply_typos(names: np.ndarray, rng: np.random.Generator, share: float, homophones: dict | None = None) -> np.ndarray:
    """On about ``share`` of names, one character written as a homophone
    (or, when it has none listed, dropped)."""
    out = names.copy()
    idx = np.flatnonzero((rng.random(len(names)) < share) & (np.strings.str_len(names) >= 4))
    if idx.size == 0:
        return out
    chosen = out[idx]
    length = np.strings.str_len(chosen)
    pos = rng.integers(0, length)
    ch = np.strings.slice(chosen, pos, pos + 1)
    homophones = HOMOPHONES if homophones is None else homophones
    keys = np.array(list(homophones) or ["\0"], dtype=STR)
    vals = np.array(list(homophones.values()) or [""], dtype=STR)
    order = np.argsort(keys)
    found = np.searchsorted(keys[order], ch)
    found = np.clip(found, 0, len(keys) - 1)
    has = keys[order][found] == ch
    repl = np.where(has, vals[order][found], "").astype(STR)
    out[idx] = cat(np.strings.slice(chosen, 0, pos), repl, np.strings.slice(chosen, pos + 1, None))
    return out


def unregistered_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sign names of unregistered businesses (陈记烧腊, 阿强五金, 沙县小吃) and their categories."""
    surnames = np.array(list(SURNAMES[:40]), dtype=STR)
    given = np.array(list(GIVEN_CHARS), dtype=STR)
    kind = rng.integers(0, 4, n)
    s = surnames[rng.integers(0, len(surnames), n)]
    g = given[rng.integers(0, len(given), n)]
    place = pick(PLACE_STYLES, rng.integers(0, len(PLACE_STYLES), n))
    which = rng.integers(0, len(UNREGISTERED_SHOPS), n)
    shop = pick([w for w, _ in UNREGISTERED_SHOPS], which)
    category = pick([c for _, c in UNREGISTERED_SHOPS], which)
    prefix = np.select([kind == 0, kind == 1, kind == 2], [cat(s, "记"), cat("阿", g), cat("老", s)], place)
    return cat(prefix, shop), category


def roads_for(zone_name: str, synthetic: bool, rng: np.random.Generator) -> np.ndarray:
    if not synthetic and zone_name in places.ROADS:
        return np.array(places.ROADS[zone_name], dtype=STR)
    stems = rng.choice(np.array(places.GENERIC_ROAD_STEMS), 8, replace=False)
    suffixes = rng.choice(np.array(places.GENERIC_ROAD_SUFFIXES), 8)
    return cat(stems.astype(STR), suffixes.astype(STR))


# --- what a noise profile varies on the grid side (see profiles.py) ---------------

# Branch and shop suffixes on signs; "{street}" is the street's short name,
# "{district}" the district's ("宝安", "义乌"), "{n}" a digit 2–9.
BRANCH_SUFFIXES = ("分店", "分部", "二部", "{n}号店", "新址", "({street}店)", "（{district}分店）", "{street}店", "旗舰店", "总店")
# (registered legal form, how a sign cuts it)
LEGAL_FORM_CUTS = (("股份有限公司", "股份"), ("有限责任公司", "有限"), ("有限公司", "有限"))
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")

# Free-text business categories a grid worker may write instead of the form's
# list: deliberately not the GB/T 4754-derived words of etl/schema.py.
FREE_CATEGORIES = {
    "餐饮": ("餐馆", "饭店", "小吃店", "快餐店", "大排档", "餐厅"),
    "零售": ("便利店", "超市", "小卖部", "商店", "杂货店", "门市"),
    "批发": ("贸易公司", "批发部", "商行", "档口", "贸易商"),
    "制造": ("电子厂", "工厂", "加工厂", "五金厂", "塑胶厂", "小作坊"),
    "信息技术": ("科技公司", "软件公司", "网络公司", "电脑公司"),
    "物流": ("物流点", "快递点", "货运部", "物流公司", "货代"),
    "建筑": ("装修公司", "建筑公司", "工程队", "装修队"),
    "房地产": ("中介", "地产中介", "物业", "房产公司"),
    "居民服务": ("理发", "理发店", "美容美发", "维修店", "修车"),
    "住宿": ("旅馆", "宾馆", "酒店", "公寓", "民宿"),
    "商务服务": ("公司", "办公室", "投资公司", "写字楼"),
    "教育": ("培训机构", "培训班", "辅导班"),
}
FREE_CATEGORIES_BY_INDUSTRY = {
    "3982": ("电子厂", "线路板厂"), "3989": ("电子厂",), "3976": ("电子厂", "光电厂"), "2929": ("塑胶厂", "注塑厂"),
    "3525": ("模具厂",), "3484": ("五金厂", "机加工"), "5174": ("五金批发", "五金店"), "5281": ("五金店",),
    "5132": ("服装批发", "档口"), "5212": ("超市",), "5213": ("便利店", "士多店", "小卖部"), "5223": ("水果店", "蔬菜店"),
    "5232": ("服装店",), "5274": ("手机店", "手机维修"), "5251": ("药店", "药房"), "6210": ("饭店", "餐馆", "酒楼"),
    "6220": ("快餐店",), "6291": ("小吃店", "早餐店", "粉店"), "8040": ("理发", "发廊", "美容院"), "8111": ("汽修", "修车", "洗车"),
    "5431": ("物流点", "货运部"), "5821": ("货代", "物流公司"), "6129": ("旅馆", "旅社"), "5149": ("小商品", "日用品店"),
    "5146": ("饰品店", "工艺品店"), "5292": ("网店", "电商"), "2439": ("饰品厂", "工艺品厂"), "2411": ("文具厂",), "1830": ("袜厂", "服装厂"),
}

_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {"(": "（", ")": "）", "-": "－", "#": "＃"}
_HALFWIDTH_BRACKETS = {"（": "(", "）": ")"}
_CN_DIGITS = "零一二三四五六七八九"


def to_fullwidth(values: np.ndarray) -> np.ndarray:
    """ASCII digits, capitals, brackets and dashes as full-width forms (3号 → ３号)."""
    out = np.asarray(values, dtype=STR)
    for a, b in _FULLWIDTH.items():
        out = np.strings.replace(out, a, b)
    return out


def to_halfwidth_brackets(values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=STR)
    for a, b in _HALFWIDTH_BRACKETS.items():
        out = np.strings.replace(out, a, b)
    return out


def chinese_number(k: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (0 < k < 1000)."""
    hundreds, tens, ones = k // 100, k // 10 % 10, k % 10
    out = f"{_CN_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _CN_DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += _CN_DIGITS[ones]
    return out


CHINESE_NUMBERS = np.array([""] + [chinese_number(k) for k in range(1, 1000)], dtype=STR)


def free_categories(industry_code: np.ndarray, category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A free-text category per row: a word for its industry where one is
    listed, else one for its form category."""
    n = len(category)
    out = np.asarray(category, dtype=STR).copy()
    u = rng.random(n)
    done = np.zeros(n, dtype=bool)
    for code, words in FREE_CATEGORIES_BY_INDUSTRY.items():
        rows = np.flatnonzero(industry_code == code)
        if rows.size:
            out[rows] = pick(words, (u[rows] * len(words)).astype(np.int64))
            done[rows] = True
    for cat_name, words in FREE_CATEGORIES.items():
        rows = np.flatnonzero(~done & (category == cat_name))
        if rows.size:
            out[rows] = pick(words, (u[rows] * len(words)).astype(np.int64))
    return out
