"""Documents every head has signed, as the sign-off step leaves them: what 登记 numbers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.domain.enums import DocStatus, SignoffKind, SignoffStatus
from services.domain.models import Document, DocumentIssuer, Organ, Signoff
from services.runtime import Runtime


def signed_documents(runtime: Runtime, count: int, doc_types: tuple[str, ...] = ("通知",)) -> list[int]:
    """Documents every head has signed, as the sign-off step leaves them."""
    with runtime.context() as ctx:
        lead = ctx.session.scalar(select(Organ).where(Organ.code == "zlt-mw"))
        assert lead is not None
        docs = []
        for i in range(count):
            doc = Document(
                doc_type=doc_types[i % len(doc_types)],
                title=f"关于第{i}项工作的{doc_types[i % len(doc_types)]}",
                lead_organ_id=lead.id,
                issue_form="字",
                status=DocStatus.signed.value,
                current_version=1,
                signing_round=1,
                written_on=dt.date(2025, 3, 1),
            )
            doc.issuers = [DocumentIssuer(organ_id=lead.id, position=0)]
            ctx.session.add(doc)
            docs.append(doc)
        ctx.session.flush()
        for doc in docs:
            ctx.session.add(
                Signoff(
                    document_id=doc.id,
                    organ_id=lead.id,
                    round=1,
                    kind=SignoffKind.sign.value,
                    status=SignoffStatus.signed.value,
                    version=1,
                )
            )
        return [d.id for d in docs]
