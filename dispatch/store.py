"""The transactional store: users, the audit log and the verification tasks (docs/tasks.md).

SQLite (WAL, foreign keys, a busy timeout) in the data folder by default; PostgreSQL when
``TAXMAP_DATABASE_URL`` says so. The schema is an ordered list of migrations applied once each and
recorded in ``schema_migrations``; the warehouse is never written here, nor this store by the ETL.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

users = sa.Table(
    "users", metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("street_codes", sa.Text, nullable=False, default=""),  # ";"-separated; empty: none
    sa.Column("grid_codes", sa.Text, nullable=False, default=""),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("must_change_password", sa.Boolean, nullable=False, default=False),
    sa.Column("officer_id", sa.String(64), nullable=True),  # an officer's id in `officers` (migration 2)
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=True),  # username; empty for an unknown login name
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(256), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("remote_addr", sa.String(64), nullable=True),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_actor", "actor"),
)

migrations_table = sa.Table(
    "schema_migrations", sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


tasks = sa.Table(
    "tasks", metadata,
    sa.Column("task_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject_key", sa.String(160), nullable=False),  # "R:<record_id>|T:<taxpayer_id>"
    sa.Column("record_id", sa.String(64), nullable=True),
    sa.Column("taxpayer_id", sa.String(64), nullable=True),
    sa.Column("subject_name", sa.String(256), nullable=False, default=""),
    sa.Column("street_code", sa.String(32), nullable=True),
    sa.Column("grid_code", sa.String(32), nullable=True),
    sa.Column("h3_9", sa.String(16), nullable=True),
    sa.Column("lng", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("priority", sa.Float, nullable=False, default=0.0),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("officer_id", sa.String(64), nullable=True),
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, default=1),  # optimistic locking
    # kind|subject while the task is open, NULL once closed or canceled: unique, so a subject never has
    # two open tasks of one kind, whoever dispatches them and however concurrently
    sa.Column("open_key", sa.String(200), nullable=True, unique=True),
    sa.Column("evidence", sa.Text, nullable=False, default="{}"),  # JSON, copied from the warehouse
    sa.Column("result_code", sa.String(32), nullable=True),
    sa.Column("result_taxpayer_id", sa.String(64), nullable=True),
    sa.Column("result_note", sa.Text, nullable=True),
    sa.Column("photo", sa.String(256), nullable=True),
    sa.Column("reported_at", sa.DateTime, nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Index("ix_tasks_state", "state"),
    sa.Index("ix_tasks_officer", "officer_id", "state"),
    sa.Index("ix_tasks_street", "street_code", "state"),
)

task_events = sa.Table(
    "task_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.task_id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=True),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("officer_id", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index("ix_task_events_task", "task_id"),
    sa.Index("ix_task_events_at", "at"),
)

task_batches = sa.Table(
    "task_batches", metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # dispatch | random_check
    sa.Column("params", sa.Text, nullable=False),  # JSON: the selection, or the draw's seed and ratios
    sa.Column("n_tasks", sa.Integer, nullable=False),
)


screen_tokens = sa.Table(
    "screen_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the token; the token is shown once
    sa.Column("username", sa.String(64), nullable=False),  # the holder's user (role "screen" or "system")
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Column("last_used_at", sa.DateTime, nullable=True),
    sa.Column("expires_at", sa.DateTime, nullable=True),  # None: until revoked
)


def _append_only(conn: Connection, table: str = "audit_log") -> None:
    """``table`` refuses UPDATE and DELETE in the database itself, not only in this code."""
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")


def _users_and_audit(conn: Connection) -> None:
    metadata.create_all(conn, tables=[users, audit_log])
    _append_only(conn)


def _tasks(conn: Connection) -> None:
    metadata.create_all(conn, tables=[task_batches, tasks, task_events])
    _append_only(conn, "task_events")
    if "officer_id" not in {c["name"] for c in sa.inspect(conn).get_columns("users")}:
        conn.exec_driver_sql("ALTER TABLE users ADD COLUMN officer_id VARCHAR(64)")


def _token_expiry(conn: Connection) -> None:
    if "expires_at" not in {c["name"] for c in sa.inspect(conn).get_columns("screen_tokens")}:
        conn.exec_driver_sql("ALTER TABLE screen_tokens ADD COLUMN expires_at TIMESTAMP")


# (version, name, step): append new ones, never edit an applied one
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "users and the append-only audit log", _users_and_audit),
    (2, "tasks, their append-only events and batches; users.officer_id", _tasks),
    (3, "read-only screen tokens for wall displays", lambda conn: metadata.create_all(conn, tables=[screen_tokens])),
    (4, "token expiry (screens and API systems share screen_tokens)", _token_expiry),
]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection.
    A plain ``postgresql://`` URL uses psycopg 3 (the driver installed)."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        eng = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(eng, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return eng
    return sa.create_engine(url, pool_pre_ping=True)


def _applied(eng: Engine, version: int) -> bool:
    with eng.connect() as conn:
        return conn.execute(sa.select(migrations_table.c.version).where(
            migrations_table.c.version == version)).first() is not None


def migrate(eng: Engine) -> list[int]:
    """Apply the migrations not yet applied, each in its own transaction; returns their versions.
    Several workers starting at once may race: PostgreSQL serialises them with an advisory lock;
    elsewhere the loser's error is ignored when the winner has recorded the same migration."""
    applied: list[int] = []
    try:
        with eng.begin() as conn:
            migrations_table.create(conn, checkfirst=True)
    except sa.exc.DBAPIError:
        with eng.connect() as conn:
            if not sa.inspect(conn).has_table("schema_migrations"):
                raise
    for version, name, step in MIGRATIONS:
        if _applied(eng, version):
            continue
        try:
            with eng.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("select pg_advisory_xact_lock(720417)")
                if conn.execute(sa.select(migrations_table.c.version).where(
                        migrations_table.c.version == version)).first():
                    continue
                step(conn)
                conn.execute(migrations_table.insert().values(version=version, name=name, applied_at=now()))
                applied.append(version)
        except sa.exc.DBAPIError:
            # SQLite commits DDL at once: the winner's tables may exist before its record does
            deadline = time.monotonic() + 10
            while not _applied(eng, version):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    return applied


def open_store(url: str) -> Engine:
    """The store at ``url``, migrated to the current schema."""
    eng = engine(url)
    migrate(eng)
    return eng
