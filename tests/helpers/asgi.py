"""Many requests to the app in process, each handed to the test client's event loop once.

Starlette's TestClient passes every request between this thread and its event loop's thread in about seven steps
(the request, each part of the body, the answer); with tens of thousands of requests (the access matrix) those
hand-offs cost more than the requests. Here a request is one coroutine of httpx's own ASGI client, run in the
TestClient's loop (the app started there, its lifespan run), with the same cookie jar behaviour and the app's
errors raised as TestClient raises them. Requests still run one at a time."""

from __future__ import annotations

import functools
from typing import Any

import httpx
from fastapi.testclient import TestClient


class InProcessClient:
    """Requests as ``TestClient.request`` takes them; use inside ``with TestClient(app) as client``."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.app = client.app
        self._http: httpx.AsyncClient = client.portal.call(self._open)  # type: ignore[union-attr]

    async def _open(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=True),
            base_url=str(self.client.base_url),
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        call = functools.partial(self._http.request, method, url, **kwargs)
        return self.client.portal.call(call)  # type: ignore[union-attr]

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self.client.portal.call(self._http.aclose)  # type: ignore[union-attr]
