"""The probabilistic linkage model (Splink, Fellegi–Sunter), on DuckDB or Spark.

Units and taxpayers are two datasets of one ``link_only`` model with the same
feature columns (``int_link_units`` / ``int_link_taxpayers``). Five
comparisons: name (folded Chinese text), address parts, distance, business
category, and the USCC a grid worker copied. The model is trained on every
run, unsupervised: the prior from a strict deterministic rule, *u* by random
sampling, *m* by expectation maximisation on two blocking rules that each
leave the other comparisons free. Predictions come from two passes: local
candidates (same H3 neighbourhood and name start, or same road and number),
then, for units still unmatched, district-wide candidates with the same name
start and category (businesses that moved).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from splink import SettingsCreator, block_on
import splink.comparison_level_library as cll
import splink.comparison_library as cl

log = logging.getLogger(__name__)

FEATURES = (
    "name_core", "name_fold", "name_k2", "name_grams", "name_df", "rare_df", "addr_road", "addr_number", "addr_building", "addr_floor",
    "addr_room", "addr_key", "category", "uscc", "lng", "lat", "coslat", "h3_9", "h3_block", "local_keys", "wide_keys",
)
UID = "uid"
SEED = 20261124
DISTANCE_KM = (0.05, 0.15, 0.5, 2.0)
U_MAX_PAIRS = 1e6  # random pairs for u: the mid levels that decide links (u 1e-3..1e-2) get thousands each
# Blocking (int_link_keys): a name's rarest bigrams joined with the neighbourhood; district-wide only
# bigrams at most WIDE_MAX_DF taxpayers share; road + number unless more than ADDRESS_MAX_DF share it.
LOCAL_GRAMS = 4
WIDE_MAX_DF = 25
ADDRESS_MAX_DF = 50
# A folded name is "rare" when at most this many taxpayers carry it (the name comparison's
# term-frequency levels: the same rare name is strong evidence, the same common name weak).
RARE_NAME_DF = (1, 5)
UNIQUE_NAME = "名称相同且独有 same name, no other taxpayer has it"
RARE_NAME = f"名称相同（少见） same name, at most {RARE_NAME_DF[1]} taxpayers have it"
UNIQUE_SHORT_FORM = "简称独有（仅一户含其字组） a short form only one taxpayer's name holds"
RARE_SHORT_FORM = f"简称少见（≤{RARE_NAME_DF[1]}户含其字组） a distinctive short form"
# Levels defined by how few taxpayers carry a name: their u between random records is already what
# it is among candidates (a name that one taxpayer has is as rare there), so the district-wide pass
# keeps it (wide_candidate_model).
RARITY_LEVELS = frozenset({UNIQUE_NAME, RARE_NAME, UNIQUE_SHORT_FORM, RARE_SHORT_FORM})


# Metres per degree of latitude (mean Earth radius 6,371,008.8 m).
M_PER_DEGREE = 111_195.08


def within_km(km: float) -> str:
    """The pair's positions at most ``km`` apart: the equirectangular distance, exact to well under a
    metre at these ranges and far cheaper than the great circle (no trigonometry per pair: ``coslat``
    is each record's cos(latitude), computed once). NULL (not true) when either has no position."""
    limit = (km * 1000 / M_PER_DEGREE) ** 2
    return (f"power(lat_l - lat_r, 2) + power((lng_l - lng_r) * (coslat_l + coslat_r) / 2, 2) "
            f"<= {limit!r}")


def _compatible(column: str) -> str:
    return f"({column}_l is null or {column}_r is null or {column}_l = {column}_r)"


DESCRIPTIONS = {
    "name": "名称 name", "place": "位置 place", "category": "经营类别 category", "uscc": "信用代码 USCC",
}
COMPARISONS = tuple(DESCRIPTIONS)


def comparisons() -> list:
    same = "name_fold_l = name_fold_r"
    # name_df: taxpayers carrying the folded name (equal on both sides when the names are equal)
    df = "greatest(coalesce(name_df_l, 0), coalesce(name_df_r, 0))"
    contains = ("least(length(name_fold_l), length(name_fold_r)) >= 2 and "
                "(instr(name_fold_l, name_fold_r) > 0 or instr(name_fold_r, name_fold_l) > 0)")
    # rare_df: taxpayers sharing the record's rarest bigram; the shorter name's tells whether a short form is distinctive
    shorter_rare_df = "(case when length(name_fold_l) <= length(name_fold_r) then rare_df_l else rare_df_r end)"
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="单位名称 / name",
        comparison_levels=[
            cll.NullLevel("name_fold"),
            cll.CustomLevel(f"{same} and {df} <= {RARE_NAME_DF[0]}", base_dialect_str="duckdb").configure(
                label_for_charts=UNIQUE_NAME),
            cll.CustomLevel(f"{same} and {df} <= {RARE_NAME_DF[1]}", base_dialect_str="duckdb").configure(
                label_for_charts=RARE_NAME),
            cll.CustomLevel(same, base_dialect_str="duckdb").configure(
                label_for_charts="名称相同（常见） same common name"),
            cll.CustomLevel(f"{contains} and least(length(name_fold_l), length(name_fold_r)) >= 4",
                            base_dialect_str="duckdb").configure(
                label_for_charts="一个名称包含另一个（≥4字） one name contains the other (4+ characters)"),
            cll.CustomLevel(f"{contains} and {shorter_rare_df} <= {RARE_NAME_DF[0]}",
                            base_dialect_str="duckdb").configure(label_for_charts=UNIQUE_SHORT_FORM),
            cll.CustomLevel(f"{contains} and {shorter_rare_df} <= {RARE_NAME_DF[1]}",
                            base_dialect_str="duckdb").configure(label_for_charts=RARE_SHORT_FORM),
            cll.CustomLevel(contains, base_dialect_str="duckdb").configure(
                label_for_charts="一个名称包含另一个（2–3字） one name contains the other (2–3 characters)"),
            # the trade name (字号) opens a name once places are stripped: 联泰饭店 / 联泰餐饮
            cll.CustomLevel("least(length(name_fold_l), length(name_fold_r)) >= 3 and "
                            "left(name_fold_l, 3) = left(name_fold_r, 3)", base_dialect_str="duckdb").configure(
                label_for_charts="字号相同（前三字） same first three characters (trade name)"),
            cll.CustomLevel("least(length(name_fold_l), length(name_fold_r)) >= 2 and "
                            "left(name_fold_l, 2) = left(name_fold_r, 2)", base_dialect_str="duckdb").configure(
                label_for_charts="字号相同（前两字） same first two characters (trade name)"),
            # most character pairs shared: a leading character added or dropped (安新星威 / 新星威光电),
            # one character read another way (晟优康 / 盛优康)
            cll.CustomLevel(
                "array_length(list_intersect(name_grams_l, name_grams_r)) >= greatest(2, "
                "2 * least(array_length(name_grams_l), array_length(name_grams_r)) / 3)",
                base_dialect_str="duckdb").configure(
                label_for_charts="字组大多相同 most of the shorter name's character pairs shared"),
            cll.JaroWinklerLevel("name_fold", 0.88).configure(label_for_charts="名称相近 similar (JW ≥ 0.88)"),
            cll.JaroWinklerLevel("name_fold", 0.7).configure(label_for_charts="名称略近 somewhat similar (JW ≥ 0.7)"),
            cll.ElseLevel().configure(label_for_charts="名称不同 different"),
        ],
    )
    # Address and distance in one comparison: they are two views of one fact (where the business
    # is), and as two comparisons their evidence would be counted twice, so that a unit at a
    # registered address outweighed a wholly different name (naive Bayes assumes independence).
    same_site = "addr_key_l = addr_key_r and " + _compatible("addr_building")
    room = f"{same_site} and addr_room_l = addr_room_r"
    floor = f"{same_site} and addr_floor_l = addr_floor_r"

    def near(km: float):
        return cll.CustomLevel(within_km(km), base_dialect_str="duckdb")

    def both(sql: str, km: float, label: str):
        return cll.CustomLevel(f"{sql} and {within_km(km)}", base_dialect_str="duckdb").configure(
            label_for_charts=label)

    def alone(sql: str, label: str):
        return cll.CustomLevel(sql, base_dialect_str="duckdb").configure(label_for_charts=label)

    place = cl.CustomComparison(
        output_column_name="place",
        comparison_description="位置（地址与距离） / place (address and distance)",
        comparison_levels=[
            cll.CustomLevel("(addr_road_l is null or addr_road_r is null) and (lat_l is null or lat_r is null)",
                            base_dialect_str="duckdb").configure(
                is_null_level=True, label_for_charts="地址与坐标缺失 no address and no position"),
            both(room, 0.15, "同门牌同房号且相距 ≤ 150 m same number and room, ≤ 150 m"),
            both(floor, 0.15, "同门牌同楼层且相距 ≤ 150 m same number and floor, ≤ 150 m"),
            both("addr_key_l = addr_key_r", 0.5, "同路同门牌且相距 ≤ 500 m same road and number, ≤ 500 m"),
            alone(room, "同门牌同房号（坐标相距较远） same number and room, positions apart"),
            near(0.05).configure(label_for_charts="相距 ≤ 50 m, ≤ 50 m"),
            near(0.15).configure(label_for_charts="相距 ≤ 150 m, ≤ 150 m"),
            alone("addr_key_l = addr_key_r", "同路同门牌（坐标相距较远） same road and number, positions apart"),
            near(0.5).configure(label_for_charts="相距 ≤ 500 m, ≤ 500 m"),
            near(2.0).configure(label_for_charts="相距 ≤ 2 km, ≤ 2 km"),
            cll.ElseLevel().configure(label_for_charts="相距 > 2 km 且地址不同 farther than 2 km, other address"),
        ],
    )
    category = cl.CustomComparison(
        output_column_name="category",
        comparison_description="经营类别 / category",
        comparison_levels=[
            cll.NullLevel("category"),
            cll.ExactMatchLevel("category").configure(label_for_charts="类别相同 same category"),
            cll.ElseLevel().configure(label_for_charts="类别不同 different category"),
        ],
    )
    uscc = cl.CustomComparison(
        output_column_name="uscc",
        comparison_description="统一社会信用代码 / USCC",
        comparison_levels=[
            cll.NullLevel("uscc"),
            cll.ExactMatchLevel("uscc").configure(label_for_charts="代码相同 same code"),
            # one edit leaves characters 1–9 or the last 8 of an 18-character code as they were: a cheap test
            # before the edit distance (most pairs fail it)
            cll.CustomLevel(
                "case when least(length(uscc_l), length(uscc_r)) < 17 or left(uscc_l, 9) = left(uscc_r, 9) "
                "or right(uscc_l, 8) = right(uscc_r, 8) then damerau_levenshtein(uscc_l, uscc_r) <= 1 else false end",
                base_dialect_str="duckdb").configure(label_for_charts="错一位 one character off"),
            cll.ElseLevel().configure(label_for_charts="代码不同 different code"),
        ],
    )
    return [name, place, category, uscc]


