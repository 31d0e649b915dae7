"""The access matrix: every route of the API and the pages, search and the archive, asked by people of every
relation to a document (lead, co-issuer, 主送, 抄送, another organ, superior, archivist, admin) at two clearances,
about documents of every kind, state and 密级. Each cell has one answer: allowed, refused exactly as an unknown
id is, or absent from lists and counts. A route added without an entry in ROUTES fails the test."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.app import create_app
from services.config import Settings
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD
from services.web.session import csrf_for
from tests.helpers.access_world import RANK, Doc, Persona, World, archive_year, build, expected_level
from tests.helpers.asgi import InProcessClient
from tests.helpers.invariants import changes_nothing

UNKNOWN = 987654
CSRF = "matrix-csrf-token"


@dataclass(frozen=True)
class Call:
    """How to ask a route about one document."""

    method: str
    url: str
    json: Any = None
    data: Any = None
    files: Any = None


# What a route decides, and how to call it. kind: read (document, level), act (document, level; only the refused
# cells are asked, each must change nothing), task-read / task-act (a reply task), list, search, archive, admin,
# self (the caller's own things, no document), public.
@dataclass(frozen=True)
class Spec:
    kind: str
    level: int = 1
    call: Callable[[Doc, int], Call | None] | None = None


def _get(url: str) -> Callable[[Doc, int], Call | None]:
    return lambda d, i: Call("GET", url.format(id=i, att=d.attachment_id))


def _post(url: str, **kw: Any) -> Callable[[Doc, int], Call | None]:
    return lambda d, i: Call("POST", url.format(id=i), **kw)


def _page_post(url: str, **fields: str) -> Callable[[Doc, int], Call | None]:
    return lambda d, i: Call("POST", url.format(id=i), data={"csrf": CSRF, **fields})


def _with_attachment(d: Doc, i: int) -> Call | None:
    if d.attachment_id is None:
        return None
    return Call("GET", f"/api/v1/documents/{i}/attachments/{d.attachment_id if i != UNKNOWN else 1}")


def _on_attachment(method: str, url: str, **kw: Any) -> Callable[[Doc, int], Call | None]:
    """A change to the document's attachment (a document without one, or an unknown one: attachment 1, which the
    caller must not learn anything about either)."""

    def call(d: Doc, i: int) -> Call | None:
        return Call(method, url.format(id=i, att=d.attachment_id if d.attachment_id and i != UNKNOWN else 1), **kw)

    return call


DRAFT = {"doc_type": "通知", "title": "关于矩阵修改的通知", "issue_form": "发", "body": "正文。", "base_version": 1}
EDIT_FORM = {
    "doc_type": "通知",
    "title": "关于矩阵修改的通知",
    "issue_form": "发",
    "body": "正文。",
    "base_version": "1",
}
NEW_USER = {"username": "zz", "display_name": "z", "organ_id": 1, "roles": ["drafter"], "password": "Matrix-pw-2026"}
A = "/api/v1/documents/{id}"
P = "/documents/{id}"

ROUTES: dict[str, Spec] = {
    "GET /api/v1/openapi.json": Spec("public"),
    "GET /api/v1/docs": Spec("public"),
    "GET /docs/oauth2-redirect": Spec("public"),
    "GET /api/v1/health": Spec("public"),
    "POST /api/v1/auth/login": Spec("self"),
    "POST /api/v1/auth/logout": Spec("self"),
    "GET /api/v1/me": Spec("self"),
    "GET /api/v1/organs": Spec("self"),
    "POST /api/v1/organs": Spec("admin"),
    "GET /api/v1/users": Spec("self"),
    "POST /api/v1/users": Spec("admin"),
    "PATCH /api/v1/users/{user_id}": Spec("admin"),
    "PUT /api/v1/organs/{organ_id}/aliases": Spec("admin"),
    "PATCH /api/v1/organs/{organ_id}": Spec("admin"),
    "PATCH /api/v1/departments/{department_id}": Spec("admin"),
    "DELETE /api/v1/departments/{department_id}": Spec("admin"),
    "POST /api/v1/users/{user_id}/disable": Spec("admin"),
    "POST /api/v1/users/{user_id}/enable": Spec("admin"),
    "POST /api/v1/users/{user_id}/password-reset": Spec("admin"),
    "GET /api/v1/admin/history": Spec("admin"),
    "POST /api/v1/me/password": Spec("self"),
    "GET /admin/users/{user_id}": Spec("admin"),
    "POST /admin/users/{user_id}": Spec("admin"),
    "POST /admin/users/{user_id}/disable": Spec("admin"),
    "POST /admin/users/{user_id}/enable": Spec("admin"),
    "POST /admin/users/{user_id}/password-reset": Spec("admin"),
    "GET /admin/organs/{organ_id}": Spec("admin"),
    "POST /admin/organs/{organ_id}": Spec("admin"),
    "POST /admin/organs/{organ_id}/departments": Spec("admin"),
    "POST /admin/departments/{department_id}": Spec("admin"),
    "POST /admin/departments/{department_id}/remove": Spec("admin"),
    "GET /setup": Spec("public"),
    "POST /setup": Spec("public"),
    "GET /api/v1/search/status": Spec("admin"),
    "POST /admin/organs/{organ_id}/aliases": Spec("admin"),
    "POST /admin/organs/{organ_id}/registrar-gate": Spec("admin"),
    "GET /api/v1/admin/organs/{organ_id}/numbering": Spec("admin"),
    "POST /api/v1/admin/organs/{organ_id}/numbering/series": Spec("admin"),
    "PUT /api/v1/admin/organs/{organ_id}/numbering/series/{series_id}": Spec("admin"),
    "PUT /api/v1/admin/organs/{organ_id}/numbering/prefixes/{prefix_id}/next": Spec("admin"),
    "PUT /api/v1/admin/organs/{organ_id}/numbering/series/{series_id}/next": Spec("admin"),
    "POST /admin/organs/{organ_id}/numbering/prefixes/{prefix_id}": Spec("admin"),
    "POST /admin/organs/{organ_id}/numbering/series/{series_id}": Spec("admin"),
    "POST /admin/organs/{organ_id}/numbering/series": Spec("admin"),
    "GET /api/v1/documents": Spec("list"),
    "POST /api/v1/documents": Spec("self"),
    "GET /api/v1/documents/{document_id}": Spec("read", 1, _get(A)),
    "PUT /api/v1/documents/{document_id}": Spec("act", 2, lambda d, i: Call("PUT", A.format(id=i), json=DRAFT)),
    "PUT /api/v1/documents/{document_id}/body": Spec(
        "act",
        2,
        lambda d, i: Call("PUT", f"{A}/body".format(id=i), data={"base_version": "1"}, files={"file": ("b.txt", b"x")}),
    ),
    "POST /api/v1/documents/{document_id}/attachments": Spec(
        "act", 2, _post(f"{A}/attachments", files={"file": ("a.txt", b"x")})
    ),
    "GET /api/v1/documents/{document_id}/attachments/{attachment_id}": Spec("read", 1, _with_attachment),
    "PATCH /api/v1/documents/{document_id}/attachments/{attachment_id}": Spec(
        "act", 2, _on_attachment("PATCH", f"{A}/attachments/{{att}}", json={"title": "矩阵附件"})
    ),
    "DELETE /api/v1/documents/{document_id}/attachments/{attachment_id}": Spec(
        "act", 2, _on_attachment("DELETE", f"{A}/attachments/{{att}}")
    ),
    "PUT /api/v1/documents/{document_id}/attachments/{attachment_id}": Spec(
        "act", 2, _on_attachment("PUT", f"{A}/attachments/{{att}}", files={"file": ("a.txt", b"x")})
    ),
    "POST /documents/{document_id}/attachments/{attachment_id}/title": Spec(
        "act", 2, _on_attachment("POST", f"{P}/attachments/{{att}}/title", data={"csrf": CSRF, "title": "矩阵附件"})
    ),
    "POST /documents/{document_id}/attachments/{attachment_id}/remove": Spec(
        "act", 2, _on_attachment("POST", f"{P}/attachments/{{att}}/remove", data={"csrf": CSRF})
    ),
    "POST /documents/{document_id}/attachments/{attachment_id}/replace": Spec(
        "act", 2, _on_attachment(
            "POST", f"{P}/attachments/{{att}}/replace", data={"csrf": CSRF}, files={"file": ("a.txt", b"x")}
        ),
    ),
    "GET /api/v1/documents/{document_id}/versions": Spec("read", 2, _get(f"{A}/versions")),
    "GET /api/v1/documents/{document_id}/versions/{number}/body": Spec("read", 2, _get(f"{A}/versions/1/body")),
    "GET /api/v1/documents/{document_id}/diff": Spec("read", 2, _get(f"{A}/diff?from=1&to=1")),
    "POST /api/v1/documents/{document_id}/submit": Spec("act", 2, _post(f"{A}/submit")),
    "POST /api/v1/documents/{document_id}/review": Spec(
        "act", 2, _post(f"{A}/review", json={"approve": False, "opinion": "退回"})
    ),
    "GET /api/v1/documents/{document_id}/signing-view": Spec("read", 2, _get(f"{A}/signing-view")),
    "GET /api/v1/documents/{document_id}/signoffs": Spec("read", 2, _get(f"{A}/signoffs")),
    "POST /api/v1/documents/{document_id}/signoff": Spec("act", 2, _post(f"{A}/signoff", json={"approve": True})),
    "POST /api/v1/documents/{document_id}/issue": Spec("act", 2, _post(f"{A}/issue")),
    "GET /api/v1/documents/{document_id}/pdf": Spec("read", 1, _get(f"{A}/pdf")),
    "GET /api/v1/documents/{document_id}/ofd": Spec("read", 1, _get(f"{A}/ofd")),
    "GET /api/v1/documents/{document_id}/pdf.ses": Spec("read", 1, _get(f"{A}/pdf.ses")),
    "GET /api/v1/documents/{document_id}/html": Spec("read", 1, _get(f"{A}/html")),
    "GET /api/v1/documents/{document_id}/print.pdf": Spec("read", 2, _get(f"{A}/print.pdf")),
    "GET /api/v1/documents/{document_id}/audit": Spec("read", 1, _get(f"{A}/audit")),
    "GET /api/v1/registrar/queue": Spec("list"),
    "GET /api/v1/documents/{document_id}/issue-record": Spec("read", 2, _get(f"{A}/issue-record")),
    "GET /api/v1/documents/{document_id}/issuing-sheet.pdf": Spec("read", 2, _get(f"{A}/issuing-sheet.pdf")),
    "POST /api/v1/documents/{document_id}/recheck": Spec("act", 2, _post(f"{A}/recheck", json={"opinion": "无误"})),
    "POST /api/v1/documents/{document_id}/register": Spec(
        "act", 2, _post(f"{A}/register", json={"recipients": [1], "copies": 2, "copy_numbers": "000001 000002"})
    ),
    "POST /api/v1/documents/{document_id}/seal": Spec("act", 2, _post(f"{A}/seal", json={"seals": {"1": "某某"}})),
    "POST /api/v1/documents/{document_id}/release": Spec("act", 2, _post(f"{A}/release")),
    "PUT /api/v1/organs/{organ_id}/registrar-gate": Spec("admin"),
    "GET /api/v1/inbox": Spec("list"),
    "POST /api/v1/documents/{document_id}/receive": Spec("act", 1, _post(f"{A}/receive")),
    "GET /api/v1/documents/{document_id}/distribution": Spec("read", 2, _get(f"{A}/distribution")),
    "GET /api/v1/documents/{document_id}/obligations": Spec("read", 1, _get(f"{A}/obligations")),
    "GET /api/v1/documents/{document_id}/obligations/matrix": Spec("read", 2, _get(f"{A}/obligations/matrix")),
    "GET /api/v1/documents/{document_id}/tasks": Spec("read", 1, _get(f"{A}/tasks")),
    "POST /api/v1/obligations/{obligation_id}/submissions": Spec("obligation-act"),
    "GET /api/v1/obligations/{obligation_id}/chases": Spec("obligation-read"),
    "POST /api/v1/obligations/{obligation_id}/chase": Spec("obligation-act"),
    "POST /api/v1/obligations/{obligation_id}/stop": Spec("obligation-act"),
    "POST /api/v1/submissions/{submission_id}/accept": Spec("submission-act"),
    "POST /api/v1/submissions/{submission_id}/return": Spec("submission-act"),
    "POST /api/v1/task-assignments/{assignment_id}/progress": Spec("assignment-act"),
    "GET /api/v1/incoming": Spec("incoming-list"),
    "POST /api/v1/incoming": Spec("self"),
    "GET /api/v1/incoming/todo": Spec("incoming-list"),
    "GET /api/v1/incoming/{record_id}": Spec("incoming-read"),
    "GET /api/v1/incoming/{record_id}/scan": Spec("incoming-read"),
    "GET /api/v1/incoming/{record_id}/sheet.pdf": Spec("incoming-read"),
    "POST /api/v1/incoming/{record_id}/review": Spec("incoming-act"),
    "POST /api/v1/incoming/{record_id}/propose": Spec("incoming-act"),
    "POST /api/v1/incoming/{record_id}/instruct": Spec("incoming-act"),
    "POST /api/v1/incoming/{record_id}/handle": Spec("incoming-act"),
    "POST /api/v1/incoming/{record_id}/circulate": Spec("incoming-act"),
    "POST /api/v1/incoming/{record_id}/read": Spec("incoming-act"),
    "POST /api/v1/incoming/{record_id}/close": Spec("incoming-act"),
    "GET /api/v1/documents/{document_id}/incoming": Spec("read", 1, _get(f"{A}/incoming")),
    "GET /api/v1/departments": Spec("self"),
    "POST /api/v1/departments": Spec("admin"),
    "PUT /api/v1/users/{user_id}/department": Spec("admin"),
    "GET /incoming": Spec("incoming-list"),
    "GET /incoming/new": Spec("self"),
    "POST /incoming/new": Spec("self"),
    "GET /incoming/{record_id}": Spec("incoming-read"),
    "GET /incoming/{record_id}/sheet": Spec("incoming-read"),
    "POST /incoming/{record_id}/review": Spec("incoming-act"),
    "POST /incoming/{record_id}/propose": Spec("incoming-act"),
    "POST /incoming/{record_id}/instruct": Spec("incoming-act"),
    "POST /incoming/{record_id}/handle": Spec("incoming-act"),
    "POST /incoming/{record_id}/circulate": Spec("incoming-act"),
    "POST /incoming/{record_id}/read": Spec("incoming-act"),
    "POST /incoming/{record_id}/close": Spec("incoming-act"),
    "GET /api/v1/recipient-groups": Spec("self"),
    "POST /api/v1/recipient-groups": Spec("admin"),
    "PUT /api/v1/recipient-groups/{group_id}": Spec("admin"),
    "GET /api/v1/search": Spec("search"),
    "POST /api/v1/imports": Spec("self"),
    "GET /api/v1/imports/jobs": Spec("self"),
    "GET /api/v1/imports/jobs/{job_id}": Spec("self"),
    "GET /api/v1/documents/{document_id}/links": Spec("read", 1, _get(f"{A}/links")),
    "POST /api/v1/documents/{document_id}/links": Spec(
        "act", 2, _post(f"{A}/links", json={"to_id": 1, "kind": "reports_on"})
    ),
    "POST /api/v1/archive/runs": Spec("archive"),
    "GET /api/v1/archive/runs/{run_id}": Spec("archive"),
    "GET /api/v1/archive/items": Spec("archive"),
    "GET /api/v1/archive/items/{code}": Spec("archive"),
    "GET /api/v1/archive/items/{code}/files/{path}": Spec("archive"),
    "GET /api/v1/archive/catalogue/{year}.{fmt}": Spec("archive"),
    "POST /api/v1/archive/fixity": Spec("archive"),
    "GET /api/v1/archive/fixity": Spec("archive"),
    "GET /api/v1/archive/fonds": Spec("archive"),
    "PUT /api/v1/archive/fonds/{organ_id}": Spec("admin"),
    "GET /api/v1/archive/retention": Spec("archive"),
    "PUT /api/v1/archive/retention/{key}": Spec("archive"),
    "GET /imports": Spec("self"),
    "POST /imports": Spec("self"),
    "GET /seals/verify": Spec("self"),  # anyone logged in checks a file they hold; nothing is stored
    "POST /seals/verify": Spec("self"),
    "GET /imports/jobs/{job_id}": Spec("self"),
    "GET /login": Spec("public"),
    "POST /login": Spec("self"),
    "POST /logout": Spec("self"),
    "GET /account": Spec("self"),
    "POST /account/password": Spec("self"),
    "GET /": Spec("list"),
    "GET /documents": Spec("list"),
    "GET /done": Spec("list"),
    "GET /documents/new": Spec("self"),
    "POST /documents/new": Spec("self"),
    "GET /documents/{document_id}/edit": Spec("read", 2, _get(f"{P}/edit")),
    "POST /documents/{document_id}/edit": Spec("act", 2, lambda d, i: Call("POST", f"{P}/edit".format(id=i),
                                                                          data={"csrf": CSRF, **EDIT_FORM})),
    "POST /documents/{document_id}/attachments": Spec(
        "act", 2, lambda d, i: Call("POST", f"{P}/attachments".format(id=i), data={"csrf": CSRF},
                                    files={"files": ("a.txt", b"x")})
    ),
    "POST /documents/{document_id}/submit": Spec("act", 2, _page_post(f"{P}/submit")),
    "GET /documents/{document_id}/versions": Spec("read", 2, _get(f"{P}/versions")),
    "GET /documents/{document_id}": Spec("read", 1, _get(P)),
    "GET /documents/{document_id}/frame": Spec("frame", 1, _get(f"{P}/frame")),
    "GET /documents/{document_id}/review": Spec("read", 2, _get(f"{P}/review")),
    "POST /documents/{document_id}/review": Spec("act", 2, _page_post(f"{P}/review", decision="return",
                                                                       opinion="退回")),
    "GET /documents/{document_id}/sign": Spec("read", 2, _get(f"{P}/sign")),
    "POST /documents/{document_id}/sign": Spec("act", 2, _page_post(f"{P}/sign", decision="approve")),
    "POST /documents/{document_id}/issue": Spec("act", 2, _page_post(f"{P}/issue")),
    "GET /registrar": Spec("list"),
    "GET /documents/{document_id}/recheck": Spec("read", 2, _get(f"{P}/recheck")),
    "POST /documents/{document_id}/recheck": Spec("act", 2, _page_post(f"{P}/recheck", decision="confirm")),
    "GET /documents/{document_id}/register": Spec("read", 2, _get(f"{P}/register")),
    "POST /documents/{document_id}/register": Spec("act", 2, _page_post(f"{P}/register", recipients="1", copies="2",
                                                                           copy_numbers="000001 000002")),
    "GET /documents/{document_id}/seal": Spec("read", 2, _get(f"{P}/seal")),
    "POST /documents/{document_id}/seal": Spec("act", 2, _page_post(f"{P}/seal", **{"seal-1": "某某"})),
    "GET /documents/{document_id}/release": Spec("read", 2, _get(f"{P}/release")),
    "POST /documents/{document_id}/release": Spec("act", 2, _page_post(f"{P}/release")),
    "GET /documents/{document_id}/issuing-sheet": Spec("read", 2, _get(f"{P}/issuing-sheet")),
    "POST /documents/{document_id}/receive": Spec("act", 1, _page_post(f"{P}/receive")),
    "POST /inbox/{document_id}/receive": Spec("act", 1, _page_post("/inbox/{id}/receive")),
    "GET /documents/{document_id}/reply": Spec("read", 1, _get(f"{P}/reply")),
    "POST /documents/{document_id}/reply": Spec("act", 1, _page_post(f"{P}/reply", title="总结", body="正文")),
    "GET /documents/{document_id}/distribution": Spec("read", 2, _get(f"{P}/distribution")),
    "GET /documents/{document_id}/distribution.xlsx": Spec("read", 2, _get(f"{P}/distribution.xlsx")),
    "GET /documents/{document_id}/tasks": Spec("read", 1, _get(f"{P}/tasks")),
    "POST /obligations/{obligation_id}/chase": Spec("obligation-act"),
    "POST /obligations/{obligation_id}/stop": Spec("obligation-act"),
    "POST /submissions/{submission_id}/accept": Spec("submission-act"),
    "POST /submissions/{submission_id}/return": Spec("submission-act"),
    "POST /task-assignments/{assignment_id}/progress": Spec("assignment-act"),
    "GET /search": Spec("search"),
    "GET /archive": Spec("archive"),
    "POST /archive/runs": Spec("archive"),
    "GET /archive/runs/{run_id}": Spec("archive"),
    "GET /archive/years/{year}": Spec("archive"),
    "GET /archive/items/{code}": Spec("archive"),
    "GET /archive/fixity": Spec("archive"),
    "POST /archive/fixity": Spec("archive"),
    "GET /archive/fonds": Spec("archive"),
    "POST /archive/fonds": Spec("admin"),
    "GET /archive/retention": Spec("archive"),
    "POST /archive/retention": Spec("archive"),
    "GET /admin": Spec("admin"),
    "GET /admin/organs": Spec("admin"),
    "GET /admin/groups": Spec("admin"),
    "GET /admin/groups/{group_id}": Spec("admin"),
    "GET /admin/users": Spec("admin"),
    "GET /admin/history": Spec("admin"),
    "POST /admin/organs": Spec("admin"),
    "POST /admin/users": Spec("admin"),
    "GET /admin/jobs": Spec("admin"),
    "POST /admin/jobs/retry": Spec("admin"),
    "POST /admin/groups": Spec("admin"),
    "POST /admin/groups/{group_id}": Spec("admin"),
}  # fmt: skip


def app_routes(app: Any) -> Iterator[str]:
    def walk(routes: list[Any]) -> Iterator[str]:
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            elif getattr(r, "methods", None):
                for method in sorted(set(r.methods) - {"HEAD"}):
                    yield f"{method} {r.path}"

    return walk(app.routes)


class Asker:
    """Requests as one persona: the API with the bearer token, the pages with the login and CSRF cookies."""

    def __init__(self, client: InProcessClient, world: World) -> None:
        self.client = client  # tens of thousands of requests: the cheaper in-process client (tests/helpers/asgi.py)
        self.world = world

    def token(self, p: Persona) -> str:
        if p.username not in self.world.tokens:
            r = self.client.post("/api/v1/auth/login", json={"username": p.username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            self.world.tokens[p.username] = r.json()["token"]
        return self.world.tokens[p.username]

    def ask(self, p: Persona, call: Call) -> Any:
        token = self.token(p)
        data = call.data
        if isinstance(data, dict) and data.get("csrf") == CSRF:  # a form: the token signed for this login
            data = {**data, "csrf": csrf_for(self.client.app.state.runtime.settings.secret_key, token)}
        headers = (
            {"Authorization": f"Bearer {token}"}
            if call.url.startswith("/api/")
            else {"Cookie": f"gongwen_token={token}; gongwen_csrf={CSRF}"}
        )
        return self.client.request(
            call.method, call.url, headers=headers, json=call.json, data=data, files=call.files,
            follow_redirects=False,
        )  # fmt: skip


def refused(response: Any) -> bool:
    """Refused exactly as an unknown id: 404 with the not-found code, in JSON or on the error page."""
    return response.status_code == 404 and "document_not_found" in response.text


@pytest.fixture(scope="module")
def matrix(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, prefect_server: str
) -> Iterator[tuple[Asker, Runtime]]:
    home = tmp_path_factory.mktemp("matrix")
    shutil.copy(sqlite_template, home / "gongwen.db")  # migrated once for the session
    settings = Settings(home=home, environment="test", example_data=False)
    runtime = Runtime(settings, migrated=True)
    world = build(runtime)
    archive_year(runtime, world.year)
    with TestClient(create_app(settings, runtime)) as client:
        direct = InProcessClient(client)
        yield Asker(direct, world), runtime
        direct.close()
    runtime.close()


def test_every_route_has_an_entry(matrix: tuple[Asker, Runtime]) -> None:
    asker, _ = matrix
    missing = [r for r in app_routes(asker.client.app) if r not in ROUTES]
    stale = [r for r in ROUTES if r not in set(app_routes(asker.client.app))]
    assert not missing, f"routes without an entry in the access matrix: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"


def _level_needed(spec: Spec, doc: Doc) -> int:
    if spec.kind == "frame":  # the issued text for recipients; a preview of an unissued one is internal
        return 1 if doc.rendered else 2
    return spec.level


def test_reads_answer_alike_for_unknown_and_forbidden(matrix: tuple[Asker, Runtime], capsys: Any) -> None:
    asker, _ = matrix
    world = asker.world
    cells = 0
    wrong = []
    for route, spec in ROUTES.items():
        if spec.kind not in ("read", "frame") or spec.call is None:
            continue
        unknown_calls = {}
        for doc in world.docs:
            call = spec.call(doc, doc.id)
            if call is None:
                continue
            for p in world.personas:
                expected = expected_level(p, doc) >= _level_needed(spec, doc)
                r = asker.ask(p, call)
                cells += 1
                if r.status_code >= 500 or refused(r) == expected:
                    wrong.append((route, p.username, doc.token, doc.state, doc.classification, r.status_code))
                if not expected and p.username not in unknown_calls:
                    unknown = spec.call(doc, UNKNOWN)
                    assert unknown is not None
                    u = asker.ask(p, unknown)
                    unknown_calls[p.username] = True
                    if u.status_code != r.status_code or not refused(u):
                        wrong.append((route, p.username, "unknown id answers otherwise", u.status_code))
    with capsys.disabled():
        print(f"\naccess matrix: {cells} read cells checked")
    assert not wrong, wrong[:20]


def test_acts_on_documents_one_may_not_read_are_refused_and_change_nothing(
    matrix: tuple[Asker, Runtime], capsys: Any
) -> None:
    asker, runtime = matrix
    world = asker.world
    cells = 0
    wrong = []
    with changes_nothing(runtime):
        for route, spec in ROUTES.items():
            if spec.kind != "act" or spec.call is None:
                continue
            for doc in world.docs:
                call = spec.call(doc, doc.id)
                assert call is not None
                for p in world.personas:
                    if expected_level(p, doc) >= spec.level:
                        continue  # allowed acts are the workflow tests' business
                    r = asker.ask(p, call)
                    cells += 1
                    if not refused(r):
                        wrong.append((route, p.username, doc.token, doc.state, doc.classification, r.status_code))
    with capsys.disabled():
        print(f"access matrix: {cells} refused acts checked, nothing changed")
    assert not wrong, wrong[:20]


def _refused_as_unknown(r: Any, code: str) -> bool:
    return bool(r.status_code == 404 and code in r.text)


def _api_and_page(method: str, path: str, **kw: Any) -> list[Call]:
    form = {"csrf": CSRF, **{k: str(v) for k, v in (kw.get("json") or {}).items()}}
    return [Call(method, f"/api/v1{path}", **kw), Call(method, path, data=form)]


def test_obligations_belong_to_the_issuing_office_and_the_units_owing_them(matrix: tuple[Asker, Runtime]) -> None:
    """Who sees and acts on obligations, reports, chases and tasks: the issuing office everything (acting is the
    lead organ's), a unit only what it owes; anyone else is answered as for an unknown id, and nothing changes."""
    asker, runtime = matrix
    world = asker.world
    wrong = []
    plans = [d for d in world.docs if d.obligation_id is not None]
    replies = {d.token: d for d in world.docs if d.submission_id is not None}
    with changes_nothing(runtime):
        for doc in plans:
            for p in world.personas:
                level = expected_level(p, doc)
                owner = level >= 1 and p.relation == "main"
                lead = level >= 2 and (p.relation == "lead" or "admin" in p.roles)
                r = asker.ask(p, Call("GET", f"/api/v1/obligations/{doc.obligation_id}/chases"))
                if (r.status_code == 200) != (level >= 2 or owner):
                    wrong.append(("chases", p.username, doc.token, r.status_code))
                listed = asker.ask(p, Call("GET", f"/api/v1/documents/{doc.id}/obligations"))
                if level >= 1 and len(listed.json()) != (1 if level >= 2 or owner else 0):
                    wrong.append(("obligations listed", p.username, doc.token, listed.text[:80]))
                tasks = asker.ask(p, Call("GET", f"/api/v1/documents/{doc.id}/tasks"))
                if level >= 1 and len(tasks.json()) != (1 if level >= 2 or owner else 0):
                    wrong.append(("tasks listed", p.username, doc.token))
                if not owner:
                    r = asker.ask(p, Call("POST", f"/api/v1/obligations/{doc.obligation_id}/submissions",
                                          data={"title": "总结", "body": "正文"}))  # fmt: skip
                    expected = "not_owed" if level >= 1 else "obligation_not_found"
                    if expected not in r.text or r.status_code != (409 if level >= 1 else 404):
                        wrong.append(("report", p.username, doc.token, r.status_code))
                if not lead:
                    for call in _api_and_page("POST", f"/obligations/{doc.obligation_id}/chase", json={}):
                        r = asker.ask(p, call)
                        ok = r.status_code == 403 if level >= 2 else _refused_as_unknown(r, "obligation_not_found")
                        if not ok:
                            wrong.append(("chase", call.url, p.username, doc.token, r.status_code))
                    reply = replies.get(f"M{int(doc.token[1:]) + 1:02d}")
                    for action in ("accept", "return") if reply else ():
                        for call in _api_and_page("POST", f"/submissions/{reply.submission_id}/{action}",
                                                  json={"reason": "补报"}):  # fmt: skip
                            r = asker.ask(p, call)
                            ok = r.status_code == 403 if level >= 2 else _refused_as_unknown(r, "submission_not_found")
                            if not ok:
                                wrong.append((action, call.url, p.username, doc.token, r.status_code))
                if not owner:
                    for call in _api_and_page("POST", f"/task-assignments/{doc.assignment_id}/progress",
                                              json={"note": "进展", "done": True}):  # fmt: skip
                        r = asker.ask(p, call)
                        if not _refused_as_unknown(r, "task_assignment_not_found"):
                            wrong.append(("progress", call.url, p.username, doc.token, r.status_code))
    assert not wrong, wrong[:20]


# The bodies the 收文 acts are asked with (each would be acceptable to the receiving organ's office or head).
INCOMING_ACTS = {
    "review": {"accept": True},
    "propose": {"opinion": "拟办"},
    "instruct": {"opinion": "批办", "lead_department_id": 1, "deadline": "2099-01-01"},
    "handle": {"note": "已办"},
    "circulate": {"user_ids": [1]},
    "read": {"opinion": "阅"},
    "close": {"result": "办结"},
}


def test_the_incoming_register_is_the_receiving_organs_within_its_clearance(matrix: tuple[Asker, Runtime]) -> None:
    """Every 收文 record of the world (distributed documents in the 主送 and 抄送 organs, reports at the issuing
    office), asked by every persona: its own organ's people cleared for its 密级 (and admins) read it; everyone
    else is answered exactly as for an unknown record, in reads, lists and every act, and nothing changes."""
    from sqlalchemy import select

    from services.domain.models import IncomingRecord, Organ
    from tests.helpers.access_world import RELATIONS

    asker, runtime = matrix
    world = asker.world
    with runtime.context() as ctx:
        codes = {organ_id: code for organ_id, code in ctx.session.execute(select(Organ.id, Organ.code))}
        records = [(r.id, codes[r.organ_id], r.classification) for r in ctx.session.scalars(select(IncomingRecord))]
    assert {code for _, code, _ in records} >= {RELATIONS["main"], RELATIONS["copy"], RELATIONS["lead"]}
    assert {level for _, _, level in records} == set(RANK)
    reads = [r for r, s in ROUTES.items() if s.kind == "incoming-read"]
    acts = [r for r, s in ROUTES.items() if s.kind == "incoming-act"]
    wrong = []
    cells = 0
    with changes_nothing(runtime):
        for p in world.personas:
            own = RELATIONS[p.relation]
            mine = {rid for rid, code, level in records
                    if RANK[level] <= RANK[p.clearance] and ("admin" in p.roles or code == own)}  # fmt: skip
            listed = asker.ask(p, Call("GET", "/api/v1/incoming?limit=500")).json()
            if {x["id"] for x in listed["items"]} != mine or listed["total"] != len(mine):
                wrong.append(("register", p.username, sorted(mine), listed["total"]))
            for rid, _code, _level in records:
                for route in reads:
                    if route.endswith("/scan"):
                        continue  # distributed records have no scan: asked below for unknown ids only
                    url = route.split(" ", 1)[1].replace("{record_id}", str(rid))
                    r = asker.ask(p, Call("GET", url))
                    cells += 1
                    if (r.status_code == 200) != (rid in mine) or (
                        rid not in mine and not (r.status_code == 404 and "incoming_not_found" in r.text)
                    ):
                        wrong.append((url, p.username, r.status_code))
                if rid in mine:
                    continue  # acting on one's own organ's 收文 is the handling tests' business
                for route in acts:
                    url = route.split(" ", 1)[1].replace("{record_id}", str(rid))
                    body = INCOMING_ACTS[url.rsplit("/", 1)[1]]
                    form = {"csrf": CSRF, **{k: str(v[0] if isinstance(v, list) else v) for k, v in body.items()}}
                    call = Call("POST", url, json=body) if url.startswith("/api/") else Call("POST", url, data=form)
                    r = asker.ask(p, call)
                    cells += 1
                    if not (r.status_code == 404 and "incoming_not_found" in r.text):
                        wrong.append((url, p.username, r.status_code))
            for route in reads + acts:
                url = route.split(" ", 1)[1].replace("{record_id}", "987654")
                method = route.split(" ", 1)[0]
                body = INCOMING_ACTS.get(url.rsplit("/", 1)[1]) if method == "POST" else None
                form = {"csrf": CSRF, **{k: str(v[0] if isinstance(v, list) else v) for k, v in (body or {}).items()}}
                call = (
                    Call(method, url, json=body)
                    if url.startswith("/api/") or not body
                    else Call(method, url, data=form)
                )
                r = asker.ask(p, call)
                if not (r.status_code == 404 and ("incoming_not_found" in r.text or "scan_not_found" in r.text)):
                    wrong.append(("unknown", url, p.username, r.status_code))
    print(f"access matrix: {cells} 收文 cells checked")
    assert not wrong, wrong[:20]


def _document_of(entry: dict[str, Any]) -> int | None:
    if "document" in entry:
        return int(entry["document"]["id"])
    if "document_id" in entry:
        return int(entry["document_id"])
    return int(entry["id"]) if "title" in entry else None


def _readable(world: World, p: Persona) -> set[str]:
    return {d.token for d in world.docs if expected_level(p, d) >= 1}


def test_lists_counts_and_search_hold_only_what_one_may_read(matrix: tuple[Asker, Runtime]) -> None:
    asker, _ = matrix
    world = asker.world
    by_id = {d.id: d for d in world.docs}
    wrong = []
    for p in world.personas:
        readable = _readable(world, p)
        listed = asker.ask(p, Call("GET", "/api/v1/documents?limit=200")).json()
        tokens = {by_id[d["id"]].token for d in listed if d["id"] in by_id}
        if tokens != readable:
            wrong.append(("list", p.username, sorted(tokens ^ readable)))
        short = asker.ask(p, Call("GET", "/api/v1/documents?limit=3")).json()
        if len(short) != min(3, len(listed)):
            wrong.append(("a page comes back short", p.username, len(short)))
        page = asker.ask(p, Call("GET", "/documents")).text
        shown = {d.token for d in world.docs if f"矩阵事项{d.token}" in page}
        if shown - readable:
            wrong.append(("documents page", p.username, sorted(shown - readable)))
        inbox = asker.ask(p, Call("GET", "/api/v1/inbox")).json()
        ids = {_document_of(e) for entries in inbox.values() for e in entries}
        if {by_id[i].token for i in ids if i in by_id} - readable:
            wrong.append(("inbox", p.username))
        home = asker.ask(p, Call("GET", "/")).text
        if {d.token for d in world.docs if f"矩阵事项{d.token}" in home} - readable:
            wrong.append(("待办 page", p.username))
        handled = asker.ask(p, Call("GET", "/done")).text
        if {d.token for d in world.docs if f"矩阵事项{d.token}" in handled} - readable:
            wrong.append(("已办 page", p.username))
        found = asker.ask(p, Call("GET", "/api/v1/search?q=矩阵&limit=100")).json()
        hits = {by_id[h["id"]].token for h in found["hits"] if h["id"] in by_id}
        searchable = {d.token for d in world.docs if d.finished and d.token in readable}
        if hits != searchable or found["total"] != len(searchable):
            wrong.append(("search", p.username, sorted(hits ^ searchable), found["total"]))
        results_page = asker.ask(p, Call("GET", "/search?q=矩阵")).text
        if {d.token for d in world.docs if f"矩阵事项{d.token}" in results_page} - readable:
            wrong.append(("search page", p.username))
    assert not wrong, wrong[:20]


def test_the_archive_shows_each_archivist_only_what_their_clearance_allows(matrix: tuple[Asker, Runtime]) -> None:
    """Within the fonds they keep (an archivist their organ's, an admin every organ's, DOMAIN.md §3.7): a 件 of
    another fonds, or above the clearance, answers as an unknown 档号."""
    asker, _ = matrix
    world = asker.world
    wrong = []
    admin = next(p for p in world.personas if p.username == "x.admin.t")
    items = asker.ask(admin, Call("GET", f"/api/v1/archive/items?year={world.year}")).json()
    assert len(items) == sum(1 for d in world.docs if d.state in ("distributed", "reply"))
    for p in world.personas:
        archivist = "archivist" in p.roles or "admin" in p.roles
        listed = asker.ask(p, Call("GET", f"/api/v1/archive/items?year={world.year}"))
        if not archivist:
            assert listed.status_code == 403 and "role_required" in listed.text
            continue
        kept = {f["code"] for f in asker.ask(p, Call("GET", "/api/v1/archive/fonds")).json()}
        seen = {i["档号"] for i in listed.json()}
        cleared = {i["档号"] for i in items if RANK[i["classification"]] <= RANK[p.clearance] and i["fonds"] in kept}
        if seen != cleared:
            wrong.append(("items", p.username, sorted(seen ^ cleared)))
        for fonds in kept:
            csv = asker.ask(p, Call("GET", f"/api/v1/archive/catalogue/{world.year}.csv?fonds={fonds}")).text
            if {i["档号"] for i in items if i["档号"] in csv} != {c for c in cleared if c.startswith(fonds)}:
                wrong.append(("catalogue", p.username))
            page = asker.ask(p, Call("GET", f"/archive/years/{world.year}?fonds={fonds}")).text
            if {i["档号"] for i in items if i["档号"] in page} != {c for c in cleared if c.startswith(fonds)}:
                wrong.append(("catalogue page", p.username))
        for item in items:
            code = item["档号"]
            for call in (
                Call("GET", f"/api/v1/archive/items/{code}"),
                Call("GET", f"/api/v1/archive/items/{code}/files/manifest.json"),
                Call("GET", f"/archive/items/{code}"),
            ):
                r = asker.ask(p, call)
                if (r.status_code == 200) != (code in cleared):
                    wrong.append((call.url, p.username, r.status_code))
                if code not in cleared and "archive_item_not_found" not in r.text:
                    wrong.append(("not as an unknown 档号", call.url, p.username))
    assert not wrong, wrong[:20]


SERIES = {"family": "令号", "name": "某某令", "restart_yearly": False}


def test_admin_routes_and_other_peoples_clearance(matrix: tuple[Asker, Runtime]) -> None:
    asker, runtime = matrix
    world = asker.world
    with changes_nothing(runtime):
        for p in world.personas:
            if "admin" in p.roles:
                continue
            for call in (
                Call("POST", "/api/v1/organs", json={"code": "zz", "name": "某某局", "short_name": "某"}),
                Call("POST", "/api/v1/users", json=NEW_USER),
                Call("PATCH", "/api/v1/users/1", json={"person_name": "王帅"}),
                Call("PUT", "/api/v1/organs/1/aliases", json={"aliases": ["某"]}),
                Call("GET", "/api/v1/search/status"),
                Call("POST", "/admin/organs/1/aliases", data={"csrf": CSRF, "aliases": "某"}),
                Call("PUT", "/api/v1/organs/1/registrar-gate", json={"registrar_gate": False}),
                Call("POST", "/admin/organs/1/registrar-gate", data={"csrf": CSRF, "registrar_gate": "off"}),
                Call("GET", "/admin"),
                Call("POST", "/admin/organs", data={"csrf": CSRF, "code": "zz", "name": "某某局", "short_name": "某"}),
                Call("PATCH", "/api/v1/organs/1", json={"name": "某某局"}),
                Call("PATCH", "/api/v1/departments/1", json={"name": "某科"}),
                Call("DELETE", "/api/v1/departments/1"),
                Call("POST", "/api/v1/users/1/disable"),
                Call("POST", "/api/v1/users/1/enable"),
                Call("POST", "/api/v1/users/1/password-reset", json={"password": "Taken-over-2026"}),
                Call("GET", "/api/v1/admin/history"),
                Call("GET", "/admin/users/1"),
                Call(
                    "POST",
                    "/admin/users/1",
                    data={"csrf": CSRF, "display_name": "某", "organ_id": "1", "clearance": "绝密", "roles": "admin"},
                ),
                Call("POST", "/admin/users/1/disable", data={"csrf": CSRF}),
                Call("POST", "/admin/users/1/enable", data={"csrf": CSRF}),
                Call("POST", "/admin/users/1/password-reset", data={"csrf": CSRF, "password": "Taken-over-2026"}),
                Call("GET", "/admin/organs/1"),
                Call("POST", "/admin/organs/1", data={"csrf": CSRF, "name": "某某局", "short_name": "某"}),
                Call("POST", "/admin/organs/1/departments", data={"csrf": CSRF, "name": "某科"}),
                Call("POST", "/admin/departments/1", data={"csrf": CSRF, "name": "某科"}),
                Call("POST", "/admin/departments/1/remove", data={"csrf": CSRF}),
                Call("GET", "/api/v1/admin/organs/1/numbering"),
                Call("POST", "/api/v1/admin/organs/1/numbering/series", json=SERIES),
                Call("PUT", "/api/v1/admin/organs/1/numbering/series/1", json=SERIES),
                Call("PUT", "/api/v1/admin/organs/1/numbering/prefixes/1/next", json={"year": 2026, "next_number": 9}),
                Call("PUT", "/api/v1/admin/organs/1/numbering/series/1/next", json={"next_number": 9}),
                Call("POST", "/admin/organs/1/numbering/prefixes/1", data={"csrf": CSRF, "next_number": "9"}),
                Call("POST", "/admin/organs/1/numbering/series/1", data={"csrf": CSRF, "next_number": "9"}),
                Call("POST", "/admin/organs/1/numbering/series", data={"csrf": CSRF, "series_name": "某某令"}),
            ):
                r = asker.ask(p, call)
                assert r.status_code == 403 and "role_required" in r.text, (p.username, call.url, r.status_code)
            users = asker.ask(p, Call("GET", "/api/v1/users")).json()
            others = [u for u in users if u["username"] != p.username]
            assert all(u["clearance"] is None for u in others), p.username
            mine = asker.ask(p, Call("GET", "/api/v1/me")).json()
            assert mine["clearance"] == p.clearance


def test_matrix_covers_every_relation_kind_state_and_level(matrix: tuple[Asker, Runtime]) -> None:
    asker, _ = matrix
    world = asker.world
    assert {d.state for d in world.docs} == {
        "draft", "in_review", "signing", "rechecking", "distributed", "reply", "imported"
    }  # fmt: skip
    assert {d.classification for d in world.docs} == set(RANK)
    assert {p.relation for p in world.personas} >= {"lead", "co", "main", "copy", "other", "superior"}
