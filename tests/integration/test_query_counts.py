"""The hot pages send a fixed number of SQL statements whatever the data: a lazy load coming back (one statement per
row or per organ) fails here. Counted on the example data (`gongwen up --example-data`), each page as the person
who works on it; the ceilings are what each page needs today (issue 27: document page ≤ 12, 待办 ≤ 8, a list ≤ 4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from services.app import create_app
from services.domain.models import Document
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_examples
from tests.helpers.pages import page_login

# (page, persona) → ceiling of statements a request; {id} is the example joint notice that was distributed
CEILINGS = {
    ("/", "mw.drafter"): 7,  # the lead organ's drafter
    ("/", "jyj.drafter"): 7,  # a recipient unit: 签收, reports owed, tasks
    ("/", "mw.registrar"): 8,  # 复核/登记 and the 收文 register
    ("/documents", "mw.drafter"): 2,
    ("/documents/{id}", "mw.drafter"): 10,
    ("/documents/{id}", "jyj.drafter"): 6,
    ("/documents/{id}/distribution", "mw.drafter"): 20,
    ("/api/v1/inbox", "wjw.drafter"): 6,
    ("/api/v1/documents?limit=30", "mw.drafter"): 3,
}


@pytest.fixture
def example_world(runtime: Runtime, drain: Callable[[], None]) -> Iterator[tuple[TestClient, int]]:
    """The example data as `gongwen up --example-data` loads it, its distributed joint notice, and a client."""
    assert load_examples(runtime, drain), "the example documents did not load"
    with runtime.context(write=False) as ctx:
        found = ctx.session.scalar(select(Document.id).where(Document.status == "distributed").limit(1))
    assert found is not None
    with TestClient(create_app(runtime.settings, runtime)) as client:
        yield client, found


def api_login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def counted(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    engine = runtime.db.engine
    event.listen(engine, "before_cursor_execute", count)
    yield statements
    event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the same statements on either database
def test_hot_pages_send_no_more_statements_than_they_need(
    example_world: tuple[TestClient, int], counted: list[str]
) -> None:
    client, notice = example_world
    measured: dict[tuple[str, str], int] = {}
    sent: dict[tuple[str, str], list[str]] = {}
    for template, persona in CEILINGS:
        url = template.format(id=notice)
        if url.startswith("/api/"):
            client.cookies.clear()
            headers = api_login(client, persona)
        else:
            page_login(client, persona)
            headers = {}
        assert client.get(url, headers=headers).status_code == 200, url  # warm: first-use loads are not counted
        counted.clear()
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text[:300])
        measured[template, persona] = len(counted)
        sent[template, persona] = [" ".join(s.split())[:160] for s in counted]
    print("statements a request:", measured)
    over = {page: (n, CEILINGS[page]) for page, n in measured.items() if n > CEILINGS[page]}
    detail = "\n".join(f"{page}:\n  " + "\n  ".join(sent[page]) for page in over)
    assert not over, f"more statements than the page needs (measured, ceiling): {over}\n{detail}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_listed_document_names_its_issuers_and_recipients_as_its_own_page_does(
    example_world: tuple[TestClient, int],
) -> None:
    """The list reads every listed document's parties in one statement: each keeps its own, in the document's order."""
    client, notice = example_world
    headers = api_login(client, "mw.drafter")
    listed = client.get("/api/v1/documents?limit=30", headers=headers).json()
    assert len(listed) > 1
    for entry in listed:
        whole = client.get(f"/api/v1/documents/{entry['id']}", headers=headers).json()
        for parties in ("issuers", "recipients"):
            assert [p["id"] for p in entry[parties]] == [p["id"] for p in whole[parties]], (entry["id"], parties)
    joint = next(e for e in listed if e["id"] == notice)
    assert len(joint["issuers"]) == 3 and len(joint["recipients"]) > 3


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_listed_document_names_what_it_forwards_and_answers_as_its_own_answer_does(
    example_world: tuple[TestClient, int],
) -> None:
    """The links (转发, 答复) come in the statement of the parties: each listed document keeps its own."""
    client, notice = example_world
    headers = api_login(client, "mw.drafter")

    def draft(title: str, **links: int) -> int:
        body = {"doc_type": "通知", "title": title, "issue_form": "字", "body": "正文。", **links}
        r = client.post("/api/v1/documents", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    forwarding = draft("关于转发民族团结进步活动月工作的通知", forwards=notice)
    answering = draft("关于民族团结进步活动月工作的复函", answers=notice, forwards=forwarding)
    listed = {e["id"]: e for e in client.get("/api/v1/documents?limit=30", headers=headers).json()}
    assert (listed[forwarding]["forwards"], listed[forwarding]["answers"]) == (notice, None)
    assert (listed[answering]["forwards"], listed[answering]["answers"]) == (forwarding, notice)
    for entry in listed.values():
        whole = client.get(f"/api/v1/documents/{entry['id']}", headers=headers).json()
        assert (entry["forwards"], entry["answers"]) == (whole["forwards"], whole["answers"]), entry["id"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_error_page_does_not_read_its_viewer_again(
    example_world: tuple[TestClient, int], counted: list[str]
) -> None:
    """A document that is not there (or not the reader's) answers with the navigation of whoever asked, as the
    request found them: the login check and the document's own statement, nothing more."""
    client, _ = example_world
    page_login(client, "mw.drafter")
    assert client.get("/documents/999999").status_code == 404  # warm
    counted.clear()
    refused = client.get("/documents/999999")
    assert refused.status_code == 404 and "公文不存在" in refused.text and 'href="/documents/new"' in refused.text
    assert len(counted) <= 2, counted
