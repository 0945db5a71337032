"""Bulk task dispatch: 20,000 tasks in one `dispatch()`, on SQLite and PostgreSQL (issue 7).

    python bench/dispatch_bulk.py [--n 20000] [--repeat 3] [--seed 1] [--pg-url URL] [--no-pg] [--profile]

Synthetic, seeded input: N candidates of five kinds (unregistered, not_found, address_mismatch,
status_conflict, high_risk), each with a distinct subject, spread over 10 streets × 6 grids, with
evidence as `dispatch.sources` builds it (a ~60-character Chinese sentence, the link for unit
subjects, a risk block with 3 reasons: code, zh, en, contribution); 60 officers (per street 5 grid
workers covering two neighbouring grids each and 1 tax officer covering all six).

For each database — SQLite (a fresh file in a temporary folder) and PostgreSQL when `--pg-url` is
given or TAXMAP_TEST_DATABASE_URL is set (a fresh schema per store, dropped at the end) — and each of
`--repeat` rounds, on a fresh migrated store:

- preview: `tasks.plan()` on the empty store (what the leader sees before confirming);
- dispatch: `tasks.dispatch(eng, candidates, officers, Actor("bench", "district_leader"))`; asserts
  N tasks created and N `task_events` rows;
- re-dispatch: the same candidates again onto the filled store; asserts 0 created, N duplicates;
- baseline, on another fresh store: one SQLAlchemy Core executemany INSERT of the same N task rows
  (built, JSON included, before the clock starts) into `tasks` — no duplicate check, no assignment,
  no batch, events or audit row: the floor the workflow's cost is measured against.

Reports medians; the target is dispatch ≤ 5 s for 20,000 tasks. Prints a Markdown table and writes
bench/out/dispatch.json. `--profile` also runs one dispatch per database under cProfile (after the
timed rounds, on a fresh store) and prints the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dispatch import tasks as T
from dispatch.store import engine, open_store, task_events

OUT = ROOT / "bench" / "out"
TARGET_S = 5.0
KIND_MIX = {"unregistered": 0.30, "not_found": 0.15, "address_mismatch": 0.20, "status_conflict": 0.15,
            "high_risk": 0.20}
N_STREETS, N_GRIDS = 10, 6
DISTRICT = "440306"
ACTOR = T.Actor("bench", "district_leader")

SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢洪郭邱曾廖赖徐周叶苏庄吕江何萧罗高"
SHOP_WORDS = ["五金", "便利店", "餐饮", "电子", "物流", "贸易", "服装", "美容", "汽修", "建材", "茶行", "药房"]
ROADS = ["宝安大道", "创业路", "新安六路", "建安一路", "西乡大道", "航城大道", "沙井路", "福永大道", "松岗大道", "石岩路"]
DETAIL = {
    "unregistered": "网格员{d}在{road}{no}号采集到经营户“{name}”，营业执照号缺失，税务登记中{m}米内未找到名称或地址相近的纳税人，疑似无照经营。",
    "not_found": "纳税人“{name}”登记地址为{road}{no}号，但网格员{d}两次走访该地址及周边{m}米均未采集到对应经营主体，状态仍为正常。",
    "address_mismatch": "网格采集的“{name}”位于{road}{no}号，与关联纳税人的登记地址相距{m}米，超出同一经营地的判定范围，请现场确认实际经营地址。",
    "status_conflict": "纳税人“{name}”在税务系统中为非正常户，但网格员{d}在{road}{no}号采集时其仍在正常营业，请核实当前经营状态。",
    "high_risk": "纳税人“{name}”综合风险评分较高，近十二个月申报收入与用电、开票及同业水平差异明显，且存在零申报，建议上门核查。",
}
REASONS = [
    ("zero_declaration_streak", "连续零申报超过6个月", "Zero declarations for more than 6 months"),
    ("revenue_below_peers", "申报收入显著低于同行业同规模纳税人", "Declared revenue far below peers of its size"),
    ("invoice_revenue_gap", "开票金额与申报收入差异较大", "Invoiced amount differs from declared revenue"),
    ("address_shared", "同一地址登记多家纳税人", "Several taxpayers registered at one address"),
    ("frequent_changes", "近一年频繁变更法人或经营地址", "Frequent changes of legal person or address"),
    ("tax_burden_low", "税负率低于行业预警值", "Tax burden below the industry warning level"),
    ("late_filing", "多次逾期申报", "Repeatedly late filings"),
    ("unit_not_found", "网格采集未见实际经营", "Not seen operating by the grid survey"),
]


def uscc(rng: random.Random, i: int) -> str:
    """A USCC-shaped id (18 characters), unique by ``i`` (the check digit is not computed)."""
    return f"91440300{rng.choice('MA0123456789')}{i:08d}{rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')}"


def build(n: int, seed: int) -> tuple[list[T.Candidate], list[T.Officer]]:
    rng = random.Random(seed)
    streets = [f"{DISTRICT}{s + 1:03d}" for s in range(N_STREETS)]
    grids = {s: [f"{s}{g + 1:04d}" for g in range(N_GRIDS)] for s in streets}
    officers: list[T.Officer] = []
    for si, s in enumerate(streets):
        for w in range(N_GRIDS - 1):  # grid worker w covers grids w and w + 1
            officers.append(T.Officer(f"GW{si + 1:02d}{w + 1:02d}", f"{rng.choice(SURNAMES)}网格员{w + 1}",
                                      "grid_worker", s, (grids[s][w], grids[s][w + 1])))
        officers.append(T.Officer(f"TO{si + 1:02d}01", f"{rng.choice(SURNAMES)}税管员", "tax_officer", s,
                                  tuple(grids[s])))
    kinds = list(KIND_MIX)
    out: list[T.Candidate] = []
    for i in range(n):
        kind = rng.choices(kinds, weights=list(KIND_MIX.values()))[0]
        street = rng.choice(streets)
        grid = rng.choice(grids[street])
        name = f"深圳市宝安区{rng.choice(SURNAMES)}记{rng.choice(SHOP_WORDS)}{'店' if rng.random() < 0.5 else '有限公司'}"
        record_id = f"CJ2025{i:07d}" if kind in ("unregistered", "address_mismatch", "status_conflict") else None
        taxpayer_id = uscc(rng, i) if kind != "unregistered" else None
        score = round(rng.uniform(0.3, 0.99), 4)
        detail = DETAIL[kind].format(name=name, road=rng.choice(ROADS), no=rng.randint(1, 399),
                                     m=rng.randint(50, 900), d=f"{rng.choice(SURNAMES)}某")
        evidence: dict = {"detail": detail}
        if record_id:
            evidence["link"] = {"method": "splink" if taxpayer_id else None,
                                "probability": round(rng.uniform(0.5, 1.0), 4) if taxpayer_id else None,
                                "candidate": uscc(rng, n + i) if rng.random() < 0.2 else None}
        if taxpayer_id:
            picked = rng.sample(REASONS, 3)
            contributions = sorted((round(rng.uniform(0.05, 0.4), 4) for _ in picked), reverse=True)
            evidence["risk"] = {"score": score, "level": "high" if score >= 0.7 else "medium",
                                "reasons": [{"code": c, "zh": zh, "en": en, "contribution": w}
                                            for (c, zh, en), w in zip(picked, contributions)]}
        out.append(T.Candidate(kind, record_id, taxpayer_id, name, street, grid,
                               f"89{rng.getrandbits(52):013x}"[:15], round(113.8 + rng.random() * 0.1, 6),
                               round(22.55 + rng.random() * 0.2, 6), score, evidence))
    assert len({c.open_key for c in out}) == n, "subjects must be distinct"
    return out, officers


def raw_rows(candidates: list[T.Candidate]) -> list[dict]:
    """The task rows dispatch would write, unassigned and outside any batch (for the baseline)."""
    stamp = dt.datetime(2026, 11, 25, 9, 0, 0)
    return [{
        "kind": c.kind, "subject_key": c.subject_key, "record_id": c.record_id, "taxpayer_id": c.taxpayer_id,
        "subject_name": c.name, "street_code": c.street_code, "grid_code": c.grid_code, "h3_9": c.h3_9,
        "lng": c.lng, "lat": c.lat, "priority": float(c.priority), "state": "new", "officer_id": None,
        "due_at": T.due_for(c.kind, stamp), "created_at": stamp, "created_by": "bench", "updated_at": stamp,
        "batch_id": None, "version": 1, "open_key": c.open_key,
        "evidence": json.dumps(c.evidence, ensure_ascii=False, default=str),
    } for c in candidates]


# --- stores ---------------------------------------------------------------------------------------------


def sqlite_stores(tmp: Path) -> Callable[[], object]:
    @contextmanager
    def fresh() -> Iterator[sa.Engine]:
        path = tmp / f"store-{uuid.uuid4().hex[:8]}.sqlite"
        eng = open_store(f"sqlite:///{path}")
        try:
            yield eng
        finally:
            eng.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return fresh


def pg_stores(url: str) -> Callable[[], object]:
    separator = "&" if "?" in url else "?"

    @contextmanager
    def fresh() -> Iterator[sa.Engine]:
        schema = f"taxmap_bench_{uuid.uuid4().hex[:10]}"
        admin = engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"create schema {schema}")
        eng = None
        try:
            eng = open_store(f"{url}{separator}options=-csearch_path%3D{schema}")
            yield eng
        finally:
            if eng is not None:
                eng.dispose()
            with admin.begin() as conn:
                conn.exec_driver_sql(f"drop schema {schema} cascade")
            admin.dispose()
    return fresh


def count(eng: sa.Engine, table: sa.Table) -> int:
    with eng.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def warm(eng: sa.Engine) -> None:
    """Open the pool's connection before the clock starts (connecting is not what is measured)."""
    with eng.connect() as conn:
        conn.execute(sa.text("select 1"))


