"""The language data the later search stages read is loaded once a process, in the background, on the first search."""

from __future__ import annotations

import threading

import pytest

from search import recall


def test_the_first_search_of_a_process_starts_one_loading_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []

    class Recorded(threading.Thread):
        def start(self) -> None:
            started.append(self.name)

    monkeypatch.setattr(recall, "_loading_started", False)
    monkeypatch.setattr(threading, "Thread", Recorded)
    recall.load_language_data_in_background()
    recall.load_language_data_in_background()
    assert started == ["gongwen-search-warm-up"]
