"""A draft may 转发 a received document or answer a 来文; the link is versioned and checked like any field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.domain.models import Document, DocumentVersion, Organ
from services.runtime import Runtime
from tests.helpers.invariants import changes_nothing

Login = Callable[[str], dict[str, str]]


def _received(runtime: Runtime, owner_code: str, title: str) -> int:
    with runtime.context() as ctx:
        owner = ctx.session.scalar(select(Organ).where(Organ.code == owner_code))
        sender = ctx.session.scalar(select(Organ).where(Organ.code == "zlt-jyj"))
        assert owner is not None and sender is not None
        doc = Document(
            kind="imported", status="imported", doc_type="请示", title=title, lead_organ_id=sender.id,
            owner_organ_id=owner.id, issue_form="发", written_on=dt.date.today(), current_version=1,
        )  # fmt: skip
        ctx.session.add(doc)
        ctx.session.flush()
        ctx.store.put(f"documents/{doc.id}/v1/body.txt", title.encode(), "text/plain")
        ctx.session.add(DocumentVersion(document_id=doc.id, number=1, body_key=f"documents/{doc.id}/v1/body.txt",
                                        body_sha256="-", body_size=1, fields={}))  # fmt: skip
        return doc.id


def test_a_reply_answers_a_request_and_the_link_is_versioned(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    drafter = login("mw.drafter")
    request = _received(runtime, "zlt-mw", "扎兰屯市教育局关于举办民族团结进步主题展览的请示")
    elsewhere = _received(runtime, "gy-wjw", "另一城市收到的请示")
    payload = {
        "doc_type": "批复", "title": "关于同意举办民族团结进步主题展览的批复", "issue_form": "函",
        "body": "你局《关于举办民族团结进步主题展览的请示》收悉。经研究，同意。", "answers": request,
    }  # fmt: skip
    r = client.post("/api/v1/documents", json=payload, headers=drafter)
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    assert r.json()["answers"] == request and r.json()["forwards"] is None

    with changes_nothing(runtime):
        for bad in (99999, elsewhere, doc_id):
            changed = {**payload, "answers": bad, "base_version": 1}
            r = client.put(f"/api/v1/documents/{doc_id}", json=changed, headers=drafter)
            assert r.status_code == 422 and r.json()["error"]["code"] == "relation_invalid", r.text
            assert r.json()["error"]["details"]["field"] == "answers"

    r = client.put(f"/api/v1/documents/{doc_id}", json={**payload, "answers": None, "base_version": 1}, headers=drafter)
    assert r.status_code == 200 and r.json()["answers"] is None
    diff = client.get(f"/api/v1/documents/{doc_id}/diff", params={"from": 1, "to": 2}, headers=drafter).json()
    assert diff["fields"]["answers"] == {"from": request, "to": None}


def test_the_editor_offers_received_documents_and_keeps_the_choice(client: TestClient, runtime: Runtime) -> None:
    from tests.helpers.pages import page_login

    request = _received(runtime, "zlt-mw", "扎兰屯市教育局关于举办民族团结进步主题展览的请示")
    csrf = page_login(client, "mw.drafter")
    form = client.get("/documents/new").text
    assert re.search(rf'<option value="{request}"\s*>扎兰屯市教育局关于举办民族团结进步主题展览的请示', form), form
    r = client.post(
        "/documents/new",
        data={
            "csrf": csrf,
            "doc_type": "批复",
            "title": "关于同意举办主题展览的批复",
            "issue_form": "函",
            "body": "同意。",
            "answers": str(request),
            "classification": "非密",
            "urgency": "普通",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    edit = client.get(r.headers["location"].split("?")[0]).text
    assert re.search(rf'<option value="{request}"\s*selected>', edit)