# Candidates (docs/linkage.md, blocking). Local: a shared key of int_link_keys (the same cell of the
# unit's neighbourhood and one of the name's rarest bigrams; or the same road + number).
# District-wide, for units the local pass left unmatched: a shared rare bigram or the same folded name.
LOCAL_RULES = (block_on("local_keys", arrays_to_explode=["local_keys"]),)
WIDE_RULES = (block_on("wide_keys", arrays_to_explode=["wide_keys"]),)
# The prior: pairs these rules find are almost surely matches; their recall is measured on the
# labelled pairs (exact-USCC links), not assumed.
PRIOR_RULES = (block_on("name_fold", "addr_key"), block_on("name_fold", "h3_9"))
PRIOR_RULES_SQL = ("l.name_fold = r.name_fold and l.addr_key = r.addr_key",
                   "l.name_fold = r.name_fold and l.h3_9 = r.h3_9")
PRIOR_RECALL = 0.6  # assumed only when there are too few labels to measure it
MIN_PRIOR_RECALL = 0.05  # a measured recall below this is too noisy to divide by
EM_RULES = (block_on("addr_key", "addr_room"), block_on("name_fold"))
# Training from labels: at least MIN_LABELS exact-USCC links, else EM; below WEAK_LABELS the run warns.
MIN_LABELS = 50
WEAK_LABELS = 300
# The USCC comparison cannot be learned from exact-USCC labels (every label has the same code by
# construction, and exact codes are linked before scoring). Among true pairs whose copied code is not
# exactly the taxpayer's, most are one misread character; a wholly different code is rare.
USCC_M = {"代码相同 same code": 0.90, "错一位 one character off": 0.08, "代码不同 different code": 0.02}


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name=UID,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(LOCAL_RULES),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # keeps the gamma (level) columns: explanations
        additional_columns_to_retain=[],
    )


