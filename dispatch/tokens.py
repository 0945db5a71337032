"""Bearer tokens for accounts that never type a password: wall displays (role ``screen``,
/screen?token=…) and other systems reading the API (role ``system``, ``Authorization: Bearer …``
on /api/v1). Each holder is a user of its role with an area (streets, or the district) and a
password nobody knows; its token is shown once, stored only as a SHA-256 hash, may expire, is
revocable, and every change and refusal is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dispatch import audit, users
from dispatch.store import now, screen_tokens
from dispatch.store import users as users_table

# role: (username prefix, display-name prefix, audit action prefix)
KINDS = {"screen": ("screen.", "大屏", "screen"), "system": ("api.", "接口", "api_token")}


@dataclass(frozen=True)
class Holder:
    name: str
    username: str
    role: str
    street_codes: frozenset[str]
    created_at: object
    revoked_at: object
    last_used_at: object
    expires_at: object


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _kind(role: str) -> tuple[str, str, str]:
    if role not in KINDS:
        raise users.UserError(f"tokens are for roles {', '.join(KINDS)}, not {role!r}")
    return KINDS[role]


def add(eng: Engine, role: str, name: str, *, streets: frozenset[str] = frozenset(), actor: str = "cli",
        expires_days: int | None = None) -> str:
    """Create the holder ``name`` of ``role`` and return its token (shown once)."""
    prefix, label, action = _kind(role)
    if expires_days is not None and expires_days < 1:
        raise users.UserError("a token's lifetime is one day or more")
    username = prefix + name
    # a password nobody knows: the holder signs in only with its token
    users.add_user(eng, username, secrets.token_urlsafe(32) + "-9", role, display_name=f"{label} {name}",
                   streets=streets, actor=actor)
    token = secrets.token_urlsafe(32)
    expires = now() + dt.timedelta(days=expires_days) if expires_days else None
    with eng.begin() as conn:
        conn.execute(screen_tokens.insert().values(token_hash=_hash(token), username=username, created_at=now(),
                                                   created_by=actor, expires_at=expires))
        audit.record(conn, actor, f"{action}.add", username, "ok",
                     f"streets={';'.join(sorted(streets)) or 'all'}"
                     + (f" expires={expires:%Y-%m-%d}" if expires else ""))
    return token


def revoke(eng: Engine, role: str, name: str, actor: str = "cli") -> None:
    """Revoke the holder's tokens and disable its user."""
    prefix, _, action = _kind(role)
    username = prefix + name
    with eng.begin() as conn:
        done = conn.execute(screen_tokens.update().where(screen_tokens.c.username == username,
                                                         screen_tokens.c.revoked_at.is_(None))
                            .values(revoked_at=now())).rowcount
        if not done:
            raise users.UserError(f"no active {role} {name!r}")
        audit.record(conn, actor, f"{action}.revoke", username, "ok")
    users.disable_user(eng, username, actor)


def user_for_token(eng: Engine, token: str, role: str, remote_addr: str | None = None, *,
                   audit_use: bool = True) -> users.User | None:
    """The active user of ``role`` that a valid token stands for, or None. Refusals are always
    audited (as failed logins); a use only with ``audit_use`` (a screen signs in once, while an API
    call records its own audit row)."""
    if not token:
        return None
    stamp = now()
    with eng.begin() as conn:
        row = conn.execute(sa.select(screen_tokens, users_table.c.role, users_table.c.active)
                           .join(users_table, users_table.c.username == screen_tokens.c.username)
                           .where(screen_tokens.c.token_hash == _hash(token))).first()
        refused = ("bad_token" if row is None or row.role != role else "revoked_token" if row.revoked_at is not None
                   else "expired_token" if row.expires_at is not None and row.expires_at <= stamp
                   else "disabled" if not row.active else None)
        known = row is not None and row.role == role
        if refused:
            audit.record(conn, row.username if known else None, "login", row.username if known else f"{role} token",
                         refused, f"{role} token", remote_addr)
            return None
        conn.execute(screen_tokens.update().where(screen_tokens.c.token_hash == row.token_hash)
                     .values(last_used_at=stamp))
        if audit_use:
            audit.record(conn, row.username, "login", row.username, "ok", f"{role} token", remote_addr)
    return users.get_user(eng, row.username)


def holders(eng: Engine, role: str) -> list[Holder]:
    prefix, _, _ = _kind(role)
    query = (sa.select(screen_tokens, users_table.c.street_codes, users_table.c.role)
             .join(users_table, users_table.c.username == screen_tokens.c.username)
             .where(users_table.c.role == role).order_by(screen_tokens.c.username))
    with eng.connect() as conn:
        return [Holder(r.username.removeprefix(prefix), r.username, r.role,
                       frozenset(c for c in (r.street_codes or "").split(";") if c), r.created_at, r.revoked_at,
                       r.last_used_at, r.expires_at) for r in conn.execute(query)]
