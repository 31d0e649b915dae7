"""What every use case gets passed: the session of the boundary's transaction, the object store, settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.caches import Caches
from services.config import Settings
from services.domain.models import utcnow
from services.storage import ObjectStore


@dataclass
class Context:
    session: Session
    store: ObjectStore
    settings: Settings
    clock: Callable[[], dt.datetime] = field(default=utcnow)
    caches: Caches = field(default_factory=Caches)  # the process's (Runtime's); a bare Context gets its own

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        """The local date (成文日期, deadlines) in the configured time zone."""
        return self.now().astimezone(ZoneInfo(self.settings.timezone)).date()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the unit of work that is undone alone when it raises (a form refused, the page re-rendered):
        its rows are rolled back to the savepoint and the objects it staged are removed; the error propagates."""
        staged: list[str] = self.session.info.setdefault("staged_keys", [])
        mark = len(staged)
        nested = self.session.begin_nested()
        try:
            yield
            nested.commit()
        except BaseException:
            nested.rollback()
            for key in staged[mark:]:
                self.store.delete(key)
            del staged[mark:]
            raise
