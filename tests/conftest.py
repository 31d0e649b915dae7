"""Shared fixtures: real SQLite and PostgreSQL, a real Prefect server, the app over HTTP, the seed documents."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast

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
from sqlalchemy.exc import ProgrammingError  # noqa: E402

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


# Under pytest-xdist (`-n 2 --dist loadfile`, scripts/test.sh) a file's tests stay on one worker, so its module
# fixtures are built once. Two folders go whole to one worker: tests/layout/ (its session fixture writes the PDFs
# into tests/artifacts/layout/, which test_glyphs.py then reads back) and tests/e2e/ (real `gongwen up` processes,
# killed and watched by their memory: one at a time, beside the other worker's tests).
_WHOLE_FOLDERS = ("tests/layout/", "tests/e2e/")
# The longest files, handed out first (`--no-loadscope-reorder`) so that no worker is left running one of them
# alone at the end; the rest follow in the order collected.
# tests/layout/ is one unit of ≈ 3 min: collected after tests/integration/, it was handed out near the end.
_LONGEST_FIRST = (
    "tests/integration/test_access_matrix.py",
    "tests/e2e/",
    "tests/integration/test_archive.py",
    "tests/integration/test_fuzz.py",
    "tests/browser/",
    "tests/layout/",
    "tests/integration/test_action_walk.py",
)


def _group_of(nodeid: str) -> str:
    """The file of a test, or the whole folder for the folders kept on one worker."""
    path = nodeid.split("::", 1)[0]
    return next((folder for folder in _WHOLE_FOLDERS if path.startswith(folder)), path)


def _rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return next((n for n, prefix in enumerate(_LONGEST_FIRST) if path.startswith(prefix)), len(_LONGEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # run alone, the order collected stays
        items.sort(key=_rank)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` with tests/layout/ and tests/e2e/ each one unit (xdist's own `loadgroup` marks do not
    reach its scheduler under pytest 9: it rewrites a node id attribute pytest no longer reads)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LoadFileOrFolder(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group_of(nodeid)

    return LoadFileOrFolder(config, log)


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


_PUBLIC_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
# A copy of the tables as they stand with the example organs and users, kept beside them in the test database.
_SNAPSHOT = "gongwen_test_snapshot"


def _delete_everything(conn: Any) -> list[str]:
    """Every table empty, every id counting from its start again, with the foreign-key and append-only triggers
    off (``session_replication_role``; needs a superuser, else ProgrammingError)."""
    tables = list(conn.execute(text(_PUBLIC_TABLES)).scalars())
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    for table in tables:
        conn.execute(text(f'DELETE FROM "{table}"'))
    conn.execute(
        text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
            " FROM pg_sequences WHERE schemaname = 'public'"
        )
    )
    return tables


def truncate_all(url: str) -> None:
    """Every table empty and every id counting from its start again, as after the migrations.

    DELETE does it ≈ 5× faster than TRUNCATE for the few rows a test leaves: TRUNCATE gives each of the ≈ 60
    tables a new file, created and synced on commit, before every PostgreSQL test. A role that may not turn
    triggers off gets TRUNCATE."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            _delete_everything(conn)
    except ProgrammingError:  # not a superuser: session_replication_role is refused
        with engine.begin() as conn:
            tables = list(conn.execute(text(_PUBLIC_TABLES)).scalars())
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _snapshot_tables(url: str) -> list[str] | None:
    """Copy every table and the sequences' positions into the snapshot schema; the tables holding rows, or None
    when this role may not restore them (see _delete_everything)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_SNAPSHOT} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {_SNAPSHOT}"))
            held = []
            for table in conn.execute(text(_PUBLIC_TABLES)).scalars().all():
                conn.execute(text(f'CREATE TABLE {_SNAPSHOT}."{table}" AS SELECT * FROM public."{table}"'))
                if conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM public."{table}")')).scalar():
                    held.append(table)
            conn.execute(
                text(
                    f"CREATE TABLE {_SNAPSHOT}.sequences AS SELECT sequencename, last_value FROM pg_sequences"
                    " WHERE schemaname = 'public'"
                )
            )
        return held
    except ProgrammingError:
        return None
    finally:
        engine.dispose()


def _restore_snapshot(url: str, held: list[str]) -> None:
    """The tables exactly as snapshotted (rows, ids and where each id sequence stands)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        _delete_everything(conn)
        for table in held:
            conn.execute(text(f'INSERT INTO public."{table}" SELECT * FROM {_SNAPSHOT}."{table}"'))
        conn.execute(
            text(
                "SELECT setval(format('public.%I', s.sequencename), coalesce(s.last_value, p.start_value),"
                f" s.last_value IS NOT NULL) FROM {_SNAPSHOT}.sequences s JOIN pg_sequences p"
                " ON p.schemaname = 'public' AND p.sequencename = s.sequencename"
            )
        )
    engine.dispose()


