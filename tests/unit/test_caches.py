"""The per-process caches keep an entry at most their age limit and at most their size."""

from __future__ import annotations

from services.caches import CALLER_SECONDS, Caches, TtlCache, Versioned


def test_an_entry_older_than_the_limit_is_not_served() -> None:
    now = [0.0]
    cache: TtlCache[str, int] = TtlCache(30, 10, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 29.9
    assert cache.get("a") == 1
    now[0] = 30.1
    assert cache.get("a") is None
    assert len(cache) == 0


def test_the_least_recently_used_entry_goes_first_when_full() -> None:
    cache: TtlCache[str, int] = TtlCache(30, 2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_a_held_value_is_served_only_at_its_version() -> None:
    held: Versioned[str] = Versioned()
    assert held.get(0) is None
    held.put(3, "x")
    assert held.get(3) == "x" and held.get(4) is None and held.get(2) is None


def test_callers_are_kept_thirty_seconds_at_most() -> None:
    assert Caches().callers.ttl == CALLER_SECONDS <= 30
