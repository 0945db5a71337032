"""Linkage, discrepancies and risk on two regions × noise profiles drawn per seed, against the targets.

    python bench/robustness.py [--regions baoan yiwu] [--seeds 101 202 303] [--scale small]

Each case is generated (``taxmap generate --profile random --region R --seed S``), run through the
ETL and scored against the generator's truth (taxmap/demo/robustness.py). Prints a Markdown table
and writes ``bench/out/robustness.json``; exits 1 when a case misses a target.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taxmap.demo import robustness  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", default=list(robustness.REGIONS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(robustness.PROFILE_SEEDS))
    parser.add_argument("--scale", default="small")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="taxmap-robustness-") as tmp:
        for case in robustness.cases(args.regions, args.seeds):
            row = robustness.run_case(case, Path(tmp), scale=args.scale)
            rows.append(row)
            print(f"{case.name}: etl {row['etl_s']:.1f} s, links P {row['link_precision']:.4f} "
                  f"R {row['link_recall']:.4f}", file=sys.stderr, flush=True)
    print(robustness.table(rows))
    misses = [m for r in rows for m in robustness.misses(r)]
    for m in misses:
        print("MISS", m)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "robustness.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    sys.exit(1 if misses else 0)


if __name__ == "__main__":
    main()
