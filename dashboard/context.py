"""What the pages share: the settings and the warehouse, set once by ``app.create_app``."""

from __future__ import annotations

from taxmap import auth
from taxmap.data import hexes
from taxmap.data.display import Display
from taxmap.settings import Settings
from taxmap.warehouse import Warehouse

_state: dict = {}


def configure(settings: Settings) -> None:
    _state["settings"] = settings
    _state["warehouse"] = Warehouse(settings.warehouse_path)


def settings() -> Settings:
    return _state["settings"]


def warehouse() -> Warehouse:
    return _state["warehouse"]


def user_scope():
    """The area the logged-in user may see (taxmap.auth): every read is narrowed to it."""
    return auth.user_scope(_state["warehouse"])


def may_see_rows() -> bool:
    """Whether the user may see single taxpayers' rows (analysts and admins see aggregates only)."""
    return auth.may_see_rows()


def may_see_quality() -> bool:
    return auth.may_see_quality()


def is_admin() -> bool:
    return auth.is_admin()


def protect(wh, scope, res: int, rows: list[dict], filters=None) -> list[dict]:
    """Cells as the user may get them: in full for those who see single taxpayers, else under
    disclosure control (small cells' sensitive figures withheld, taxmap.data.disclosure)."""
    k = disclosure_k()
    return rows if k is None else hexes.protected_cells(wh, scope, res, rows, filters, k)


def disclosure_k() -> int | None:
    """The small-cell threshold for this user's aggregates; None for those who see single taxpayers."""
    return None if auth.may_see_rows() else _state["settings"].disclosure_k


def may_analyse() -> bool:
    """Hexagon statistics and their exports (/analysis): analysts and leaders, each for their area."""
    return auth.has_role("analyst", "district_leader", "street_leader")


def may_dispatch() -> bool:
    """District and street leaders dispatch and review tasks (/dispatch)."""
    return auth.has_role("district_leader", "street_leader")


def may_watch_screen() -> bool:
    """The big screen: leaders, and wall displays signed in with a screen token."""
    return auth.has_role("district_leader", "street_leader", "screen")


def is_screen() -> bool:
    return auth.has_role("screen")


def is_officer() -> bool:
    return auth.has_role("officer")


def store():
    """The task store (users, audit, tasks): SQLAlchemy engine opened by taxmap.auth."""
    return auth.store()


def actor():
    """The logged-in user as a task actor (dispatch.tasks.Actor), or None outside a login."""
    return auth.actor()


def audit_rows(actor: str | None = None, action: str | None = None, limit: int = 200) -> list[dict]:
    return auth.audit_rows(actor, action, limit)


def user_label() -> str | None:
    """The logged-in user's name and role, for the header (None outside a login)."""
    return auth.user_label()


def audit(action: str, target: str, detail: str | None = None) -> None:
    auth.audit(action, target, detail)


def display() -> Display:
    """The base map's coordinate system (overlays are drawn in it)."""
    return Display(_state["settings"].tile_crs)
