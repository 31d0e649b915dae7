"""Engine, sessions and the unit of work: one transaction per request or task, committed at the boundary."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.access import READS_ONLY
from services.audit.chain import seal_pending
from services.domain.models import CacheVersion, Organ, OrganAlias, User
from services.errors import Conflict, DomainError, Invalid
from services.storage import ObjectStore

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


READ_ONLY = "gongwen_read_only"
# Our rows are read by position or by name, never keyed by Column objects: a statement built per reader that reuses
# the compiled form of another reader's then needs no column-by-column remapping of its result (SQLAlchemy compares
# every selected column to do it; ≈ 15 % of the 待办's CPU). The ORM sets the same for its own statements.
ROWS_BY_NAME = "_result_disable_adapt_to_context"
SQLITE_MMAP_BYTES = 1 << 30
# psycopg prepares a statement a connection has run five times; PostgreSQL then plans it once for every value
# instead of again at each execution (the 待办's statement: 8 ms of planning a request against 1.6 ms of running).
# Our statements look rows up by id and organ, which a plan for any value serves as well.
PG_PLAN_CACHE_MODE = "force_generic_plan"
# psycopg turns a statement's placeholders into PostgreSQL's with a regular expression at every execution unless the
# statement is short (≤ 4 KB and ≤ 50 parameters): then it keeps the result. The 待办's and the document page's
# statements are longer; their conversion is kept too (a bounded cache of 128 statements).
PG_CONVERTED_STATEMENT_LIMITS = (64 * 1024, 1000)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 60, "check_same_thread": False}, pool_size=20, pool_use_lifo=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    _keep_long_statements_converted()
    return create_engine(
        url,
        connect_args={"options": f"-c plan_cache_mode={PG_PLAN_CACHE_MODE}"},
        pool_pre_ping=True,
        pool_size=20,
        max_overflow=20,
        pool_use_lifo=True,
    )


def _keep_long_statements_converted() -> None:
    from psycopg import _queries

    length, parameters = PG_CONVERTED_STATEMENT_LIMITS
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, length)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, parameters)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let "begin" below issue BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # reads straight from the OS page cache (shared by every connection) instead of copying each page in
    cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Writers take the write lock at BEGIN, so two never deadlock upgrading read locks; readers take none
    (WAL: a reader sees the last commit and never waits for, or holds up, a writer)."""
    read_only = conn.get_execution_options().get(READ_ONLY)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def migrate(url: str) -> None:
    """Bring the database to the newest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


class Database:
    """Sessions over one engine, and object keys staged in a transaction so a rollback leaves no orphan."""

    def __init__(self, url: str, store: ObjectStore) -> None:
        self.url = url
        self.engine = make_engine(url).execution_options(**{ROWS_BY_NAME: True})
        self.store = store
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_commit", seal_pending)
        event.listen(self._sessions, "before_flush", bump_cache_versions)
        reader = self.engine.execution_options(**{READ_ONLY: True}, **_pg_read_only(url))
        self._readers = sessionmaker(reader, expire_on_commit=False)
        event.listen(self._readers, "before_flush", _refuse_writes)

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[Session]:
        """One transaction; a database refusal (constraint, lock, serialisation) becomes a 409 with a stable code.

        ``write=False`` is a reader: on SQLite it takes no lock, on PostgreSQL it is READ ONLY, and a change
        attempted in it is a programming error."""
        session = self._sessions() if write else self._readers()
        session.info["staged_keys"] = []
        session.info[READS_ONLY] = not write
        try:
            yield session
            session.commit()
        except BaseException as exc:
            _end_after_failure(session, write)
            self._discard_staged(session)
            translated = translate_db_error(exc)
            if translated is not None:
                raise translated from exc
            raise
        finally:
            session.close()

    def _discard_staged(self, session: Session) -> None:
        for key in session.info.get("staged_keys", []):
            self.store.delete(key)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def ping(self) -> None:
        """Raises when the database does not answer (the health check); takes no write lock."""
        with self.unit_of_work(write=False) as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def bump_cache_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Every change to a user row raises its version, in SQL (two processes changing it at once each add one),
    so a process that cached the caller sees it in the query that confirms the login (services.accounts); every
    change to an organ or its aliases raises the organs' version (services.accounts.OrganService.directory)."""
    for obj in session.dirty:
        if isinstance(obj, User) and session.is_modified(obj, include_collections=False):
            obj.auth_version = User.auth_version + 1
    changed = (*session.new, *session.dirty, *session.deleted)
    if not session.info.get("organs_changed") and any(isinstance(o, Organ | OrganAlias) for o in changed):
        session.info["organs_changed"] = True  # raised once a transaction; its own reads are not cached
        session.execute(
            update(CacheVersion).where(CacheVersion.name == "organs").values(version=CacheVersion.version + 1)
        )


def _end_after_failure(session: Session, write: bool) -> None:
    """A writer's transaction is rolled back. A reader's changed nothing, so it ends with COMMIT where it can:
    psycopg forgets every statement it prepared on a connection at each ROLLBACK, and the next requests on that
    connection would make PostgreSQL plan their statements afresh (a refused page, a 404, is common)."""
    if not write and not (session.new or session.dirty or session.deleted):
        try:
            session.commit()
            return
        except DBAPIError:  # the transaction itself failed (PostgreSQL answers COMMIT with a rollback anyway)
            pass
    session.rollback()


def _pg_read_only(url: str) -> dict[str, bool]:
    return {"postgresql_readonly": True} if url.startswith("postgresql") else {}


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only unit of work tried to change data")


def unique_key(folder: str, name: str) -> str:
    """An object key no other write uses: two transactions never write, or on rollback delete, the same object."""
    return f"{folder}/{uuid.uuid4().hex[:16]}/{name}"


def translate_db_error(exc: BaseException) -> DomainError | None:
    """The database's refusals in the project's terms; anything else is left to surface as it is."""
    if isinstance(exc, IntegrityError):
        return Conflict(
            "conflict_integrity",
            "与已有数据冲突（可能是他人同时进行了相同操作），请刷新后重试",
            "the change conflicts with existing data (perhaps someone did the same at once); reload and retry",
        )
    if isinstance(exc, DataError):
        return Invalid(
            "value_invalid",
            "提交的数据超出允许范围，或含有不能保存的字符",
            "a value is out of range or holds characters that cannot be stored",
        )
    if isinstance(exc, OperationalError | DBAPIError) and _is_contention(exc):
        return Conflict(
            "conflict_busy",
            "数据正被他人修改，请稍后重试",
            "the data is being changed by someone else; retry in a moment",
        )
    return None


def _is_contention(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("database is locked", "deadlock detected", "could not serialize", "lock timeout"))


def stage_object(session: Session, store: ObjectStore, key: str, data: bytes, content_type: str) -> str:
    """Write bytes now and remember the key, so the unit of work deletes it if the transaction fails."""
    digest = store.put(key, data, content_type)
    session.info.setdefault("staged_keys", []).append(key)
    return digest
