"""Per-process caches. An entry is never trusted on its own: the reader checks it against a version the database
keeps (read in the query it makes anyway), so a change committed by any process is seen on the very next request;
the age limit only bounds how long an unused entry is kept."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """At most `size` entries, each for at most `ttl` seconds, least recently used dropped first; thread-safe."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if self.clock() - found[0] > self.ttl:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class CachedCaller:
    """Who a login token named, as their user row read at `version` (users.auth_version)."""

    user_id: int
    version: int
    columns: dict[str, Any]


CALLER_SECONDS = 30.0


@dataclass
class Caches:
    """The caches of one process (one Runtime)."""

    callers: TtlCache[str, CachedCaller] = field(default_factory=lambda: TtlCache(CALLER_SECONDS, 10_000))
