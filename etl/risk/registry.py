"""The risk indicator library: one SQL file per indicator under ``etl/models/risk/``.

A file's header comments define the indicator; its SELECT returns one row per
taxpayer the indicator fires on, with ``taxpayer_id``, ``severity`` (0.5 at
the threshold up to 1 for the extreme cases), ``value`` (the headline number)
and any further columns its reason templates name::

    -- indicator: INV01
    -- portrait: invoice
    -- name_zh: 开票金额远超申报销售额
    -- name_en: Invoices issued far above declared sales
    -- needs: declarations
    -- weight: 0.6
    -- logic_zh: 近12个月开票金额 ≥ 3 倍申报销售额，且开票 ≥ 50 万元
    -- logic_en: 12-month invoices issued ≥ 3 × declared sales, and ≥ CNY 0.5 m
    -- reason_zh: 近12个月开票金额 {invoice_out:wan} 万元，申报销售额 {sales:wan} 万元
    -- reason_en: invoiced CNY {invoice_out:m} m in 12 months, declared sales CNY {sales:m} m
    select taxpayer_id, severity, value, invoice_out, sales from int_risk_profile where ...

Adding an indicator is adding such a file (and a test); the catalogue
(docs/risk-indicators.md, ``taxmap risk-catalogue``) is generated from the
headers. Placeholders in the templates are ``{column}`` or
``{column:format}``; the formats are in :data:`FORMATS`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

RISK_DIR = Path(__file__).resolve().parent.parent / "models" / "risk"

# Portraits (风险画像): code → (Chinese, English).
PORTRAITS: dict[str, tuple[str, str]] = {
    "invoice": ("发票异常", "Invoice anomalies"),
    "declaration": ("申报异常", "Declaration anomalies"),
    "burden": ("税负异常", "Tax burden"),
    "payment": ("税款缴纳", "Tax payment"),
    "registration": ("登记与地址", "Registration and address"),
    "operating": ("经营状态", "Operating status"),
    "related": ("关联关系", "Related parties"),
    "industry": ("行业偏离", "Industry deviation"),
    "credit": ("纳税信用", "Tax credit"),
}

# Inputs an indicator may need → (Chinese, English, SQL that is true when the run has them).
NEEDS: dict[str, tuple[str, str, str]] = {
    "declarations": ("申报缴税数据", "declarations", "select count(*) > 0 from int_risk_declared"),
    "grid_units": ("网格员采集数据", "grid-worker units", "select count(*) > 0 from stg_grid_units"),
    "credit_rating": ("纳税信用等级", "credit ratings", "select count(credit_rating) > 0 from stg_taxpayers"),
    "phone": ("联系电话", "phone numbers", "select count(phone) > 0 from stg_taxpayers"),
    "legal_rep_id": ("法定代表人证件号码", "legal representatives' ids",
                     "select count(legal_rep_id) > 0 from stg_taxpayers"),
    "industry_code": ("行业代码", "industry codes", "select count(industry_code) > 0 from stg_taxpayers"),
    "reg_date": ("登记日期", "registration dates", "select count(reg_date) > 0 from stg_taxpayers"),
    "taxpayer_type": ("纳税人类型", "taxpayer types", "select count(taxpayer_type) > 0 from stg_taxpayers"),
    "position": ("登记地址坐标", "positions of registered addresses", "select count(lng) > 0 from stg_taxpayers"),
}

# Template formats → SQL over the column ``{x}``.
FORMATS: dict[str, str] = {
    "": "cast({x} as varchar)",
    "wan": "printf('%.1f', {x} / 1e4)",  # 万元
    "m": "printf('%.2f', {x} / 1e6)",  # millions
    "pct": "printf('%.1f%%', {x} * 100)",
    "int": "cast(round({x}) as bigint)::varchar",
    "1": "printf('%.1f', {x})",
    "2": "printf('%.2f', {x})",
}

REQUIRED_COLUMNS = ("taxpayer_id", "severity", "value")
HEADER_KEYS = ("indicator", "portrait", "name_zh", "name_en", "needs", "weight", "logic_zh", "logic_en",
               "reason_zh", "reason_en")
CODE = re.compile(r"^[A-Z]{2,4}[0-9]{2}$")
PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w*))?\}")


class IndicatorError(ValueError):
    """An indicator file is malformed: a defect in the library, reported with the file to fix."""


@dataclass(frozen=True)
class Indicator:
    code: str
    portrait: str
    name_zh: str
    name_en: str
    needs: tuple[str, ...]
    weight: float
    logic_zh: str
    logic_en: str
    reason_zh: str
    reason_en: str
    model: str  # the SQL model's name (file stem)
    path: Path

    @property
    def portrait_zh(self) -> str:
        return PORTRAITS[self.portrait][0]

    @property
    def portrait_en(self) -> str:
        return PORTRAITS[self.portrait][1]

    def placeholders(self) -> set[str]:
        return {m.group(1) for t in (self.reason_zh, self.reason_en) for m in PLACEHOLDER.finditer(t)}


def _header(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^--\s*(\w+):\s*(.*)$", line)
        if m and m.group(1) in HEADER_KEYS:
            values[m.group(1)] = m.group(2).strip()
    return values


def load(path: Path) -> Indicator:
    h = _header(path.read_text(encoding="utf-8"))
    missing = [k for k in HEADER_KEYS if not h.get(k) and k != "needs"]
    if missing:
        raise IndicatorError(f"{path.name}: header lacks {', '.join(missing)}")
    code = h["indicator"]
    if not CODE.match(code):
        raise IndicatorError(f"{path.name}: indicator code {code!r} must look like INV01")
    if path.stem != f"risk_{code.lower()}":
        raise IndicatorError(f"{path.name}: the file of {code} must be named risk_{code.lower()}.sql")
    if h["portrait"] not in PORTRAITS:
        raise IndicatorError(f"{path.name}: portrait {h['portrait']!r} is not one of {', '.join(PORTRAITS)}")
    needs = tuple(n.strip() for n in h.get("needs", "").split(",") if n.strip())
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise IndicatorError(f"{path.name}: unknown input(s) {unknown}; known: {', '.join(NEEDS)}")
    try:
        weight = float(h["weight"])
    except ValueError:
        weight = -1.0
    if not 0 < weight <= 1:
        raise IndicatorError(f"{path.name}: weight {h['weight']!r} must be a number in (0, 1]")
    for key in ("reason_zh", "reason_en"):
        for m in PLACEHOLDER.finditer(h[key]):
            if (m.group(2) or "") not in FORMATS:
                raise IndicatorError(f"{path.name}: {key} uses unknown format {m.group(2)!r}; known: "
                                     f"{', '.join(f or '(none)' for f in FORMATS)}")
    return Indicator(code=code, portrait=h["portrait"], name_zh=h["name_zh"], name_en=h["name_en"], needs=needs,
                     weight=weight, logic_zh=h["logic_zh"], logic_en=h["logic_en"], reason_zh=h["reason_zh"],
                     reason_en=h["reason_en"], model=path.stem, path=path)


@functools.lru_cache(maxsize=1)
def indicators() -> tuple[Indicator, ...]:
    found = tuple(load(p) for p in sorted(RISK_DIR.glob("risk_*.sql")))
    codes = [i.code for i in found]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise IndicatorError(f"indicator codes used twice: {repeated}")
    return found


def template_sql(template: str) -> str:
    """A reason template as a SQL string expression over the indicator's columns."""
    parts: list[str] = []
    position = 0
    for m in PLACEHOLDER.finditer(template):
        if m.start() > position:
            parts.append(_literal(template[position:m.start()]))
        parts.append("coalesce(" + FORMATS[m.group(2) or ""].replace("{x}", f'"{m.group(1)}"') + ", '—')")
        position = m.end()
    if position < len(template):
        parts.append(_literal(template[position:]))
    return "concat(" + ", ".join(parts or ["''"]) + ")"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
