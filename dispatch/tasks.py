"""Verification tasks: kinds, states, the transitions between them, assignment and deadlines.

One table of allowed transitions (``TRANSITIONS``) decides every state change; each change is one
conditional UPDATE on the task's ``version`` (optimistic locking: two people acting on the same
version, one wins, the other gets ``Conflict``), an append-only ``task_events`` row (who, when, from,
to, note) and an ``audit_log`` row, in one transaction. A subject (unit, taxpayer or the pair) never
has two open tasks of one kind: the store's unique ``open_key`` refuses the second, whoever sends it.

Nothing here reads the warehouse: ``dispatch.sources`` turns warehouse rows into ``Candidate`` and
``Officer`` values, and this module stores them (docs/tasks.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from dispatch import audit
from dispatch.store import now, task_batches, task_events, tasks

# kind: (zh, en, days to report, the officer role preferred for it)
KINDS: dict[str, tuple[str, str, int, str]] = {
    "unregistered": ("核查无照经营", "Verify an unregistered business", 10, "grid_worker"),
    "not_found": ("查找未见纳税人", "Find a taxpayer nobody found", 10, "grid_worker"),
    "address_mismatch": ("确认经营地址", "Confirm an address", 7, "grid_worker"),
    "status_conflict": ("核实经营状态", "Resolve a status conflict", 7, "grid_worker"),
    "high_risk": ("高风险纳税人核查", "Check a high-risk taxpayer", 15, "tax_officer"),
    "random_check": ("双随机抽查", "Random check (双随机)", 20, "tax_officer"),
}

STATES = ("new", "assigned", "accepted", "reported", "reviewed", "closed", "returned", "declined", "canceled")
STATE_LABELS = {
    "new": ("待派发", "New"), "assigned": ("已派发", "Assigned"), "accepted": ("已接收", "Accepted"),
    "reported": ("已反馈", "Reported"), "reviewed": ("已审核", "Reviewed"), "closed": ("已办结", "Closed"),
    "returned": ("已退回", "Returned"), "declined": ("已拒收", "Declined"), "canceled": ("已撤销", "Canceled"),
}
TERMINAL = frozenset({"closed", "canceled"})
OPEN = frozenset(STATES) - TERMINAL
# the officer's deadline runs until the report: these are the states a task can be overdue in
AWAITING_OFFICER = frozenset({"new", "assigned", "accepted", "returned", "declined"})

# action: (states it may start from, the state it leads to, who may do it, what it needs)
# who: "leader" (district leader, or a street leader of the task's street); "assignee" (the officer
# the task is assigned to). needs: "officer" (an officer id), "note", "result".
TRANSITIONS: dict[str, tuple[frozenset[str], str, str, frozenset[str]]] = {
    "assign": (frozenset({"new", "assigned", "accepted", "declined", "returned"}), "assigned", "leader",
               frozenset({"officer"})),
    "accept": (frozenset({"assigned"}), "accepted", "assignee", frozenset()),
    "decline": (frozenset({"assigned", "accepted"}), "declined", "assignee", frozenset({"note"})),
    "report": (frozenset({"accepted", "returned"}), "reported", "assignee", frozenset({"result"})),
    "review": (frozenset({"reported"}), "reviewed", "leader", frozenset()),
    "return": (frozenset({"reported"}), "returned", "leader", frozenset({"note"})),
    "close": (frozenset({"reviewed"}), "closed", "leader", frozenset()),
    "cancel": (frozenset(OPEN), "canceled", "leader", frozenset({"note"})),
}
ACTION_LABELS = {
    "create": ("创建", "Create"), "assign": ("派发", "Assign"), "accept": ("接收", "Accept"),
    "decline": ("拒收", "Decline"), "report": ("反馈", "Report"), "review": ("审核通过", "Approve"),
    "return": ("退回", "Return"), "close": ("办结", "Close"), "cancel": ("撤销", "Cancel"),
}
# what an officer found: the task_results codes the next ETL reads (docs/task-results.md)
RESULTS: dict[str, tuple[str, str]] = {
    "verified_operating": ("已核实在营", "Verified operating"),
    "newly_registered": ("新办登记", "Newly registered"),
    "deregistered": ("已注销", "Deregistered"),
    "moved_out": ("已迁出", "Moved out"),
    "not_found": ("查无此户", "Nothing there"),
}
LEADER_ROLES = ("district_leader", "street_leader")


class TaskError(ValueError):
    """A task action that cannot be done as asked; the message says why."""


class Conflict(TaskError):
    """Someone changed the task since it was read (its version moved on): reload and decide again."""


class Forbidden(TaskError):
    """The actor may not do this to this task (role, area or assignee)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a user's name and role, the streets a street leader answers for, an officer's id."""

    username: str
    role: str
    street_codes: frozenset[str] = frozenset()
    officer_id: str | None = None

    @classmethod
    def of(cls, user) -> Actor:
        return cls(user.username, user.role, frozenset(user.street_codes), getattr(user, "officer_id", None))

    def leads(self, street_code: str | None) -> bool:
        return self.role == "district_leader" or (self.role == "street_leader" and street_code in self.street_codes)


@dataclass(frozen=True)
class Officer:
    officer_id: str
    name: str
    role: str  # grid_worker | tax_officer
    street_code: str | None
    grid_codes: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """A subject to check, as the warehouse shows it now (``dispatch.sources``)."""

    kind: str
    record_id: str | None
    taxpayer_id: str | None
    name: str
    street_code: str | None
    grid_code: str | None
    h3_9: str | None = None
    lng: float | None = None
    lat: float | None = None
    priority: float = 0.0
    evidence: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def subject_key(self) -> str:
        return subject_key(self.record_id, self.taxpayer_id)

    @property
    def open_key(self) -> str:
        return f"{self.kind}|{self.subject_key}"


def subject_key(record_id: str | None, taxpayer_id: str | None) -> str:
    return f"R:{record_id or ''}|T:{taxpayer_id or ''}"


def due_for(kind: str, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(days=KINDS[kind][2])


def _read(conn_or_eng, read):
    """``read(conn)`` in the caller's transaction when given a connection, else on a connection of its own."""
    if isinstance(conn_or_eng, Engine):
        with conn_or_eng.connect() as conn:
            return read(conn)
    return read(conn_or_eng)


