"""A request waits for a worker thread once: opening the caller's transaction, the route's own work, validating
its answer and the commit all happen in one hop (under load each wait queues behind the pool's other work)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient


def test_api_reads_writes_and_pages_hop_to_the_pool_once(
    client: TestClient, login: Callable[[str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    head = login("mw.drafter")
    cookie = {"Cookie": "gongwen_token=" + head["Authorization"].removeprefix("Bearer ")}
    hops = [0]
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops[0] += 1
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    draft = {"doc_type": "通知", "title": "关于测试的通知", "issue_form": "字", "main_recipients": [5], "body": "文"}
    asks = [
        ("GET", "/api/v1/me", head, None, 200),
        ("GET", "/api/v1/documents", head, None, 200),
        ("POST", "/api/v1/documents", head, draft, 201),
        ("GET", "/", cookie, None, 200),
        ("GET", "/documents", cookie, None, 200),
    ]
    for method, url, headers, body, status in asks:
        hops[0] = 0
        r = client.request(method, url, headers=headers, json=body)
        assert r.status_code == status, r.text
        assert hops[0] == 1, f"{method} {url}: {hops[0]} waits for a worker thread"
