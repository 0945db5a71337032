"""The `taxmap` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_generate(args: argparse.Namespace) -> int:
    from taxmap.demo import generate

    summary = generate(scale=args.scale, seed=args.seed, out=Path(args.out))
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 0


def _cmd_etl(args: argparse.Namespace) -> int:
    from etl.pipeline import run_etl, run_summary, stderr_progress
    from etl.read import InputError
    from taxmap.settings import get_settings

    settings = get_settings()
    backend = args.linkage_backend or settings.linkage_backend
    if backend == "spark":
        from etl.linkage.spark import missing

        problem = missing()
        if problem:
            print(f"taxmap etl: {problem}", file=sys.stderr)
            return 2
    try:
        result = run_etl(
            Path(args.input), Path(args.out), force=args.force,
            progress=None if args.quiet else stderr_progress(),
            threads=settings.threads, memory_limit=settings.memory_limit,
            keep_intermediate=args.keep_intermediate, linkage_backend=backend,
        )
    except InputError as exc:
        print(f"taxmap etl: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for the user, never a traceback
        print(f"taxmap etl: failed, previous warehouse kept ({type(exc).__name__}: {str(exc).splitlines()[0]})",
              file=sys.stderr)
        return 1
    print(run_summary(result))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import os

    if args.warehouse:
        os.environ["TAXMAP_WAREHOUSE_DIR"] = str(Path(args.warehouse).resolve())
    if args.port:
        os.environ["TAXMAP_PORT"] = str(args.port)
    from taxmap.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    print(f"taxmap: serving http://{settings.host}:{settings.port} (warehouse {settings.warehouse_path})", flush=True)
    if args.dev:
        from app import app

        app.run(host=settings.host, port=settings.port, debug=True)
        return 0
    from taxmap.server import serve

    serve(settings, workers=args.workers, threads=args.threads)
    return 0


def _cmd_risk_catalogue(args: argparse.Namespace) -> int:
    from etl.risk import catalogue

    if args.check:
        stale = catalogue.stale()
        for path in stale:
            print(f"{path}: out of date; run `taxmap risk-catalogue`", file=sys.stderr)
        return 1 if stale else 0
    for path in catalogue.write():
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taxmap", description="实景税源智慧地图 taxmap")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a demo region in the data contract's format")
    gen.add_argument("--scale", choices=["small", "baoan", "shenzhen"], default="small")
    gen.add_argument("--seed", type=int, default=20261124)
    gen.add_argument("--out", required=True, help="output folder (gets input/ and truth/)")
    gen.set_defaults(func=_cmd_generate)

    etl = sub.add_parser("etl", help="build the warehouse from an input folder (data contract v1)")
    etl.add_argument("--input", required=True, help="input folder")
    etl.add_argument("--out", required=True, help="output folder; gets warehouse.duckdb")
    etl.add_argument("--force", action="store_true", help="rebuild even when the input is unchanged")
    etl.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    etl.add_argument("--keep-intermediate", action="store_true",
                     help="also publish the intermediate tables (staged declarations, checks) for an audit")
    etl.add_argument("--linkage-backend", choices=["duckdb", "spark"], default=None,
                     help="where the Splink linkage runs (default: TAXMAP_LINKAGE_BACKEND, duckdb); "
                          "spark needs pyspark (pip install 'taxmap[spark]') and Java")
    etl.set_defaults(func=_cmd_etl)

    serve = sub.add_parser("serve", help="serve the map app")
    serve.add_argument("--warehouse", help="folder holding warehouse.duckdb (default: TAXMAP_WAREHOUSE_DIR)")
    serve.add_argument("--port", type=int, help="port (default: TAXMAP_PORT, 8050)")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--dev", action="store_true", help="Flask's development server with reloading errors")
    serve.set_defaults(func=_cmd_serve)

    cat = sub.add_parser("risk-catalogue", help="write the risk indicator catalogue (docs/risk-indicators*.md)")
    cat.add_argument("--check", action="store_true", help="only check that the catalogue is up to date")
    cat.set_defaults(func=_cmd_risk_catalogue)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
