"""Users, roles with an area, passwords (argon2id) and lockout; every change is audited.

Roles (README "Security"): ``district_leader`` (the whole district), ``street_leader`` (its streets),
``officer`` (its grids and its own tasks), ``analyst`` (aggregates of the whole district, never one
taxpayer's row), ``admin`` (users; no taxpayer detail), ``screen`` (a wall display: /screen only, its
streets or the district; signs in with a token, dispatch/screens.py), ``system`` (another system
reading /api/v1: aggregates under disclosure control for its streets or the district; a bearer token,
dispatch/tokens.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from dispatch import audit
from dispatch.store import now, users

ROLES = ("district_leader", "street_leader", "officer", "analyst", "admin", "screen", "system")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current parameters


class UserError(ValueError):
    """A request about users that cannot be done as asked; the message says what to fix."""


@dataclass(frozen=True)
class User:
    user_id: int
    username: str
    display_name: str
    role: str
    street_codes: frozenset[str]
    grid_codes: frozenset[str]
    active: bool
    locked_until: dt.datetime | None
    must_change_password: bool
    officer_id: str | None = None  # an officer's id in the roster (`officers`): the tasks assigned to it

    @classmethod
    def from_row(cls, row) -> User:
        return cls(row.user_id, row.username, row.display_name, row.role, _codes(row.street_codes),
                   _codes(row.grid_codes), bool(row.active), row.locked_until, bool(row.must_change_password),
                   row.officer_id)


def _codes(text: str | None) -> frozenset[str]:
    return frozenset(c.strip() for c in (text or "").split(";") if c.strip())


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if password.isdigit() or password.isalpha():
        raise UserError("the password must mix letters with digits or symbols")


def _check_area(role: str, streets: frozenset[str], grids: frozenset[str]) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "street_leader" and not streets:
        raise UserError("a street_leader needs its street code(s) (--streets)")
    if role == "officer" and not grids:
        raise UserError("an officer needs its grid code(s) (--grids)")


def _check_officer(role: str, officer_id: str | None) -> None:
    if officer_id and role != "officer":
        raise UserError("only an officer user links to an officer id (--officer)")


def add_user(eng: Engine, username: str, password: str, role: str, *, display_name: str = "",
             streets: frozenset[str] = frozenset(), grids: frozenset[str] = frozenset(), actor: str = "cli",
             must_change_password: bool = False, officer_id: str | None = None) -> User:
    if not USERNAME.match(username):
        raise UserError(f"username {username!r}: 3–64 letters, digits, '.', '_' or '-'")
    _check_area(role, streets, grids)
    _check_officer(role, officer_id)
    _check_password(password)
    stamp = now()
    with eng.begin() as conn:
        if conn.execute(sa.select(users.c.user_id).where(users.c.username == username)).first():
            raise UserError(f"user {username!r} exists already")
        conn.execute(users.insert().values(
            username=username, display_name=display_name or username, role=role,
            street_codes=";".join(sorted(streets)), grid_codes=";".join(sorted(grids)),
            password_hash=_hasher.hash(password), active=True, failed_logins=0, locked_until=None,
            must_change_password=must_change_password, officer_id=officer_id or None, created_at=stamp,
            updated_at=stamp))
        audit.record(conn, actor, "user.add", username, "ok",
                     f"role={role} streets={';'.join(sorted(streets))} grids={';'.join(sorted(grids))}"
                     + (f" officer={officer_id}" if officer_id else ""))
    return get_user(eng, username)


def get_user(eng: Engine, username: str) -> User | None:
    with eng.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return User.from_row(row) if row else None


def list_users(eng: Engine) -> list[User]:
    with eng.connect() as conn:
        return [User.from_row(r) for r in conn.execute(sa.select(users).order_by(users.c.username))]


def _update(eng: Engine, username: str, actor: str, action: str, detail: str, **values) -> User:
    with eng.begin() as conn:
        done = conn.execute(users.update().where(users.c.username == username)
                            .values(updated_at=now(), **values)).rowcount
        if not done:
            raise UserError(f"no user {username!r}")
        audit.record(conn, actor, action, username, "ok", detail)
    return get_user(eng, username)


def disable_user(eng: Engine, username: str, actor: str = "cli") -> User:
    return _update(eng, username, actor, "user.disable", "", active=False)


def enable_user(eng: Engine, username: str, actor: str = "cli") -> User:
    return _update(eng, username, actor, "user.enable", "", active=True, failed_logins=0, locked_until=None)


def reset_password(eng: Engine, username: str, password: str, actor: str = "cli",
                   must_change_password: bool = True) -> User:
    """A new password (the user must change it at next login unless told otherwise); unlocks."""
    _check_password(password)
    return _update(eng, username, actor, "user.reset_password", "", password_hash=_hasher.hash(password),
                   failed_logins=0, locked_until=None, must_change_password=must_change_password)


def change_password(eng: Engine, username: str, current: str, new: str) -> User:
    """The user's own change: the current password proves it is them; the new one must differ."""
    _check_password(new)
    if new == current:
        raise UserError("the new password must differ from the current one")
    with eng.connect() as conn:
        row = conn.execute(sa.select(users.c.password_hash).where(users.c.username == username)).first()
    try:
        if row is None or not _hasher.verify(row.password_hash, current):
            raise UserError("the current password is wrong")
    except (VerificationError, InvalidHashError):
        raise UserError("the current password is wrong") from None
    return _update(eng, username, username, "user.change_password", "", password_hash=_hasher.hash(new),
                   must_change_password=False)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str  # ok, unknown_user, bad_password, locked, disabled, screen_password, system_password


def authenticate(eng: Engine, username: str, password: str, *, max_failures: int = 5,
                 lockout: dt.timedelta = dt.timedelta(minutes=15), remote_addr: str | None = None) -> LoginResult:
    """Check a login and audit it, success or failure. ``max_failures`` wrong passwords in a row lock
    the account for ``lockout``; a locked or disabled account is refused even with the right
    password (and the attempt does not tell which)."""
    stamp = now()
    with eng.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username).with_for_update()).first()
        if row is None:
            _hasher.hash(password)  # as long as a real check: timing does not reveal unknown names
            audit.record(conn, None, "login", username[:256], "unknown_user", None, remote_addr)
            return LoginResult(None, "unknown_user")
        if not row.active:
            audit.record(conn, username, "login", username, "disabled", None, remote_addr)
            return LoginResult(None, "disabled")
        if row.role in ("screen", "system"):  # wall displays and systems sign in with their token only
            audit.record(conn, username, "login", username, f"{row.role}_password", None, remote_addr)
            return LoginResult(None, f"{row.role}_password")
        if row.locked_until is not None and row.locked_until > stamp:
            audit.record(conn, username, "login", username, "locked", f"until {row.locked_until:%Y-%m-%d %H:%M}",
                         remote_addr)
            return LoginResult(None, "locked")
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            failures = row.failed_logins + 1
            locked = stamp + lockout if failures >= max_failures else None
            conn.execute(users.update().where(users.c.user_id == row.user_id).values(
                failed_logins=0 if locked else failures, locked_until=locked))
            audit.record(conn, username, "login", username, "bad_password",
                         f"failure {failures} of {max_failures}" + (", account locked" if locked else ""),
                         remote_addr)
            return LoginResult(None, "bad_password")
        values: dict = {"failed_logins": 0, "locked_until": None}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(users.update().where(users.c.user_id == row.user_id).values(**values))
        audit.record(conn, username, "login", username, "ok", None, remote_addr)
    return LoginResult(get_user(eng, username), "ok")
