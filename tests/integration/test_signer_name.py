"""A 上行文 shows its 签发人's name (DOMAIN.md §1.2): it cannot be signed by someone whose name the admin has not
registered, so no page ever prints a placeholder where the name belongs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.accounts.service import UserService
from services.documents.schemas import DraftInput
from services.documents.service import DocumentService
from services.domain.models import Document
from services.errors import Conflict
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, user
from services.workflow.service import WorkflowService
from tests.helpers.invariants import changes_nothing
from tests.helpers.plans import act


def _request(runtime: Runtime) -> int:
    """市民委's 请示 to 市委, checked and reviewed: waiting for its head to 签发."""

    def draft(ctx: object) -> int:
        from services.accounts.service import OrganService

        superior = OrganService(ctx).by_code("zlt-sw").id  # type: ignore[arg-type]
        data = DraftInput.model_validate(
            {"doc_type": "请示", "title": "关于请求拨付民族团结进步活动月专项经费的请示", "issue_form": "字",
             "main_recipients": [superior], "body": "拟申请专项经费2万元。妥否，请批示。"}
        )  # fmt: skip
        return DocumentService(ctx).create_draft(user(ctx, "mw.drafter"), data).id  # type: ignore[arg-type]

    doc_id = int(act(runtime, draft))  # type: ignore[call-overload]
    act(runtime, lambda c: WorkflowService(c).submit(user(c, "mw.drafter"), doc_id))
    act(runtime, lambda c: WorkflowService(c).run_format_checks(doc_id))
    act(runtime, lambda c: WorkflowService(c).review(user(c, "mw.reviewer"), doc_id, True, "同意"))
    return doc_id


def test_an_upward_document_waits_for_its_signers_registered_name(client: TestClient, runtime: Runtime) -> None:
    doc_id = _request(runtime)
    with changes_nothing(runtime), pytest.raises(Conflict) as refused:
        act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "mw.head"), doc_id, True, "同意"))
    assert refused.value.code == "signer_name_missing" and "姓名尚未登记" in refused.value.zh
    # Through the API the head is told the same, and the document still waits for 签发.
    token = client.post("/api/v1/auth/login", json={"username": "mw.head", "password": DEMO_PASSWORD}).json()["token"]
    head = {"Authorization": f"Bearer {token}"}
    r = client.post(f"/api/v1/documents/{doc_id}/signoff", json={"approve": True}, headers=head)
    assert r.status_code == 409 and r.json()["error"]["code"] == "signer_name_missing"
    assert client.get(f"/api/v1/documents/{doc_id}", headers=head).json()["status"] == "signing"
    # Sending it back needs no name.
    act(runtime, lambda c: UserService(c).set_person(user(c, "mw.head").id, "王帅", "主任"))
    act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "mw.head"), doc_id, True, "同意"))
    act(runtime, lambda c: WorkflowService(c).register(doc_id))
    act(runtime, lambda c: WorkflowService(c).render(doc_id, runtime.renderer))
    html = client.get(f"/api/v1/documents/{doc_id}/html", headers=head).text
    assert "王帅" in html and "姓名未登记" not in html


def test_sending_an_upward_document_back_needs_no_registered_name(runtime: Runtime, example_users: None) -> None:
    doc_id = _request(runtime)
    act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "mw.head"), doc_id, False, "经费另行申请"))
    with runtime.context() as ctx:
        document = ctx.session.get(Document, doc_id)
        assert document is not None and document.status == "returned"
