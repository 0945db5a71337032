"""Read-only tokens for wall displays (/screen?token=…): a command-room screen needs no interactive
login. Each screen is a user of role ``screen`` (its area: streets, or the district) that cannot
log in with a password; its token (dispatch/tokens.py) is shown once, stored only as a SHA-256
hash, revocable, and every use and change is audited."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dispatch import tokens, users

Screen = tokens.Holder


def add_screen(eng: Engine, name: str, *, streets: frozenset[str] = frozenset(), actor: str = "cli") -> str:
    """Create the screen ``name`` and return its token (shown once)."""
    return tokens.add(eng, "screen", name, streets=streets, actor=actor)


def revoke(eng: Engine, name: str, actor: str = "cli") -> None:
    """Revoke the screen's tokens and disable its user: an open screen is signed out at its next refresh."""
    tokens.revoke(eng, "screen", name, actor)


def user_for_token(eng: Engine, token: str, remote_addr: str | None = None) -> users.User | None:
    """The screen user a valid token stands for (audited as a login), or None."""
    return tokens.user_for_token(eng, token, "screen", remote_addr)


def list_screens(eng: Engine) -> list[Screen]:
    return tokens.holders(eng, "screen")
