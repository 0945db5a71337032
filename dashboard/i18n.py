"""Every UI string, zh-CN first, English second. Pages call ``t(key, lang)``."""

from __future__ import annotations

DEFAULT_LANG = "zh"
LANGS = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"zh": "实景税源智慧地图", "en": "Tax-Source Smart Map"},
    "app.switch_lang": {"zh": "English", "en": "中文"},
    "home.run": {"zh": "最近一次数据处理", "en": "Latest ETL run"},
    "home.run_id": {"zh": "批次", "en": "Run"},
    "home.finished": {"zh": "完成时间", "en": "Finished"},
    "home.data_time": {"zh": "数据时间", "en": "Data time"},
    "home.source": {"zh": "数据源", "en": "Source"},
    "home.read": {"zh": "读取", "en": "Read"},
    "home.staged": {"zh": "入库", "en": "Staged"},
    "home.rejected": {"zh": "拒收", "en": "Rejected"},
    "home.issues": {"zh": "质量问题", "en": "Quality issues"},
    "home.totals": {"zh": "辖区概况", "en": "Region at a glance"},
    "home.streets": {"zh": "街道", "en": "Streets"},
    "home.grids": {"zh": "网格", "en": "Grids"},
    "home.taxpayers": {"zh": "登记纳税人", "en": "Registered taxpayers"},
    "home.grid_units": {"zh": "网格员采集实有单位", "en": "Units seen by grid workers"},
    "home.linked_uscc": {"zh": "按信用代码精确关联", "en": "Linked exactly by USCC"},
    "home.no_warehouse": {
        "zh": "尚无数据：请先运行 taxmap etl 生成数据仓库。",
        "en": "No data yet: run `taxmap etl` to build the warehouse.",
    },
    "source.streets": {"zh": "街道边界", "en": "Street boundaries"},
    "source.grids": {"zh": "网格边界", "en": "Grid boundaries"},
    "source.taxpayers": {"zh": "税务登记信息", "en": "Tax registrations"},
    "source.grid_units": {"zh": "网格员采集实有单位", "en": "Grid-worker units"},
    "source.declarations": {"zh": "申报缴税", "en": "Declarations"},
    "source.officers": {"zh": "网格员与税收管理员", "en": "Officers"},
    "source.absent": {"zh": "未提供", "en": "not provided"},
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    entry = STRINGS[key]
    return entry.get(lang) or entry[DEFAULT_LANG]


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG
