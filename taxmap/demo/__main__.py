"""``python -m taxmap.demo``: the generator with every option
(``taxmap generate`` plus ``--region`` and ``--profile``).

    python -m taxmap.demo --scale small --region yiwu --profile random --seed 3 --out data/demo/yiwu3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taxmap.demo import config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=list(config.SCALES), default="small")
    parser.add_argument("--region", choices=list(config.REGIONS), default=None, help="one-district region (default: the scale's own, Bao'an)")
    parser.add_argument("--profile", choices=["demo", "random"], default="demo", help="noise profile: the demo's habits, or drawn from the seed")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--out", required=True, help="output folder (gets input/ and truth/)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taxmap.demo", description="write a demo region in the data contract's format")
    add_arguments(parser)
    args = parser.parse_args(argv)
    from taxmap.demo import generate

    try:
        summary = generate(scale=args.scale, seed=args.seed, out=Path(args.out), profile=args.profile, region=args.region)
    except ValueError as exc:
        print(f"taxmap generate: {exc}", file=sys.stderr)
        return 2
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
