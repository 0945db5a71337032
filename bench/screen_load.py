"""What big screens cost the server: N wall displays (screen tokens) refreshing every 5 s, as the
browser does (the /screen refresh callback), against `taxmap serve` (gunicorn, 2 workers × 4 threads)
on a generated region. Measures the server's CPU time (master and workers, psutil) over a window,
and the same window with no screen open (the baseline, same run). Target (issue 9): 20 screens
≤ 10 % of one core.

    python bench/screen_load.py [--scale small] [--screens 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _refresh_body(session: requests.Session, base: str) -> dict:
    deps = session.get(f"{base}/_dash-dependencies", timeout=30).json()
    dep = next(d for d in deps if "kpi-s-taxpayers.children" in d["output"])
    values = {"screen-tick.n_intervals": 1, "screen-street.data": None, "screen-run.data": None,
              "screen-lang.data": "zh"}

    def fill(items):
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    outs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in dep["output"].strip(".").split("...")]
    return {"output": dep["output"], "outputs": outs, "inputs": fill(dep["inputs"]), "state": fill(dep["state"]),
            "changedPropIds": ["screen-tick.n_intervals"]}


def screen_client(base: str, token: str, stop: threading.Event, period: float, latencies: list, errors: list) -> None:
    session = requests.Session()
    session.get(f"{base}/screen?kiosk=1&token={token}", timeout=30).raise_for_status()
    body = _refresh_body(session, base)
    run_id = None
    time.sleep(random.uniform(0, period))  # screens are not in step
    n = 0
    while not stop.is_set():
        n += 1
        body["inputs"][0]["value"] = n
        for item in body["state"]:
            if item["id"] == "screen-run":
                item["value"] = run_id
        started = time.perf_counter()
        try:
            response = session.post(f"{base}/_dash-update-component", json=body, timeout=30)
        except requests.RequestException as exc:
            if not stop.is_set():
                errors.append(type(exc).__name__)
            return
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors.append(response.status_code)
        else:
            run_id = response.json()["response"].get("screen-run", {}).get("data", run_id)
        stop.wait(period)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from dispatch import screens, sources
    from dispatch import tasks as T
    from dispatch.store import open_store
    from etl.pipeline import run_etl
    from taxmap import data
    from taxmap.demo import generate
    from taxmap.warehouse import Warehouse

    work = Path(tempfile.mkdtemp(prefix="taxmap-screen-bench-"))
    region = ROOT / "bench" / "out" / f"screen-{args.scale}-{args.seed}"
    if not (region / "out" / "warehouse.duckdb").is_file():
        generate(scale=args.scale, seed=args.seed, out=region)
        run_etl(region / "input", region / "out")
    warehouse = region / "out" / "warehouse.duckdb"
    store_url = f"sqlite:///{work / 'store.sqlite'}"
    store = open_store(store_url)
    wh = Warehouse(warehouse)
    # a realistic task store: every discrepancy and high-risk taxpayer of the district dispatched
    selection = sources.Selection(data.REGION, kinds=(*sources.DISCREPANCY_KINDS, "high_risk"))
    made = T.dispatch(store, sources.candidates(wh, selection), sources.officers(wh),
                      T.Actor("bench", "district_leader"))
    wh.close()
    token = screens.add_screen(store, "bench")
    port = _port()
    env = {**os.environ, "TAXMAP_WAREHOUSE_DIR": str(warehouse.parent), "TAXMAP_DATABASE_URL": store_url,
           "TAXMAP_PORT": str(port), "TAXMAP_SECRET_KEY": "bench", "TAXMAP_DATA_DIR": str(work)}
    server = subprocess.Popen([sys.executable, "-m", "taxmap.cli", "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{base}/health", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.5)
        proc = psutil.Process(server.pid)
        time.sleep(3)
        # baseline: the idle server over the same window
        c0, t0 = _cpu(proc), time.perf_counter()
        time.sleep(args.seconds)
        idle = (_cpu(proc) - c0) / (time.perf_counter() - t0)

        stop, latencies, errors = threading.Event(), [], []
        threads = [threading.Thread(target=screen_client, args=(base, token, stop, args.period, latencies, errors),
                                    daemon=True) for _ in range(args.screens)]
        for th in threads:
            th.start()
        time.sleep(args.period + 5)  # every screen has loaded and refreshed once (warm caches)
        latencies.clear()
        c0, t0 = _cpu(proc), time.perf_counter()
        time.sleep(args.seconds)
        busy = (_cpu(proc) - c0) / (time.perf_counter() - t0)
        n_requests = len(latencies)
        stop.set()
        for th in threads:
            th.join(timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    result = {
        "scale": args.scale, "screens": args.screens, "period_s": args.period, "window_s": args.seconds,
        "tasks_in_store": made.created, "refreshes": n_requests, "errors": len(errors),
        "cpu_share_of_one_core": round(busy, 4), "idle_cpu_share": round(idle, 4),
        "screens_cpu_share": round(busy - idle, 4),
        "latency_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
        "target_met": busy <= 0.10,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "screen_load.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"{args.screens} screens every {args.period:g} s for {args.seconds:g} s on {args.scale} "
          f"({made.created:,} tasks in the store): {n_requests} refreshes, {len(errors)} errors")
    print("| | server CPU (share of one core) |")
    print("|---|---|")
    print(f"| idle server (baseline, same run) | {idle:.1%} |")
    print(f"| with {args.screens} screens | {busy:.1%} |")
    print(f"| the screens' own cost | {busy - idle:.1%} |")
    print(f"refresh latency p50 {result['latency_p50_ms']} ms, p95 {result['latency_p95_ms']} ms; "
          f"target ≤ 10 %: {'met' if result['target_met'] else 'MISSED'}")
    return 0 if result["target_met"] and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
