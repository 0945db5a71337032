"""Hexagon statistics for analysts and other systems: one row per cell of the area at a resolution,
under disclosure control (taxmap.data.disclosure) for everyone who may not see single taxpayers.
What the exports (taxmap/exports.py), the CLI and the API share.

Taxpayer filters (industry, taxpayer type, credit rating …: ``hexes.Filters``) narrow the
taxpayer-side figures; a ``period`` (first and last declared month, 'YYYY-MM') replaces the tax paid
over the last 12 declared months by the tax paid in those months (``tax_paid_period``, summed from
``fct_taxpayer_monthly``, withheld like ``tax_paid_12m``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import h3

from taxmap.data import Scope, changes, disclosure, hexes, latest_run
from taxmap.warehouse import Warehouse

# column: (中文, English, meaning in Chinese)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "h3": ("六边形编号", "H3 cell", "H3 六边形索引"),
    "res": ("分辨率", "Resolution", "H3 分辨率（7–10）"),
    "lng": ("中心经度", "Centre longitude", "六边形中心经度（WGS84）"),
    "lat": ("中心纬度", "Centre latitude", "六边形中心纬度（WGS84）"),
    "n_taxpayers": ("登记纳税人数", "Registered taxpayers", "位于该六边形的登记纳税人户数"),
    "n_units": ("实有单位数", "Units on the ground", "网格采集的实有经营单位数"),
    "n_linked": ("已关联单位数", "Units linked", "与税务登记关联上的实有单位数"),
    "linked_share": ("关联率", "Share of units linked", "已关联单位数 ÷ 实有单位数"),
    "tax_paid_12m": ("近12个月实缴税款", "Tax paid, 12 months", "近12个申报月实缴税款合计（元）；小区域抑制时为空"),
    "tax_paid_period": ("所选期间实缴税款", "Tax paid in the period",
                        "所选申报所属期（起止月份含本月）内实缴税款合计（元）；小区域抑制时为空"),
    "risk_mean": ("平均风险分", "Mean risk score", "纳税人风险分均值（0–100）；小区域抑制时为空"),
    "n_high_risk": ("高风险纳税人数", "High-risk taxpayers", "风险等级为高的纳税人户数；小区域抑制时为空"),
    "n_unregistered": ("有经营无登记", "Operating, unregistered", "在营但未匹配到税务登记的单位数"),
    "n_not_found": ("有登记无经营", "Registered, not found", "登记正常但网格未发现的纳税人户数；小区域抑制时为空"),
    "n_address_mismatch": ("登记地址与实际不符", "Address mismatch", "登记地址与实际经营地不符的单位数"),
    "n_status_conflict": ("经营状态冲突", "Status conflict", "网格采集状态与登记状态冲突的单位数"),
    **changes.CHANGE_COLUMNS,  # the comparison between two runs (change_table)
    "suppressed": ("抑制", "Suppressed", "primary：纳税人少于 k 户；secondary：为防止由上级合计反推而抑制；空：未抑制"),
}
# the metrics one chooses; with a period, the tax metric (tax_paid_12m) comes out as tax_paid_period
METRICS = tuple(c for c in COLUMNS if c not in ("h3", "res", "lng", "lat", "suppressed", "tax_paid_period",
                                                *changes.CHANGE_COLUMNS))
TAX_METRICS = ("tax_paid_12m", "tax_paid_period")
# the taxpayer filters analysts choose (hexes.Filters fields), with their short names in audit rows
FILTER_KEYS = {"industry": "industry", "taxpayer_type": "type", "credit_rating": "credit"}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def periods(wh: Warehouse) -> list[str]:
    """The declared months ('YYYY-MM', oldest first) a period can be chosen from: the last 24 declared
    months (fct_taxpayer_monthly); none for a warehouse built without declarations (or before the table)."""
    present = wh.query("select count(*) as n from information_schema.tables where table_name = 'fct_taxpayer_monthly'")
    if not present[0]["n"]:
        return []
    return [r["period"] for r in wh.query("select distinct period from fct_taxpayer_monthly order by 1")]


def parse_period(text: str | None) -> tuple[str, str] | None:
    """'FROM:TO' (the CLI's --period; 'YYYY-MM:YYYY-MM', or one month) as a (from, to) pair; None
    for empty. Not checked here: see check_period."""
    if text is None or not str(text).strip():
        return None
    parts = [p.strip() for p in str(text).split(":")]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"period {text!r}: expected FROM:TO, e.g. 2025-01:2025-06")
    return parts[0], parts[1]


def check_period(period, available: list[str] | None = None) -> tuple[str, str] | None:
    """``period`` (a (from, to) pair of 'YYYY-MM' months, both included) checked: the format, from ≤
    to, and, given ``available`` (periods(wh)), that both months are declared months the warehouse
    holds. ValueError naming the problem; None for no period (the last 12 months)."""
    if period is None:
        return None
    if isinstance(period, str) or len(period) != 2:
        raise ValueError(f"period {period!r}: expected a pair (from, to) of months 'YYYY-MM'")
    first, last = (str(p).strip() if p is not None else "" for p in period)
    for name, month in (("from", first), ("to", last)):
        if not _MONTH.match(month):
            raise ValueError(f"period {name} {month!r} is not a month written YYYY-MM (e.g. 2025-06)")
    if first > last:
        raise ValueError(f"period from {first} is after period to {last}")
    if available is not None:
        if not available:
            raise ValueError("the warehouse holds no declared months: no period can be chosen")
        if first < available[0] or last > available[-1]:
            raise ValueError(f"period {first}:{last} is outside the declared months the warehouse holds "
                             f"({available[0]} to {available[-1]})")
    return first, last


def make_filters(wh: Warehouse | None = None, **chosen) -> hexes.Filters:
    """hexes.Filters from the analysts' filters (``industry``, ``taxpayer_type``, ``credit_rating``:
    lists of values; "" or 未评级/unrated stands for unrated credit). Given ``wh``, values the warehouse
    does not hold are a ValueError naming them (else they would silently match nothing)."""
    unknown_keys = set(chosen) - set(FILTER_KEYS)
    if unknown_keys:
        raise ValueError(f"unknown filter(s) {', '.join(sorted(unknown_keys))}; one of {', '.join(FILTER_KEYS)}")
    values = {}
    for key in FILTER_KEYS:
        items = [str(v).strip() for v in (chosen.get(key) or ())]
        if key == "credit_rating":
            items = ["" if v in ("未评级", "unrated") else v for v in items]
        else:
            items = [v for v in items if v]
        values[key] = items
    if wh is not None:
        options = hexes.filter_options(wh)
        for key, items in values.items():
            wrong = [v for v in items if v not in options[key]]
            if wrong:
                shown = ", ".join(v or "未评级" for v in options[key])
                raise ValueError(f"{FILTER_KEYS[key]}: unknown value(s) {', '.join(wrong)}; one of {shown}")
    return hexes.Filters.from_dict(values)


def filters_text(filters: hexes.Filters | None, lang: str = "zh") -> str:
    """The taxpayer filters in words (for the XLSX sheet and the page), "" without any."""
    if filters is None:
        return ""
    names = {"industry": ("行业门类", "industry"), "taxpayer_type": ("纳税人类型", "taxpayer type"),
             "entity_type": ("登记注册类型", "entity type"), "credit_rating": ("纳税信用等级", "credit rating"),
             "status": ("纳税人状态", "status"), "risk_level": ("风险等级", "risk level")}
    i = 0 if lang == "zh" else 1
    parts = []
    for key, label in names.items():
        chosen = getattr(filters, key)
        if chosen:
            shown = [v or ("未评级" if lang == "zh" else "unrated") for v in chosen]
            parts.append(f"{label[i]}：{'、'.join(shown)}" if lang == "zh" else f"{label[i]}: {', '.join(shown)}")
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def audit_text(filters: hexes.Filters | None, period: tuple[str, str] | None) -> str:
    """The filters and period as an audit row records them: ``industry=A|B type=… credit=… period=FROM:TO``."""
    parts = []
    for key, short in FILTER_KEYS.items():
        chosen = getattr(filters, key) if filters is not None else ()
        if chosen:
            parts.append(f"{short}=" + "|".join(v or "unrated" for v in chosen))
    for key in ("entity_type", "status", "risk_level"):
        chosen = getattr(filters, key) if filters is not None else ()
        if chosen:
            parts.append(f"{key}=" + "|".join(chosen))
    parts.append(f"period={period[0]}:{period[1]}" if period else "period=12m")
    return " ".join(parts)


@dataclass(frozen=True)
class HexTable:
    rows: list[dict]
    columns: list[str]
    res: int
    k: int | None  # None: not suppressed (a role that sees single taxpayers)
    run_id: str | None
    data_time: object
    period: tuple[str, str] | None = None  # None: tax over the last 12 declared months
    filters: hexes.Filters | None = None
    base_run: str | None = None  # a comparison (change_table): the run compared against
    base_time: object = None

    @property
    def is_change(self) -> bool:
        return self.base_run is not None

    def rule(self, lang: str = "zh") -> str:
        if self.k is None:
            return "未做小区域抑制（导出者可查看单户数据）" if lang == "zh" else "No suppression (the exporter may see single taxpayers)"
        return disclosure.rule_text(self.k, lang)

    def period_text(self, lang: str = "zh") -> str:
        """Which months the tax figure covers (for a comparison: which runs are compared)."""
        if self.is_change:
            if lang == "zh":
                return (f"批次对比：基准批次 {self.base_run}（{_stamp(self.base_time)}）→ 对比批次 {self.run_id}"
                        f"（{_stamp(self.data_time)}），税款为各批次近12个申报月合计")
            return (f"Comparison: base run {self.base_run} ({_stamp(self.base_time)}) → run {self.run_id} "
                    f"({_stamp(self.data_time)}); tax over each run's last 12 declared months")
        if self.period is None:
            return "税款期间：近12个申报月" if lang == "zh" else "Tax period: the last 12 declared months"
        first, last = self.period
        if lang == "zh":
            return f"税款期间：申报所属期 {first} 至 {last}（含）"
        return f"Tax period: declared months {first} to {last} (inclusive)"

    def filters_text(self, lang: str = "zh") -> str:
        return filters_text(self.filters, lang) or ("全部纳税人" if lang == "zh" else "all taxpayers")

    def audit_text(self) -> str:
        """What an audit row records of the table beyond rows, resolution and format."""
        text = audit_text(self.filters, self.period)
        if self.is_change:
            text = text.replace("period=12m", f"compare={self.base_run}:{self.run_id}")
        return text


def _head(cell: str, res: int) -> dict:
    """A table row's first columns: the cell, its resolution and its centre (WGS84, 6 decimals)."""
    lat, lng = h3.cell_to_latlng(cell)
    return {"h3": cell, "res": res, "lng": round(lng, 6), "lat": round(lat, 6)}


