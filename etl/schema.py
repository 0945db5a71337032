"""The data contract's input tables: columns, Chinese aliases, required fields,
accepted values, and the codes the ETL writes to `rejects` and `quality_issues`.

This module is the single source for those names: the reader, the staging
models' checks, the demo generator and the docs all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    alias: str
    required: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    required: bool
    formats: tuple[str, ...]
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def aliases(self) -> dict[str, str]:
        """Map of every accepted header (English or Chinese) to the English name."""
        out = {c.name: c.name for c in self.columns}
        out.update({c.alias: c.name for c in self.columns})
        return out


TABULAR_FORMATS = (".csv", ".parquet", ".xlsx")

TAXPAYERS = Source(
    "taxpayers",
    required=True,
    formats=TABULAR_FORMATS,
    key=("taxpayer_id",),
    columns=(
        Column("taxpayer_id", "纳税人识别号", True),
        Column("name", "纳税人名称", True),
        Column("legal_rep", "法定代表人"),
        Column("legal_rep_id", "法定代表人证件号码"),
        Column("phone", "联系电话"),
        Column("reg_address", "生产经营地址", True),
        Column("industry_code", "行业代码"),
        Column("industry_name", "行业名称"),
        Column("taxpayer_type", "纳税人类型"),
        Column("entity_type", "登记注册类型"),
        Column("reg_date", "登记日期"),
        Column("status", "纳税人状态", True),
        Column("credit_rating", "纳税信用等级"),
        Column("street_code", "街道代码"),
        Column("lng", "经度"),
        Column("lat", "纬度"),
        Column("coord_sys", "坐标系"),
    ),
)

GRID_UNITS = Source(
    "grid_units",
    required=True,
    formats=TABULAR_FORMATS,
    key=("record_id",),
    columns=(
        Column("record_id", "采集记录编号", True),
        Column("grid_code", "网格编码", True),
        Column("unit_name", "单位名称", True),
        Column("uscc", "统一社会信用代码"),
        Column("address", "标准地址"),
        Column("building_id", "楼栋编码"),
        Column("lng", "经度", True),
        Column("lat", "纬度", True),
        Column("coord_sys", "坐标系", True),
        Column("operating_status", "经营状态", True),
        Column("business_category", "经营类别"),
        Column("collected_at", "采集时间", True),
        Column("collector_id", "采集网格员"),
    ),
)

DECLARATIONS = Source(
    "declarations",
    required=False,
    formats=(".csv", ".parquet"),
    key=("taxpayer_id", "period", "tax_type"),
    columns=(
        Column("taxpayer_id", "纳税人识别号", True),
        Column("period", "所属期", True),
        Column("tax_type", "税种", True),
        Column("sales_amount", "申报销售额"),
        Column("tax_payable", "应纳税额"),
        Column("tax_paid", "实缴税额"),
        Column("invoice_out_amount", "开具发票金额"),
        Column("invoice_in_amount", "取得发票金额"),
    ),
)

OFFICERS = Source(
    "officers",
    required=False,
    formats=TABULAR_FORMATS,
    key=("officer_id",),
    columns=(
        Column("officer_id", "人员编号", True),
        Column("name", "姓名", True),
        Column("role", "角色", True),
        Column("street_code", "街道代码"),
        Column("grid_codes", "负责网格"),
        Column("phone", "联系电话"),
    ),
)

# Results the task store exports once an officer has checked a unit or taxpayer on site
# (docs/task-results.md). Not a unique key: several results may name the same unit or taxpayer,
# and only the latest per (record_id, taxpayer_id) counts.
TASK_RESULTS = Source(
    "task_results",
    required=False,
    formats=TABULAR_FORMATS,
    key=("record_id", "taxpayer_id"),
    columns=(
        Column("task_id", "任务编号"),
        Column("record_id", "采集记录编号"),
        Column("taxpayer_id", "纳税人识别号"),
        Column("result", "核查结果", True),
        Column("verified_at", "核查时间", True),
        Column("officer_id", "核查人员"),
        Column("note", "备注"),
    ),
)

STREETS = Source(
    "streets",
    required=True,
    formats=(".geojson",),
    key=("street_code",),
    columns=(
        Column("street_code", "街道代码", True),
        Column("street_name", "街道名称", True),
        Column("district_code", "区县代码"),
        Column("district_name", "区县名称"),
    ),
)

GRIDS = Source(
    "grids",
    required=True,
    formats=(".geojson",),
    key=("grid_code",),
    columns=(
        Column("grid_code", "网格编码", True),
        Column("grid_name", "网格名称"),
        Column("street_code", "街道代码"),
    ),
)

SOURCES: dict[str, Source] = {
    s.name: s for s in (STREETS, GRIDS, TAXPAYERS, GRID_UNITS, DECLARATIONS, OFFICERS, TASK_RESULTS)
}

# Accepted values. Anything else is kept with a quality issue.
TAXPAYER_STATUSES = ("正常", "非正常", "停业", "注销")
OPERATING_STATUSES = ("在营", "停业", "空置", "已搬离")
CREDIT_RATINGS = ("A", "B", "M", "C", "D")
OFFICER_ROLES = {"grid_worker": "grid_worker", "网格员": "grid_worker", "tax_officer": "tax_officer", "税收管理员": "tax_officer"}
# task_results.result: the canonical code → the Chinese word the task store writes. Both are
# accepted (English codes case-insensitively, with '-' or ' ' for '_'); anything else is rejected.
TASK_RESULT_CODES = {
    "verified_operating": "已核实在营",
    "deregistered": "已注销",
    "moved_out": "已迁出",
    "newly_registered": "新办登记",
    "not_found": "查无此户",
}
TASK_RESULT_ALIASES = {**{code: code for code in TASK_RESULT_CODES},
                       **{word: code for code, word in TASK_RESULT_CODES.items()}}
# A result naming both a staged record_id and a staged taxpayer_id with one of these codes fixes that link
# before matching (unit_links.method 'verified').
TASK_RESULT_LINKING = ("verified_operating", "newly_registered")
# The discrepancy kinds each result resolves (no longer raised, listed in discrepancies_resolved).
# A kind not listed for a result is confirmed by it and stays raised.
TASK_RESULT_RESOLVES = {
    "verified_operating": ("not_found", "status_conflict"),
    "deregistered": ("unregistered", "not_found", "status_conflict"),
    "moved_out": ("unregistered", "not_found", "address_mismatch", "status_conflict"),
    "newly_registered": ("unregistered",),
    "not_found": ("unregistered",),
}
# coord_sys spellings are normalised (upper case, without '-', '_', ' ') before lookup.
COORD_SYS_ALIASES = {
    "WGS84": "WGS84",
    "WGS": "WGS84",
    "GPS": "WGS84",
    "CGCS2000": "CGCS2000",
    "GCJ02": "GCJ02",
    "GCJ": "GCJ02",
    "火星坐标": "GCJ02",
    "国测局坐标": "GCJ02",
    "BD09": "BD09",
    "BD09LL": "BD09",
    "百度坐标": "BD09",
}

# Reasons a row is rejected (rejects.reason), in the order the checks apply:
# the first that holds is the row's reason.
REJECT_REASONS = {
    "malformed_row": "列数与表头不符 / the row has a different number of cells than the header",
    "missing_key": "必填标识为空 / required identity field is empty",
    "missing_name": "名称为空 / name is empty",
    "period_invalid": "所属期不是 YYYY-MM / period is not YYYY-MM",
    "duplicate_key": "主键重复（保留首条） / key repeats (first occurrence kept)",
    "geometry_invalid": "几何为空或无法修复 / geometry missing or unrepairable",
    "position_missing": "坐标为空 / position is empty",
    "position_unparseable": "坐标不是数字 / position is not a number",
    "position_out_of_range": "坐标超出范围（经纬度是否颠倒？） / position out of range (lat/lng swapped?)",
    "coord_sys_unknown": "未知坐标系 / unknown coord_sys",
    "outside_region": "位于辖区外超过 1 km / more than 1 km outside the region",
    "result_unknown": "核查结果为空或不是已核实在营/已注销/已迁出/新办登记/查无此户 / result empty or not a known code",
    "verified_at_unparseable": "核查时间为空或无法解析 / verified_at empty or not a timestamp",
}

# Repairs recorded in quality_issues.issue (a row can have several).
QUALITY_ISSUES = {
    "id_normalised": "纳税人识别号/统一社会信用代码已规范化（去空格、全角转半角、转大写） / id normalised (spaces removed, "
                     "full-width to half-width, upper case)",
    "lng_lat_swapped": "经度与纬度列颠倒，已按（纬度, 经度）读取 / the file's lng and lat columns were swapped: read as "
                       "(lat, lng)",
    "position_missing": "坐标为空，按无坐标入库 / position empty, kept without a position",
    "position_unparseable": "坐标不是数字，按无坐标入库 / position not a number, kept without a position",
    "position_out_of_range": "坐标超出范围，按无坐标入库 / position out of range, kept without a position",
    "coord_sys_unknown": "未知坐标系，按无坐标入库 / unknown coord_sys, kept without a position",
    "outside_region": "位于辖区外超过 1 km，按无坐标入库 / more than 1 km outside the region, kept without a position",
    "uscc_check_digit": "统一社会信用代码校验位错误 / USCC check character is wrong",
    "uscc_format": "不是 18 位统一社会信用代码 / not an 18-character USCC",
    "status_unknown": "未知纳税人状态 / unknown taxpayer status",
    "credit_rating_unknown": "未知纳税信用等级 / unknown credit rating",
    "reg_date_unparseable": "登记日期无法解析 / reg_date unparseable",
    "street_code_unknown": "未知街道代码（按位置归属） / unknown street_code (taken from position)",
    "grid_code_unknown": "未知网格编码（按位置归属） / unknown grid_code (taken from position)",
    "collected_at_unparseable": "采集时间无法解析 / collected_at unparseable",
    "operating_status_unknown": "未知经营状态 / unknown operating status",
    "taxpayer_unknown": "纳税人识别号不在登记信息中 / taxpayer_id not among staged taxpayers",
    "record_unknown": "采集记录编号不在网格采集中 / record_id not among staged grid units",
    "amount_unparseable": "金额不是数字（置空） / amount is not a number (set to NULL)",
    "role_unknown": "未知角色 / unknown officer role",
    "geometry_repaired": "几何无效，已修复 / invalid geometry repaired",
}

# GB/T 4754-2017 divisions (the first two digits of industry_code) → the
# business category a grid worker writes on the unit form (经营类别). Used to
# compare a unit with a taxpayer; a bureau with other category words adds
# them here (or its units simply do not score on category).
INDUSTRY_CATEGORIES = {
    **{f"{d:02d}": "农林牧渔" for d in range(1, 6)},
    **{f"{d:02d}": "采矿" for d in range(6, 13)},
    **{f"{d:02d}": "制造" for d in range(13, 44)},
    **{f"{d:02d}": "公用事业" for d in range(44, 47)},
    **{f"{d:02d}": "建筑" for d in range(47, 51)},
    "51": "批发",
    "52": "零售",
    **{f"{d:02d}": "物流" for d in range(53, 61)},
    "61": "住宿",
    "62": "餐饮",
    **{f"{d:02d}": "信息技术" for d in range(63, 66)},
    **{f"{d:02d}": "金融" for d in range(66, 70)},
    "70": "房地产",
    **{f"{d:02d}": "商务服务" for d in range(71, 73)},
    **{f"{d:02d}": "科技服务" for d in range(73, 76)},
    **{f"{d:02d}": "公共设施" for d in range(76, 80)},
    **{f"{d:02d}": "居民服务" for d in range(80, 83)},
    "83": "教育",
    **{f"{d:02d}": "卫生" for d in range(84, 86)},
    **{f"{d:02d}": "文体娱乐" for d in range(86, 91)},
    **{f"{d:02d}": "公共管理" for d in range(91, 98)},
}
