"""The robustness harness: linkage, discrepancies and risk measured on regions and noise profiles
that nobody tuned them to (docs/linkage.md, robustness).

Each case is a region (Bao'an in Guangdong, Yiwu in Zhejiang) written with a noise profile drawn
from a seed (``taxmap.demo.profiles.draw_profile``): which place prefixes the signs drop, branch
suffixes, cut legal forms, look-alike sets, full-width text, Chinese numerals, the share of copied
USCCs and of moved businesses, coordinate systems per row, free-text categories, name collisions.
A case is generated, run through the ETL and scored against the generator's truth
(``taxmap.demo.evaluate``); :data:`TARGETS` are what every case must reach.

    python bench/robustness.py            # the table, 2 regions × 3 profiles at small scale
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

# What every region × profile must reach (the linkage issue's "done when").
TARGETS = {
    "link_precision": 0.98,
    "link_recall": 0.95,
    "f1_unregistered": 0.90,
    "f1_not_found": 0.90,
    "f1_address_mismatch": 0.90,
    "f1_status_conflict": 0.90,
    "risk_auc_min_pattern": 0.90,
    "top_decile_lift": 4.0,
}
REGIONS = ("baoan", "yiwu")
PROFILE_SEEDS = (101, 202, 303)


@dataclass(frozen=True)
class Case:
    region: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.region}-{self.seed}"


def cases(regions=REGIONS, seeds=PROFILE_SEEDS) -> list[Case]:
    return [Case(r, s) for r in regions for s in seeds]


def run_case(case: Case, base: Path, scale: str = "small") -> dict:
    """Generate the case under ``base``, run the ETL, and score it: a flat dict of figures."""
    from etl.pipeline import run_etl
    from taxmap.demo import generate
    from taxmap.demo.evaluate import evaluate

    folder = Path(base) / case.name
    started = time.perf_counter()
    summary = generate(scale=scale, seed=case.seed, out=folder, profile="random", region=case.region)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    result = run_etl(folder / "input", folder / "out", force=True)
    etl_seconds = time.perf_counter() - started
    scores = evaluate(result.warehouse, folder / "truth")
    import duckdb

    with duckdb.connect(str(result.warehouse), read_only=True) as con:
        method, warnings = con.execute(
            "select training_method, warnings from link_model where pass = 'local'").fetchone()
    return flatten(case, scores, {"generate_s": generated, "etl_s": etl_seconds, "training_method": method,
                                  "training_warnings": warnings,
                                  "profile": (folder / "truth" / "profile.json").read_text(encoding="utf-8")
                                  if (folder / "truth" / "profile.json").exists() else json.dumps(summary.get("profile"))})


def flatten(case: Case, scores: dict, extra: dict) -> dict:
    d = scores["discrepancies"]
    risk = scores.get("risk", {})
    patterns = {k: v["auc"] for k, v in risk.get("patterns", {}).items()}
    row = {
        "case": case.name, "region": case.region, "seed": case.seed,
        "link_precision": scores["links"]["precision"], "link_recall": scores["links"]["recall"],
        **{f"f1_{k}": d[k]["f1"] for k in ("unregistered", "not_found", "address_mismatch", "status_conflict")
           if k in d},
        "risk_auc": risk.get("auc"), "top_decile_lift": risk.get("top_decile_lift"),
        "risk_auc_min_pattern": min(patterns.values()) if patterns else None,
        "risk_auc_patterns": patterns,
        **extra,
    }
    return row


def misses(row: dict) -> list[str]:
    """The targets a case's row misses, as readable strings (empty: all met)."""
    out = []
    for key, target in TARGETS.items():
        value = row.get(key)
        if value is None or value < target:
            out.append(f"{row['case']}: {key} {value} < {target}")
    return out


def table(rows: list[dict]) -> str:
    """A Markdown table of the cases, the targets in its last row."""
    keys = list(TARGETS)
    head = ["case", *keys, "etl_s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["case"], *[_fmt(r.get(k)) for k in keys], f"{r.get('etl_s', 0):.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| **target** | " + " | ".join(f"≥ {TARGETS[k]:g}" for k in keys) + " | |")
    return "\n".join(lines)


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.3f}"
