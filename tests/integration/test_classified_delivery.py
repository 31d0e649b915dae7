"""A 涉密 document sent where nobody is cleared for its 密级 reaches nobody (DOMAIN.md §1.6): the sender is told which
organs at submission (an organ without a registrar; 登记 and 核发 in test_registrar.py) and must confirm; such
units are shown apart on the dashboard (无相应密级人员) and never chased."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services.accounts.service import SYSTEM, OrganService, UserService
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.schemas import DraftInput
from services.documents.service import DocumentService
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, user
from services.workflow.registrar import RegistrarService
from services.workflow.service import WorkflowService
from tests.helpers.clearance import clear
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login
from tests.helpers.plans import D, act, at, organ_id

Login = Callable[[str], dict[str, str]]
CONFIRM = {"confirm_recipients_without_clearance": True}
WJW = "扎兰屯市卫生健康委员会"


def _plan(ctx: Context, classification: str = "机密") -> DraftInput:
    """市民委's plan to 市教育局 (someone there is cleared) and 市卫健委 (nobody is), asking each for a 总结."""
    return DraftInput.model_validate(
        {"doc_type": "通知", "title": "关于报送民族团结工作总结的通知", "issue_form": "字",
         "main_recipients": [organ_id(ctx, "zlt-jyj"), organ_id(ctx, "zlt-wjw")],
         "classification": classification, "secrecy_period": None if classification == "非密" else "1年",
         "obligations": [{"title": "工作总结", "due_on": "2026-03-10"}],
         "body": "请各单位于3月10日前报送工作总结。"}
    )  # fmt: skip


def _draft(runtime: Runtime, classification: str = "机密") -> int:
    make = lambda c: DocumentService(c).create_draft(user(c, "mw.drafter"), _plan(c, classification)).id  # noqa: E731
    return int(act(runtime, make))  # type: ignore[call-overload]


def _error(r: object, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()["error"]  # type: ignore[attr-defined]
    assert body["code"] == code
    return body


def test_submission_without_a_registrar_names_the_organs_nobody_there_may_read_it(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    at(runtime, D(2026, 3, 2))
    clear(runtime, "机密", "mw.drafter", "jyj.drafter")
    with runtime.context() as ctx:  # a disabled account at 市卫健委 cleared for 机密 reads nothing
        UserService(ctx).create("wjw.former", "原保密员", organ_id(ctx, "zlt-wjw"), ["drafter"], DEMO_PASSWORD, "机密")
        user(ctx, "wjw.former").active = False
    doc_id = _draft(runtime)
    drafter = login("mw.drafter")
    with changes_nothing(runtime):
        refused = _error(client.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter), 409,
                         "recipients_without_clearance")  # fmt: skip
        unconfirmed = client.post(f"/api/v1/documents/{doc_id}/submit", json={}, headers=drafter)
    assert refused["details"] == {
        "field": "confirm_uncleared",
        "organs": [{"id": _id(runtime, "zlt-wjw"), "name": WJW}],
    }  # type: ignore[comparison-overlap]
    assert WJW in str(refused["message_zh"]) and "扎兰屯市教育局" not in str(refused["message_zh"])
    assert unconfirmed.status_code == 409
    r = client.post(f"/api/v1/documents/{doc_id}/submit", json=CONFIRM, headers=drafter)
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    event = next(e for e in client.get(f"/api/v1/documents/{doc_id}/audit", headers=drafter).json()
                 if e["action"] == "submit")  # fmt: skip
    assert event["detail"]["uncleared_recipients"] == [WJW]

    # 非密, or an organ with its registrar's gate (warned at 登记 and 核发 instead): nothing to confirm here
    plain = _draft(runtime, "非密")
    assert client.post(f"/api/v1/documents/{plain}/submit", headers=drafter).status_code == 200


def test_the_document_page_shows_the_warning_and_a_confirm_box(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    at(runtime, D(2026, 3, 2))
    clear(runtime, "机密", "mw.drafter", "jyj.drafter")
    doc_id = _draft(runtime)
    csrf = page_login(client, "mw.drafter")
    page = client.get(f"/documents/{doc_id}")
    assert "无人具有“机密”及以上密级权限" in page.text and WJW in page.text and 'name="confirm_uncleared"' in page.text
    with changes_nothing(runtime):
        refused = client.post(f"/documents/{doc_id}/submit", data={"csrf": csrf})
    assert refused.status_code == 409 and 'class="error" role="alert"' in refused.text and "请勾选确认" in refused.text
    assert "recipients_without_clearance" not in refused.text  # the page speaks Chinese
    done = client.post(f"/documents/{doc_id}/submit", data={"csrf": csrf, "confirm_uncleared": "on"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303


def _issue_confirmed(runtime: Runtime) -> tuple[int, int]:
    """The 机密 plan issued and distributed by an organ without a registrar, confirmed at submission."""
    clear(runtime, "机密", "mw.drafter", "mw.reviewer", "mw.head", "mw.registrar", "jyj.drafter")
    doc_id = _draft(runtime)
    act(runtime, lambda c: WorkflowService(c).submit(user(c, "mw.drafter"), doc_id, confirm_uncleared=True))
    act(runtime, lambda c: WorkflowService(c).run_format_checks(doc_id))
    act(runtime, lambda c: WorkflowService(c).review(user(c, "mw.reviewer"), doc_id, True, "同意"))
    act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "mw.head"), doc_id, True, "同意"))
    act(runtime, lambda c: WorkflowService(c).register(doc_id))
    act(runtime, lambda c: WorkflowService(c).render(doc_id, runtime.renderer))
    act(runtime, lambda c: DistributionService(c).distribute(doc_id))
    obligation = act(runtime, lambda c: DocumentService(c).get(doc_id).obligations[0].id)
    return doc_id, int(obligation)  # type: ignore[call-overload]


def test_a_unit_nobody_may_read_for_is_shown_apart_and_never_chased(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    at(runtime, D(2026, 3, 2))
    doc_id, obligation = _issue_confirmed(runtime)
    at(runtime, D(2026, 3, 12))  # both units are two days late
    office = _fresh(client, "mw.registrar")
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=office).json()
    assert [u["organ"] for u in board["units"]] == ["扎兰屯市教育局"]
    assert [u["name"] for u in board["units_without_clearance"]] == [WJW]
    assert [e["organ_id"] for e in board["overdue"]] == [_id(runtime, "zlt-jyj")]
    page_login(client, "mw.registrar")
    page = client.get(f"/documents/{doc_id}/distribution").text
    assert "无相应密级人员（1）" in page and re.search(rf"<li>{WJW}</li>", page)
    sheet = load_workbook(io.BytesIO(client.get(f"/documents/{doc_id}/distribution.xlsx").content))["反馈情况"]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0][0] == "扎兰屯市教育局" and rows[1] == [WJW, "无相应密级人员"]

    with changes_nothing(runtime):
        refused = client.post(f"/api/v1/obligations/{obligation}/chase", json={"organ_ids": [_id(runtime, "zlt-wjw")]},
                              headers=office)  # fmt: skip
    _error(refused, 409, "nobody_to_chase")
    counts = act(runtime, lambda c: ObligationService(c).chase_due())
    assert counts == {"chased": 1, "overdue": 1, "obligations": 1}  # 市教育局 only
    chased = client.get(f"/api/v1/obligations/{obligation}/chases", headers=office).json()
    assert [c["organ_id"] for c in chased] == [_id(runtime, "zlt-jyj")]

    # Someone at 市卫健委 is cleared the next day: the unit is back in the matrix, 逾期, and is chased.
    at(runtime, D(2026, 3, 13))
    clear(runtime, "机密", "wjw.drafter")
    board = client.get(f"/api/v1/documents/{doc_id}/obligations/matrix", headers=_fresh(client, "mw.registrar")).json()
    assert board["units_without_clearance"] == [] and WJW in [u["organ"] for u in board["units"]]
    assert act(runtime, lambda c: ObligationService(c).chase_due())["chased"] == 2  # type: ignore[index]


