"""Statistical disclosure control for hexagon statistics: no published figure may reveal a single
taxpayer (docs/analysis.md).

Primary suppression: in a cell with fewer than ``k`` taxpayers the sensitive metrics (tax paid over 12
months or a chosen period, mean risk, high-risk and not-found counts) are withheld. Secondary suppression: a withheld cell could be
recovered by subtracting its published siblings from their parent cell (one resolution coarser,
which can be exported too) — so wherever a parent holds exactly one withheld cell with taxpayers,
the sibling with the fewest taxpayers is withheld as well, until no parent holds exactly one. The
same rule applies at every resolution, so a parent total minus its published children always leaves
the sum of two or more withheld cells, never one taxpayer's figure. At the coarsest resolution (7),
whose parents are not published, the area itself is the parent: its total is (the runs' figures
per area, the big screen), so the area never holds exactly one withheld cell either."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import h3

# tax_paid_period: the tax of a chosen span of months (taxmap.data.analysis), withheld like tax_paid_12m
SENSITIVE = ("tax_paid_12m", "tax_paid_period", "risk_mean", "n_high_risk", "n_not_found")
DEFAULT_K = 3


def rule_text(k: int, lang: str = "zh") -> str:
    if lang == "zh":
        return (f"小区域抑制：纳税人少于 {k} 户的六边形不公布税款、平均风险分、高风险户数与未找到户数（主抑制）；"
                "同一上级六边形内若只有一个被抑制的六边形，再抑制其纳税人最少的相邻六边形（次级抑制），"
                "使上级合计减去已公布值无法还原任何一户的数据。")
    return (f"Small-cell suppression: cells with fewer than {k} taxpayers do not publish tax paid, mean risk, "
            "high-risk or not-found counts (primary); where a parent cell holds exactly one suppressed cell, its "
            "sibling with the fewest taxpayers is suppressed too (secondary), so no parent total minus the "
            "published cells gives one taxpayer's figures.")


def split_cells(counts: Iterable[tuple[str, str | None, int]], k: int = DEFAULT_K) -> set[str]:
    """Cells that a table narrowed to some streets must withhold: ``counts`` gives taxpayers per
    (cell, street) over the whole region (repeated pairs add up). A cell shared by streets where one
    street holds fewer than ``k`` of them would give that street's few away as the whole cell (the
    district's table) minus the other streets' parts (their tables), so every narrowed table
    withholds it; the district's own table publishes it (one equation, two or more unknowns)."""
    parts: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for cell, street, n in counts:
        parts[cell][street] += n
    return {cell for cell, streets in parts.items()
            if len([n for n in streets.values() if n]) > 1 and any(0 < n < k for n in streets.values())}


def suppress(rows: list[dict], res: int, k: int = DEFAULT_K, also: set[str] | frozenset[str] = frozenset(),
             area: bool = False) -> list[dict]:
    """``rows`` (one per cell: ``h3``, ``n_taxpayers`` and metrics) with the sensitive metrics set to
    None where withheld, and ``suppressed`` ("primary", "secondary" or None) on each row. ``also``:
    cells to withhold as primary whatever their count (a filtered cell whose complement is small).
    ``area``: ``rows`` are every cell of an area whose total is published (the coarsest resolution,
    whose own parents are not), so the area is one more group: never exactly one cell withheld in it."""
    out = [dict(r) for r in rows]
    for r in out:
        small = 0 < (r.get("n_taxpayers") or 0) < k or (r["h3"] in also and r.get("n_taxpayers"))
        r["suppressed"] = "primary" if small else None
    if res > 0:
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in out:
            if r.get("n_taxpayers"):
                groups[h3.cell_to_parent(r["h3"], res - 1)].append(r)
        for members in groups.values():
            _second(members)
    if area:
        _second([r for r in out if r.get("n_taxpayers")])
    for r in out:
        if r["suppressed"]:
            for metric in SENSITIVE:
                if metric in r:
                    r[metric] = None
    return out


def _second(members: list[dict]) -> None:
    """Where a group whose total is published holds exactly one withheld cell, withhold its open cell
    with the fewest taxpayers too (secondary suppression)."""
    if len([r for r in members if r["suppressed"]]) == 1:
        open_ = [r for r in members if not r["suppressed"]]
        if open_:
            min(open_, key=lambda r: (r["n_taxpayers"], r["h3"]))["suppressed"] = "secondary"