def _load_example_users(url: str, home: Path) -> None:
    from services.seed.example import load_organs_and_users

    runtime = Runtime(Settings(home=home, database_url=url, environment="test", example_data=False), migrated=True)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    runtime.close()


@pytest.fixture(scope="session")
def sqlite_users_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The migrated database with the example organs and users, made once and copied for each test that has
    them (loading them costs ≈ 0.5 s of CPU: 90 users, their organs, groups and departments)."""
    folder = tmp_path_factory.mktemp("sqlite-users-template")
    path = folder / "template.db"
    shutil.copy(sqlite_template, path)
    _load_example_users(f"sqlite:///{path}", folder / "home")
    with closing(sqlite3.connect(path)) as conn:  # everything in the file itself, nothing left in its -wal
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def pg_users_snapshot(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> list[str] | None:
    """The PostgreSQL counterpart of sqlite_users_template: the tables with the example organs and users, kept in
    a schema of their own and copied back for each test that has them."""
    truncate_all(pg_database)
    _load_example_users(pg_database, tmp_path_factory.mktemp("pg-users-home"))
    return _snapshot_tables(pg_database)


# Database URLs prepared with the example organs and users already in them (the example_users fixture then
# has nothing to do).
_WITH_EXAMPLE_USERS: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A database of the test's own, migrated; with the example organs and users already in it when the test
    has them (example_users) — the same rows, ids and sequences as loading them afresh would give."""
    users = "example_users" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "gongwen.db"
        shutil.copy(request.getfixturevalue("sqlite_users_template") if users else sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        held = request.getfixturevalue("pg_users_snapshot") if users else None
        if held is None:
            users = False
            truncate_all(url)
        else:
            _restore_snapshot(url, held)
    _WITH_EXAMPLE_USERS.discard(url)
    if users:
        _WITH_EXAMPLE_USERS.add(url)
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

    if runtime.settings.database_url in _WITH_EXAMPLE_USERS:
        return  # the database was made with them (database_url)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)


class RuntimeOfTheTest:
    """Stands for the runtime of the test now running, in the one app a worker's tests share (create_app costs
    ≈ 0.6 s of CPU: FastAPI builds every route's fields; ≈ 360 tests take the client). All the app knows of a
    runtime it reaches through this: ``app.state.runtime`` and the body limit's login check."""

    def __init__(self) -> None:
        object.__setattr__(self, "_current", None)

    def serve(self, runtime: Runtime | None) -> None:
        object.__setattr__(self, "_current", runtime)

    def _runtime(self) -> Runtime:
        current: Runtime | None = object.__getattribute__(self, "_current")
        if current is None:
            raise RuntimeError("the shared app was asked outside a test's client")
        return current

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._runtime(), name, value)


_SHARED_APP: list[Any] = []  # [app, RuntimeOfTheTest], made by the first test that takes the client


def _shared_app(runtime: Runtime) -> tuple[Any, RuntimeOfTheTest]:
    """The worker's app, now serving ``runtime``. Made once, from the first test's settings: what create_app reads
    of them (the templates, the API's thread count) is the same in every test's settings."""
    from services.app import create_app

    if not _SHARED_APP:
        stand_in = RuntimeOfTheTest()
        stand_in.serve(runtime)
        app = create_app(runtime.settings, cast(Runtime, stand_in))
        # An app keeping more than its runtime in its state would carry it from one test into the next.
        assert set(app.state._state) == {"runtime"}, f"create_app keeps more in app.state: {set(app.state._state)}"
        _SHARED_APP[:] = [app, stand_in]
    app, stand_in = _SHARED_APP
    stand_in.serve(runtime)
    return app, stand_in


@pytest.fixture
def client(runtime: Runtime, example_users: None) -> Iterator[TestClient]:
    """The app over HTTP, on the test's own database, files and caches (its runtime)."""
    app, stand_in = _shared_app(runtime)
    try:
        with TestClient(app) as c:
            yield c
    finally:
        stand_in.serve(None)


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