# --- the measurements -----------------------------------------------------------------------------------


def one_round(fresh, candidates, officers, rows) -> dict:
    n = len(candidates)
    with fresh() as eng:
        warm(eng)
        t = time.perf_counter()
        preview = T.plan(eng, candidates, officers)
        preview_s = time.perf_counter() - t
        assert len(preview.rows) == n and preview.duplicates == 0, (len(preview.rows), preview.duplicates)
        assert all(officer for _c, officer in preview.rows), "every grid has an officer: all assigned"

        t = time.perf_counter()
        first = T.dispatch(eng, candidates, officers, ACTOR)
        dispatch_s = time.perf_counter() - t
        assert first.created == n and first.duplicates == 0, (first.created, first.duplicates)
        assert count(eng, T.tasks) == n
        n_events = count(eng, task_events)
        assert n_events == n, n_events

        t = time.perf_counter()
        again = T.dispatch(eng, candidates, officers, ACTOR)
        redispatch_s = time.perf_counter() - t
        assert again.created == 0 and again.duplicates == n, (again.created, again.duplicates)
        assert count(eng, T.tasks) == n and count(eng, task_events) == n
        per_officer = sorted(first.per_officer.values())

    with fresh() as eng:
        warm(eng)
        t = time.perf_counter()
        with eng.begin() as conn:
            conn.execute(T.tasks.insert(), rows)
        raw_s = time.perf_counter() - t
        assert count(eng, T.tasks) == n

    return {"dispatch_s": dispatch_s, "preview_s": preview_s, "redispatch_s": redispatch_s, "raw_insert_s": raw_s,
            "created": first.created, "events": n_events, "redispatch_created": again.created,
            "redispatch_duplicates": again.duplicates, "officers_used": len(per_officer),
            "tasks_per_officer_min_max": [per_officer[0], per_officer[-1]]}


