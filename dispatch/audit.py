"""The append-only audit log: logins, detail views, exports, task and user changes (who, when, what).

Rows are only ever inserted (the database refuses UPDATE and DELETE on ``audit_log``: see
``dispatch.store``); ``search`` serves the admin page and its export.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dispatch.store import audit_log, now


def record(conn: Connection, actor: str | None, action: str, target: str | None, outcome: str,
           detail: str | None = None, remote_addr: str | None = None) -> None:
    """One audit row, in the caller's transaction: the change and its record commit together."""
    conn.execute(audit_log.insert().values(at=now(), actor=actor, action=action, target=target,
                                           outcome=outcome, detail=detail, remote_addr=remote_addr))


def search(eng: Engine, *, actor: str | None = None, action: str | None = None,
           since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 500) -> list[dict]:
    """Newest first; ``action`` matches a prefix ("login", "user.")."""
    query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.audit_id.desc()).limit(limit)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action.startswith(action))
    if since:
        query = query.where(audit_log.c.at >= since)
    if until:
        query = query.where(audit_log.c.at < until)
    with eng.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