def _fresh(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _id(runtime: Runtime, code: str) -> int:
    return int(act(runtime, lambda c: organ_id(c, code)))  # type: ignore[call-overload]


def test_the_registrar_confirms_on_the_register_and_release_pages(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    """With the registrar's gate on, submission warns of nothing; 登记 and 核发 show the organs and a confirm box, and
    a form sent without it comes back with the warning and what was typed."""
    at(runtime, D(2026, 3, 2))
    clear(runtime, "机密", "mw.drafter", "mw.reviewer", "mw.head", "mw.registrar", "jyj.drafter")
    act(runtime, lambda c: OrganService(c).set_registrar_gate(SYSTEM, organ_id(c, "zlt-mw"), True))
    doc_id = _draft(runtime)
    act(runtime, lambda c: WorkflowService(c).submit(user(c, "mw.drafter"), doc_id))  # no registrar's warning yet
    act(runtime, lambda c: WorkflowService(c).run_format_checks(doc_id))
    act(runtime, lambda c: WorkflowService(c).review(user(c, "mw.reviewer"), doc_id, True, "同意"))
    act(runtime, lambda c: WorkflowService(c).decide_signoff(user(c, "mw.head"), doc_id, True, "同意"))
    act(runtime, lambda c: RegistrarService(c).recheck(user(c, "mw.registrar"), doc_id, "无误"))
    to = [str(_id(runtime, "zlt-jyj")), str(_id(runtime, "zlt-wjw"))]
    csrf = page_login(client, "mw.registrar")
    form = client.get(f"/documents/{doc_id}/register").text
    assert f"分送后无人能够阅读：{WJW}。" in form and 'name="confirm_uncleared"' in form
    typed = {"csrf": csrf, "recipients": to, "copies": "2", "copy_numbers": "000001-000002"}
    with changes_nothing(runtime):
        refused = client.post(f"/documents/{doc_id}/register", data=typed)
    assert refused.status_code == 409 and "请勾选确认" in refused.text and "000001-000002" in refused.text
    done = client.post(f"/documents/{doc_id}/register", data={**typed, "confirm_uncleared": "on"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"].endswith("msg=registered")
    seals = {"csrf": csrf, f"seal-{_id(runtime, 'zlt-mw')}": "王芳"}
    assert client.post(f"/documents/{doc_id}/seal", data=seals, follow_redirects=False).status_code == 303
    assert WJW in client.get(f"/documents/{doc_id}/release").text
    with changes_nothing(runtime):
        assert client.post(f"/documents/{doc_id}/release", data={"csrf": csrf}).status_code == 409
    released = client.post(f"/documents/{doc_id}/release", data={"csrf": csrf, "confirm_uncleared": "on"},
                           follow_redirects=False)  # fmt: skip
    assert released.status_code == 303 and released.headers["location"].endswith("msg=released")
