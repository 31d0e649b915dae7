"""Shared fixtures: real SQLite and PostgreSQL, a real Prefect server, the app over HTTP, the seed documents."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.processes import free_port as _free_port

# Prefect reads its settings when first imported: point it at the test server before anything imports it.
PREFECT_PORT = _free_port()
PREFECT_API = f"http://127.0.0.1:{PREFECT_PORT}/api"
_PREFECT_HOME = Path(os.environ.get("TMPDIR", "/tmp")) / f"gongwen-test-prefect-{uuid.uuid4().hex[:8]}"
os.environ.update(
    {
        "PREFECT_API_URL": PREFECT_API,
        "PREFECT_HOME": str(_PREFECT_HOME),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
    }
)

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

import services.accounts.passwords as passwords  # noqa: E402
from services.config import Settings  # noqa: E402
from services.db import migrate  # noqa: E402
from services.processes import PREFECT_SERVER_TUNING, wait_for_http  # noqa: E402
from services.runtime import Runtime  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SEEDS_MISSING = f"seed documents not found at {SEEDS} (../shared/seeds beside the project)"
PG_ADMIN_URL = os.environ.get("GONGWEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# Login in tests need not cost 50 ms a hash.
passwords.use(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__}); set GONGWEN_TEST_PG_URL"


def seed_params(names: list[str]) -> list[Any]:
    """Parameters of a test whose subject is each seed document: the names when ../shared/seeds is there, else
    one skipped parameter that says why (instead of one skip per seed)."""
    if SEEDS.is_dir():
        return list(names)
    return [pytest.param("", marks=pytest.mark.skip(reason=SEEDS_MISSING), id="seeds-missing")]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The seed documents, for the tests whose subject is a seed itself; every other test uses the project's own
    example documents (services/seed/documents/)."""
    if not SEEDS.is_dir():
        pytest.skip(SEEDS_MISSING)
    return SEEDS


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    name = f"gongwen_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "gongwen.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    truncate_all(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url, environment="test", example_data=False)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings, migrated=True)
    yield rt
    rt.close()


@pytest.fixture
def example_users(runtime: Runtime) -> None:
    from services.seed.example import load_organs_and_users

    with runtime.context() as ctx:
        load_organs_and_users(ctx)


@pytest.fixture
def client(runtime: Runtime, example_users: None) -> Iterator[TestClient]:
    from services.app import create_app

    with TestClient(create_app(runtime.settings, runtime)) as c:
        yield c


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """A real Prefect server for the whole session (a fresh one takes ≈15 s to migrate and start)."""
    _PREFECT_HOME.mkdir(parents=True, exist_ok=True)
    prefect = str(Path(sys.executable).parent / "prefect")
    log = open(_PREFECT_HOME / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(PREFECT_PORT)],
        stdout=log,
        stderr=log,
        env={**os.environ, **PREFECT_SERVER_TUNING},
    )

    try:
        wait_for_http(PREFECT_API + "/health", timeout=180, process=proc)
        yield PREFECT_API
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture
def drain(runtime: Runtime, prefect_server: str) -> Callable[[], None]:
    """Run every due automated step now, as real Prefect flow runs."""
    from flows.worker import Worker

    worker = Worker(runtime)
    return lambda: worker.drain(timeout=120)


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            from services.seed.example import DEMO_PASSWORD

            r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            tokens[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return tokens[username]

    return headers