# EM drives the m of a level it rarely sees among matches to ~0 (weight -inf): a
# business that moved would then never link. No level is impossible for a match.
M_FLOOR = 1e-3


# The shipped parameters (default_model.json, trained by this code on the demo region) are the
# last resort: used only when neither labels nor EM give a sane model, and the run says so loudly.
MIN_TRAINING_UNITS = 500
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")


def default_model(n_taxpayers: int) -> dict[str, Any]:
    """The shipped model, with the prior scaled to this run's number of taxpayers."""
    shipped = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    local = shipped["local"]
    share = shipped["trained_on"]["units_matched_share"]
    local["probability_two_random_records_match"] = min(0.5, share / max(n_taxpayers, 1))
    return local


@dataclass
class Training:
    """How this run's model was made: what link_model records and the run reports."""

    method: str  # 'labels' (exact-USCC links), 'em' (too few labels), 'shipped' (last resort)
    n_labels: int
    prior_recall: float | None  # of PRIOR_RULES, measured on the labels (None: assumed)
    warnings: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "n_labels": self.n_labels, "prior_recall": self.prior_recall,
                "warnings": list(self.warnings)}


def train_from_labels(linker, labels_table: str, recall: float) -> None:
    """Supervised m from the run's own labelled pairs, u by random sampling, the prior from
    deterministic rules whose recall was measured on the same labels (seeded: deterministic)."""
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    linker.training.estimate_m_from_pairwise_labels(labels_table)
    linker.training.estimate_probability_two_random_records_match(list(PRIOR_RULES), recall=recall)