# --- assignment ---------------------------------------------------------------------------------------


def open_load(conn_or_eng, officer_ids: Iterable[str] | None = None) -> Counter:
    """Open tasks per officer (the workload assignment balances)."""
    query = (sa.select(tasks.c.officer_id, sa.func.count()).where(tasks.c.state.in_(sorted(OPEN)))
             .where(tasks.c.officer_id.is_not(None)).group_by(tasks.c.officer_id))
    if officer_ids is not None:
        query = query.where(tasks.c.officer_id.in_(sorted(set(officer_ids))))
    return Counter(dict(_read(conn_or_eng, lambda conn: conn.execute(query).all())))


class Assigner:
    """Grid → responsible officer, balancing open workload. An officer of the kind's preferred role
    who covers the grid first; then any officer of the grid; then any officer of the street; else
    none (the task stays ``new`` for a leader to assign). Among those, the fewest open tasks (counting
    the ones this batch gave), then the officer id: the same inputs give the same plan."""

    def __init__(self, officers: Sequence[Officer], load: Counter | None = None):
        self.load = Counter(load or {})
        self.by_grid: dict[str, list[Officer]] = defaultdict(list)
        self.by_street: dict[str, list[Officer]] = defaultdict(list)
        for officer in sorted(officers, key=lambda o: o.officer_id):
            for grid in officer.grid_codes:
                self.by_grid[grid].append(officer)
            if officer.street_code:
                self.by_street[officer.street_code].append(officer)

    def pick(self, kind: str, grid_code: str | None, street_code: str | None) -> str | None:
        preferred = KINDS[kind][3]
        on_grid = self.by_grid.get(grid_code or "", [])
        pool = ([o for o in on_grid if o.role == preferred] or on_grid
                or self.by_street.get(street_code or "", []))
        if not pool:
            return None
        best = min(pool, key=lambda o: (self.load[o.officer_id], o.officer_id)).officer_id
        self.load[best] += 1
        return best


@dataclass(frozen=True)
class Plan:
    """What a dispatch would do: the candidates to create (with their officer), and those skipped
    because the subject already has an open task of the kind."""

    rows: list[tuple[Candidate, str | None]]
    duplicates: int

    def per_officer(self) -> Counter:
        return Counter(officer for _c, officer in self.rows)

    def per_kind(self) -> Counter:
        return Counter(c.kind for c, _o in self.rows)


