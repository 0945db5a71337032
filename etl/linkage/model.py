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
    "name_core", "name_fold", "name_k2", "addr_road", "addr_number", "addr_building", "addr_floor", "addr_room",
    "addr_key", "category", "uscc", "lng", "lat", "h3_block",
)
UID = "uid"
SEED = 20261124
DISTANCE_KM = (0.05, 0.15, 0.5, 2.0)
U_MAX_PAIRS = 2e6


def _compatible(column: str) -> str:
    return f"({column}_l is null or {column}_r is null or {column}_l = {column}_r)"


DESCRIPTIONS = {
    "name": "名称 name", "address": "地址 address", "distance": "距离 distance",
    "category": "经营类别 category", "uscc": "信用代码 USCC",
}


def comparisons() -> list:
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="单位名称 / name",
        comparison_levels=[
            cll.NullLevel("name_fold"),
            cll.ExactMatchLevel("name_core").configure(label_for_charts="名称相同 same name"),
            cll.ExactMatchLevel("name_fold").configure(label_for_charts="同音或繁简字后相同 same after folding"),
            cll.CustomLevel(
                "least(length(name_fold_l), length(name_fold_r)) >= 2 and "
                "(instr(name_fold_l, name_fold_r) = 1 or instr(name_fold_r, name_fold_l) = 1)",
                label_for_charts="简称 one name abbreviates the other",
                base_dialect_str="duckdb",
            ),
            cll.JaroWinklerLevel("name_fold", 0.88).configure(label_for_charts="名称相近 similar (JW ≥ 0.88)"),
            cll.JaroWinklerLevel("name_fold", 0.7).configure(label_for_charts="名称略近 somewhat similar (JW ≥ 0.7)"),
            cll.ElseLevel().configure(label_for_charts="名称不同 different"),
        ],
    )
    same_site = "addr_key_l = addr_key_r and " + _compatible("addr_building")
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="地址 / address",
        comparison_levels=[
            cll.CustomLevel("addr_road_l is null or addr_road_r is null", base_dialect_str="duckdb").configure(
                is_null_level=True, label_for_charts="地址缺失 address missing"),
            cll.CustomLevel(f"{same_site} and addr_room_l = addr_room_r",
                            label_for_charts="同门牌同房号 same number and room", base_dialect_str="duckdb"),
            cll.CustomLevel(f"{same_site} and addr_floor_l = addr_floor_r",
                            label_for_charts="同门牌同楼层 same number and floor", base_dialect_str="duckdb"),
            cll.ExactMatchLevel("addr_key").configure(label_for_charts="同路同门牌 same road and number"),
            cll.ExactMatchLevel("addr_road").configure(label_for_charts="同一道路 same road"),
            cll.ElseLevel().configure(label_for_charts="地址不同 different"),
        ],
    )
    distance = cl.CustomComparison(
        output_column_name="distance",
        comparison_description="距离 / distance",
        comparison_levels=[
            cll.Or(cll.NullLevel("lat"), cll.NullLevel("lng")).configure(label_for_charts="无坐标 no position"),
            *[cll.DistanceInKMLevel("lat", "lng", km).configure(label_for_charts=f"≤ {km * 1000:.0f} m")
              for km in DISTANCE_KM],
            cll.ElseLevel().configure(label_for_charts=f"> {DISTANCE_KM[-1]:g} km"),
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
            cll.DamerauLevenshteinLevel("uscc", 1).configure(label_for_charts="错一位 one character off"),
            cll.ElseLevel().configure(label_for_charts="代码不同 different code"),
        ],
    )
    return [name, address, distance, category, uscc]


LOCAL_RULES = (
    block_on("h3_block", "name_k2", arrays_to_explode=["h3_block"]),
    block_on("addr_key", "name_k2"),
    block_on("addr_key", "category"),
)
WIDE_RULES = (block_on("name_k2", "category"),)
PRIOR_RULES = (block_on("name_fold", "addr_key"),)
PRIOR_RECALL = 0.6
EM_RULES = (block_on("addr_key", "addr_room"), block_on("name_fold", "category"))


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


@dataclass
class Trained:
    model: dict[str, Any]  # Splink's model JSON: settings with trained m and u
    seconds: float


# EM drives the m of a level it rarely sees among matches to ~0 (weight -inf): a
# business that moved would then never link. No level is impossible for a match.
M_FLOOR = 1e-3


# Below this many units (or when EM finds too few pairs) the run is too small to
# train on: the shipped parameters (default_model.json, trained by this code on the
# demo region) are used instead, and link_model says so.
MIN_TRAINING_UNITS = 500
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")


def default_model(n_taxpayers: int) -> dict[str, Any]:
    """The shipped model, with the prior scaled to this run's number of taxpayers."""
    shipped = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    local = shipped["local"]
    share = shipped["trained_on"]["units_matched_share"]
    local["probability_two_random_records_match"] = min(0.5, share / max(n_taxpayers, 1))
    return local


def train(linker) -> None:
    """Unsupervised training on this run's data (deterministic: seeded sampling)."""
    linker.training.estimate_probability_two_random_records_match(list(PRIOR_RULES), recall=PRIOR_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, fix_probability_two_random_records_match=True)


def train_wide(linker) -> None:
    """Re-estimate m on the units the local pass left unmatched: among them a
    match is far away by construction, so distance and address must not count
    against it as they do in the whole population."""
    for rule in WIDE_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, fix_probability_two_random_records_match=False)


# Comparisons whose evidence does not depend on where the unit is: the wide pass
# keeps the local pass's m for them (EM on the few wide candidates over-credits
# loosely similar names); only location and category are re-estimated.
LOCATION_FREE = ("name", "uscc")


def keep_local_m(wide: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(wide))
    local_by_name = {c["output_column_name"]: c for c in local["comparisons"]}
    for comparison in out["comparisons"]:
        if comparison["output_column_name"] in LOCATION_FREE:
            source = local_by_name[comparison["output_column_name"]]["comparison_levels"]
            for level, kept in zip(comparison["comparison_levels"], source, strict=True):
                if "m_probability" in kept:
                    level["m_probability"] = kept["m_probability"]
    return out


def candidate_prior(weights: "list[float] | object", global_prior: float, iterations: int = 200) -> float:
    """The prior of a match among one pass's candidate pairs (EM for the prior with m
    and u fixed): ``weights`` are the pairs' summed comparison match weights (bits).

    The district-wide pass only ever scores units the local pass could not place,
    against taxpayers sharing their name's start and category: among those
    candidates a match is far likelier than between two random records, and the
    posterior must use that population's own prior."""
    import numpy as np

    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        return global_prior
    lam = global_prior
    for _ in range(iterations):
        odds = np.exp2(np.clip(w, -60, 60)) * lam / (1 - lam)
        new = float(np.mean(odds / (1 + odds)))
        new = min(max(new, 1e-12), 1 - 1e-6)
        if abs(new - lam) < 1e-9:
            break
        lam = new
    return lam


def regularised(model_dict: dict[str, Any]) -> dict[str, Any]:
    """The trained model with every m and u at least :data:`M_FLOOR` (levels renormalised)."""
    out = json.loads(json.dumps(model_dict))
    for comparison in out["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key in ("m_probability", "u_probability"):
            values = [lv.get(key) for lv in levels]
            if any(v is None for v in values):
                known = [v for v in values if v is not None]
                fill = M_FLOOR if known else 1.0 / len(values)
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
