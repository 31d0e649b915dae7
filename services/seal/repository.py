"""Every query of the electronic seals: an organ's versions, a version by its code, the seals pressed on a document."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.domain.models import Organ, OrganSeal, SealRecord, User


class SealRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, organ_id: int) -> OrganSeal | None:
        """The organ's seal in use: its latest version not retired."""
        query = select(OrganSeal).where(OrganSeal.organ_id == organ_id, OrganSeal.retired_at.is_(None))
        return self.session.scalar(query.order_by(OrganSeal.version.desc()).limit(1))

    def versions(self, organ_id: int) -> Sequence[OrganSeal]:
        query = select(OrganSeal).where(OrganSeal.organ_id == organ_id).order_by(OrganSeal.version)
        return self.session.scalars(query).all()

    def next_version(self, organ_id: int) -> int:
        last = self.session.scalar(select(func.max(OrganSeal.version)).where(OrganSeal.organ_id == organ_id))
        return (last or 0) + 1

    def by_code(self, es_id: str) -> OrganSeal | None:
        return self.session.scalar(select(OrganSeal).where(OrganSeal.es_id == es_id))

    def organ(self, organ_id: int) -> Organ | None:
        return self.session.get(Organ, organ_id)

    def lock_organ(self, organ_id: int) -> None:
        self.session.execute(select(Organ.id).where(Organ.id == organ_id).with_for_update())

    def organ_named(self, text: str) -> Organ | None:
        return self.session.scalar(select(Organ).where((Organ.code == text) | (Organ.name == text)))

    def user_named(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username))

    def pressed(self, document_id: int) -> Sequence[SealRecord]:
        """The seals recorded at 用印, in organ order."""
        query = select(SealRecord).where(SealRecord.document_id == document_id).order_by(SealRecord.position)
        return self.session.scalars(query).all()
