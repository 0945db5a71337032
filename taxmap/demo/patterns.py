"""Planted tax-risk patterns, the ground truth a risk score is measured against.

- ``invoice_mill`` (虚开发票): every ``shell`` taxpayer. Shells are moved onto
  recently registered 正常 companies (role swap, so every role keeps its
  count), grouped 2–6 per street in registration order; a group shares one
  phone, one legal representative and one registered site (the address text
  is identical or differs only in the room); rated M or unrated, never A.
- ``zero_while_operating`` (零申报), ``low_burden`` (隐匿收入),
  ``inflated_input`` (虚抵进项): drawn among operating taxpayers; the
  declarations apply them (``declarations.py``).

Draws come from streams of their own (``risk-mills``, ``risk-patterns``), so
the other components' draws stay as they were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taxmap.demo import config
from taxmap.demo.names import STR
from taxmap.demo.population import Households, Taxpayers, _choose

PATTERNS = ("invoice_mill", "zero_while_operating", "low_burden", "inflated_input")
RESAMPLED_CREDIT = {  # ratings of resampled planted taxpayers (never A)
    "company": {"B": 0.50, "M": 0.35, "": 0.15},
    "individual": {"B": 0.10, "M": 0.40, "": 0.50},
}


def recent_cutoff() -> np.datetime64:
    """Mills are registered after this day (MILL_RECENT_MONTHS before SURVEY_END)."""
    day = pd.Timestamp(config.SURVEY_END) - pd.DateOffset(months=config.MILL_RECENT_MONTHS)
    return np.datetime64(day.date(), "D")


def group_sizes(m: int, rng: np.random.Generator) -> np.ndarray:
    """Sizes within MILL_GROUP_SIZES that add up to m (one group when m is
    below the smallest size)."""
    lo, hi = config.MILL_GROUP_SIZES
    if m <= lo:
        return np.array([m] if m else [], dtype=np.int64)
    sizes = rng.integers(lo, hi + 1, m // lo + 1)
    cum = np.cumsum(sizes)
    cut = int(np.searchsorted(cum, m))
    sizes = sizes[: cut + 1].copy()
    sizes[-1] = m - (cum[cut - 1] if cut else 0)
    if sizes[-1] < lo:  # a remainder too small to be a group: join or split with the previous one
        total = sizes[-2] + sizes[-1]
        sizes = np.concatenate([sizes[:-2], [total] if total <= hi else [total // 2, total - total // 2]])
    return sizes


def plant_mills(tp: Taxpayers, hh: Households, rng: np.random.Generator) -> np.ndarray:
    """Make the shells invoice mills (in place: role, site, phone, legal
    representative, credit rating). Returns the room number each taxpayer's
    registered address is written with."""
    n = tp.n
    shell = tp.role == "shell"
    recent = tp.reg_day > recent_cutoff()
    tier = np.where(recent & (tp.entity == "企业"), 0, np.where(recent, 1, 2))
    key = tier * 4.0 + np.where(shell, 0.0, 2.0) + rng.random(n)  # recent companies first, shells already there kept
    key[tp.status != "正常"] = np.inf
    chosen = np.zeros(n, dtype=bool)
    chosen[np.argsort(key, kind="stable")[: int(shell.sum())]] = True
    joiners = np.flatnonzero(chosen & ~shell)
    leavers = rng.permutation(np.flatnonzero(shell & ~chosen))
    role = tp.role.copy()
    role[leavers] = tp.role[joiners]  # each displaced shell takes the role of the one replacing it
    role[joiners] = "shell"
    tp.role = role

    mills = np.flatnonzero(role == "shell")
    order = mills[np.lexsort((tp.reg_day[mills], tp.zone[mills]))]  # by street, then registration
    zones = tp.zone[order]
    group = np.empty(len(order), dtype=np.int64)
    groups = 0
    for z in np.unique(zones):
        members = np.flatnonzero(zones == z)
        sizes = group_sizes(len(members), rng)
        group[members] = groups + np.repeat(np.arange(len(sizes)), sizes)
        groups += len(sizes)
    first = np.searchsorted(group, np.arange(groups))
    leader = order[first[group]]
    for field in ("site", "phone", "legal_rep", "legal_rep_id"):
        values = getattr(tp, field).copy()
        values[order] = values[leader]
        setattr(tp, field, values)

    room = hh.room[tp.site].copy()
    varies = (rng.random(groups) < config.MILL_ROOM_VARIES_SHARE)[group] & (order != leader)
    room[order[varies]] = rng.integers(1, 13, int(varies.sum()))
    credit = tp.credit_rating.copy()
    credit[mills] = _choose(rng, config.MILL_CREDIT, len(mills))
    tp.credit_rating = credit.astype(STR)
    return room


def plant_patterns(tp: Taxpayers, rng: np.random.Generator) -> None:
    """Draw the declaration patterns (after ``plant_mills``): sets
    ``tp.risk_pattern`` and ``tp.zero_from`` and redraws most planted
    taxpayers' credit ratings."""
    n = tp.n
    pattern = np.where(tp.role == "shell", "invoice_mill", "").astype(STR)
    general = tp.taxpayer_type == "一般纳税人"
    normal = tp.role == "normal"
    normal_or_moved = normal | (tp.role == "moved")

    def draw(name: str, share: float, pool: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        cand = np.flatnonzero(eligible & (pattern == ""))
        rows = np.sort(rng.choice(cand, min(round(share * pool.sum()), len(cand)), replace=False))
        pattern[rows] = name
        return rows

    draw("inflated_input", config.INFLATED_INPUT_SHARE, normal & general, normal & general)
    # hidden income shows in the VAT burden of 一般纳税人 (small-scale VAT is 1 % or nothing)
    draw("low_burden", config.LOW_BURDEN_SHARE, normal_or_moved, normal_or_moved & general)
    zero_rows = draw("zero_while_operating", config.ZERO_WHILE_OPERATING_SHARE, normal, normal)
    months = len(config.PERIODS)
    lo, hi = config.ZERO_WHILE_OPERATING_MONTHS
    zero_from = np.full(n, months, dtype=np.int64)
    zero_from[zero_rows] = months - rng.integers(lo, hi + 1, len(zero_rows))

    planted = np.flatnonzero((pattern != "") & (pattern != "invoice_mill"))
    redo = planted[rng.random(len(planted)) < config.PATTERN_CREDIT_RESAMPLE]
    individual = tp.entity[redo] == "个体工商户"
    company = _choose(rng, RESAMPLED_CREDIT["company"], len(redo))
    shop = _choose(rng, RESAMPLED_CREDIT["individual"], len(redo))
    credit = tp.credit_rating.copy()
    credit[redo] = np.where(individual, shop, company)
    tp.credit_rating = credit.astype(STR)
    tp.risk_pattern = pattern
    tp.zero_from = zero_from
