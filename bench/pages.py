"""Benchmark: every page's answer time through real HTTP with N documents in the system (default 1,000).

Builds a fresh home with the example organs and users (市民委 with the registrar's gate on) and N joint documents at
every stage (drafts, in review, being signed, waiting for the registrar's 复核/登记/用印/核发, issued through the
registrar and distributed with receipts and report-backs) and M 收文 records in the 市政府's register at every
handling step (default 1,000; a third past their 办理时限), starts the API as `gongwen up` does, and
requests each page as the user who works on it. Prints a JSON object on its last line: p50/p95 ms per page.

    .venv/bin/python bench/pages.py [--docs 1000] [--incoming 1000] [--requests 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# bench/search.py would shadow the search package: the project root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.api import api_process, bench_settings
from services.accounts.service import OrganService
from services.distribution.service import DistributionService
from services.documents.schemas import AttachmentUpload, DraftInput
from services.documents.service import DocumentService
from services.domain.enums import DocStatus, IncomingNature, Urgency
from services.incoming.schemas import InstructIn, PaperIn
from services.incoming.service import IncomingService
from services.indexing.service import IndexingService
from services.obligations.service import ObligationService
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, GATED, RECIPIENTS, load_organs_and_users, tiny_png, user
from services.seed.texts import joint_notice
from services.workflow.registrar import RegistrarService, Registration
from services.workflow.service import WorkflowService

ISSUED_SHARE = 0.1  # every tenth document goes all the way (rendering costs ≈0.3 s each)
REGISTRAR_STEPS = ("rechecking", "registering", "sealing", "releasing")  # another tenth waits at one of these


def seed_documents(runtime: Runtime, n: int) -> dict[str, int]:
    """N documents of the example joint notice's shape; a tenth issued and distributed, the rest spread over the
    earlier stages."""
    seed = joint_notice()
    with runtime.context() as ctx:
        organs = {o.code: o.id for o in OrganService(ctx).list()}
    stages = {"draft": 0, "in_review": 0, "signing": 0, **dict.fromkeys(REGISTRAR_STEPS, 0), "distributed": 0}
    for i in range(n):
        draft = DraftInput(
            doc_type="通知",  # type: ignore[arg-type]
            title=f"关于做好第{i + 1}批民族团结进步活动月工作的通知",
            issue_form="字",
            issuers=[organs["zlt-tzb"], organs["zlt-xcb"], organs["zlt-mw"]],
            main_recipients=[organs[c] for c in RECIPIENTS],
            copy_recipients=[organs["zlt-sw"]],
            obligations=[{"title": "总结", "due_on": "2099-06-30"}],  # type: ignore[list-item]
            body=seed.body + f"\n样例{i + 1}。",
        )
        with runtime.context() as ctx:
            doc_id = DocumentService(ctx).create_draft(user(ctx, "mw.drafter"), draft).id
        every = round(1 / ISSUED_SHARE)
        stage = "distributed" if i % every == 0 else ("draft", "in_review", "signing")[i % 3]
        if i % every == every // 2:
            stage = REGISTRAR_STEPS[(i // every) % len(REGISTRAR_STEPS)]
        _advance(runtime, doc_id, stage)
        stages[stage] += 1
    with runtime.context() as ctx:
        while IndexingService(ctx).apply_batch(runtime.search_index):
            pass
    return stages


def seed_incoming(runtime: Runtime, n: int) -> dict[str, int]:
    """N paper 收文 registered at the 市政府 ten days ago, spread over every handling step: registered, proposed,
    being handled by 文教科 with 财务科 (a 3-day 办理时限, so now 超时限), handled by 文教科 and circulated, closed."""
    import datetime as dt

    from services.domain.models import utcnow

    then = utcnow() - dt.timedelta(days=10)
    runtime.clock = lambda: then
    steps = ("registered", "proposed", "handling", "circulated", "closed")
    counts = dict.fromkeys(steps, 0)
    with runtime.context() as ctx:
        service = IncomingService(ctx)
        departments = {d.name: d.id for d in service.departments(user(ctx, "zf.registrar").organ_id)}
    for start in range(0, n, 100):
        with runtime.context() as ctx:
            service = IncomingService(ctx)
            office, head, clerk = user(ctx, "zf.registrar"), user(ctx, "zf.head"), user(ctx, "zf.drafter")
            for i in range(start, min(n, start + 100)):
                step = steps[i % len(steps)]
                data = PaperIn(
                    source_name="呼伦贝尔市教育局", doc_number=f"呼教发〔2026〕{i + 1}号",
                    title=f"关于开展第{i + 1}批校园安全检查的通知",
                    urgency=Urgency.urgent if i % 7 == 0 else Urgency.normal,
                    nature=IncomingNature.read if i % 4 == 0 and step == "proposed" else IncomingNature.handle,
                )  # fmt: skip
                record = service.register_paper(office, data, None)
                _handle(service, record.id, step, office, head, clerk, departments, then.date())
                counts[step] += 1
    runtime.clock = utcnow
    return counts


def _handle(
    service: IncomingService, rid: int, step: str, office: object, head: object, clerk: object,
    departments: dict[str, int], day: object,
) -> None:  # fmt: skip
    import datetime as dt

    if step == "registered":
        return
    acts: list[Callable[[], object]] = [
        lambda: service.review(office, rid, True, "同意"),  # type: ignore[arg-type]
        lambda: service.propose(office, rid, "拟请文教科牵头办理"),  # type: ignore[arg-type]
    ]
    if step != "proposed":
        assert isinstance(day, dt.date)
        instruct = InstructIn(
            opinion="请文教科牵头，财务科配合", lead_department_id=departments["文教科"],
            support_department_ids=[departments["财务科"]] if step == "handling" else [],
            deadline=day + dt.timedelta(days=3),
        )  # fmt: skip
        acts.append(lambda: service.instruct(head, rid, instruct))  # type: ignore[arg-type]
    if step in ("circulated", "closed"):
        acts.append(lambda: service.circulate(office, rid, [head.id], "请阅"))  # type: ignore[arg-type, attr-defined]
        acts.append(lambda: service.handle(clerk, rid, "已办理"))  # type: ignore[arg-type]
    if step == "closed":
        acts.append(lambda: service.read(head, rid, None))  # type: ignore[arg-type]
        acts.append(lambda: service.close(office, rid, "已办理完毕"))  # type: ignore[arg-type]
    for act in acts:
        act()


def _advance(runtime: Runtime, doc_id: int, stage: str) -> None:
    if stage == "draft":
        return
    with runtime.context() as ctx:
        workflow = WorkflowService(ctx)
        workflow.submit(user(ctx, "mw.drafter"), doc_id)
        workflow.run_format_checks(doc_id)
    if stage == "in_review":
        return
    with runtime.context() as ctx:
        WorkflowService(ctx).review(user(ctx, "mw.reviewer"), doc_id, True, "同意")
    if stage == "signing":
        return
    for head in ("tzb.head", "xcb.head", "mw.head"):
        with runtime.context() as ctx:
            WorkflowService(ctx).decide_signoff(user(ctx, head), doc_id, True, "同意")
    if _through_registrar(runtime, doc_id, stage):
        return
    with runtime.context() as ctx:
        WorkflowService(ctx).register(doc_id)
    with runtime.context() as ctx:
        WorkflowService(ctx).render(doc_id, runtime.renderer)
    with runtime.context() as ctx:
        DistributionService(ctx).distribute(doc_id)
        DistributionService(ctx).receive(user(ctx, "jyj.drafter"), doc_id)
        obligation = DocumentService(ctx).get(doc_id).obligations[0].id
        photo = AttachmentUpload(title="活动照片", filename="photo.png", content_type="image/png", data=tiny_png())
        ObligationService(ctx).report(
            user(ctx, "jyj.drafter"), obligation, None, "市教育局工作总结", "总结正文。", [photo]
        )


def _through_registrar(runtime: Runtime, doc_id: int, stage: str) -> bool:
    """市民委's registrar takes the steps up to ``stage``; True when the document is to wait there. False at once
    when 市民委 issues without its registrar (the document is already signed)."""
    with runtime.context(write=False) as ctx:
        if DocumentService(ctx).get(doc_id).status == DocStatus.signed.value:
            return False
    for step in REGISTRAR_STEPS:
        if step == stage:
            return True
        with runtime.context() as ctx:
            registrar, service = user(ctx, "mw.registrar"), RegistrarService(ctx)
            document = service.documents.get(doc_id)
            if step == "rechecking":
                service.recheck(registrar, doc_id, "无误")
            elif step == "registering":
                service.register(registrar, doc_id, Registration([r.organ_id for r in document.recipients], 20))
            elif step == "sealing":
                service.seal(registrar, doc_id, {i.organ_id: "用印人" for i in document.issuers})
            else:
                service.release(registrar, doc_id)
    return False


def browser_session(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"csrf": csrf, "username": username, "password": DEMO_PASSWORD, "next": "/"})
    assert r.status_code in (200, 303), r.text
    return client


def pages_to_measure(runtime: Runtime) -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    from services.domain.models import Document, IncomingRecord

    with runtime.context() as ctx:

        def first(status: str) -> int:
            found = ctx.session.scalar(
                select(Document.id).where(Document.status == status).order_by(Document.id.desc())
            )
            assert found is not None, status
            return found

        issued, draft, review, signing = first("distributed"), first("draft"), first("in_review"), first("signing")
        handled = ctx.session.scalar(select(func.max(IncomingRecord.id)).where(IncomingRecord.state == "closed"))
        recheck, register, seal = first("rechecking"), first("registering"), first("sealing")
    return [
        ("mw.drafter", "/"),
        ("mw.drafter", "/documents"),
        ("mw.drafter", "/documents/new"),
        ("mw.drafter", f"/documents/{draft}/edit"),
        ("mw.drafter", f"/documents/{issued}"),
        ("mw.drafter", f"/documents/{issued}/frame"),
        ("mw.drafter", f"/documents/{draft}/frame"),
        ("mw.drafter", f"/documents/{issued}/versions"),
        ("mw.reviewer", f"/documents/{review}/review"),
        ("xcb.head", "/"),
        ("xcb.head", f"/documents/{signing}/sign"),
        ("mw.registrar", "/"),
        ("mw.registrar", "/registrar"),
        ("mw.registrar", f"/documents/{recheck}/recheck"),
        ("mw.registrar", f"/documents/{register}/register"),
        ("mw.registrar", f"/documents/{seal}/seal"),
        ("mw.registrar", f"/documents/{issued}/issuing-sheet"),
        ("mw.registrar", f"/documents/{issued}/distribution"),
        ("mw.registrar", f"/documents/{issued}/distribution.xlsx"),
        ("jyj.drafter", "/"),
        ("jyj.drafter", f"/documents/{issued}/reply"),
        ("archivist", "/search?q=民族团结"),
        ("archivist", "/search?q=%22石榴籽%22&doc_type=通知"),
        ("archivist", "/archive"),
        ("admin", "/admin"),
        ("zf.registrar", "/"),
        ("zf.registrar", "/incoming"),
        ("zf.registrar", "/incoming?open=1"),
        ("zf.registrar", "/incoming?overdue=1"),
        ("zf.registrar", "/incoming?nature=阅件"),
        ("zf.registrar", f"/incoming/{handled}"),
        ("zf.registrar", f"/incoming/{handled}/sheet"),
        ("zf.drafter", "/"),
        ("zf.head", "/"),
    ]


def measure(base: str, targets: list[tuple[str, str]], requests: int) -> dict[str, dict[str, float]]:
    sessions = {name: browser_session(base, name) for name in {u for u, _ in targets}}
    figures = {}
    for username, path in targets:
        client, times = sessions[username], []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        times.sort()
        figures[path if path != "/" else f"/ ({username})"] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--incoming", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gongwen-bench-pages-"))
    settings = bench_settings(home)
    runtime = Runtime(settings)
    with runtime.context() as ctx:
        load_organs_and_users(ctx, gated=GATED)
    started = time.perf_counter()
    stages = seed_documents(runtime, args.docs)
    incoming = seed_incoming(runtime, args.incoming)
    seeded = time.perf_counter() - started
    targets = pages_to_measure(runtime)
    runtime.close()
    with api_process(settings) as base:
        figures = measure(base, targets, args.requests)
    worst = max(f["p95_ms"] for f in figures.values())
    for page, f in figures.items():
        print(f"{page:60s} p50 {f['p50_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms", file=sys.stderr)
    result = {"documents": args.docs, "stages": stages, "incoming": incoming, "seed_s": round(seeded, 1),
              "cores": os.cpu_count(), "requests_per_page": args.requests, "worst_p95_ms": worst,
              "pages": figures}  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
