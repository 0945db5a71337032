"""What the pages share: the settings and the warehouse, set once by ``app.create_app``."""

from __future__ import annotations

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
