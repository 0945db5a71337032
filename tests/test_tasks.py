"""The task workflow (dispatch.tasks): transitions, permissions, optimistic locking, deduplication,
assignment, deadlines, random draws and the export back to the ETL; on SQLite and, when
TAXMAP_TEST_DATABASE_URL is set, on PostgreSQL. Concurrency with threads and processes."""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from dispatch import tasks as T
from dispatch.store import audit_log, engine, open_store, task_batches, task_events, tasks

LEADER = T.Actor("leader", "district_leader")
STREET_A = T.Actor("street_a", "street_leader", frozenset({"S1"}))
OFFICERS = [
    T.Officer("G1", "网格员甲", "grid_worker", "S1", ("S1-01",)),
    T.Officer("G2", "网格员乙", "grid_worker", "S1", ("S1-01", "S1-02")),
    T.Officer("X1", "管理员丙", "tax_officer", "S1", ("S1-01", "S1-02")),
    T.Officer("G3", "网格员丁", "grid_worker", "S2", ("S2-01",)),
]


def officer(officer_id: str) -> T.Actor:
    return T.Actor(f"user_{officer_id}", "officer", officer_id=officer_id)


def cand(i: int, kind: str = "unregistered", street: str = "S1", grid: str = "S1-01") -> T.Candidate:
    unit = kind != "not_found" and kind not in ("high_risk", "random_check")
    return T.Candidate(kind, f"R{i:05d}" if unit else None, None if unit else f"TP{i:05d}", f"单位{i}", street, grid,
                       evidence={"detail": f"证据 {i}"})


def one_task(store, kind="unregistered", i=1, grid="S1-01") -> dict:
    T.dispatch(store, [cand(i, kind, grid=grid)], OFFICERS, LEADER)
    return T.list_tasks(store, limit=1)[0]


def test_the_whole_loop_with_events_and_audit(store):
    task = one_task(store)
    assert task["state"] == "assigned" and task["officer_id"] in ("G1", "G2") and task["version"] == 1
    me = officer(task["officer_id"])
    assert T.allowed_actions(me, task) == ["accept", "decline"]
    assert set(T.allowed_actions(LEADER, task)) == {"assign", "cancel"}
    steps = [("accept", me, {}), ("report", me, {"result": "newly_registered", "note": "已办照",
                                                  "result_taxpayer_id": "91440300MA5XXXXX1A"}),
             ("return", LEADER, {"note": "缺少照片"}), ("report", me, {"result": "newly_registered", "note": "补充"}),
             ("review", LEADER, {}), ("close", LEADER, {})]
    version = 1
    for action, actor, inputs in steps:
        task = T.transition(store, task["task_id"], action, actor, version, **inputs)
        version += 1
        assert task["version"] == version
    assert task["state"] == "closed" and task["open_key"] is None and task["closed_at"] is not None
    history = [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in T.events(store, task["task_id"])]
    assert history == [("create", None, "assigned", "leader"), ("accept", "assigned", "accepted", me.username),
                       ("report", "accepted", "reported", me.username), ("return", "reported", "returned", "leader"),
                       ("report", "returned", "reported", me.username), ("review", "reported", "reviewed", "leader"),
                       ("close", "reviewed", "closed", "leader")]
    with store.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).where(audit_log.c.action.startswith("task."))
                               .order_by(audit_log.c.audit_id)).scalars().all()
    assert actions == ["task.dispatch", "task.accept", "task.report", "task.return", "task.report", "task.review",
                       "task.close"]
    # the events are append-only in the database itself
    with pytest.raises(sa.exc.DBAPIError), store.begin() as conn:
        conn.execute(task_events.update().values(note="rewritten"))


