"""ETL at scale: wall time per stage and peak memory, for generated regions.

    python bench/etl_scale.py [--scales small baoan] [--seed N] [--threads N]

For each scale it generates the region once (cached under bench/out/), runs
`taxmap etl` in a fresh process (so peak RSS is the run's own), reads the
per-model timings the run records in `etl_run_stages`, and measures a
baseline in the same session: plain DuckDB loading the same input files
(the I/O floor). It prints a Markdown table and writes bench/out/etl_scale.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

# Model name → reported stage.
STAGES = [
    ("read", lambda n: n == "read inputs"),
    ("boundaries", lambda n: n in {"geo_streets", "geo_grids", "stg_streets_checked", "stg_streets", "stg_region",
                                  "stg_grids_checked", "stg_grids", "ref_values"}),
    # first match wins: linkage and risk models before the staging ones their names resemble
    ("links", lambda n: "link" in n or "discrepancies" in n or "task_results" in n),
    ("risk", lambda n: "risk" in n),
    ("stage taxpayers", lambda n: "taxpayers" in n),
    ("stage grid units", lambda n: "grid_units" in n),
    ("stage declarations+officers", lambda n: "declarations" in n or "officers" in n),
    ("marts", lambda n: n in {"hex_stats", "rejects", "quality_issues"}),
]

RUN_ETL = """
import json, resource, sys, time
from etl.pipeline import run_etl
t = time.perf_counter()
from taxmap.settings import get_settings
result = run_etl(sys.argv[1], sys.argv[2], force=True, threads={threads}, memory_limit=get_settings().memory_limit)
print(json.dumps({{"seconds": time.perf_counter() - t, "run_id": result.run_id,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

BASELINE = """
import json, resource, sys, time, duckdb
from pathlib import Path
src = Path(sys.argv[1])
con = duckdb.connect()
{threads_sql}
t = time.perf_counter()
for path in sorted(src.iterdir()):
    if path.suffix == ".parquet":
        con.execute(f"create table {{path.stem}} as select * from read_parquet('{{path}}')")
    elif path.suffix == ".csv":
        # GB18030 files are transcoded first, as any loader must
        data = path.read_bytes()
        try:
            data.decode("utf-8")
            target = path
        except UnicodeDecodeError:
            target = Path(sys.argv[2]) / (path.stem + ".utf8.csv")
            target.write_bytes(data.decode("gb18030").encode("utf-8"))
        con.execute(f"create table {{path.stem}} as select * from read_csv('{{target}}', all_varchar=true)")
print(json.dumps({{"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def ensure_region(scale: str, seed: int) -> tuple[Path, float | None]:
    folder = OUT / f"{scale}-{seed}"
    if (folder / "input" / "manifest.toml").is_file():
        return folder / "input", None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "taxmap.cli", "generate", "--scale", scale, "--seed", str(seed),
                    "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder / "input", time.perf_counter() - started


def run_child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def stage_times(warehouse: Path, run_id: str) -> dict[str, float]:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("select stage, seconds from etl_run_stages where run_id = ?", [run_id]).fetchall()
    counts = dict(con.execute("select source, rows_read from etl_run_sources where run_id = ?", [run_id]).fetchall())
    con.close()
    out = {name: 0.0 for name, _ in STAGES}
    for stage, seconds in rows:
        name = next((n for n, match in STAGES if match(stage)), "other")
        out[name] = out.get(name, 0.0) + seconds
    out["_rows_read"] = counts
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["small", "baoan"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    results = []
    for scale in args.scales:
        input_dir, gen_seconds = ensure_region(scale, args.seed)
        out_dir = OUT / f"{scale}-{args.seed}" / "warehouse"
        out_dir.mkdir(parents=True, exist_ok=True)
        baseline = run_child(
            BASELINE.format(threads_sql=f"con.execute('set threads={args.threads}')" if args.threads else ""),
            str(input_dir), str(out_dir),
        )
        etl = run_child(RUN_ETL.format(threads=args.threads), str(input_dir), str(out_dir))
        stages = stage_times(out_dir / "warehouse.duckdb", etl["run_id"])
        results.append({"scale": scale, "generate_seconds": gen_seconds, "etl": etl, "baseline": baseline,
                        "ratio_to_baseline": etl["seconds"] / baseline["seconds"], "stages": stages})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "etl_scale.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(render(results))


def render(results: list[dict]) -> str:
    names = [n for n, _ in STAGES] + ["other"]
    head = "| stage | " + " | ".join(r["scale"] for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for name in names:
        if any(r["stages"].get(name) for r in results):
            lines.append(f"| {name} | " + " | ".join(f"{r['stages'].get(name, 0):.2f} s" for r in results) + " |")
    lines.append("| **ETL total (wall)** | " + " | ".join(f"**{r['etl']['seconds']:.1f} s**" for r in results) + " |")
    lines.append("| ETL peak RSS | " + " | ".join(f"{r['etl']['peak_rss_mb']:.0f} MB" for r in results) + " |")
    lines.append("| baseline: DuckDB load of the same files | "
                 + " | ".join(f"{r['baseline']['seconds']:.1f} s" for r in results) + " |")
    lines.append("| ETL / baseline | " + " | ".join(f"{r['ratio_to_baseline']:.1f}×" for r in results) + " |")
    lines.append("| rows read (taxpayers / units / declarations) | " + " | ".join(
        "{taxpayers:,} / {grid_units:,} / {declarations:,}".format(**r["stages"]["_rows_read"]) for r in results) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