def profile_once(fresh, candidates, officers, label: str, top: int = 30) -> str:
    with fresh() as eng:
        warm(eng)
        profiler = cProfile.Profile()
        profiler.enable()
        T.dispatch(eng, candidates, officers, ACTOR)
        profiler.disable()
    OUT.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(OUT / f"dispatch-{label}.prof")
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def measure(args, databases, candidates, officers, rows, results: list, profiles: dict) -> None:
    for label, fresh in databases:
        rounds = []
        for i in range(args.repeat):
            rounds.append(one_round(fresh, candidates, officers, rows))
            print(f"{label} round {i + 1}: " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                                             for k, v in rounds[-1].items()}), file=sys.stderr)
        med = {k: statistics.median(r[k] for r in rounds)
               for k in ("dispatch_s", "preview_s", "redispatch_s", "raw_insert_s")}
        server = None
        if label == "PostgreSQL":
            eng = engine(args.pg_url)
            with eng.connect() as conn:
                server = conn.exec_driver_sql("show server_version").scalar_one()
            eng.dispose()
        results.append({"database": label, "server_version": server, "n": args.n, **med,
                        "ratio_to_raw": med["dispatch_s"] / med["raw_insert_s"],
                        "target_s": TARGET_S, "target_met": med["dispatch_s"] <= TARGET_S, "rounds": rounds})
        if args.profile:
            profiles[label] = profile_once(fresh, candidates, officers, label.lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("TAXMAP_TEST_DATABASE_URL"),
                        help="PostgreSQL server (default: TAXMAP_TEST_DATABASE_URL); a schema per store")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--profile", action="store_true", help="also profile one dispatch per database")
    args = parser.parse_args()

    t = time.perf_counter()
    candidates, officers = build(args.n, args.seed)
    rows = raw_rows(candidates)
    build_s = time.perf_counter() - t
    evidence_chars = statistics.mean(len(r["evidence"]) for r in rows)
    print(f"{args.n:,} candidates, {len(officers)} officers, evidence {evidence_chars:.0f} characters on average "
          f"(built in {build_s:.1f} s)", file=sys.stderr)

    tmp = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    databases: list[tuple[str, Callable[[], object]]] = [("SQLite", sqlite_stores(tmp))]
    if args.pg_url and not args.no_pg:
        databases.append(("PostgreSQL", pg_stores(args.pg_url)))

    results = []
    profiles = {}
    try:
        measure(args, databases, candidates, officers, rows, results, profiles)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    meta = {"n": args.n, "repeat": args.repeat, "seed": args.seed, "officers": len(officers),
            "evidence_chars_mean": evidence_chars, "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
            "python": sys.version.split()[0], "sqlalchemy": sa.__version__,
            "sqlite": __import__("sqlite3").sqlite_version, "at": dt.datetime.now().isoformat(timespec="seconds")}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dispatch.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2, ensure_ascii=False))
    for label, text in profiles.items():
        print(f"\n--- cProfile, one dispatch on {label} (bench/out/dispatch-{label.lower()}.prof) ---\n{text}")
    print(render(results, meta))


def render(results: list[dict], meta: dict) -> str:
    lines = [(f"{meta['n']:,} tasks, {meta['officers']} officers, median of {meta['repeat']} rounds, each on a fresh "
              f"store; target: dispatch ≤ {TARGET_S:.0f} s."), "",
             ("| database | dispatch (median) | preview (`plan`) | re-dispatch (all duplicates) | raw insert baseline "
              "| dispatch / raw | ≤ 5 s |"),
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['database']} | {r['dispatch_s']:.2f} s | {r['preview_s']:.2f} s | {r['redispatch_s']:.2f} s "
                     f"| {r['raw_insert_s']:.2f} s | {r['ratio_to_raw']:.1f}× | {'yes' if r['target_met'] else '**no**'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