def test_refusals_say_why(store):
    task = one_task(store)
    other = officer("G3")
    with pytest.raises(T.Forbidden):
        T.transition(store, task["task_id"], "accept", other, 1)
    with pytest.raises(T.Forbidden):
        T.transition(store, task["task_id"], "cancel", T.Actor("street_b", "street_leader", frozenset({"S2"})), 1,
                     note="x")
    with pytest.raises(T.Forbidden):
        T.transition(store, task["task_id"], "review", T.Actor("ana", "analyst"), 1)
    me = officer(task["officer_id"])
    with pytest.raises(T.TaskError, match="needs one of"):
        T.transition(store, task["task_id"], "report", me, 1, result="not_found")
    with pytest.raises(T.TaskError, match="note"):
        T.transition(store, task["task_id"], "decline", me, 1, note="  ")
    T.transition(store, task["task_id"], "accept", me, 1)
    with pytest.raises(T.TaskError, match="result"):
        T.transition(store, task["task_id"], "report", me, 2, result="made_up")
    with pytest.raises(T.Forbidden, match="may not dispatch"):
        T.dispatch(store, [cand(2)], OFFICERS, officer("G1"))
    with pytest.raises(T.Forbidden, match="S2"):
        T.dispatch(store, [cand(3, street="S2", grid="S2-01")], OFFICERS, STREET_A)
    assert T.get_task(store, task["task_id"])["state"] == "accepted"


def test_a_stale_version_is_a_conflict_not_a_lost_update(store):
    task = one_task(store)
    T.transition(store, task["task_id"], "assign", STREET_A, 1, officer_id="X1")
    with pytest.raises(T.Conflict):
        T.transition(store, task["task_id"], "assign", LEADER, 1, officer_id="G1")
    assert T.get_task(store, task["task_id"])["officer_id"] == "X1"


def test_declined_tasks_go_back_to_a_leader_and_cancel_frees_the_subject(store):
    task = one_task(store)
    me = officer(task["officer_id"])
    T.transition(store, task["task_id"], "decline", me, 1, note="不在我的网格")
    assert T.allowed_actions(me, T.get_task(store, task["task_id"])) == []
    T.transition(store, task["task_id"], "assign", LEADER, 2, officer_id="X1")
    assert T.dispatch(store, [cand(1)], OFFICERS, LEADER).created == 0  # still open: no second task
    T.transition(store, task["task_id"], "cancel", LEADER, 3, note="重复采集")
    again = T.dispatch(store, [cand(1)], OFFICERS, LEADER)
    assert again.created == 1 and again.duplicates == 0


def test_dispatch_deduplicates_and_balances_by_grid(store):
    batch = [cand(i) for i in range(10)] + [cand(i, "high_risk", grid="S1-02") for i in range(4)]
    preview = T.plan(store, batch + batch[:3], OFFICERS)
    assert preview.duplicates == 3 and len(preview.rows) == 14
    assert preview.per_officer() == {"G1": 5, "G2": 5, "X1": 4}  # field checks to grid workers, risk to X1
    result = T.dispatch(store, batch + batch[:3], OFFICERS, LEADER, params={"cells": ["x"]})
    assert (result.created, result.duplicates) == (14, 3) and result.per_officer == preview.per_officer()
    # the next batch sees the open workload: the new tasks go to the officer with fewer
    T.transition(store, T.list_tasks(store, officer_id="G1")[0]["task_id"], "cancel", LEADER, 1, note="误报")
    assert T.plan(store, [cand(100)], OFFICERS).per_officer() == {"G1": 1}
    # a grid nobody covers: the street's officers; a street nobody covers: left new for a leader
    assert T.plan(store, [cand(200, grid="S1-99")], OFFICERS).rows[0][1] in {"G1", "G2", "X1"}
    assert T.plan(store, [cand(201, street="S9", grid="S9-01")], OFFICERS).rows[0][1] is None
    with store.connect() as conn:
        params = conn.execute(sa.select(task_batches.c.params, task_batches.c.n_tasks)).first()
    assert '"cells": ["x"]' in params.params and params.n_tasks == 14


