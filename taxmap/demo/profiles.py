"""Noise profiles: the habits of the written data, drawn per seed.

The demo generator used to have one set of habits (which place prefixes a
sign drops, how often characters are swapped, which coordinate systems the
field app writes, …), and a linkage tuned on it learns those habits. A
:class:`NoiseProfile` holds every such habit as a parameter;
:data:`DEMO_PROFILE` is the demo's own (``generate()``'s default, byte for
byte today's files), and :func:`draw_profile` draws one per seed from its own
stream (``config.rng_for(seed, "profile")``), so that a linkage can be tested
on data nobody tuned it to. The profile is written to ``truth/profile.json``.

Nothing here changes the truth: the profile only changes how the same world
is written (names, addresses, codes, coordinate systems, categories) plus
the share of businesses that moved and which taxpayers share a trade name;
``truth.py`` still applies the rules to the written files.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from taxmap.demo import config, names

# Styles of the place prefix of a registered company name (深圳市华达电子科技有限公司):
#   city_district 深圳市宝安区华达…, city_short 深圳华达…, city 深圳市华达…, none 华达…,
#   bracket 华达电子科技（深圳）有限公司, province 广东华达….
REG_PREFIX_STYLES = ("city_district", "city_short", "city", "none", "bracket", "province")
# Styles of the place prefix on a shop sign: none 华达电子, district_short 宝安华达电子,
# district 宝安区华达电子, city_short 深圳华达电子, city 深圳市华达电子,
# half 安区华达电子 / 圳市华达电子 (half-dropped), street 西乡华达电子.
SIGN_PREFIX_STYLES = ("none", "district_short", "district", "city_short", "city", "half", "street")
# Sign forms of a company: trade name + short trade (华达电子), + registered trade
# (华达电子科技), + registered trade + legal form (华达电子科技有限公司), + 公司 (华达公司),
# the bare trade name (华达).
SIGN_FORMS = ("short", "trade", "legal_form", "company", "bare")

TAXPAYER_COORD_SPELLINGS = {
    "WGS84": ("WGS84", "wgs84", "WGS-84", "CGCS2000"),
    "GCJ02": ("GCJ02", "gcj02", "GCJ-02"),
    "BD09": ("BD09", "bd09", "BD-09"),
    "": ("",),  # empty: the manifest default (GCJ02)
}
UNIT_COORD_SPELLINGS = {
    "WGS84": ("WGS84", "wgs84", "GPS"),
    "GCJ02": ("GCJ02", "gcj-02", "GCJ-02", "gcj02"),
    "BD09": ("BD09", "bd09ll"),
    "": ("",),
}


@dataclass(frozen=True)
class NoiseProfile:
    """How the files are written. Shares are of the rows concerned."""

    name: str
    # registered names (taxpayers side)
    reg_prefix: tuple  # share per REG_PREFIX_STYLES, for companies
    # shop signs (grid-unit side)
    sign_forms: tuple  # share per SIGN_FORMS, for companies
    sign_prefix: tuple  # share per SIGN_PREFIX_STYLES
    legal_form_as_registered: bool  # signs with a legal form use the taxpayer's own (else always 有限公司)
    legal_form_cut: float  # of those, cut (有限公司 → 有限, 股份有限公司 → 股份)
    branch_rate: float  # signs with a branch suffix (分店, 3号店, (西乡店), …)
    branch_suffixes: tuple  # the subset of names.BRANCH_SUFFIXES in use
    lookalikes: tuple  # (plain, look-alike) pairs in use
    lookalike_rate: float  # signs written with look-alike / traditional characters
    homophones: tuple  # characters that get a homophone typo (others are dropped)
    typo_rate: float  # signs with one homophone typo or dropped character
    fullwidth_name_rate: float  # signs with full-width digits, letters and brackets
    halfwidth_bracket_share: float  # brackets of branch suffixes written half-width ()
    fullwidth_address_rate: float  # standard addresses with full-width digits and letters (３号, Ａ座)
    chinese_numeral_rate: float  # standard addresses with Chinese numerals (3栋 → 三栋, 12楼 → 十二楼)
    free_category_share: float  # units whose business_category is free text (餐馆, 电子厂, 物流点)
    # credit codes on the unit form
    uscc_seen_share: float
    uscc_typo_rate: float
    # what really happens
    moved_share: float  # of 正常 taxpayers: operate far from the registered address
    moved_km: tuple  # (min, max) distance of the new place
    moved_same_district: bool
    collision_rate: float  # taxpayers sharing their trade name (字号) with others in the region
    collision_close_share: float  # of the collision groups: members in one grid (close together)
    # coordinate systems, (as written, system, share)
    taxpayer_coord_sys: tuple
    unit_coord_sys: tuple

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["reg_prefix"] = dict(zip(REG_PREFIX_STYLES, self.reg_prefix, strict=True))
        out["sign_forms"] = dict(zip(SIGN_FORMS, self.sign_forms, strict=True))
        out["sign_prefix"] = dict(zip(SIGN_PREFIX_STYLES, self.sign_prefix, strict=True))
        out["lookalikes"] = ["".join(p) for p in self.lookalikes]
        out["homophones"] = "".join(self.homophones)
        out["taxpayer_coord_sys"] = [list(t) for t in self.taxpayer_coord_sys]
        out["unit_coord_sys"] = [list(t) for t in self.unit_coord_sys]
        out["coord_sys_shares"] = {
            side: _system_shares(getattr(self, f"{side}_coord_sys")) for side in ("taxpayer", "unit")
        }
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @property
    def is_demo(self) -> bool:
        return self == DEMO_PROFILE


def _system_shares(table) -> dict:
    out: dict = {}
    for _, system, share in table:
        key = system if system else "default"
        out[key] = round(out.get(key, 0.0) + share, 6)
    return out


# Today's demo behaviour: these values reproduce the demo's files byte for byte.
DEMO_PROFILE = NoiseProfile(
    name="demo",
    reg_prefix=(0.10, 0.05, 0.85, 0.0, 0.0, 0.0),
    sign_forms=(0.55, 0.20, 0.15, 0.10, 0.0),
    sign_prefix=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    legal_form_as_registered=False,
    legal_form_cut=0.0,
    branch_rate=0.0,
    branch_suffixes=(),
    lookalikes=names.LOOKALIKES,
    lookalike_rate=0.15,
    homophones=tuple(names.HOMOPHONES),
    typo_rate=0.05,
    fullwidth_name_rate=0.0,
    halfwidth_bracket_share=0.0,
    fullwidth_address_rate=0.0,
    chinese_numeral_rate=0.0,
    free_category_share=0.0,
    uscc_seen_share=config.USCC_SEEN_SHARE,
    uscc_typo_rate=config.USCC_TYPO_SHARE,
    moved_share=config.NORMAL_ROLE_SHARES["moved"],
    moved_km=(1.0, 5.0),
    moved_same_district=False,
    collision_rate=0.0,
    collision_close_share=0.0,
    taxpayer_coord_sys=(
        ("WGS84", "WGS84", 0.55), ("wgs84", "WGS84", 0.05), ("WGS-84", "WGS84", 0.03), ("CGCS2000", "WGS84", 0.05),
        ("GCJ02", "GCJ02", 0.12), ("gcj02", "GCJ02", 0.03), ("BD09", "BD09", 0.02), ("", "GCJ02", 0.15),
    ),
    unit_coord_sys=(
        ("GCJ02", "GCJ02", 0.50), ("gcj-02", "GCJ02", 0.10), ("GCJ-02", "GCJ02", 0.08), ("gcj02", "GCJ02", 0.07),
        ("WGS84", "WGS84", 0.10), ("wgs84", "WGS84", 0.03), ("GPS", "WGS84", 0.02),
        ("BD09", "BD09", 0.02), ("bd09ll", "BD09", 0.01), ("", "GCJ02", 0.07),
    ),
)

# Ranges a drawn profile's parameters come from (documented in docs/generator.md).
RANGES = {
    "lookalike_rate": (0.02, 0.35),
    "typo_rate": (0.01, 0.12),
    "branch_rate": (0.0, 0.15),
    "legal_form_cut": (0.0, 0.8),
    "fullwidth_name_rate": (0.05, 0.5),
    "fullwidth_address_rate": (0.05, 0.6),
    "chinese_numeral_rate": (0.05, 0.5),
    "free_category_share": (0.1, 1.0),
    "uscc_seen_share": (0.20, 0.60),
    "uscc_typo_rate": (0.01, 0.08),
    "moved_share": (0.02, 0.10),
    "collision_rate": (0.0, 0.04),
    "collision_close_share": (0.3, 0.8),
    "sign_prefix_none": (0.3, 0.9),
}
MOVED_KM = (1.0, 8.0)
WIDTH_DRAWN = 0.7  # chance that a drawn profile uses full-width (and Chinese numerals) at all


def _coord_table(rng: np.random.Generator, spellings: dict, empty_max: float) -> tuple:
    """A per-seed mix of systems (Dirichlet), split evenly-ish among spellings."""
    systems = [s for s in spellings if s]
    shares = rng.dirichlet(np.full(len(systems), 1.2)) * (1.0 - rng.uniform(0.0, empty_max))
    table = []
    for system, share in zip(systems, shares, strict=True):
        split = rng.dirichlet(np.full(len(spellings[system]), 2.0)) * share
        table.extend((spelled, system, round(float(s), 6)) for spelled, s in zip(spellings[system], split, strict=True))
    table.append(("", "GCJ02", round(float(1.0 - sum(t[2] for t in table)), 6)))
    return tuple(table)


def _uniform(rng: np.random.Generator, key: str) -> float:
    lo, hi = RANGES[key]
    return round(float(rng.uniform(lo, hi)), 6)


def _shares(values) -> tuple:
    values = np.asarray(values, dtype=float)
    return tuple(round(float(v), 6) for v in values / values.sum())


def draw_profile(seed: int) -> NoiseProfile:
    """A noise profile drawn from ``seed`` (its own stream: the same seed
    always gives the same profile, and drawing it moves no other draw)."""
    rng = config.rng_for(seed, "profile")
    reg_prefix = _shares(rng.dirichlet(np.full(len(REG_PREFIX_STYLES), 0.8)))
    sign_forms = _shares(rng.dirichlet(np.full(len(SIGN_FORMS), 1.5)))
    none = _uniform(rng, "sign_prefix_none")
    used = rng.random(len(SIGN_PREFIX_STYLES) - 1) < 0.7
    used[rng.integers(0, len(used))] = True
    rest = rng.dirichlet(np.ones(len(used))) * used
    sign_prefix = _shares(np.concatenate([[none], rest / rest.sum() * (1 - none)]))
    pool = names.LOOKALIKE_POOL
    k = int(rng.integers(5, len(pool) + 1))
    lookalikes = tuple(pool[i] for i in np.sort(rng.choice(len(pool), k, replace=False)))
    keys = list(names.HOMOPHONES)
    k = int(rng.integers(len(keys) // 3, len(keys) + 1))
    homophones = tuple(keys[i] for i in np.sort(rng.choice(len(keys), k, replace=False)))
    k = int(rng.integers(2, len(names.BRANCH_SUFFIXES) + 1))
    branch = tuple(names.BRANCH_SUFFIXES[i] for i in np.sort(rng.choice(len(names.BRANCH_SUFFIXES), k, replace=False)))
    width = rng.random(3) < WIDTH_DRAWN
    return NoiseProfile(
        name=f"random-{seed}",
        reg_prefix=reg_prefix,
        sign_forms=sign_forms,
        sign_prefix=sign_prefix,
        legal_form_as_registered=True,
        legal_form_cut=_uniform(rng, "legal_form_cut"),
        branch_rate=_uniform(rng, "branch_rate"),
        branch_suffixes=branch,
        lookalikes=lookalikes,
        lookalike_rate=_uniform(rng, "lookalike_rate"),
        homophones=homophones,
        typo_rate=_uniform(rng, "typo_rate"),
        fullwidth_name_rate=_uniform(rng, "fullwidth_name_rate") if width[0] else 0.0,
        halfwidth_bracket_share=round(float(rng.random()), 6),
        fullwidth_address_rate=_uniform(rng, "fullwidth_address_rate") if width[1] else 0.0,
        chinese_numeral_rate=_uniform(rng, "chinese_numeral_rate") if width[2] else 0.0,
        free_category_share=_uniform(rng, "free_category_share"),
        uscc_seen_share=_uniform(rng, "uscc_seen_share"),
        uscc_typo_rate=_uniform(rng, "uscc_typo_rate"),
        moved_share=_uniform(rng, "moved_share"),
        moved_km=MOVED_KM,
        moved_same_district=True,
        collision_rate=_uniform(rng, "collision_rate"),
        collision_close_share=_uniform(rng, "collision_close_share"),
        taxpayer_coord_sys=_coord_table(rng, TAXPAYER_COORD_SPELLINGS, 0.25),
        unit_coord_sys=_coord_table(rng, UNIT_COORD_SPELLINGS, 0.15),
    )


def resolve(profile, seed: int) -> NoiseProfile:
    """``generate()``'s ``profile`` argument: None or "demo" → DEMO_PROFILE,
    "random" → drawn from the seed, a NoiseProfile as given."""
    if profile is None or profile == "demo":
        return DEMO_PROFILE
    if profile == "random":
        return draw_profile(seed)
    if isinstance(profile, NoiseProfile):
        return profile
    raise ValueError(f"unknown profile {profile!r} (None, 'demo', 'random' or a NoiseProfile)")


def streams(seed: int):
    """The streams of the profile's own effects (``profile-<what>``), apart from
    the demo's: with the demo profile they draw nothing that shows."""
    return lambda what: config.rng_for(seed, f"profile-{what}")
