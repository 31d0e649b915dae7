"""A server process as `gongwen api` starts one: what it prepares before it serves."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

import services.app
from search import recall
from services.app import GC_THRESHOLDS, app_from_environment
from services.runtime import Runtime


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if no search had run in this process yet; the collector's settings put back after."""
    recall._jieba.cache_clear()
    recall._sounds.cache_clear()
    monkeypatch.setattr(recall, "_loading_started", False)
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_server_process_loads_the_search_language_data_before_it_serves(
    runtime: Runtime, fresh_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its first search (and the requests beside it) must not wait ≈ 1 s for jieba's dictionary and the characters
    by sound: a burst's first minute paid that in every process (in the lifecycle bench, a third of the API's CPU)."""
    monkeypatch.setattr(services.app, "Runtime", lambda _settings: runtime)
    app_from_environment()
    assert recall._jieba.cache_info().currsize == 1
    assert recall._sounds.cache_info().currsize == 1
    assert recall._loading_started  # no second load in the background at its first search
    assert gc.get_threshold() == GC_THRESHOLDS