def train_em(linker) -> None:
    """Unsupervised training, for runs with too few labels: the prior from a strict rule with an
    assumed recall, u by random sampling, m by EM on two rules that leave the other comparisons free."""
    linker.training.estimate_probability_two_random_records_match(list(PRIOR_RULES), recall=PRIOR_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, fix_probability_two_random_records_match=True)


def _levels(model_dict: dict[str, Any], name: str) -> list[dict[str, Any]]:
    comparison = next(c for c in model_dict["comparisons"] if c["output_column_name"] == name)
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def level_weight(level: dict[str, Any]) -> float:
    m, u = level.get("m_probability"), level.get("u_probability")
    return math.log2(m / u) if m and u else 0.0


def with_uscc_m(model_dict: dict[str, Any]) -> dict[str, Any]:
    """The USCC comparison's m set from :data:`USCC_M` (labels cannot teach it)."""
    out = json.loads(json.dumps(model_dict))
    for level in _levels(out, "uscc"):
        level["m_probability"] = USCC_M[level["label_for_charts"]]
    return out


def insane(model_dict: dict[str, Any]) -> list[str]:
    """Why a trained model cannot be right (empty when it is sane): the strongest evidence of
    each comparison must weigh more than its weakest, and every probability must be a number
    strictly between 0 and 1. A failed EM gives models like that; labels seldom do."""
    problems = []
    for comparison in model_dict["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            for key in ("m_probability", "u_probability"):
                value = level.get(key)
                if value is None or not (0 < value < 1) or not math.isfinite(value):
                    problems.append(f"{name}: {level.get('label_for_charts')} has {key} {value!r}")
        if name in ("name", "place") and len(levels) >= 2 and not problems:
            if level_weight(levels[0]) <= level_weight(levels[-1]):
                problems.append(f"{name}: its strongest level weighs no more than its weakest")
    return problems


def for_wide_pass(model_dict: dict[str, Any]) -> dict[str, Any]:
    """The district-wide pass's model: the local one where place never counts against a pair.

    That pass scores units the local pass could not place: if they match anyone, it is far away
    by construction (a business that moved), so being far apart or at another address is
    expected there; the same address still counts for the pair (a taxpayer geocoded to the wrong
    place). Name, category and USCC keep the local pass's weights."""
    out = json.loads(json.dumps(model_dict))
    for level in _levels(out, "place"):
        level["m_probability"] = max(level["m_probability"], level["u_probability"])
    return out


def wide_candidate_model(model_dict: dict[str, Any], gammas: dict[str, Any], iterations: int = 5) -> dict[str, Any]:
    """The district-wide model with u and the prior re-estimated among its candidate pairs, m kept.

    Splink's u comes from random pairs. The district-wide pass's candidates are not random: they
    share a rare part of their name, so among its non-matches similar names are common, and a
    level that is rare between random records (名称相近) is ordinary there. Here u of every
    comparison is the level's share among the candidates, each weighted by its posterior of not
    matching, and the prior is the candidates' own (EM with m fixed; ``gammas``: comparison → the
    candidates' levels, as numpy arrays)."""
    import numpy as np

    out = json.loads(json.dumps(model_dict))
    names = [c["output_column_name"] for c in out["comparisons"] if c["output_column_name"] in gammas]
    n = len(next(iter(gammas.values()))) if gammas else 0
    if n == 0:
        return out
    lam = out["probability_two_random_records_match"]
    for _ in range(iterations):
        weight = np.zeros(n)
        for name in names:
            levels = _levels(out, name)
            # gamma -1 (null level) weighs 0; gamma k is levels[len - 1 - k]
            table = np.array([0.0] + [level_weight(levels[len(levels) - 1 - k]) for k in range(len(levels))])
            weight += table[np.asarray(gammas[name], dtype=int) + 1]
        odds = np.exp2(np.clip(weight, -60, 60)) * lam / (1 - lam)
        posterior = odds / (1 + odds)
        lam = min(max(float(posterior.mean()), 1e-12), 1 - 1e-6)
        non_match = 1 - posterior
        for name in names:
            levels = _levels(out, name)
            g = np.asarray(gammas[name], dtype=int)
            total = float(non_match[g >= 0].sum())
            if total <= 0:
                continue
            for i, level in enumerate(levels):
                if level.get("label_for_charts") in RARITY_LEVELS:
                    continue
                share = float(non_match[g == len(levels) - 1 - i].sum()) / total
                level["u_probability"] = max(share, M_FLOOR)
        out = for_wide_pass(out)
    out["probability_two_random_records_match"] = lam
    return out


def regularised(model_dict: dict[str, Any]) -> dict[str, Any]:
    """The trained model with every m and u at least :data:`M_FLOOR` (levels renormalised)."""
    out = json.loads(json.dumps(model_dict))
    for comparison in out["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key in ("m_probability", "u_probability"):
            values = [lv.get(key) for lv in levels]
            if any(v is None for v in values):
                # a level never seen: among the labels (m: as rare as the floor allows) or among
                # the random pairs sampled (u: rarer than one in U_MAX_PAIRS)
                known = [v for v in values if v is not None]
                unseen = M_FLOOR if key == "m_probability" else 1.0 / U_MAX_PAIRS
                fill = unseen if known else 1.0 / len(values)
                values = [fill if v is None else v for v in values]
            values = [max(v, M_FLOOR if key == "m_probability" else 1e-9) for v in values]
            total = sum(values)
            for lv, v in zip(levels, values, strict=True):
                lv[key] = v / total
    return out


def match_weight(probability: float) -> float:
    probability = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(probability / (1 - probability))


def explain_levels(model: dict[str, Any], gammas: dict[str, int]) -> list[dict[str, Any]]:
    """For one scored pair: each comparison's level, its Bayes factor and match weight."""
    out = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        gamma = gammas.get(name)
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        level = next((lv for lv in levels if lv.get("is_null_level")), None) if gamma == -1 else (
            non_null[len(non_null) - 1 - gamma] if gamma is not None else None)
        m, u = (level or {}).get("m_probability"), (level or {}).get("u_probability")
        bf = (m / u) if (m is not None and u) else 1.0
        out.append({
            "comparison": name,
            "description": DESCRIPTIONS.get(name, name),
            "level": (level or {}).get("label_for_charts", ""),
            "gamma": gamma,
            "bayes_factor": bf,
            "match_weight": math.log2(bf) if bf > 0 else float("-inf"),
        })
    return out


def columns_needed() -> Sequence[str]:
    return (UID, *FEATURES)
