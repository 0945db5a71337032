"""What the pages share: the settings and the warehouse, set once by ``app.create_app``."""

from __future__ import annotations

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


def display() -> Display:
    """The base map's coordinate system (overlays are drawn in it)."""
    return Display(_state["settings"].tile_crs)
