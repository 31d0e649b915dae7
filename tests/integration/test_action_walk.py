"""The state × persona walk: for every document state and every example persona, the buttons the document page
shows, the ``actions`` the API lists and the actions the use cases (behind the API's routes) accept are the same.
Each action is tried in a transaction that is rolled back, so one document serves every persona."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services import compose
from services.accounts.service import OrganService
from services.context import Context
from services.documents.service import draft_input_of
from services.domain.enums import IncomingNature
from services.domain.models import Document, User
from services.errors import DomainError
from services.incoming.schemas import InstructIn, PaperIn
from services.runtime import Runtime
from services.seed.example import user
from services.workflow.actions import DocAction
from services.workflow.registrar import Registration
from services.workflow.service import WorkflowService
from tests.helpers import lifecycle
from tests.helpers.pages import page_login

Probe = Callable[[Context, User, int], object]


def _doc(ctx: Context, doc_id: int) -> Document:
    found = ctx.session.get(Document, doc_id)
    assert found is not None
    return found


def _edit(ctx: Context, actor: User, doc_id: int) -> object:
    documents = compose.documents(ctx)
    document = documents.get(doc_id)
    version = documents.version(document)
    draft = draft_input_of(version.fields, documents.body(version), "探测", document.current_version)
    return documents.save(actor, doc_id, draft)


# What each action's API route calls, with input that is right in content (a return with its reason, every seal
# recorded): only who asks and the document's state decide whether it is accepted.
PROBES: dict[DocAction, Probe] = {
    DocAction.edit: _edit,
    DocAction.submit: lambda c, u, d: compose.workflow(c).submit(u, d, True),
    DocAction.review: lambda c, u, d: compose.workflow(c).review(u, d, False, "请修改"),
    DocAction.sign: lambda c, u, d: compose.workflow(c).decide_signoff(u, d, False, "请修改"),
    DocAction.issue: lambda c, u, d: compose.workflow(c).request_issue(u, d),
    DocAction.recheck: lambda c, u, d: compose.registrar(c).recheck(u, d, "同意"),
    DocAction.register: lambda c, u, d: compose.registrar(c).register(
        u, d, Registration([r.organ_id for r in _doc(c, d).recipients], 1, confirm_uncleared=True)
    ),
    DocAction.seal: lambda c, u, d: compose.registrar(c).seal(u, d, {i.organ_id: "张三" for i in _doc(c, d).issuers}),
    DocAction.release: lambda c, u, d: compose.registrar(c).release(u, d, True),
    DocAction.receive: lambda c, u, d: compose.distribution(c).receive(u, d),
}
# The page's control for each action (a link to its form, or the form itself).
BUTTONS = {
    DocAction.edit: 'href="/documents/{id}/edit"',
    DocAction.submit: 'action="/documents/{id}/submit"',
    DocAction.review: 'href="/documents/{id}/review"',
    DocAction.sign: 'href="/documents/{id}/sign"',
    DocAction.issue: 'action="/documents/{id}/issue"',
    DocAction.recheck: 'href="/documents/{id}/recheck"',
    DocAction.register: 'href="/documents/{id}/register"',
    DocAction.seal: 'href="/documents/{id}/seal"',
    DocAction.release: 'href="/documents/{id}/release"',
    DocAction.receive: 'action="/documents/{id}/receive"',
    DocAction.report: 'href="/documents/{id}/reply"',
}


class _Undo(Exception):
    pass


def accepted(runtime: Runtime, probe: Probe, username: str, doc_id: int) -> bool:
    """Whether the use case accepts the action now; nothing it did is kept."""
    try:
        with runtime.context() as ctx:
            probe(ctx, user(ctx, username), doc_id)
            raise _Undo
    except _Undo:
        return True
    except DomainError:
        return False


def _act(runtime: Runtime, action: Callable[[Context], object]) -> None:
    with runtime.context() as ctx:
        action(ctx)


def _sign_all(runtime: Runtime, doc_id: int) -> None:
    lifecycle.sign(runtime, doc_id, *lifecycle.HEADS)


def _states(runtime: Runtime) -> dict[str, int]:
    """One document in each state (the registrar's steps with 市民委's gate on)."""
    wf: Callable[[Context], WorkflowService] = compose.workflow
    docs = {"draft": lifecycle.draft(runtime), "submitted": lifecycle.submitted(runtime)}
    docs["in_review"] = lifecycle.submitted(runtime)
    _act(runtime, lambda c: wf(c).run_format_checks(docs["in_review"]))
    docs["returned"] = lifecycle.to_signing(runtime)
    _act(runtime, lambda c: wf(c).decide_signoff(user(c, "xcb.head"), docs["returned"], False, "请补充"))
    docs["signing"] = lifecycle.to_signing(runtime)
    docs["signing, one signed"] = lifecycle.to_signing(runtime)
    lifecycle.sign(runtime, docs["signing, one signed"], "tzb.head")
    docs["signed"] = lifecycle.to_signing(runtime)
    _sign_all(runtime, docs["signed"])
    docs["issued"] = lifecycle.to_signing(runtime)
    _sign_all(runtime, docs["issued"])
    _act(runtime, lambda c: wf(c).register(docs["issued"]))
    _act(runtime, lambda c: wf(c).render(docs["issued"], runtime.renderer))
    docs["distributed"] = lifecycle.distributed(runtime)
    docs["distributed, received"] = lifecycle.distributed(runtime)
    _act(runtime, lambda c: compose.distribution(c).receive(user(c, "jyj.drafter"), docs["distributed, received"]))
    _act(runtime, lambda c: OrganService(c).by_code("zlt-mw").__setattr__("registrar_gate", True))
    steps = ("rechecking", "registering", "sealing", "releasing")
    for n, state in enumerate(steps):
        docs[state] = lifecycle.to_signing(runtime)
        _sign_all(runtime, docs[state])
        for done in steps[:n]:
            probe = PROBES[{"rechecking": DocAction.recheck, "registering": DocAction.register,
                            "sealing": DocAction.seal}[done]]  # fmt: skip
            _act(runtime, lambda c, p=probe, d=docs[state]: p(c, user(c, "mw.registrar"), d))  # type: ignore[misc]
    with runtime.context() as ctx:
        for state, doc_id in docs.items():
            assert _doc(ctx, doc_id).status == state.split(",")[0], (state, _doc(ctx, doc_id).status)
    return docs


def test_every_button_shown_is_accepted_and_every_accepted_action_has_its_button(
    client: TestClient, runtime: Runtime, login: Callable[[str], dict[str, str]]
) -> None:
    if not runtime.settings.database_url.startswith("sqlite"):
        pytest.skip("the walk checks the rules once, on SQLite (the rules do not depend on the database)")
    docs = _states(runtime)
    with runtime.context() as ctx:
        personas = list(ctx.session.scalars(select(User.username).order_by(User.id)))
    counts: Counter[str] = Counter()
    mismatches = []
    for username in personas:
        page_login(client, username)
        headers = login(username)
        for state, doc_id in docs.items():
            html = client.get(f"/documents/{doc_id}").text
            api = client.get(f"/api/v1/documents/{doc_id}", headers=headers)
            listed = set(api.json()["actions"]) if api.status_code == 200 else set()
            for action, marker in BUTTONS.items():
                shown = marker.format(id=doc_id) in html
                ok = accepted(runtime, PROBES[action], username, doc_id) if action in PROBES else action in listed
                counts["checked"] += 1
                counts["shown"] += shown
                counts["accepted"] += ok
                if not (shown == ok == (action in listed)):
                    mismatches.append((state, username, action.value, f"shown={shown} api={action in listed} ok={ok}"))
    print(
        f"\nstate × persona walk (documents): {len(docs)} states × {len(personas)} personas × {len(BUTTONS)} actions"
        f" = {counts['checked']} checked; {counts['shown']} buttons shown, {counts['accepted']} accepted by the"
        f" API's use cases; {len(mismatches)} disagree"
    )
    assert not mismatches, mismatches[:20]


def _department(c: Context, organ_id: int, name: str) -> int:
    return next(d.id for d in compose.incoming(c).departments(organ_id) if d.name == name)


def _instruct(c: Context, u: User, record_id: int) -> object:
    incoming = compose.incoming(c)
    record = incoming.get(u, record_id)
    reading = record.nature == IncomingNature.read.value
    lead = None if reading else _department(c, record.organ_id, "文教科")
    support = [] if reading else [_department(c, record.organ_id, "秘书科")]
    data = InstructIn(opinion="请办理", lead_department_id=lead, support_department_ids=support)
    return incoming.instruct(u, record_id, data)


def _circulate(c: Context, u: User, record_id: int) -> object:
    incoming = compose.incoming(c)
    record = incoming.get(u, record_id)
    sent = {r.user_id for r in record.readers}
    reader = next(p.id for p in incoming.people(record.organ_id) if p.id not in sent)
    return incoming.circulate(u, record_id, [reader], None)


INCOMING_PROBES: dict[str, Probe] = {
    "review": lambda c, u, r: compose.incoming(c).review(u, r, True, None),
    "propose": lambda c, u, r: compose.incoming(c).propose(u, r, "请批示"),
    "instruct": _instruct,
    "handle": lambda c, u, r: compose.incoming(c).handle(u, r, "已办理"),
    "circulate": _circulate,
    "read": lambda c, u, r: compose.incoming(c).read(u, r, None),
    "close": lambda c, u, r: compose.incoming(c).close(u, r, "已办结"),
}


def _incoming_states(runtime: Runtime) -> dict[str, int]:
    """One 收文 of 市政府 in each state (a 办件 and a 阅件 through their steps)."""

    def paper(nature: str) -> int:
        data = PaperIn(source_name="扎兰屯市教育局", title="关于测试收文的请示", nature=IncomingNature(nature))
        with runtime.context() as ctx:
            return compose.incoming(ctx).register_paper(user(ctx, "zf.registrar"), data, None).id

    def step(record_id: int, name: str, username: str) -> None:
        _act(runtime, lambda c: INCOMING_PROBES[name](c, user(c, username), record_id))

    def through(nature: str, *steps: tuple[str, str]) -> int:
        record_id = paper(nature)
        for name, username in steps:
            step(record_id, name, username)
        return record_id

    office, head = "zf.reviewer", "zf.head"
    to_handling = (("review", office), ("propose", office), ("instruct", head))
    records = {
        "registered": through("办件"),
        "accepted": through("办件", ("review", office)),
        "proposed": through("办件", ("review", office), ("propose", office)),
        "handling": through("办件", *to_handling),
        "handling, lead done": through("办件", *to_handling, ("handle", "zf.drafter")),
        "handling, all done": through("办件", *to_handling, ("handle", "zf.drafter"), ("handle", "zf.reviewer")),
        "circulating": through("阅件", *to_handling, ("circulate", office)),
        "closed": through("办件", *to_handling, ("handle", "zf.drafter"), ("handle", "zf.reviewer"),
                          ("close", office)),
    }  # fmt: skip
    records["returned"] = paper("办件")
    _act(runtime, lambda c: compose.incoming(c).review(user(c, office), records["returned"], False, "非本机关办理"))
    return records


def test_every_incoming_step_shown_is_accepted_and_every_accepted_step_is_shown(
    client: TestClient, runtime: Runtime, login: Callable[[str], dict[str, str]]
) -> None:
    if not runtime.settings.database_url.startswith("sqlite"):
        pytest.skip("the walk checks the rules once, on SQLite (the rules do not depend on the database)")
    records = _incoming_states(runtime)
    with runtime.context() as ctx:
        personas = list(ctx.session.scalars(select(User.username).order_by(User.id)))
    counts: Counter[str] = Counter()
    mismatches = []
    for username in personas:
        page_login(client, username)
        headers = login(username)
        for state, record_id in records.items():
            html = client.get(f"/incoming/{record_id}").text
            api = client.get(f"/api/v1/incoming/{record_id}", headers=headers)
            listed = set(api.json()["actions"]) if api.status_code == 200 else set()
            for name, probe in INCOMING_PROBES.items():
                shown = f'action="/incoming/{record_id}/{name}"' in html
                ok = accepted(runtime, probe, username, record_id)
                counts["checked"] += 1
                counts["shown"] += shown
                counts["accepted"] += ok
                if not (shown == ok == (name in listed)):
                    mismatches.append((state, username, name, f"shown={shown} api={name in listed} ok={ok}"))
    print(
        f"\nstate × persona walk (收文): {len(records)} states × {len(personas)} personas × {len(INCOMING_PROBES)}"
        f" steps = {counts['checked']} checked; {counts['shown']} forms shown, {counts['accepted']} accepted by the"
        f" API's use cases; {len(mismatches)} disagree"
    )
    assert not mismatches, mismatches[:20]
