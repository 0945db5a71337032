"""A small thread-safe LRU of computed tables, keyed by what they depend on (the warehouse snapshot
among it: ``Warehouse.identity()``), so a new ETL run is never served from an old entry."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Memo:
    def __init__(self, size: int = 16):
        self.size, self.lock, self.items = size, threading.Lock(), OrderedDict()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key``, built (outside the lock: two callers may both build it) when absent."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = build()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
