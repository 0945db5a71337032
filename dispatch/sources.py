"""What tasks are made of, read from the warehouse (read-only): the subjects to check in a selection,
the officers who answer for each grid, and the risk-weighted random draw (双随机).

A selection is the user's area (``taxmap.data.Scope``) narrowed to hexagons of one resolution and to
task kinds. Each candidate carries its evidence (the discrepancy's sentence, the link explanation, the
risk reasons) copied into the task, so a task reads the same after the next ETL run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import h3
import numpy as np

from dispatch.tasks import KINDS, Candidate, Officer
from taxmap.data import REGION, Scope
from taxmap.warehouse import Warehouse

DISCREPANCY_KINDS = ("unregistered", "not_found", "address_mismatch", "status_conflict")
RESOLUTIONS = (7, 8, 9, 10)


def _area(scope: Scope) -> dict:
    """How a batch records the area it was made in."""
    return {"streets": sorted(scope.street_codes) if scope.street_codes is not None else "all",
            "grids": sorted(scope.grid_codes) if scope.grid_codes is not None else "all"}


@dataclass(frozen=True)
class Selection:
    """Hexagons (any one resolution 7–10; empty: the whole area) and task kinds inside a scope."""

    scope: Scope = REGION
    cells: tuple[str, ...] = ()
    kinds: tuple[str, ...] = DISCREPANCY_KINDS

    def __post_init__(self):
        unknown = [k for k in self.kinds if k not in KINDS or k == "random_check"]
        if unknown:
            raise ValueError(f"cannot select task kind(s) {', '.join(unknown)}; "
                             f"one of {', '.join(k for k in KINDS if k != 'random_check')}")
        resolutions = {h3.get_resolution(c) for c in self.cells if h3.is_valid_cell(c)}
        if len(resolutions) > 1 or any(not h3.is_valid_cell(c) for c in self.cells):
            raise ValueError("cells must be valid H3 cells of one resolution")
        if resolutions and resolutions.pop() not in RESOLUTIONS:
            raise ValueError(f"cells must be of resolution {RESOLUTIONS[0]}–{RESOLUTIONS[-1]}")

    @property
    def resolution(self) -> int | None:
        return h3.get_resolution(self.cells[0]) if self.cells else None

    def params(self) -> dict:
        """How the batch records its selection."""
        return {**_area(self.scope),
                "cells": list(self.cells), "kinds": list(self.kinds)}

    def cell_filter(self, column_prefix: str) -> tuple[str, list]:
        if not self.cells:
            return "true", []
        return f"{column_prefix}h3_{self.resolution} in (select unnest(?))", [sorted(self.cells)]


def officers(wh: Warehouse, scope: Scope = REGION) -> list[Officer]:
    """The officers of the staged roster whose street is in the scope."""
    where, params = scope.street_filter()
    rows = wh.query(f"select officer_id, name, coalesce(role, '') as role, street_code, grid_codes "
                    f"from stg_officers where {where} order by officer_id", params)
    return [Officer(r["officer_id"], r["name"], r["role"], r["street_code"], tuple(r["grid_codes"] or ()))
            for r in rows]


def _risk_reasons(wh: Warehouse, taxpayer_ids: list[str], top: int = 5) -> dict[str, list[dict]]:
    if not taxpayer_ids:
        return {}
    rows = wh.query(
        """select taxpayer_id, list({'code': code, 'zh': reason_zh, 'en': reason_en, 'contribution': contribution}
                                    order by contribution desc, code)[1:?] as reasons
           from risk_indicator_hits where taxpayer_id in (select unnest(?)) group by taxpayer_id""",
        [top, taxpayer_ids])
    return {r["taxpayer_id"]: r["reasons"] for r in rows}


def candidates(wh: Warehouse, selection: Selection) -> list[Candidate]:
    """The subjects to check in the selection: its discrepancies of the chosen kinds (at the unit the
    grid worker recorded; a taxpayer nobody found at its registered position) and, for ``high_risk``,
    its high-risk taxpayers; highest risk first."""
    area, area_params = selection.scope.area_filter("d.")
    out: list[Candidate] = []
    kinds = [k for k in selection.kinds if k in DISCREPANCY_KINDS]
    if kinds:
        cells, cell_params = _position_cells(selection)
        rows = wh.query(
            f"""select d.kind, d.record_id, d.taxpayer_id, coalesce(u.unit_name, t.name, '') as name,
                       d.street_code, d.grid_code, coalesce(mu.h3_9, mt.h3_9) as h3_9, d.lng, d.lat, d.detail,
                       coalesce(r.risk_score, 0) as risk_score, r.risk_level,
                       l.method as link_method, l.match_probability, l.review_taxpayer_id
                from discrepancies d
                left join stg_grid_units u on u.record_id = d.record_id
                left join stg_taxpayers t on t.taxpayer_id = d.taxpayer_id
                left join map_units mu on mu.record_id = d.record_id
                left join map_taxpayers mt on mt.taxpayer_id = d.taxpayer_id
                left join taxpayer_risk r on r.taxpayer_id = d.taxpayer_id
                left join unit_links l on l.record_id = d.record_id
                where d.kind in (select unnest(?)) and {area}
                  and {cells}
                order by coalesce(r.risk_score, 0) desc, d.kind, d.record_id, d.taxpayer_id""",
            [kinds, *area_params, *cell_params])
        reasons = _risk_reasons(wh, sorted({r["taxpayer_id"] for r in rows if r["taxpayer_id"]
                                            and (r["risk_level"] or "low") != "low"}))
        for r in rows:
            evidence: dict = {"detail": r["detail"]}
            if r["record_id"]:
                evidence["link"] = {"method": r["link_method"], "probability": r["match_probability"],
                                    "candidate": r["review_taxpayer_id"]}
            if r["taxpayer_id"] in reasons:
                evidence["risk"] = {"score": r["risk_score"], "level": r["risk_level"],
                                    "reasons": reasons[r["taxpayer_id"]]}
            out.append(Candidate(r["kind"], r["record_id"], r["taxpayer_id"], r["name"], r["street_code"],
                                 r["grid_code"], r["h3_9"], r["lng"], r["lat"], float(r["risk_score"]), evidence))
    if "high_risk" in selection.kinds:
        out.extend(_high_risk(wh, selection))
    return out


def _position_cells(selection: Selection) -> tuple[str, list]:
    """Discrepancies sit in the cell of the unit recorded, or of the taxpayer for ``not_found``."""
    if not selection.cells:
        return "true", []
    res = selection.resolution
    return f"coalesce(mu.h3_{res}, mt.h3_{res}) in (select unnest(?))", [sorted(selection.cells)]


def _high_risk(wh: Warehouse, selection: Selection) -> list[Candidate]:
    area, area_params = selection.scope.area_filter("m.")
    cells, cell_params = selection.cell_filter("m.")
    rows = wh.query(
        f"""select r.taxpayer_id, t.name, m.street_code, m.grid_code, m.h3_9, t.lng, t.lat, r.risk_score,
                   r.risk_level, r.top_reason_zh
            from taxpayer_risk r join map_taxpayers m using (taxpayer_id) join stg_taxpayers t using (taxpayer_id)
            where r.risk_level = 'high' and {area} and {cells}
            order by r.risk_score desc, r.taxpayer_id""",
        [*area_params, *cell_params])
    reasons = _risk_reasons(wh, [r["taxpayer_id"] for r in rows])
    return [Candidate("high_risk", None, r["taxpayer_id"], r["name"], r["street_code"], r["grid_code"], r["h3_9"],
                      r["lng"], r["lat"], float(r["risk_score"]),
                      {"detail": r["top_reason_zh"], "risk": {"score": r["risk_score"], "level": r["risk_level"],
                                                              "reasons": reasons.get(r["taxpayer_id"], [])}})
            for r in rows]


@dataclass(frozen=True)
class Draw:
    """A reproducible risk-weighted random draw: the taxpayers, and the parameters to record."""

    candidates: list[Candidate]
    params: dict


def random_draw(wh: Warehouse, scope: Scope, n: int, seed: int, *, cell_weight: float = 2.0,
                industry_weight: float = 1.0, exclude: frozenset[str] = frozenset()) -> Draw:
    """Draw ``n`` active taxpayers (status 正常, with a position) of the scope without replacement.

    A taxpayer's chance is proportional to 1 + cell_weight × (its res-8 cell's high-risk share ÷ the
    population's) + industry_weight × (its industry's high-risk share ÷ the population's): a cell or
    an industry with twice the usual share of high-risk taxpayers is sampled more, yet every taxpayer
    can be drawn. The population is sorted by taxpayer id and numpy's PCG64 is seeded with ``seed``:
    the same warehouse, scope, parameters and seed give the same draw. ``exclude``: taxpayer ids
    not to draw (those with an open random check)."""
    if n <= 0:
        raise ValueError("the draw needs n ≥ 1")
    if cell_weight < 0 or industry_weight < 0:
        raise ValueError("the weights must be ≥ 0")
    where, params = scope.area_filter("m.")
    rows = wh.query(
        f"""with pop as (
                select m.taxpayer_id, m.h3_8, coalesce(m.category, '') as category,
                       (m.risk_level = 'high')::int as high
                from map_taxpayers m where m.status = '正常' and {where}),
            cell as (select h3_8, avg(high) as cell_share from pop group by h3_8),
            ind as (select category, avg(high) as industry_share from pop group by category)
            select p.taxpayer_id, p.high, cell.cell_share, ind.industry_share
            from pop p join cell using (h3_8) join ind using (category) order by p.taxpayer_id""",
        params)
    rows = [r for r in rows if r["taxpayer_id"] not in exclude]
    if not rows:
        raise ValueError("no active taxpayer in the area to draw from")
    high = np.array([r["high"] for r in rows], dtype=float)
    base = high.mean() or 1.0
    weights = (1.0 + cell_weight * np.array([r["cell_share"] for r in rows]) / base
               + industry_weight * np.array([r["industry_share"] for r in rows]) / base)
    rng = np.random.Generator(np.random.PCG64(seed))
    size = min(n, len(rows))
    picked = sorted(rng.choice(len(rows), size=size, replace=False, p=weights / weights.sum()))
    ids = [rows[i]["taxpayer_id"] for i in picked]
    details = {r["taxpayer_id"]: r for r in wh.query(
        """select t.taxpayer_id, t.name, m.street_code, m.grid_code, m.h3_9, t.lng, t.lat,
                  r.risk_score, r.risk_level
           from stg_taxpayers t join map_taxpayers m using (taxpayer_id) left join taxpayer_risk r using (taxpayer_id)
           where t.taxpayer_id in (select unnest(?))""", [ids])}
    chance = dict(zip([r["taxpayer_id"] for r in rows], weights / weights.sum(), strict=True))
    out = []
    for tid in ids:
        d = details[tid]
        out.append(Candidate("random_check", None, tid, d["name"], d["street_code"], d["grid_code"], d["h3_9"],
                             d["lng"], d["lat"], float(d["risk_score"] or 0),
                             {"detail": "双随机抽查", "draw": {"seed": seed, "weight": round(float(chance[tid]) * len(rows), 3)},
                              "risk": {"score": d["risk_score"], "level": d["risk_level"]}}))
    run = wh.query("select run_id from etl_runs order by finished_at desc limit 1")
    return Draw(out, {
        "n": n, "drawn": size, "seed": seed, "cell_weight": cell_weight, "industry_weight": industry_weight,
        "population": len(rows), "high_share": float(high.mean()), "excluded_open": len(exclude),
        **_area(scope),
        "high_risk_drawn": int(sum(rows[i]["high"] for i in picked)),
        "warehouse_run": run[0]["run_id"] if run else None, "method": "PCG64 weighted, without replacement",
    })


def evidence_text(evidence_json: str, lang: str = "zh") -> list[str]:
    """The evidence of a task as lines to show: the sentence, the link, the risk reasons."""
    ev = json.loads(evidence_json or "{}")
    lines = [ev["detail"]] if ev.get("detail") else []
    link = ev.get("link")
    if link and link.get("method"):
        p = link.get("probability")
        label = {"zh": "关联方式", "en": "Link"}[lang]
        lines.append(f"{label}: {link['method']}" + (f" (p={p:.2f})" if isinstance(p, (int, float)) else "")
                     + (f" → {link['candidate']}" if link.get("candidate") else ""))
    for reason in (ev.get("risk") or {}).get("reasons", []):
        lines.append(f"{reason['code']} {reason['zh' if lang == 'zh' else 'en']}")
    return lines
