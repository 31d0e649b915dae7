"""A year of finished documents for the archive tests: the example documents plus generated ones, as issuing leaves
them."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from unittest import mock

from sqlalchemy import select

from services.context import Context
from services.domain.models import Attachment, Document, DocumentIssuer, DocumentVersion, Organ
from services.imports.recognize import recognize
from services.runtime import Runtime
from services.seed.texts import every_text

LEADS = ("zlt-mw", "zlt-tzb", "zlt-xcb", "gy-wjw")
# Each organ that keeps records has its own 全宗 (DOMAIN.md §3.7).
FONDS = {"zlt-mw": "Z001", "zlt-tzb": "Z002", "zlt-xcb": "Z003", "gy-wjw": "G001", "zlt-zf": "Z010", "zlt-jyj": "Z011"}


def give_fonds(runtime: Runtime, codes: dict[str, str] = FONDS) -> dict[str, str]:
    """Each of these organs (by code) gets its 全宗号, as an admin sets it; returns organ code → 全宗号."""
    from services.archive.fonds import FondsService
    from services.seed.example import user

    with runtime.context() as ctx:
        admin = user(ctx, "admin")
        for organ_code, fonds_code in codes.items():
            organ = ctx.session.scalar(select(Organ).where(Organ.code == organ_code))
            assert organ is not None, organ_code
            FondsService(ctx).set(admin, organ.id, fonds_code, organ.name)
    return dict(codes)


@lru_cache(maxsize=1)
def tiny_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<p>正本</p>").write_pdf())


def reporting_over(runtime: Runtime) -> None:
    """Every plan's reporting is over: the last periods are past and every report is 签收 (else the annual run
    holds the plans and their reports back)."""
    from sqlalchemy import update

    from services.domain.models import Obligation, Submission

    with runtime.context() as ctx:
        ended = ctx.today() - dt.timedelta(days=1)
        ctx.session.execute(update(Obligation).values(due_on=ended, ends_on=None))
        ctx.session.execute(update(Submission).values(status="已签收"))


def make_year(runtime: Runtime, year: int, generated: int, seed: int = 7) -> list[int]:
    """The three example documents and ``generated`` more, each issued with a number, a PDF, a final text; some
    with a photo."""
    rng = random.Random(seed)
    give_fonds(runtime)
    texts = every_text()
    with runtime.context() as ctx, _unsynced():
        organs = {o.code: o for o in ctx.session.scalars(select(Organ).where(Organ.code.in_(LEADS)))}
        made = [_document(organs[LEADS[n % len(LEADS)]], year, n, texts, rng) for n in range(len(texts) + generated)]
        ctx.session.add_all(doc for doc, _ in made)
        ctx.session.flush()  # every id at once, in the order added
        for n, (doc, text) in enumerate(made):
            ctx.session.add(_final_text(ctx, doc, text, photo=n % 10 == 3))
    return [doc.id for doc, _ in made]


@contextmanager
def _unsynced() -> Iterator[None]:
    """The store's files written without waiting for the disk (``fsync``): the same bytes, and a test machine
    that loses power loses the test anyway; ≈ 2,000 syncs were a third of the time making a year of 1,000."""
    with mock.patch.object(os, "fsync", lambda fd: None):
        yield


def _document(lead: Organ, year: int, n: int, texts: list[str], rng: random.Random) -> tuple[Document, str]:
    """The ``n``th document of the year, not yet stored, and its text."""
    text = texts[n] if n < len(texts) else f"关于第{n}项工作的通知\n" + "开展民族团结进步活动。" * rng.randint(20, 200)
    title = recognize(text)[0].title or f"关于第{n}项工作的通知"
    doc = Document(
        doc_type="通知",
        title=title,
        lead_organ_id=lead.id,
        issue_form="发",
        status="distributed",
        current_version=1,
        signing_round=1,
        written_on=dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)),
        doc_number=f"{lead.prefixes[0].prefix}〔{year}〕{n + 1}号",
        doc_prefix=lead.prefixes[0].prefix,
        doc_year=year,
        doc_seq=n + 1,
    )
    doc.issuers = [DocumentIssuer(organ_id=lead.id, position=0)]
    return doc, text


def _final_text(ctx: Context, doc: Document, text: str, photo: bool) -> DocumentVersion:
    """The document's text and issued PDF in the store, its version 1 (with a photo attached when asked)."""
    body_key = f"documents/{doc.id}/v1/body.txt"
    pdf_key = f"documents/{doc.id}/issued/{doc.id}.pdf"
    ctx.store.put(body_key, text.encode(), "text/plain")
    ctx.store.put(pdf_key, tiny_pdf(), "application/pdf")
    doc.rendered_pdf_key = pdf_key
    version = DocumentVersion(
        document_id=doc.id,
        number=1,
        body_key=body_key,
        body_sha256="-",
        body_size=len(text.encode()),
        fields={},
    )
    if photo:
        photo_key = f"documents/{doc.id}/v1/att-1-photo.png"
        ctx.store.put(photo_key, _png(), "image/png")
        version.attachments.append(
            Attachment(
                position=0,
                title="活动照片",
                filename="photo.png",
                content_type="image/png",
                key=photo_key,
                size=len(_png()),
                sha256="-",
            )
        )
        doc.attachment_notes = ["活动照片"]
    return version


def _png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    )


def issued(
    runtime: Runtime,
    issuers: list[str],
    title: str,
    written_on: dt.date,
    doc_type: str = "通知",
    number: str | None = None,
) -> int:
    """A document issued and distributed by these organs (by code, the lead first), as issuing leaves it."""
    with runtime.context() as ctx:
        organs = [ctx.session.scalar(select(Organ).where(Organ.code == c)) for c in issuers]
        lead = organs[0]
        assert lead is not None and all(organs)
        doc = Document(doc_type=doc_type, title=title, lead_organ_id=lead.id, issue_form="发", status="distributed",
                       current_version=1, signing_round=1, written_on=written_on, doc_number=number)  # fmt: skip
        doc.issuers = [DocumentIssuer(organ_id=o.id, position=n) for n, o in enumerate(organs) if o is not None]
        ctx.session.add(doc)
        ctx.session.flush()
        body_key, pdf_key = f"documents/{doc.id}/v1/body.txt", f"documents/{doc.id}/issued/{doc.id}.pdf"
        ctx.store.put(body_key, title.encode(), "text/plain")
        ctx.store.put(pdf_key, tiny_pdf(), "application/pdf")
        doc.rendered_pdf_key = pdf_key
        ctx.session.add(DocumentVersion(document_id=doc.id, number=1, body_key=body_key, body_sha256="-",
                                        body_size=len(title.encode()), fields={}))  # fmt: skip
        return doc.id
