"""Schemathesis from the API's own schema, as four kinds of user: no answer is a 5xx, every answer matches the
schema (its status documented, its body the documented shape). Bounded examples keep it a few minutes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from services.app import create_app
from services.config import Settings
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD

ROLES = ("mw.drafter", "jyj.drafter", "archivist", "admin")
# Server errors and schema violations; not "every schema-valid input is accepted" (the services check more than
# a schema can say, e.g. a 2-character title after trimming, or the same organ twice).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
EXAMPLES = 25


@pytest.fixture(scope="module")
def fuzz_app(
    tmp_path_factory: pytest.TempPathFactory, sqlite_users_template: Path
) -> Iterator[tuple[Any, dict[str, str]]]:
    home: Path = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_users_template, home / "gongwen.db")  # migrated, with the example organs and users
    settings_ = Settings(home=home, environment="test", example_data=False)
    runtime = Runtime(settings_, migrated=True)
    app = create_app(settings_, runtime)
    tokens = {}
    with TestClient(app) as client:
        for username in ROLES:
            r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            tokens[username] = r.json()["token"]
    yield app, tokens
    runtime.close()


def test_no_input_makes_the_api_fail(fuzz_app: tuple[Any, dict[str, str]], capsys: Any) -> None:
    app, tokens = fuzz_app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            nonlocal calls
            for username in ROLES:
                calls += 1
                case.call_and_validate(headers={"Authorization": f"Bearer {tokens[username]}"}, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # collected: one run reports every operation that fails
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    with capsys.disabled():
        print(f"\nfuzz: {calls} requests over {len(list(schema.get_all_operations()))} operations")
    assert not failures, "\n\n".join(failures)
