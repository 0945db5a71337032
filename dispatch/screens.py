"""Read-only tokens for wall displays (/screen?token=…): a command-room screen needs no interactive
login. Each screen is a user of role ``screen`` (its area: streets, or the district) that cannot
log in with a password; its token is shown once, stored only as a SHA-256 hash, revocable, and
every use and change is audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dispatch import audit, users
from dispatch.store import now, screen_tokens
from dispatch.store import users as users_table


@dataclass(frozen=True)
class Screen:
    name: str
    username: str
    street_codes: frozenset[str]
    created_at: object
    revoked_at: object
    last_used_at: object


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_screen(eng: Engine, name: str, *, streets: frozenset[str] = frozenset(), actor: str = "cli") -> str:
    """Create the screen ``name`` and return its token (shown once)."""
    username = f"screen.{name}"
    # a password nobody knows: the screen signs in only with its token
    users.add_user(eng, username, secrets.token_urlsafe(32) + "-9", "screen", display_name=f"大屏 {name}",
                   streets=streets, actor=actor)
    token = secrets.token_urlsafe(32)
    with eng.begin() as conn:
        conn.execute(screen_tokens.insert().values(token_hash=_hash(token), username=username, created_at=now(),
                                                   created_by=actor))
        audit.record(conn, actor, "screen.add", username, "ok", f"streets={';'.join(sorted(streets)) or 'all'}")
    return token


def revoke(eng: Engine, name: str, actor: str = "cli") -> None:
    """Revoke the screen's tokens and disable its user: an open screen is signed out at its next refresh."""
    username = f"screen.{name}"
    with eng.begin() as conn:
        done = conn.execute(screen_tokens.update().where(screen_tokens.c.username == username,
                                                         screen_tokens.c.revoked_at.is_(None))
                            .values(revoked_at=now())).rowcount
        if not done:
            raise users.UserError(f"no active screen {name!r}")
        audit.record(conn, actor, "screen.revoke", username, "ok")
    users.disable_user(eng, username, actor)


def user_for_token(eng: Engine, token: str, remote_addr: str | None = None) -> users.User | None:
    """The screen user a valid token stands for (audited as a login), or None."""
    if not token:
        return None
    with eng.begin() as conn:
        row = conn.execute(sa.select(screen_tokens).where(screen_tokens.c.token_hash == _hash(token))).first()
        if row is None or row.revoked_at is not None:
            audit.record(conn, row.username if row else None, "login", row.username if row else "screen token",
                         "revoked_token" if row else "bad_token", "screen token", remote_addr)
            return None
        conn.execute(screen_tokens.update().where(screen_tokens.c.token_hash == row.token_hash)
                     .values(last_used_at=now()))
        audit.record(conn, row.username, "login", row.username, "ok", "screen token", remote_addr)
    user = users.get_user(eng, row.username)
    return user if user and user.active else None


def list_screens(eng: Engine) -> list[Screen]:
    query = (sa.select(screen_tokens, users_table.c.street_codes)
             .join(users_table, users_table.c.username == screen_tokens.c.username)
             .order_by(screen_tokens.c.username))
    with eng.connect() as conn:
        return [Screen(r.username.removeprefix("screen."), r.username,
                       frozenset(c for c in (r.street_codes or "").split(";") if c), r.created_at, r.revoked_at,
                       r.last_used_at) for r in conn.execute(query)]
