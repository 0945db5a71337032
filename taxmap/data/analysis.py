"""Hexagon statistics for analysts and other systems: one row per cell of the area at a resolution,
under disclosure control (taxmap.data.disclosure) for everyone who may not see single taxpayers.
What the exports (taxmap/exports.py), the CLI and the API share."""

from __future__ import annotations

from dataclasses import dataclass

import h3

from taxmap.data import Scope, disclosure, hexes, latest_run
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
    "risk_mean": ("平均风险分", "Mean risk score", "纳税人风险分均值（0–100）；小区域抑制时为空"),
    "n_high_risk": ("高风险纳税人数", "High-risk taxpayers", "风险等级为高的纳税人户数；小区域抑制时为空"),
    "n_unregistered": ("有经营无登记", "Operating, unregistered", "在营但未匹配到税务登记的单位数"),
    "n_not_found": ("有登记无经营", "Registered, not found", "登记正常但网格未发现的纳税人户数；小区域抑制时为空"),
    "n_address_mismatch": ("登记地址与实际不符", "Address mismatch", "登记地址与实际经营地不符的单位数"),
    "n_status_conflict": ("经营状态冲突", "Status conflict", "网格采集状态与登记状态冲突的单位数"),
    "suppressed": ("抑制", "Suppressed", "primary：纳税人少于 k 户；secondary：为防止由上级合计反推而抑制；空：未抑制"),
}
METRICS = tuple(c for c in COLUMNS if c not in ("h3", "res", "lng", "lat", "suppressed"))


@dataclass(frozen=True)
class HexTable:
    rows: list[dict]
    columns: list[str]
    res: int
    k: int | None  # None: not suppressed (a role that sees single taxpayers)
    run_id: str | None
    data_time: object

    def rule(self, lang: str = "zh") -> str:
        if self.k is None:
            return "未做小区域抑制（导出者可查看单户数据）" if lang == "zh" else "No suppression (the exporter may see single taxpayers)"
        return disclosure.rule_text(self.k, lang)


def hex_table(wh: Warehouse, scope: Scope, res: int, *, metrics: tuple[str, ...] = METRICS,
              filters: hexes.Filters | None = None, k: int | None = disclosure.DEFAULT_K) -> HexTable:
    """Every cell of ``scope`` at ``res`` holding a taxpayer or a unit, with ``metrics``; ``k`` None
    for a caller who may see single taxpayers (no suppression)."""
    if res not in hexes.RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(map(str, hexes.RESOLUTIONS))}")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; one of {', '.join(METRICS)}")
    rows = hexes.hex_cells(wh, scope, res, None, filters)
    rows = [r for r in rows if r.get("n_taxpayers") or r.get("n_units")]
    if k is not None:
        rows = hexes.protected_cells(wh, scope, res, rows, filters, k)
    columns = ["h3", "res", "lng", "lat", *metrics, *(["suppressed"] if k is not None else [])]
    out = []
    for r in rows:
        lat, lng = h3.cell_to_latlng(r["h3"])
        row = {"h3": r["h3"], "res": res, "lng": round(lng, 6), "lat": round(lat, 6)}
        row.update({m: r.get(m) for m in metrics})
        if k is not None:
            row["suppressed"] = r.get("suppressed")
        out.append(row)
    run = latest_run(wh)
    return HexTable(out, columns, res, k, run["run_id"] if run else None, run["finished_at"] if run else None)
