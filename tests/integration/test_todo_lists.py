"""A 待办 list shows its longest-waiting documents and how many it holds in all: a reviewer with more drafts to
review than a page can list sees the first 50 and the total, and can ask for the whole list; a document above the
reader's 密级 is neither listed nor counted."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from services.documents.repository import WAITING_SHOWN
from services.runtime import Runtime
from tests.helpers.clearance import clear
from tests.helpers.invariants import changes_nothing
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
SUBMITTED = WAITING_SHOWN + 3


def _submit(client: TestClient, drafter: dict[str, str], n: int, **fields: str) -> int:
    payload = {"doc_type": "通知", "title": f"关于第{n}次演练的通知", "issue_form": "字", "main_recipients": [5],
               "body": "各单位：请认真组织实施。", **fields}  # fmt: skip
    r = client.post("/api/v1/documents", json=payload, headers=drafter)
    assert r.status_code == 201, r.text
    doc_id = int(r.json()["id"])
    confirm = {"confirm_recipients_without_clearance": True}  # the 机密 one: nobody at the recipient is cleared
    r = client.post(f"/api/v1/documents/{doc_id}/submit", json=confirm, headers=drafter)
    assert r.status_code == 200, r.text
    return doc_id


def _to_review(client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]) -> tuple[list[int], int]:
    """SUBMITTED drafts in 审核 that mw.reviewer may read, in the order they were submitted, and one 机密 draft
    they may not."""
    clear(runtime, "机密", "mw.drafter")
    drafter = login("mw.drafter")
    readable = [_submit(client, drafter, n) for n in range(SUBMITTED)]
    secret = _submit(client, drafter, SUBMITTED, classification="机密", secrecy_period="5年")
    drain()  # the checks of 提交 ran: all in 审核
    return readable, secret


def test_the_api_lists_the_longest_waiting_and_counts_the_rest(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    readable, secret = _to_review(client, login, runtime, drain)
    reviewer = login("mw.reviewer")
    inbox = client.get("/api/v1/inbox", headers=reviewer).json()
    assert inbox["totals"]["to_review"] == SUBMITTED  # the 机密 one is not counted
    assert [d["id"] for d in inbox["to_review"]] == readable[:WAITING_SHOWN]
    whole = client.get(f"/api/v1/inbox?limit={SUBMITTED + 10}", headers=reviewer).json()
    assert [d["id"] for d in whole["to_review"]] == readable
    assert secret not in [d["id"] for d in whole["to_review"]]
    assert client.get("/api/v1/inbox?limit=1", headers=reviewer).json()["to_review"][0]["id"] == readable[0]
    cleared = client.get("/api/v1/inbox", headers=login("mw.drafter")).json()
    assert cleared["totals"]["to_review"] == 0  # a drafter reviews nothing: the list is not theirs


def test_a_bad_limit_is_refused_and_changes_nothing(client: TestClient, login: Login, runtime: Runtime) -> None:
    reviewer = login("mw.reviewer")
    with changes_nothing(runtime):
        for bad in ("0", "-1", "100000", "abc", "1e3"):
            r = client.get(f"/api/v1/inbox?limit={bad}", headers=reviewer)
            assert r.status_code == 422, (bad, r.text)
            error = r.json()["error"]
            assert error["code"] and error["message_zh"] and error["message_en"], r.text


def test_the_page_shows_the_first_fifty_and_the_whole_list_on_request(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    readable, secret = _to_review(client, login, runtime, drain)
    page_login(client, "mw.reviewer")
    shown = client.get("/").text
    assert f"待审核（{SUBMITTED}）" in shown
    assert _review_links(shown) == readable[:WAITING_SHOWN]
    assert f"仅列出等待最久的 {WAITING_SHOWN} 件" in shown and f"查看全部 {SUBMITTED} 件" in shown
    whole = client.get("/?whole=to_review").text
    assert _review_links(whole) == readable and "查看全部" not in whole
    assert f"/documents/{secret}/review" not in whole
    for odd in ("nonsense", "drafts", "x" * 5000):  # not a list's name: the 待办 as usual
        r = client.get("/", params={"whole": odd})
        assert r.status_code == 200 and _review_links(r.text) == readable[:WAITING_SHOWN]


def _review_links(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/documents/(\d+)/review"', html)]
