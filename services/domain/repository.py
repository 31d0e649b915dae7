"""What every repository shares: the session of the unit of work it queries, and adding and flushing rows in it."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    def flush(self) -> None:
        self.session.flush()
