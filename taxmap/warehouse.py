"""Read-only access to the newest published warehouse.

The ETL replaces ``warehouse.duckdb`` atomically (a new file, a new inode);
this class notices the change on the next query and opens the new snapshot,
so the web tier switches runs without a restart and never writes.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb

from etl.db import connect


class WarehouseMissing(RuntimeError):
    """No warehouse has been published yet at the configured path."""


class Warehouse:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int] | None = None

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    def identity(self) -> tuple[int, int] | None:
        """Which published snapshot the path holds now (inode, mtime): caches key on it."""
        return self._file_identity()

    @property
    def exists(self) -> bool:
        return self._file_identity() is not None

    @contextmanager
    def cursor(self):
        """A cursor on the newest snapshot; each caller gets its own (DuckDB cursors are per-thread)."""
        with self._lock:
            identity = self._file_identity()
            if identity is None:
                raise WarehouseMissing(f"no warehouse at {self.path}: run `taxmap etl` first")
            if identity != self._identity or self._con is None:
                if self._con is not None:
                    self._con.close()
                self._con = connect(self.path, read_only=True)
                self._identity = identity
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def query(self, sql: str, params: list | None = None) -> list[dict]:
        with self.cursor() as cur:
            result = cur.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._identity = None