def _stamp(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "—"


def _columns(metrics: tuple[str, ...], period: tuple[str, str] | None) -> list[str]:
    unknown = [m for m in metrics if m not in METRICS and m != "tax_paid_period"]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; one of {', '.join(METRICS)}")
    if period is None and "tax_paid_period" in metrics:
        raise ValueError("tax_paid_period needs a period (from and to month)")
    out: list[str] = []
    for m in metrics:
        m = ("tax_paid_period" if period else "tax_paid_12m") if m in TAX_METRICS else m
        if m not in out:
            out.append(m)
    return out


def hex_table(wh: Warehouse, scope: Scope, res: int, *, metrics: tuple[str, ...] = METRICS,
              filters: hexes.Filters | None = None, k: int | None = disclosure.DEFAULT_K,
              period: tuple[str, str] | None = None) -> HexTable:
    """Every cell of ``scope`` at ``res`` holding a taxpayer or a unit, with ``metrics``; ``k`` None
    for a caller who may see single taxpayers (no suppression). ``filters``: taxpayer filters (the
    taxpayer-side figures count those taxpayers only). ``period``: (from, to) months 'YYYY-MM',
    both included: the tax metric is the tax paid in those months (``tax_paid_period``) instead of
    ``tax_paid_12m``; ValueError for a malformed, reversed or unavailable period."""
    if res not in hexes.RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(map(str, hexes.RESOLUTIONS))}")
    period = check_period(period, periods(wh)) if period is not None else None
    chosen = _columns(tuple(metrics), period)
    filters = filters or hexes.Filters()
    rows = hexes.hex_cells(wh, scope, res, None, filters, period)
    rows = [r for r in rows if r.get("n_taxpayers") or r.get("n_units")]
    if k is not None:
        rows = hexes.protected_cells(wh, scope, res, rows, filters, k, period, complete=True)
    columns = ["h3", "res", "lng", "lat", *chosen, *(["suppressed"] if k is not None else [])]
    out = [{**_head(r["h3"], res), **{c: r.get(c) for c in columns[4:]}} for r in rows]
    run = latest_run(wh)
    return HexTable(out, columns, res, k, run["run_id"] if run else None, run["finished_at"] if run else None,
                    period, filters if filters.on_taxpayers else None)


