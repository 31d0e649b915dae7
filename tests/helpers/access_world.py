"""A world for the access matrix: people of every relation to a document, at two clearances, and documents of
every kind, state and 密级, built through the same service calls the API and the Prefect tasks make."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from services.accounts.service import SYSTEM, OrganService, UserService
from services.distribution.service import DistributionService
from services.documents.schemas import AttachmentUpload, DraftInput
from services.documents.service import DocumentService
from services.domain.models import Submission, User
from services.imports.service import ImportService
from services.indexing.service import IndexingService
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users, tiny_png
from services.workflow.service import WorkflowService

# The organ each relation is played by (example organs: 市委 is the superior of 统战部 and 宣传部).
RELATIONS = {
    "lead": "zlt-tzb",
    "co": "zlt-xcb",
    "main": "zlt-jyj",
    "copy": "zlt-wjw",
    "other": "gy-wjw",
    "superior": "zlt-sw",
    "": "zlt-mw",  # archivists and admins sit in an organ with no relation to the documents
}
LEVELS = ("非密", "秘密", "机密", "绝密")
RANK = {level: n for n, level in enumerate(LEVELS)}
STATES = ("draft", "in_review", "signing", "rechecking", "distributed", "reply", "imported")


@dataclass(frozen=True)
class Persona:
    username: str
    relation: str  # a key of RELATIONS, or "" for the cross-organ roles
    roles: tuple[str, ...]
    clearance: str


@dataclass(frozen=True)
class Doc:
    id: int
    state: str  # one of STATES
    classification: str
    token: str  # a unique mark in the title, e.g. M07
    attachment_id: int | None
    rendered: bool
    obligation_id: int | None = None  # the plan's obligation, owed by the 主送 unit
    submission_id: int | None = None  # a reply's submission
    assignment_id: int | None = None  # the 主送 unit's task on the plan

    @property
    def finished(self) -> bool:
        return self.state in ("distributed", "reply", "imported")


@dataclass
class World:
    personas: list[Persona]
    docs: list[Doc]
    tokens: dict[str, str] = field(default_factory=dict)  # username → API token
    year: int = 0


def personas() -> list[Persona]:
    found = []
    for clearance in ("非密", "机密"):
        tag = "u" if clearance == "非密" else "c"
        for relation, role in (
            ("lead", "drafter"),
            ("lead", "signer"),
            ("lead", "registrar"),
            ("co", "signer"),
            ("main", "drafter"),
            ("copy", "drafter"),
            ("other", "drafter"),
            ("superior", "signer"),
        ):
            found.append(Persona(f"x.{relation}.{role}.{tag}", relation, (role,), clearance))
    found += [
        Persona("x.archivist.u", "", ("archivist",), "非密"),
        Persona("x.archivist.c", "", ("archivist",), "机密"),
        Persona("x.archivist.t", "", ("archivist",), "绝密"),
        Persona("x.admin.u", "", ("admin",), "非密"),
        Persona("x.admin.t", "", ("admin",), "绝密"),
    ]
    return found


def expected_level(p: Persona, d: Doc) -> int:
    """The oracle, written from the rules as the issue states them (0 none, 1 issued text, 2 internal)."""
    if RANK[d.classification] > RANK[p.clearance]:
        return 0
    if "admin" in p.roles:
        return 2
    if "archivist" in p.roles:
        return 2 if d.finished else 0
    r = p.relation
    if d.state == "reply":  # sent by the 主送 unit to the plan's issuing organs
        return 2 if r in ("lead", "co", "main") else 0
    if d.state == "imported":  # imported into the lead organ's records
        return 2 if r == "lead" else 0
    if r == "lead":
        return 2
    if r == "co":
        return 2 if d.state in ("signing", "rechecking", "distributed") else 0
    if r in ("main", "copy"):
        return 1 if d.state == "distributed" else 0
    return 0


def build(runtime: Runtime) -> World:
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
        organs = OrganService(ctx)
        users = UserService(ctx)
        ids = {rel: organs.by_code(code).id for rel, code in RELATIONS.items()}
        for p in personas():
            organ = ids[p.relation]
            users.create(p.username, p.username, organ, list(p.roles), DEMO_PASSWORD, p.clearance)
        for rel, roles in (("lead", ["drafter", "reviewer"]), ("lead", ["signer"]), ("co", ["signer"])):
            users.create(f"mk.{rel}.{roles[0]}", "制作", ids[rel], roles, DEMO_PASSWORD, "绝密")
        users.create("mk.main.drafter", "制作", ids["main"], ["drafter"], DEMO_PASSWORD, "绝密")
        year = ctx.today().year
    docs: list[Doc] = []
    n = 0
    for classification in LEVELS:
        for state in STATES:
            n += 1
            if state == "reply":
                continue  # made from the distributed plan of its 密级 below
            docs.append(_make(runtime, ids, state, classification, f"M{n:02d}"))
            if state == "distributed":
                n += 1
                docs.append(_reply(runtime, docs[-1], f"M{n:02d}"))
    _index(runtime)
    return World(personas(), docs, year=year)


def _draft(ids: dict[str, int], classification: str, token: str) -> DraftInput:
    return DraftInput(
        doc_type="通知",
        title=f"关于矩阵事项{token}的通知",
        issue_form="发",
        issuers=[ids["lead"], ids["co"]],
        main_recipients=[ids["main"]],
        copy_recipients=[ids["copy"]],
        classification=classification,
        secrecy_period=None if classification == "非密" else "5年",
        attachment_notes=[f"矩阵附件{token}"],
        obligations=[{"title": "总结", "due_on": dt.date.today() + dt.timedelta(days=30)}],
        tasks=[{"text": f"矩阵任务{token}", "units": [ids["main"]]}],
        body=f"各单位：矩阵事项{token}的正文。请认真组织实施。",
    )


def _make(runtime: Runtime, ids: dict[str, int], state: str, classification: str, token: str) -> Doc:
    if state == "imported":
        return _import(runtime, classification, token)
    with runtime.context() as ctx:
        maker = _in(ctx, "mk.lead.drafter")
        service = DocumentService(ctx)
        document = service.create_draft(maker, _draft(ids, classification, token))
        upload = AttachmentUpload(
            title=f"矩阵附件{token}", filename=f"{token}.txt", content_type="text/plain", data=f"附件{token}".encode()
        )
        service.add_attachment(maker, document.id, upload)
        doc_id = document.id
    steps = {"draft": 0, "in_review": 1, "signing": 2, "rechecking": 3, "distributed": 3}[state]
    if steps >= 1:
        # the 抄送 organ's people hold at most 机密 (the matrix is about them): sent knowingly
        _act(runtime, lambda ctx: WorkflowService(ctx).submit(_in(ctx, "mk.lead.drafter"), doc_id, True))
        _act(runtime, lambda ctx: WorkflowService(ctx).run_format_checks(doc_id))
    if steps >= 2:
        _act(runtime, lambda ctx: WorkflowService(ctx).review(_in(ctx, "mk.lead.drafter"), doc_id, True, "同意"))
    if steps >= 3:
        gated = state == "rechecking"  # signed by an organ with the registrar's gate on: waits for its registrar
        _act(runtime, lambda ctx: OrganService(ctx).set_registrar_gate(SYSTEM, ids["lead"], gated))
        for head in ("mk.lead.signer", "mk.co.signer"):
            _act(runtime, lambda ctx, h=head: WorkflowService(ctx).decide_signoff(_in(ctx, h), doc_id, True, "同意"))
        _act(runtime, lambda ctx: OrganService(ctx).set_registrar_gate(SYSTEM, ids["lead"], False))
    if state == "distributed":
        _act(runtime, lambda ctx: WorkflowService(ctx).register(doc_id))
        _act(runtime, lambda ctx: WorkflowService(ctx).render(doc_id, runtime.renderer))
        _act(runtime, lambda ctx: DistributionService(ctx).distribute(doc_id))
    return _doc(runtime, doc_id, state, classification, token)


def _reply(runtime: Runtime, plan: Doc, token: str) -> Doc:
    with runtime.context() as ctx:
        photo = AttachmentUpload(title="照片", filename=f"{token}.png", content_type="image/png", data=tiny_png())
        assert plan.obligation_id is not None
        submission = ObligationService(ctx).report(
            _in(ctx, "mk.main.drafter"), plan.obligation_id, None, f"关于矩阵事项{token}的总结",
            f"矩阵事项{token}的总结正文。", [photo],
        )  # fmt: skip
        reply_id = submission.reply_document_id
    return _doc(runtime, reply_id, "reply", plan.classification, token)


def _import(runtime: Runtime, classification: str, token: str) -> Doc:
    header = "" if classification == "非密" else f"{classification}★5年\n"
    text = f"{header}关于矩阵事项{token}的通知\n各单位：\n矩阵事项{token}的正文。\n"
    with runtime.context() as ctx:
        outcome = ImportService(ctx).import_bytes(_in(ctx, "mk.lead.drafter"), f"{token}.txt", text.encode())
        doc_id = outcome.document_ids[0]
    return _doc(runtime, doc_id, "imported", classification, token)


def _doc(runtime: Runtime, doc_id: int, state: str, classification: str, token: str) -> Doc:
    with runtime.context() as ctx:
        service = DocumentService(ctx)
        document = service.get(doc_id)
        version = service.version(document)
        attachment = version.attachments[0].id if version.attachments else None
        assert document.classification == classification, (token, document.classification)
        distributed = state == "distributed"
        submission = ctx.session.scalar(select(Submission.id).where(Submission.reply_document_id == doc_id))
        return Doc(
            doc_id, state, classification, token, attachment, bool(document.rendered_html_key),
            obligation_id=document.obligations[0].id if distributed else None,
            submission_id=submission,
            assignment_id=document.plan_tasks[0].assignments[0].id if distributed else None,
        )  # fmt: skip


def _index(runtime: Runtime) -> None:
    with runtime.context() as ctx:
        while IndexingService(ctx).apply_batch(runtime.search_index):
            pass


def archive_year(runtime: Runtime, year: int) -> dict[str, object]:
    """The annual archival run of the year, as the real Prefect flow (needs the test Prefect server)."""
    from flows.archive import annual_archive
    from flows.runtime import set_runtime
    from flows.worker import quiet_prefect
    from tests.helpers.archive_data import give_fonds, reporting_over

    give_fonds(runtime, {RELATIONS["lead"]: "Z002"})  # the documents' lead organ keeps its own 全宗
    reporting_over(runtime)
    set_runtime(runtime)
    with quiet_prefect():
        result: dict[str, object] = annual_archive(year)
    return result


def _in(ctx: object, username: str) -> User:
    from services.seed.example import user

    return user(ctx, username)  # type: ignore[arg-type]


def _act(runtime: Runtime, action: object) -> None:
    with runtime.context() as ctx:
        action(ctx)  # type: ignore[operator]
