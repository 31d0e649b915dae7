"""Every integer a request carries in its path or query is bounded, on the API and the pages: SQLite's integers
end at 2^63 and overflowing them was a 500 (found by fuzzing; PostgreSQL answered 422)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import annotated_types
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.app import create_app
from services.config import Settings


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)


def _params(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _params(sub)


def _unbounded(app: Any) -> Iterator[str]:
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for param in _params(route.dependant):
            info = param.field_info
            if _is_int(info.annotation) and not any(
                isinstance(m, annotated_types.Le | annotated_types.Lt) for m in info.metadata
            ):
                yield f"{sorted(route.methods)} {route.path} {param.name}"


def test_every_integer_in_a_path_or_query_has_an_upper_bound(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path, environment="test"))
    assert list(_unbounded(app)) == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/documents?offset=582997755251790350123008",
        "/api/v1/documents/1/diff?from=28068453837012731634384896&to=1",
        "/api/v1/documents/1/obligations/matrix?group=18446744073709551617",
        "/documents/new?from=18446744073709551617",
    ],
)
def test_huge_integers_are_refused_not_a_server_error(tmp_path: Path, url: str) -> None:
    app = create_app(Settings(home=tmp_path, environment="test"))
    with TestClient(app) as client:
        r = client.get(url, headers={"Authorization": "Bearer not-a-token"}, follow_redirects=False)
    assert r.status_code in (303, 401, 422), (url, r.status_code)
    assert r.status_code != 500