def test_deadlines_and_the_escalation_list(store):
    T.dispatch(store, [cand(i) for i in range(3)], OFFICERS, LEADER)
    ids = [t["task_id"] for t in T.list_tasks(store)]
    assert all(t["due_at"] - t["created_at"] == dt.timedelta(days=10) for t in T.list_tasks(store))
    with store.begin() as conn:
        conn.execute(tasks.update().where(tasks.c.task_id.in_(ids[:2])).values(due_at=T.now() - dt.timedelta(days=1)))
    overdue = T.list_tasks(store, overdue_only=True)
    assert sorted(t["task_id"] for t in overdue) == sorted(ids[:2]) and all(t["overdue"] for t in overdue)
    task = T.get_task(store, ids[0])
    me = officer(task["officer_id"])
    T.transition(store, ids[0], "accept", me, 1)
    T.transition(store, ids[0], "report", me, 2, result="verified_operating")
    summary = T.summary(store)
    assert summary["overdue"] == 1 and summary["open"] == 3 and summary["by_state"]["reported"] == 1
    assert T.per_street(store) == [{"street_code": "S1", "n": 3, "closed": 0, "open": 3, "overdue": 1,
                                    "closed_rate": 0.0}]


def test_bulk_actions_do_what_they_can_and_say_what_they_could_not(store):
    T.dispatch(store, [cand(i) for i in range(4)], OFFICERS, LEADER)
    rows = T.list_tasks(store)
    items = [(t["task_id"], t["version"]) for t in rows]
    items[0] = (items[0][0], 7)  # stale
    done, failed = T.bulk_transition(store, items, "assign", STREET_A, officer_id="X1")
    assert len(done) == 3 and list(failed) == [rows[0]["task_id"]] and "reload" in failed[rows[0]["task_id"]]
    assert {t["officer_id"] for t in T.list_tasks(store) if t["task_id"] in done} == {"X1"}


def test_results_export_in_the_etl_layout(store, tmp_path, tiny_input):
    from etl import db
    from etl.pipeline import run_etl
    from tiny_region import uscc

    T.dispatch(store, [T.Candidate("unregistered", "R005", None, "无照小卖部", "S1", "S1-01"),
                       T.Candidate("not_found", None, uscc(5), "空壳商贸", "S1", "S1-01")], OFFICERS, LEADER)
    for task in T.list_tasks(store):
        me = officer(task["officer_id"])
        T.transition(store, task["task_id"], "accept", me, 1)
        result = "deregistered" if task["kind"] == "unregistered" else "not_found"
        T.transition(store, task["task_id"], "report", me, 2, result=result, note="现场核实")
    first = T.list_tasks(store)[0]
    T.transition(store, first["task_id"], "review", LEADER, 3)
    path, n = T.export_results(store, tmp_path / "export")
    assert n == 1
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1  # only what a leader approved goes back
    assert set(rows[0]) == {"task_id", "record_id", "taxpayer_id", "result", "verified_at", "officer_id", "note"}
    (tiny_input / "task_results.csv").write_bytes(path.read_bytes())
    warehouse = run_etl(tiny_input, tmp_path / "out").warehouse
    con = db.connect(warehouse, read_only=True)
    try:
        staged = con.execute("select task_id, result_code from stg_task_results").fetchall()
    finally:
        con.close()
    assert staged == [(rows[0]["task_id"], "deregistered" if rows[0]["record_id"] else "not_found")]


# --- concurrency ----------------------------------------------------------------------------------------


def _race_assign(url: str, task_ids: list[int], officer_id: str, barrier) -> list[int]:
    """One worker: try to assign every task at version 1 to ``officer_id``; return the ids it won."""
    eng = engine(url)
    won = []
    if barrier is not None:
        barrier.wait()
    for task_id in task_ids:
        try:
            T.transition(eng, task_id, "assign", T.Actor(f"lead_{officer_id}", "district_leader"), 1,
                         officer_id=officer_id)
            won.append(task_id)
        except T.Conflict:
            pass
    eng.dispose()
    return won


def _race_dispatch(url: str, start: int, barrier) -> int:
    eng = engine(url)
    if barrier is not None:
        barrier.wait()
    created = T.dispatch(eng, [cand(i) for i in range(start, start + 300)], OFFICERS, LEADER).created
    eng.dispose()
    return created


def _url(store) -> str:
    return store.url.render_as_string(hide_password=False)


