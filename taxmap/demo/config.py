"""Scales, the survey window, and the shares and rates the generator uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scale:
    name: str
    n_taxpayers: int
    region: str  # "baoan" (Bao'an's 10 streets) or "shenzhen" (all districts)
    region_name: str


BAOAN_HOUSEHOLDS = 874_500
XIXIANG_HOUSEHOLDS = 213_500
SHENZHEN_TAXPAYERS = 3_820_000

SCALES = {
    "small": Scale("small", 20_000, "baoan", "宝安区"),
    "baoan": Scale("baoan", BAOAN_HOUSEHOLDS, "baoan", "宝安区"),
    "shenzhen": Scale("shenzhen", SHENZHEN_TAXPAYERS, "shenzhen", "深圳市"),
}

REGIONS = ("baoan", "yiwu")  # the one-district regions; scale "shenzhen" is its own region
REGION_NAMES = {"baoan": "宝安区", "yiwu": "义乌市"}


def scale_for(scale: str, region: str | None = None) -> Scale:
    """The scale's spec in ``region`` (None: the scale's own region). A
    one-district region takes the scale's taxpayer count; "shenzhen" has
    no other region."""
    spec = SCALES[scale]
    if region is None or region == spec.region:
        return spec
    if region not in REGIONS or spec.region == "shenzhen":
        raise ValueError(f"region {region!r} is not available at scale {scale!r} (regions: {', '.join(REGIONS)})")
    return Scale(spec.name, spec.n_taxpayers, region, REGION_NAMES[region])


SURVEY_START = dt.date(2026, 1, 1)
SURVEY_END = dt.date(2026, 10, 31)
# Declarations cover the 12 months ending with the survey window's last month.
PERIODS = tuple(f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)])
EXPORTED_AT = dt.datetime(2026, 11, 2, 9, 30, 0)
DEFAULT_COORD_SYS = "GCJ02"
ADDRESS_MISMATCH_M = 500
HOUSEHOLDS_PER_GRID = 300
GENERATED_BY = "taxmap.demo"

# Taxpayer population (shares of all taxpayers unless said otherwise).
ENTITY_SHARES = {"企业": 0.55, "个体工商户": 0.40, "其他": 0.05}
STATUS_SHARES = {"正常": 0.88, "非正常": 0.04, "停业": 0.02, "注销": 0.06}
# Roles of 正常 taxpayers (shares of 正常); the rest operate at the registered place.
NORMAL_ROLE_SHARES = {"shell": 0.04, "dormant": 0.09, "moved": 0.03, "closed_conflict": 0.0085}
# Share of 注销/非正常 taxpayers whose business still runs (grid says 在营).
ACTIVE_CONFLICT_SHARE = 0.075
SUSPENDED_WITH_UNIT_SHARE = 0.5
MISSED_SHARE = 0.05  # operating businesses the grid workers did not record
UNSURVEYED_GRID_SHARE = 0.10
OLD_RECORD_SHARE = 0.12  # units in surveyed grids recorded before the window
UNREGISTERED_UNIT_SHARE = 0.05
VACANT_UNIT_SHARE = 0.01
USCC_SEEN_SHARE = 0.40
USCC_TYPO_SHARE = 0.03

# Planted tax-risk patterns (truth/taxpayers.parquet `risk_pattern`).
# invoice_mill: every `shell` taxpayer, registered within MILL_RECENT_MONTHS
# before SURVEY_END, in clusters sharing phone, legal representative and address.
MILL_RECENT_MONTHS = 24
MILL_GROUP_SIZES = (2, 6)
MILL_ROOM_VARIES_SHARE = 0.5  # clusters whose addresses differ in the room number
MILL_CREDIT = {"M": 0.65, "": 0.30, "B": 0.05}
ZERO_WHILE_OPERATING_SHARE = 0.015  # of `normal` taxpayers
ZERO_WHILE_OPERATING_MONTHS = (6, 12)  # last months filed as zeros
LOW_BURDEN_SHARE = 0.015  # of `normal`/`moved` taxpayers (drawn among their 一般纳税人)
LOW_BURDEN_DECLARED = (0.2, 0.4)  # share of real sales declared
INFLATED_INPUT_SHARE = 0.01  # of `normal` 一般纳税人
INFLATED_INPUT_RATIO = (2.0, 5.0)  # invoice_in / sales
PATTERN_CREDIT_RESAMPLE = 0.9  # planted taxpayers whose rating is redrawn from B/M/empty

# Planted bad rows: per kind, max(minimum, round(rate * rows)).
TAXPAYER_DEFECT_RATE = 0.0015
UNIT_DEFECT_RATE = 0.002
DECLARATION_DEFECT_RATE = 0.00012
DEFECT_MINIMUM = 20
OFFICER_DEFECTS = {"small": 2, "baoan": 5, "shenzhen": 12}
BLANK_LINES = 3  # per CSV: two empty lines and one line of bare separators


def planted_count(rows: int, rate: float, minimum: int = DEFECT_MINIMUM) -> int:
    return max(minimum, round(rows * rate))


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible stream per component, so that changing one
    component's draws never shifts another's."""
    return np.random.default_rng([seed, *stream.encode("utf-8")])