def open_keys(eng: Engine, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` (kind|subject) have an open task now."""
    keys = sorted(set(keys))
    found: set[str] = set()
    with eng.connect() as conn:
        for i in range(0, len(keys), 5000):
            chunk = keys[i:i + 5000]
            found.update(conn.execute(sa.select(tasks.c.open_key).where(tasks.c.open_key.in_(chunk))).scalars())
    return found


def plan(eng: Engine, candidates: Sequence[Candidate], officers: Sequence[Officer], *, assign: bool = True) -> Plan:
    """The preview of a dispatch: who would get what, given today's open workload."""
    seen: set[str] = set()
    unique = []
    for c in candidates:
        if c.kind not in KINDS:
            raise TaskError(f"unknown task kind {c.kind!r}; one of {', '.join(KINDS)}")
        if c.open_key not in seen:
            seen.add(c.open_key)
            unique.append(c)
    taken = open_keys(eng, seen)
    fresh = [c for c in unique if c.open_key not in taken]
    assigner = Assigner(officers, open_load(eng) if assign else None)
    rows = [(c, assigner.pick(c.kind, c.grid_code, c.street_code) if assign else None) for c in fresh]
    return Plan(rows, len(candidates) - len(fresh))


def _insert_ignoring_open(conn: Connection, rows: list[dict]) -> None:
    """Insert tasks; a row whose open_key is taken (by an earlier or a concurrent dispatch) is skipped.
    No RETURNING: the rows of a batch are found again by their batch_id (much faster on psycopg)."""
    if not rows:
        return
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(conn.dialect.name)
    if dialect is None:
        raise TaskError(f"the task store supports SQLite and PostgreSQL, not {conn.dialect.name}")
    stmt = dialect.insert(tasks).on_conflict_do_nothing(index_elements=["open_key"])
    for i in range(0, len(rows), 5000):
        conn.execute(stmt, rows[i:i + 5000])


@dataclass(frozen=True)
class DispatchResult:
    batch_id: int
    created: int
    duplicates: int
    per_officer: dict[str | None, int]


def dispatch(eng: Engine, candidates: Sequence[Candidate], officers: Sequence[Officer], actor: Actor, *,
             params: dict | None = None, batch_kind: str = "dispatch", assign: bool = True) -> DispatchResult:
    """Create one task per candidate (none for a subject with an open task of the kind), assigned by
    grid with balanced workload, in one transaction with its batch, events and one audit row."""
    if actor.role not in LEADER_ROLES:
        raise Forbidden(f"{actor.role} may not dispatch tasks")
    outside = {c.street_code for c in candidates if not actor.leads(c.street_code)}
    if outside:
        raise Forbidden(f"{actor.username} does not lead street(s) {', '.join(sorted(map(str, outside)))}")
    the_plan = plan(eng, candidates, officers, assign=assign)
    stamp = now()
    with eng.begin() as conn:
        batch_id = conn.execute(task_batches.insert().values(
            at=stamp, actor=actor.username, kind=batch_kind, n_tasks=0,
            params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True, default=str))).inserted_primary_key[0]
        rows = [{
            "kind": c.kind, "subject_key": c.subject_key, "record_id": c.record_id, "taxpayer_id": c.taxpayer_id,
            "subject_name": c.name or "", "street_code": c.street_code, "grid_code": c.grid_code, "h3_9": c.h3_9,
            "lng": c.lng, "lat": c.lat, "priority": float(c.priority or 0.0),
            "state": "assigned" if officer else "new", "officer_id": officer, "due_at": due_for(c.kind, stamp),
            "created_at": stamp, "created_by": actor.username, "updated_at": stamp, "batch_id": batch_id,
            "version": 1, "open_key": c.open_key,
            "evidence": json.dumps(c.evidence, ensure_ascii=False, default=str),
        } for c, officer in the_plan.rows]
        _insert_ignoring_open(conn, rows)
        # one "create" event per task the batch really inserted (those skipped as open have another batch)
        conn.execute(task_events.insert().from_select(
            ["task_id", "at", "actor", "action", "from_state", "to_state", "officer_id", "note"],
            sa.select(tasks.c.task_id, sa.literal(stamp, sa.DateTime), sa.literal(actor.username),
                      sa.literal("create"), sa.null(), tasks.c.state, tasks.c.officer_id,
                      sa.literal(f"batch {batch_id}")).where(tasks.c.batch_id == batch_id)))
        per_officer = Counter(dict(conn.execute(
            sa.select(tasks.c.officer_id, sa.func.count()).where(tasks.c.batch_id == batch_id)
            .group_by(tasks.c.officer_id)).all()))
        created = sum(per_officer.values())
        conn.execute(task_batches.update().where(task_batches.c.batch_id == batch_id).values(n_tasks=created))
        audit.record(conn, actor.username, f"task.{batch_kind}", f"batch {batch_id}", "ok",
                     f"created={created} duplicates={len(candidates) - created} "
                     + json.dumps(params or {}, ensure_ascii=False, sort_keys=True, default=str)[:1500])
    return DispatchResult(batch_id, created, len(candidates) - created, dict(per_officer))


# --- transitions --------------------------------------------------------------------------------------


def get_task(conn_or_eng, task_id: int) -> dict | None:
    query = sa.select(tasks).where(tasks.c.task_id == task_id)
    row = _read(conn_or_eng, lambda conn: conn.execute(query).first())
    return dict(row._mapping) if row else None


def may(actor: Actor, task: dict, action: str) -> bool:
    """Whether ``actor`` may do ``action`` to ``task`` by role, area and assignment (not state)."""
    if action not in TRANSITIONS:
        return False
    who = TRANSITIONS[action][2]
    if who == "leader":
        return actor.leads(task["street_code"])
    return actor.role == "officer" and actor.officer_id is not None and task["officer_id"] == actor.officer_id


def allowed_actions(actor: Actor, task: dict) -> list[str]:
    """The actions ``actor`` can take on ``task`` now (the buttons a page shows)."""
    return [a for a, (sources, *_rest) in TRANSITIONS.items() if task["state"] in sources and may(actor, task, a)]


def transition(eng: Engine, task_id: int, action: str, actor: Actor, version: int, *, note: str | None = None,
               officer_id: str | None = None, result: str | None = None, result_taxpayer_id: str | None = None,
               photo: str | None = None, remote_addr: str | None = None) -> dict:
    """Do ``action`` to the task at ``version``; returns the task as it is after. Raises ``Forbidden``,
    ``TaskError`` (a state or an input that does not allow it) or ``Conflict`` (a newer version)."""
    with eng.begin() as conn:
        task = _apply(conn, task_id, action, actor, version, note=note, officer_id=officer_id, result=result,
                      result_taxpayer_id=result_taxpayer_id, photo=photo)
        audit.record(conn, actor.username, f"task.{action}", f"task {task_id}", "ok",
                     f"{task['from_state']}→{task['state']}" + (f" officer={officer_id}" if officer_id else "")
                     + (f" result={result}" if result else "") + (f" note={note}" if note else ""), remote_addr)
    task.pop("from_state")
    return task


def bulk_transition(eng: Engine, items: Sequence[tuple[int, int]], action: str, actor: Actor, *,
                    note: str | None = None, officer_id: str | None = None,
                    remote_addr: str | None = None) -> tuple[list[int], dict[int, str]]:
    """``action`` on many (task_id, version) in one transaction; each task is checked on its own. Returns
    the ids done and, for the others, why not (a conflict or a refusal): one stale row does not undo
    the rest."""
    done: list[int] = []
    failed: dict[int, str] = {}
    with eng.begin() as conn:
        for task_id, version in items:
            try:  # _apply writes nothing before its last check passes: a refusal leaves no trace to undo
                _apply(conn, task_id, action, actor, version, note=note, officer_id=officer_id)
                done.append(task_id)
            except TaskError as exc:
                failed[task_id] = str(exc)
        if done:
            audit.record(conn, actor.username, f"task.{action}", f"{len(done)} tasks", "ok",
                         ",".join(map(str, done))[:1500] + (f" officer={officer_id}" if officer_id else "")
                         + (f" note={note}" if note else ""), remote_addr)
    return done, failed


def _apply(conn: Connection, task_id: int, action: str, actor: Actor, version: int, **inputs) -> dict:
    if action not in TRANSITIONS:
        raise TaskError(f"unknown action {action!r}; one of {', '.join(TRANSITIONS)}")
    sources, target, _who, needs = TRANSITIONS[action]
    task = get_task(conn, task_id)
    if task is None:
        raise TaskError(f"no task {task_id}")
    if not may(actor, task, action):
        raise Forbidden(f"{actor.username} ({actor.role}) may not {action} task {task_id}")
    if task["version"] != version:
        raise Conflict(f"task {task_id} changed (version {task['version']}, not {version}): reload it")
    if task["state"] not in sources:
        raise TaskError(f"task {task_id} is {task['state']}: {action} needs one of {', '.join(sorted(sources))}")
    note = (inputs.get("note") or "").strip() or None
    if "note" in needs and not note:
        raise TaskError(f"{action} needs a note saying why")
    stamp = now()
    values: dict = {"state": target, "version": version + 1, "updated_at": stamp}
    if "officer" in needs:
        if not inputs.get("officer_id"):
            raise TaskError("assign needs an officer")
        values["officer_id"] = inputs["officer_id"]
    if "result" in needs:
        if inputs.get("result") not in RESULTS:
            raise TaskError(f"report needs a result, one of {', '.join(RESULTS)}")
        values.update(result_code=inputs["result"], result_note=note, reported_at=stamp,
                      result_taxpayer_id=(inputs.get("result_taxpayer_id") or "").strip() or None)
        if inputs.get("photo"):
            values["photo"] = inputs["photo"]
    if target in TERMINAL:
        values.update(open_key=None, closed_at=stamp)
    if action == "assign" and task["state"] == "assigned" and task["officer_id"] == inputs["officer_id"]:
        raise TaskError(f"task {task_id} is assigned to {inputs['officer_id']} already")
    # the version in the WHERE clause is what makes it safe: a concurrent change made it stale
    changed = conn.execute(tasks.update().where(tasks.c.task_id == task_id, tasks.c.version == version,
                                                tasks.c.state.in_(sorted(sources))).values(**values)).rowcount
    if changed != 1:
        raise Conflict(f"task {task_id} changed while you acted on it: reload it")
    conn.execute(task_events.insert().values(task_id=task_id, at=stamp, actor=actor.username, action=action,
                                             from_state=task["state"], to_state=target,
                                             officer_id=values.get("officer_id", task["officer_id"]), note=note))
    return {**task, **values, "from_state": task["state"]}


# --- reading ------------------------------------------------------------------------------------------


def events(eng: Engine, task_id: int) -> list[dict]:
    with eng.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(task_events).where(task_events.c.task_id == task_id).order_by(task_events.c.event_id))]


def recent_events(eng: Engine, street_codes: frozenset[str] | None = None, limit: int = 20) -> list[dict]:
    """The newest task events (of the streets given; None: all), with the task's kind and name."""
    query = (sa.select(task_events, tasks.c.kind, tasks.c.subject_name, tasks.c.street_code)
             .join(tasks, tasks.c.task_id == task_events.c.task_id)
             .order_by(task_events.c.event_id.desc()).limit(limit))
    if street_codes is not None:
        query = query.where(tasks.c.street_code.in_(sorted(street_codes)))
    with eng.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def list_tasks(eng: Engine, *, street_codes: frozenset[str] | None = None, officer_id: str | None = None,
               states: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
               overdue_only: bool = False, limit: int | None = None) -> list[dict]:
    """Tasks of the streets (None: all) or of one officer, newest first, with ``overdue``."""
    query = sa.select(tasks).order_by(tasks.c.task_id.desc())
    if street_codes is not None:
        query = query.where(tasks.c.street_code.in_(sorted(street_codes)))
    if officer_id is not None:
        query = query.where(tasks.c.officer_id == officer_id)
    if states:
        query = query.where(tasks.c.state.in_(sorted(states)))
    if kinds:
        query = query.where(tasks.c.kind.in_(sorted(kinds)))
    stamp = now()
    if overdue_only:
        query = query.where(tasks.c.state.in_(sorted(AWAITING_OFFICER)), tasks.c.due_at < stamp)
    if limit:
        query = query.limit(limit)
    with eng.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["overdue"] = row["state"] in AWAITING_OFFICER and row["due_at"] < stamp
    return rows


def summary(eng: Engine, street_codes: frozenset[str] | None = None) -> dict:
    """Counts for the headline numbers: per state, open, overdue and the closed-loop rate (closed among
    the tasks not canceled)."""
    query = sa.select(tasks.c.state, sa.func.count()).group_by(tasks.c.state)
    overdue = sa.select(sa.func.count()).where(tasks.c.state.in_(sorted(AWAITING_OFFICER)), tasks.c.due_at < now())
    if street_codes is not None:
        query = query.where(tasks.c.street_code.in_(sorted(street_codes)))
        overdue = overdue.where(tasks.c.street_code.in_(sorted(street_codes)))
    with eng.connect() as conn:
        by_state = {s: 0 for s in STATES} | dict(conn.execute(query).all())
        n_overdue = conn.execute(overdue).scalar_one()
    total = sum(by_state.values())
    countable = total - by_state["canceled"]
    return {"by_state": by_state, "total": total, "open": sum(by_state[s] for s in OPEN), "overdue": n_overdue,
            "closed": by_state["closed"], "closed_rate": by_state["closed"] / countable if countable else None}


def per_street(eng: Engine, street_codes: frozenset[str] | None = None) -> list[dict]:
    """Per street: tasks (not canceled), closed, open, overdue and the closed-loop rate."""
    stamp = now()
    query = sa.select(
        tasks.c.street_code,
        sa.func.count().filter(tasks.c.state != "canceled").label("n"),
        sa.func.count().filter(tasks.c.state == "closed").label("closed"),
        sa.func.count().filter(tasks.c.state.in_(sorted(OPEN))).label("open"),
        sa.func.count().filter(tasks.c.state.in_(sorted(AWAITING_OFFICER)), tasks.c.due_at < stamp).label("overdue"),
    ).group_by(tasks.c.street_code).order_by(tasks.c.street_code)
    if street_codes is not None:
        query = query.where(tasks.c.street_code.in_(sorted(street_codes)))
    with eng.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["closed_rate"] = row["closed"] / row["n"] if row["n"] else None
    return rows


def per_officer(eng: Engine, street_codes: frozenset[str] | None = None) -> list[dict]:
    """Per officer: open tasks by state, overdue, and those closed."""
    stamp = now()
    query = sa.select(
        tasks.c.officer_id,
        sa.func.count().filter(tasks.c.state.in_(sorted(OPEN))).label("open"),
        sa.func.count().filter(tasks.c.state.in_(["assigned", "returned"])).label("waiting"),
        sa.func.count().filter(tasks.c.state == "accepted").label("accepted"),
        sa.func.count().filter(tasks.c.state == "reported").label("reported"),
        sa.func.count().filter(tasks.c.state.in_(sorted(AWAITING_OFFICER)), tasks.c.due_at < stamp).label("overdue"),
        sa.func.count().filter(tasks.c.state == "closed").label("closed"),
    ).where(tasks.c.officer_id.is_not(None)).group_by(tasks.c.officer_id).order_by(tasks.c.officer_id)
    if street_codes is not None:
        query = query.where(tasks.c.street_code.in_(sorted(street_codes)))
    with eng.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def results_for_export(eng: Engine) -> list[dict]:
    """The reports a leader approved (reviewed or closed), in the ``task_results`` layout of the ETL
    (docs/task-results.md): one row per task; a new registration's reported taxpayer id forms the pair."""
    query = (sa.select(tasks).where(tasks.c.state.in_(["reviewed", "closed"]), tasks.c.result_code.is_not(None))
             .order_by(tasks.c.task_id))
    with eng.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        taxpayer = r.taxpayer_id or r.result_taxpayer_id
        out.append({"task_id": f"T{r.task_id}", "record_id": r.record_id or "", "taxpayer_id": taxpayer or "",
                    "result": RESULTS[r.result_code][0], "verified_at": r.reported_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "officer_id": r.officer_id or "", "note": r.result_note or ""})
    return out


TASK_RESULTS_COLUMNS = ("task_id", "record_id", "taxpayer_id", "result", "verified_at", "officer_id", "note")


def export_results(eng: Engine, out_dir: Path, actor: str = "cli") -> tuple[Path, int]:
    """Write ``task_results.csv`` (UTF-8 with BOM, opens in Excel) for the next ``taxmap etl``: put it in
    the input folder. The file is written beside and renamed: a failed export leaves the last one."""
    rows = results_for_export(eng)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "task_results.csv"
    partial = out_dir / ".task_results.csv.partial"
    with partial.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=TASK_RESULTS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)
    with eng.begin() as conn:
        audit.record(conn, actor, "export.task_results", str(path)[:256], "ok", f"rows={len(rows)}")
    return path, len(rows)
