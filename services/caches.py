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


class Versioned(Generic[V]):
    """One value held with the version it was read at; thread-safe."""

    def __init__(self) -> None:
        self._held: tuple[int, V] | None = None
        self._lock = threading.Lock()

    def get(self, version: int) -> V | None:
        with self._lock:
            held = self._held
        return held[1] if held is not None and held[0] == version else None

    def put(self, version: int, value: V) -> None:
        with self._lock:
            self._held = (version, value)


@dataclass(frozen=True)
class OrganDirectory:
    """The organs' names as people write them: full and short name by id, and the organ any of its names (full,
    short, an alias) stands for."""

    names: dict[int, str]
    short_names: dict[int, str]
    by_name: dict[str, int]
    aliases: dict[int, tuple[str, ...]]

    def all_names(self, organ_id: int) -> list[str]:
        """Full name, short name, then the aliases (as Organ.names)."""
        return list(dict.fromkeys([self.names[organ_id], self.short_names[organ_id], *self.aliases[organ_id]]))


CALLER_SECONDS = 30.0


@dataclass
class Caches:
    """The caches of one process (one Runtime)."""

    callers: TtlCache[str, CachedCaller] = field(default_factory=lambda: TtlCache(CALLER_SECONDS, 10_000))
    organs: Versioned[OrganDirectory] = field(default_factory=Versioned)
