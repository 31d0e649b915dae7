"""Every query of numbering: the organs' 令 and meeting series, their 机关代字, the highest number documents carry
in a sequence, and the counters (taken through the one gap-free allocator, services/numbering/allocator.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.domain.enums import NumberFamily
from services.domain.models import Document, NumberCounter, NumberSeries, OrganPrefix
from services.domain.repository import SessionRepository
from services.numbering import allocator


class NumberingRepository(SessionRepository):
    # -- counters (the allocator) ------------------------------------------------------------------------------

    def next_seq(self, family: NumberFamily, scope: str, year: int) -> int:
        return allocator.next_seq(self.session, family, scope, year)

    def lock_last(self, family: NumberFamily, scope: str, year: int) -> int:
        return allocator.lock_last(self.session, family, scope, year)

    def set_last(self, family: NumberFamily, scope: str, year: int, last: int) -> None:
        allocator.set_last(self.session, family, scope, year, last)

    def counter(self, family: NumberFamily, scope: str, year: int) -> int:
        """The last number given in the sequence, read without a lock (0 before the first)."""
        row = self.session.get(NumberCounter, (family.value, scope, year))
        return row.last_seq if row else 0

    # -- series and 机关代字 -------------------------------------------------------------------------------------

    def ensure_series(self, organ_id: int, family: NumberFamily, name: str, at: dt.datetime) -> NumberSeries:
        """The series of this name, made when missing; made once even when two issuers ask at the same moment."""
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        values = {
            "organ_id": organ_id, "family": family.value, "name": name,
            "restart_yearly": family is NumberFamily.minutes, "created_at": at,
        }  # fmt: skip
        self.session.execute(insert(NumberSeries).values(**values).on_conflict_do_nothing())
        series = self.series_named(name)
        assert series is not None
        return series

    def series_named(self, name: str) -> NumberSeries | None:
        return self.session.scalar(select(NumberSeries).where(NumberSeries.name == name))

    def series(self, series_id: int) -> NumberSeries | None:
        return self.session.get(NumberSeries, series_id)

    def series_of(self, organ_id: int, family: NumberFamily | None) -> list[NumberSeries]:
        query = select(NumberSeries).where(NumberSeries.organ_id == organ_id).order_by(NumberSeries.id)
        if family is not None:
            query = query.where(NumberSeries.family == family.value)
        return list(self.session.scalars(query))

    def prefix(self, prefix_id: int) -> OrganPrefix | None:
        return self.session.get(OrganPrefix, prefix_id)

    # -- what documents carry ----------------------------------------------------------------------------------

    def highest_in_prefix(self, prefix: str, year: int) -> int:
        """The highest 序号 any document carries under this 机关代字 and year."""
        query = select(func.max(Document.doc_seq)).where(Document.doc_prefix == prefix, Document.doc_year == year)
        return int(self.session.scalar(query) or 0)

    def highest_in_series(self, series_id: int, year: int | None) -> int:
        """The highest number any document carries in the series (in ``year``, when given)."""
        query = select(func.max(Document.doc_seq)).where(Document.series_id == series_id)
        if year is not None:
            query = query.where(Document.doc_year == year)
        return int(self.session.scalar(query) or 0)