def test_many_threads_never_double_assign_nor_lose_an_update(store):
    T.dispatch(store, [cand(i) for i in range(40)], OFFICERS, LEADER, assign=False)
    ids = [t["task_id"] for t in T.list_tasks(store)]
    officers = ["G1", "G2", "X1", "G3", "G1", "G2", "X1", "G3"]
    with ThreadPoolExecutor(len(officers)) as pool:
        wins = list(pool.map(lambda o: _race_assign(_url(store), ids, o, None), officers))
    winners = [i for won in wins for i in won]
    assert sorted(winners) == sorted(ids)  # each task won exactly once
    with store.connect() as conn:
        n_assign = conn.execute(sa.select(sa.func.count()).select_from(task_events)
                                .where(task_events.c.action == "assign")).scalar_one()
    assert n_assign == len(ids)
    assert {t["version"] for t in T.list_tasks(store)} == {2}
    # lost updates: each worker reassigns until it succeeds; every success is a version
    def reassign(officer_id: str) -> int:
        eng = engine(_url(store))
        for _ in range(200):
            task = T.get_task(eng, ids[0])
            try:
                T.transition(eng, ids[0], "assign", LEADER, task["version"],
                             officer_id=officer_id if task["officer_id"] != officer_id else "G3")
                eng.dispose()
                return 1
            except (T.Conflict, T.TaskError):
                continue
        eng.dispose()
        return 0
    with ThreadPoolExecutor(6) as pool:
        successes = sum(pool.map(reassign, ["G1", "G2", "X1", "G1", "G2", "X1"]))
    assert successes == 6 and T.get_task(store, ids[0])["version"] == 2 + successes
    assert len([e for e in T.events(store, ids[0]) if e["action"] == "assign"]) == 1 + successes


def test_concurrent_dispatch_never_makes_two_open_tasks(store):
    # overlapping batches of 300 from 6 threads: 0–299, 100–399, ... → 800 subjects
    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(lambda s: _race_dispatch(_url(store), s, None), [0, 100, 200, 300, 400, 500]))
    assert sum(created) == 800
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count(sa.distinct(tasks.c.open_key)))).scalar_one() == 800
        assert conn.execute(sa.select(sa.func.count()).select_from(tasks)).scalar_one() == 800


@pytest.mark.slow
def test_processes_racing_on_the_same_store(store):
    """The same races from separate processes (as gunicorn workers would be)."""
    ctx = multiprocessing.get_context("spawn")
    T.dispatch(store, [cand(i) for i in range(30)], OFFICERS, LEADER, assign=False)
    ids = [t["task_id"] for t in T.list_tasks(store)]
    barrier = ctx.Manager().Barrier(4)
    with ctx.Pool(4) as pool:
        wins = pool.starmap(_race_assign, [(_url(store), ids, o, barrier) for o in ("G1", "G2", "X1", "G3")])
        created = pool.starmap(_race_dispatch, [(_url(store), s, barrier) for s in (1000, 1100, 1200, 1300)])
    assert sorted(i for won in wins for i in won) == sorted(ids)
    assert sum(created) == 600
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tasks)).scalar_one() == 630


def test_the_store_upgrades_from_version_1(tmp_path):
    """A store made before tasks existed gains them (and users.officer_id) and keeps its users."""
    from dispatch import store as store_module
    from dispatch import users

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = engine(url)
    first = store_module.MIGRATIONS[:1]
    with old.begin() as conn:
        store_module.migrations_table.create(conn)
        conn.exec_driver_sql("""create table users (user_id integer primary key autoincrement,
            username varchar(64) not null unique, display_name varchar(128) not null, role varchar(32) not null,
            street_codes text not null, grid_codes text not null, password_hash text not null,
            active boolean not null, failed_logins integer not null, locked_until datetime,
            must_change_password boolean not null, created_at datetime not null, updated_at datetime not null)""")
        store_module.metadata.create_all(conn, tables=[audit_log])
        conn.execute(store_module.migrations_table.insert().values(version=1, name=first[0][1],
                                                                   applied_at=T.now()))
    old.dispose()
    eng = open_store(url)
    users.add_user(eng, "someone", "pass-word-2026", "analyst")
    assert users.get_user(eng, "someone").role == "analyst"
    assert T.summary(eng)["total"] == 0