def change_table(wh: Warehouse, scope: Scope, res: int, base: str, run: str | None = None, *,
                 metrics: tuple[str, ...] = changes.METRICS, filters: hexes.Filters | None = None,
                 k: int | None = disclosure.DEFAULT_K) -> HexTable:
    """The comparison of run ``base`` with run ``run`` (default: the newest) per cell of ``scope`` at
    ``res`` (taxmap.data.changes), as a table the exports, the API and the page share. ValueError
    for a run the warehouse does not keep."""
    unknown = [m for m in metrics if m not in changes.METRICS]
    if unknown:
        raise ValueError(f"unknown change metric(s) {', '.join(unknown)}; one of {', '.join(changes.METRICS)}")
    base_row, run_row = changes.check_runs(wh, base, run)
    filters = filters or hexes.Filters()
    rows = changes.change_rows(wh, scope, res, base_row["run_id"], run_row["run_id"], filters, k)
    chosen = [m for m in changes.METRICS if m in metrics]
    columns = ["h3", "res", "lng", "lat", *chosen, *(["suppressed"] if k is not None else [])]
    out = [{**_head(r["h3"], res), **{c: r[c] for c in columns[4:]}} for r in rows]
    return HexTable(out, columns, res, k, run_row["run_id"], run_row["finished_at"], None,
                    filters if filters.on_taxpayers else None, base_row["run_id"], base_row["finished_at"])
