"""The annual archival run (年度归档, DA/T 22) and the fixity audit.

Stages, each safe to repeat: select the finished documents of the year not yet filed and group them into 件;
pre-check them; number the passing 件 in one transaction (档号 gap-free per lowest category); package, check
(四性), store write-once and verify each 件; index; write the catalogue and the report. A run killed anywhere
and started again finishes the same work: numbering is all-or-nothing and storing skips what is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services import access
from services.archive.catalogue import catalogue_bytes
from services.archive.fonds import FondsRef, FondsService
from services.archive.package import (
    MANIFEST,
    METADATA,
    FourChecks,
    check_package,
    digests_match,
    manifest_for,
    pdf_pages,
)
from services.archive.repository import ArchiveRepository
from services.archive.retention import Schedule
from services.archive.rules import (
    RETENTION_RANK,
    RETENTION_YEARS,
    Group,
    archival_code,
    category,
    organ_code,
    retention_of,
)
from services.archive.selection import Filing, Selection, Selector
from services.audit import chain
from services.audit.service import AuditService
from services.context import Context
from services.documents.service import DocumentService, safe_filename
from services.domain.enums import (
    CLASSIFICATION_RANK,
    ArchiveItemStatus,
    ArchiveRunStatus,
    Classification,
    DocKind,
    DocStatus,
    JobStep,
)
from services.domain.models import (
    ArchivedDocument,
    ArchiveItem,
    ArchiveRun,
    AuditEvent,
    Document,
    DocumentVersion,
    FixityCheck,
    User,
)
from services.errors import Conflict, Invalid, not_found
from services.incoming.sheet import sheet_pdf
from services.indexing.service import IndexingService
from services.jobs.service import JobService
from services.registrar.sheet import IssuingSheetService, sheet_html
from services.storage import ObjectNotFound

FINISHED = (DocStatus.distributed.value, DocStatus.received.value)


@dataclass
class Packaged:
    """What packaging one 件 found: its pages and 四性, and when it passed, the stored manifest's SHA-256 and the
    package's bytes."""

    item_id: int
    archival_code: str
    pages: int
    checks: dict[str, Any]
    passed: bool
    files: int
    bytes: int
    stored: tuple[str, int] | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def highest_classification(documents: list[Document]) -> str:
    """A 件 is as secret as the most secret document in it (DOMAIN.md §1.6: a compilation takes the highest)."""
    return max((d.classification for d in documents), key=lambda c: CLASSIFICATION_RANK[Classification(c)])


class ArchiveService:
    def __init__(
        self,
        ctx: Context,
        *,
        documents: DocumentService | None = None,
        fonds: FondsService | None = None,
        repo: ArchiveRepository | None = None,
        jobs: JobService | None = None,
        indexing: IndexingService | None = None,
        audit: AuditService | None = None,
    ) -> None:
        self.ctx = ctx
        self.settings = ctx.settings.archive
        self.repo = repo or ArchiveRepository(ctx.session)
        self.documents = documents or DocumentService(ctx)
        self.fonds = fonds or FondsService(ctx, self.repo)
        self.jobs = jobs or JobService(ctx)
        self.indexing = indexing or IndexingService(ctx)
        self.audit = audit or AuditService(ctx)
        self._documents: dict[int, Document] = {}  # what _preload read for the 件 being packaged or recorded
        self._versions: dict[int, DocumentVersion] = {}
        self._timelines: dict[int, list[AuditEvent]] = {}
        self._fonds: dict[str, FondsRef] = {}
        self._roles: dict[int, dict[int, str]] = {}
        self._head: tuple[int, str] | None = None  # the chain head as the unit of work reads it, for every 件 of it

    # -- run bookkeeping -----------------------------------------------------------------------------------

    def start_run(self, year: int, dry_run: bool, fonds: str | None = None) -> ArchiveRun:
        if not 1900 < year <= self.ctx.today().year:
            raise Invalid("archive_year_invalid", f"年度不正确：{year}", f"invalid year: {year}")
        if fonds is not None and self.fonds.by_code(fonds) is None:
            raise not_found("全宗", "fonds", code=fonds)
        run = ArchiveRun(year=year, dry_run=dry_run, started_at=self.ctx.now(), fonds_code=fonds)
        self.repo.add(run)
        self.repo.flush()
        return run

    def queue_run(self, user: User, year: int, dry_run: bool, fonds: str | None = None) -> ArchiveRun:
        """Record a run of the fonds the user keeps and hand it to the worker (the annual-archive Prefect flow).
        An archivist runs their organ's fonds; an admin one named fonds or every fonds."""
        scope = self._run_scope(user, fonds)
        run = self.start_run(year, dry_run, scope)
        payload = {"year": year, "dry_run": dry_run, "run_id": run.id, "fonds": scope}
        self.jobs.enqueue(JobStep.archive, None, payload=payload)
        return run

    def _run_scope(self, user: User, fonds: str | None) -> str | None:
        if access.archive_fonds_organ(user) is None:
            return None if fonds is None else self.fonds.require_seen(user, fonds).code
        mine = self.fonds.seen_by(user)
        if not mine:
            raise Invalid(
                "fonds_missing",
                f"{user.organ.name}尚未设全宗号，请管理员先设置",
                "your organ has no fonds yet; an admin sets it",
            )
        return mine[0].code if fonds is None else self.fonds.require_seen(user, fonds).code

    def runs_seen_by(self, user: User, limit: int = 20) -> list[ArchiveRun]:
        """Runs of the fonds the user keeps (an admin sees every run)."""
        kept = None if access.archive_fonds_organ(user) is None else self.fonds.codes_seen_by(user)
        return self.repo.runs(limit, kept)

    def run_seen_by(self, user: User, run_id: int) -> ArchiveRun:
        run = self.run(run_id)
        if access.archive_fonds_organ(user) is not None and run.fonds_code not in self.fonds.codes_seen_by(user):
            raise not_found("归档任务", "archive run", id=run_id)
        return run

    def overview(self, user: User) -> list[dict[str, Any]]:
        """Stored 件 of the fonds the user keeps, within clearance, per fonds, year, 保管期限 and 机构."""
        rows = self.repo.overview(access.cleared_levels(user), self.fonds.codes_seen_by(user))
        return [
            {"fonds": f, "year": y, "retention": r, "organ": o, "items": n, "bytes": b or 0}
            for f, y, r, o, n, b in rows
        ]

    def run(self, run_id: int) -> ArchiveRun:
        run = self.repo.run(run_id)
        if run is None:
            raise not_found("归档任务", "archive run", id=run_id)
        return run

    def finish_run(
        self,
        run_id: int,
        status: ArchiveRunStatus,
        report: dict[str, Any] | None = None,
        counts: dict[str, Any] | None = None,
    ) -> ArchiveRun:
        """The run ends (done, or its dry run done), with what it stored and found added to its report."""
        run = self.run(run_id)
        run.move(status)
        run.report = {**run.report, **(report or {})}
        run.counts = counts or run.counts
        run.finished_at = self.ctx.now()
        return run

    def add_seconds(self, run_id: int, stage: str, seconds: float) -> None:
        """Time spent in a stage, added to what earlier tasks of the run spent in it."""
        run = self.run(run_id)
        run.stage_seconds = {**run.stage_seconds, stage: round(run.stage_seconds.get(stage, 0.0) + seconds, 3)}

    def add_to_report(self, run: ArchiveRun, report: dict[str, Any]) -> None:
        run.report = {**run.report, **report}

    # -- stage 1: select, group, pre-check ------------------------------------------------------------------

    def selection_of(self, run: ArchiveRun) -> Selection:
        """What this run files (its fonds, or every fonds), what waits and why (services/archive/selection)."""
        selector = Selector(self.ctx, self.settings.group_replies_with_plan, self.repo, self.fonds)
        return selector.of_year(run.year, run.fonds_code)

    def precheck(self, group: Group) -> list[str]:
        """Content that must exist before a 档号 is given: the 正本 of a 发文, the final text, attachments."""
        problems = []
        main = group.main
        if main.kind == DocKind.outgoing.value and not (
            main.rendered_pdf_key and self.ctx.store.exists(main.rendered_pdf_key)
        ):
            problems.append("正本（版式文件）缺失")
        for doc in group.documents:
            version = self._version(doc)
            if not self.ctx.store.exists(version.body_key):
                problems.append(f"{doc.id}：定稿缺失")
            missing = [a.title for a in version.attachments if not self.ctx.store.exists(a.key)]
            if missing:
                problems.append(f"{doc.id}：附件缺失 {'、'.join(missing)}")
        if not main.title.strip():
            problems.append("题名为空")
        return problems

    def prechecks(self, filings: list[Filing]) -> dict[int, list[str]]:
        """:meth:`precheck` of each 件 to file (once per main document while it passes), by main document; the
        documents' current versions read in one statement."""
        self._versions = self.repo.current_versions({d.id: d for f in filings for d in f.group.documents}.values())
        failed: dict[int, list[str]] = {}
        for filing in filings:
            if filing.group.main.id not in failed and (problems := self.precheck(filing.group)):
                failed[filing.group.main.id] = problems
        return failed

    # -- stage 2: number -----------------------------------------------------------------------------------

    def number(self, run: ArchiveRun, filings: list[Filing], schedule: Schedule) -> list[ArchiveItem]:
        """Give every 件 its 档号 in one transaction: 件号 continue each fonds' lowest category without a gap."""
        scheme = self.settings.scheme
        keyed = []
        for filing in filings:
            retention = min(
                (retention_of(d, schedule.rules) for d in filing.group.documents), key=lambda r: RETENTION_RANK[r]
            )
            organ = organ_code(filing.group.main)
            keyed.append((category(run.year, retention, organ, scheme), filing))
        keyed.sort(
            key=lambda kf: (
                kf[1].fonds.code,
                kf[0][1],
                kf[0][2] or "",
                kf[1].group.main.written_on or dt.date.min,
                kf[1].group.main.doc_number or "",
                kf[1].group.main.id,
            )
        )
        items = []
        last: dict[tuple[str, int, str, str | None], int] = {}  # per lowest category of a fonds, its last 件号
        for (year, retention, lowest_organ), filing in keyed:
            key = (filing.fonds.code, year, retention, lowest_organ)
            if key not in last:
                last[key] = self.repo.last_item_no(*key)
            last[key] += 1
            items.append(self._item(run, filing, year, retention, lowest_organ, last[key]))
        self.repo.flush()
        return items

    def _item(
        self, run: ArchiveRun, filing: Filing, year: int, retention: str, organ: str | None, no: int
    ) -> ArchiveItem:
        group = filing.group
        main = group.main
        code = archival_code(filing.fonds.code, year, retention, organ, no)
        item = ArchiveItem(
            fonds_code=filing.fonds.code,
            is_copy=filing.is_copy,
            remark=filing.remark,
            year=year,
            retention=retention,
            organ_code=organ,
            item_no=no,
            archival_code=code,
            title=main.title,
            doc_number=main.doc_number,
            responsible="、".join(main.responsible),
            date=(main.written_on or main.created_at.date()).strftime("%Y%m%d"),
            classification=highest_classification(group.documents),
            document_ids=[d.id for d in group.documents],
            package_prefix=f"archive/{year}/{code}/",
            run_id=run.id,
            created_at=self.ctx.now(),
        )
        self.repo.add(item)
        fonds = filing.fonds.code
        self.repo.add(ArchivedDocument(document_id=main.id, fonds_code=fonds, item=item, role="正本"))
        for doc, role in group.members:
            self.repo.add(ArchivedDocument(document_id=doc.id, fonds_code=fonds, item=item, role=role))
        return item

    # -- stage 3: package, check, store ---------------------------------------------------------------------

    def to_consider(self, year: int) -> int:
        """How many 件 a run of the year may file, at most: its finished documents and its 件 not yet stored."""
        return self.repo.finished_of_year(year, FINISHED) + len(self.repo.unstored_item_ids(year, None))

    def pending_items(self, year: int, fonds: str | None = None) -> list[int]:
        return self.repo.unstored_item_ids(year, fonds)

    def package(self, item: ArchiveItem) -> tuple[dict[str, bytes], dict[str, Any], int]:
        """Content files and metadata of a 件; returns the number of attachments the 附件说明 promises."""
        files: dict[str, bytes] = {}
        expected_attachments = 0
        fonds = self._fonds_of(item)
        docs = [self._document(i) for i in item.document_ids]
        for n, doc in enumerate(docs):
            lead = "01" if n == 0 else f"{10 + n:02d}"
            version = self._version(doc)
            if doc.rendered_pdf_key:
                files[f"{lead}-正本.pdf"] = self.ctx.store.get(doc.rendered_pdf_key)
            if doc.rendered_ofd_key and self.ctx.store.exists(doc.rendered_ofd_key):  # none before OFD was written
                files[f"{lead}-正本.ofd"] = self.ctx.store.get(doc.rendered_ofd_key)
            if doc.rendered_ses_key and self.ctx.store.exists(doc.rendered_ses_key):  # the PDF's electronic seals
                files[f"{lead}-正本.pdf.ses"] = self.ctx.store.get(doc.rendered_ses_key)
            files[f"{lead}-定稿.txt"] = self.ctx.store.get(version.body_key)
            for k, att in enumerate(version.attachments, 1):
                files[f"{lead}-附件{k}-{safe_filename(att.filename)}"] = self.ctx.store.get(att.key)
            expected_attachments += len(doc.attachment_notes) if doc.kind == DocKind.outgoing.value else 0
            files[f"{lead}-处理单.html"] = self._process_sheet(doc).encode()
            if doc.issuing_sheet_key:  # a 发文's 处理单 is its 发文稿纸, also as PDF (DOMAIN.md §3.1, §4.5)
                files[f"{lead}-处理单.pdf"] = self.ctx.store.get(doc.issuing_sheet_key)
            # a 收文 carries the 收文处理单 of the organ whose fonds files it (DA/T 22 §3.1: 处理单 stays with it)
            for name, sheet in self._incoming_sheets(doc, fonds.organ_id):
                files[f"{lead}-收文处理单-{name}.pdf"] = sheet
        # 件 pages are the documents' own: the 处理单 filed beside them are not counted
        pages = sum(pdf_pages(data) for path, data in files.items() if path.endswith(".pdf") and "处理单" not in path)
        item.pages = pages or sum(1 for p in files if p.endswith(".txt"))
        metadata = self._metadata(item, docs, fonds)
        files[METADATA] = json.dumps(metadata, ensure_ascii=False, indent=2, default=str).encode()
        return files, metadata, expected_attachments

    def _document(self, document_id: int) -> Document:
        return self._documents.get(document_id) or self.documents.get(document_id)

    def _version(self, doc: Document) -> DocumentVersion:
        return self._versions.get(doc.id) or self.documents.version(doc)

    def _preload(self, items: list[ArchiveItem]) -> None:
        """Read the documents of these 件, their current versions and their events a statement each."""
        ids = {i for item in items for i in item.document_ids}
        self._documents = self.repo.documents(ids)
        self._versions = self.repo.current_versions(self._documents.values())
        timelines = self.repo.timelines(ids)
        self._timelines = {i: timelines.get(i, []) for i in ids}
        self._fonds = {f.code: f for f in self.fonds.by_organ().values()}
        self._roles = self.repo.roles_in_items([item.id for item in items])
        self._head = self.audit.head()

    def package_check_store(self, item_ids: list[int]) -> list[Packaged]:
        """Package, 四性-check and (when they pass) store these 件 not yet stored, reading only: their records are
        left to :meth:`record`, in the run's write transaction."""
        found = self.repo.items(item_ids)
        items = [item for i in item_ids if (item := found.get(i)) and item.status != ArchiveItemStatus.stored]
        for item in items:
            self.ctx.session.expunge(item)  # its pages and checks, set below, are recorded by record()
        self._preload(items)
        done, passing = [], []
        for item in items:
            t0 = time.perf_counter()
            files, metadata, expected = self.package(item)
            t1 = time.perf_counter()
            checks, formats = self.check(item, files, metadata, expected)
            t2 = time.perf_counter()
            packaged = Packaged(
                item_id=item.id,
                archival_code=item.archival_code,
                pages=item.pages,
                checks=item.checks,
                passed=checks.passed,
                files=len(files),
                bytes=sum(len(d) for d in files.values()),
                seconds={"package": t1 - t0, "check": t2 - t1, "store": 0.0},
            )
            done.append(packaged)
            if checks.passed:
                passing.append((packaged, (item, files, formats)))
        t0 = time.perf_counter()
        stored = self.store([package for _, package in passing])
        share = (time.perf_counter() - t0) / max(1, len(passing))
        for (packaged, _), result in zip(passing, stored, strict=True):
            packaged.stored, packaged.seconds["store"] = result, share
        return done

    def record(self, packaged: list[Packaged]) -> None:
        """What packaging found, on each 件's record in order: pages and 四性; stored, when it passed."""
        items = self.repo.items([p.item_id for p in packaged])
        self._documents = self.repo.documents(i for item in items.values() for i in item.document_ids)
        for p in packaged:
            item = items.get(p.item_id)
            if item is None or item.status == ArchiveItemStatus.stored:
                continue
            item.pages, item.checks = p.pages, p.checks
            if p.stored is not None:
                self.record_stored(item, *p.stored)

    def _fonds_of(self, item: ArchiveItem) -> FondsRef:
        fonds = self._fonds.get(item.fonds_code) or self.fonds.by_code(item.fonds_code)
        if fonds is None:
            raise not_found("全宗", "fonds", code=item.fonds_code)
        return fonds

    def _format_info(self, main: Document) -> str:
        if not main.rendered_pdf_key:
            return "文本"
        pdf = "正本 PDF/A-2b（生成时声明，未经 veraPDF 验证）"
        has_ofd = main.rendered_ofd_key and self.ctx.store.exists(main.rendered_ofd_key)
        return f"{pdf}，OFD（GB/T 33190）" if has_ofd else pdf

    def _metadata(self, item: ArchiveItem, docs: list[Document], fonds: FondsRef) -> dict[str, Any]:
        """DA/T 46 / GB/T 33480 fields and, per document, its process events (DOMAIN.md §4.1–4.3)."""
        main = docs[0]
        roles = self._roles[item.id] if item.id in self._roles else self.repo.roles_in_item(item.id)
        events = [event for doc in docs for event in self._process_events(doc)]
        head_id, head_hash = self._head or self.audit.head()
        return {
            "全宗号": fonds.code,
            "全宗名称": fonds.name,
            "立档单位": fonds.organ_name,
            "档案门类": "WS",
            "年度": item.year,
            "保管期限": item.retention,
            "机构问题": item.organ_code,
            "件号": item.item_no,
            "档号": item.archival_code,
            "题名": item.title,
            "文件编号": item.doc_number,
            "责任者": item.responsible,
            "日期": item.date,
            "密级": item.classification,
            "页数": item.pages,
            "文种": main.doc_type,
            "主送机关": [r.organ.name for r in main.recipients if r.role == "主送"],
            "抄送机关": [r.organ.name for r in main.recipients if r.role == "抄送"],
            "成文日期": main.written_on.isoformat() if main.written_on else None,
            "格式信息": self._format_info(main),
            "紧急程度": main.urgency,
            "附件说明": main.attachment_notes,
            "附注": main.remark,
            "备注": item.remark,
            "复制件": item.is_copy,
            "组件": [
                {"文件": d.id, "题名": d.title, "文号": d.doc_number, "类型": d.kind, "角色": roles.get(d.id, "正本")}
                for d in docs
            ],
            "业务实体": events,
            "审计链": {"算法": chain.ALGORITHM, "链头事件": head_id, "链头摘要": head_hash},
            "归档章": {
                "全宗号": fonds.code,
                "年度": item.year,
                "保管期限": item.retention,
                "件号": item.item_no,
                "页数": item.pages,
                "机构": item.organ_code,
            },
        }

    def _process_events(self, doc: Document) -> list[dict[str, Any]]:
        """The document's audit events as the package's 业务实体 (DA/T 46 process metadata, DOMAIN.md §4.1)."""
        return [
            {
                "文件": doc.id,
                "业务行为": e.action_zh,
                "行为时间": e.at.isoformat(),
                "机构人员名称": f"{e.organ_name or ''} {e.actor_name}".strip(),
                "版本": e.version,
                "说明": e.detail,
                "事件序号": e.id,
                "事件摘要": e.hash,
            }
            for e in (self._timelines[doc.id] if doc.id in self._timelines else self.audit.timeline(doc.id))
        ]

    def _incoming_sheets(self, doc: Document, organ_id: int | None) -> list[tuple[str, bytes]]:
        """The 收文处理单 (PDF) of a 来文 in the filing organ's 收文 register."""
        return [
            (f"{r.year}-{r.seq}", sheet_pdf(r, self.ctx.settings, r.organ.name))
            for r in self.repo.incoming_records(doc.id, organ_id)
        ]

    def _process_sheet(self, doc: Document) -> str:
        """发文稿纸 / 处理单: who did what, when, with every signature and opinion."""
        import html

        if doc.kind == DocKind.outgoing.value:
            return sheet_html(IssuingSheetService(self.ctx).of(doc), self.ctx.settings)
        rows = "".join(
            f"<tr><td>{html.escape(s.organ.name)}</td><td>{html.escape(s.kind)}</td><td>{html.escape(s.status)}</td>"
            f"<td>{html.escape(s.signer.display_name if s.signer else '')}</td><td>{html.escape(s.opinion or '')}</td>"
            f"<td>{s.decided_at.isoformat() if s.decided_at else ''}</td><td>{s.version or ''}</td></tr>"
            for s in self.repo.signoffs(doc.id)
        )
        return (
            f"<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><title>处理单</title>"
            f"<h1>{html.escape(doc.title)}</h1><p>文号：{html.escape(doc.doc_number or '')}</p>"
            f"<table border='1'><tr><th>机关</th><th>环节</th><th>结果</th><th>签署人</th><th>意见</th>"
            f"<th>时间</th><th>版本</th></tr>{rows}</table></html>"
        )

    def check(
        self, item: ArchiveItem, files: dict[str, bytes], metadata: dict[str, Any], expected: int
    ) -> tuple[FourChecks, dict[str, str]]:
        """The 四性 of a packaged 件 (DA/T 70), recorded on it; with each file's format as the check found it."""
        result, formats = check_package(files, metadata, expected, self.settings.scanner_command)
        if self.repo.code_held_elsewhere(item.archival_code, item.id):
            result.authenticity.fail(f"档号重复：{item.archival_code}")
        if item.doc_number and self.repo.items_with_doc_number(item.doc_number, item.fonds_code) != 1:
            result.authenticity.fail(f"文号重复：{item.doc_number}")
        item.checks = result.as_dict()
        return result, formats

    def store(self, packages: list[tuple[ArchiveItem, dict[str, bytes], dict[str, str]]]) -> list[tuple[str, int]]:
        """Write every file of these packages once (locked for its 件's retention period), each package's manifest
        after its files, durable together in one flush per retention period; read back and verify. Returns each
        manifest's SHA-256 and package's bytes, for :meth:`record_stored` (storing touches no database row: it may
        run outside the write transaction)."""
        manifests = []
        by_retention: dict[dt.date | None, list[tuple[str, bytes, str]]] = {}
        for item, files, formats in packages:
            manifest = manifest_for(files, formats)
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            objects = [(item.package_prefix + path, data) for path, data in sorted(files.items())]
            objects.append((item.package_prefix + MANIFEST, manifest_bytes))
            fresh = [
                (key, data, "application/octet-stream") for key, data in objects if not self._kept_already(key, data)
            ]
            by_retention.setdefault(self._retain_until(item), []).extend(fresh)
            manifests.append((item, manifest, manifest_bytes))
        for retain_until, fresh in by_retention.items():
            self.ctx.store.put_many_locked(fresh, retain_until)
        stored = []
        for item, manifest, manifest_bytes in manifests:
            for entry in manifest["files"]:  # 真实性 after storing: what was stored is what was sent
                if not digests_match(entry, self.ctx.store.get(item.package_prefix + entry["path"])):
                    raise Conflict(
                        "archive_verify_failed",
                        f"归档后校验失败：{entry['path']}",
                        f"digest mismatch after storing {entry['path']}",
                    )
            stored.append((hashlib.sha256(manifest_bytes).hexdigest(), int(manifest["total_bytes"])))
        return stored

    def record_stored(self, item: ArchiveItem, manifest_sha256: str, package_bytes: int) -> None:
        """The 件 is stored: its record says so, its documents are indexed again and each gets its audit event."""
        item.manifest_sha256 = manifest_sha256
        item.package_bytes = package_bytes
        item.move(ArchiveItemStatus.stored)
        item.stored_at = self.ctx.now()
        for doc_id in item.document_ids:
            self.indexing.enqueue(doc_id)
            self.audit.record("archived", document=self._document(doc_id), actor=None, archival_code=item.archival_code)

    def _kept_already(self, key: str, data: bytes) -> bool:
        """A file already there from a killed run is kept if it is the same bytes; other bytes are refused."""
        if not self.ctx.store.exists(key):
            return False
        if hashlib.sha256(self.ctx.store.get(key)).digest() != hashlib.sha256(data).digest():
            raise Conflict(
                "archive_object_conflict",
                f"归档对象已存在且内容不同：{key}",
                f"an archived object with other content exists: {key}",
            )
        return True

    @staticmethod
    def _retain_until(item: ArchiveItem) -> dt.date | None:
        years = RETENTION_YEARS[item.retention]
        return None if years is None else dt.date(item.year + years, 12, 31)

    # -- catalogue ------------------------------------------------------------------------------------------

    def stored_items(
        self, fonds: str, year: int, retention: str | None = None, organ: str | None = None
    ) -> list[ArchiveItem]:
        return self.repo.stored_items(fonds, year, retention, organ)

    def fonds_seen_by(self, user: User, fonds: str | None) -> FondsRef:
        """The fonds asked for, or the user's only one; refused as unknown when the user does not keep it."""
        if fonds:
            return self.fonds.require_seen(user, fonds)
        mine = self.fonds.seen_by(user)
        if len(mine) != 1:
            raise Invalid("fonds_required", "请选择全宗", "name the fonds (fonds=…)", field="fonds")
        return mine[0]

    def items_seen_by(
        self,
        user: User,
        year: int,
        retention: str | None = None,
        organ: str | None = None,
        fonds: str | None = None,
    ) -> list[ArchiveItem]:
        """The stored 件 of a year in the fonds named or in every fonds the user keeps, within clearance (a 件
        above it is simply absent)."""
        codes = [self.fonds.require_seen(user, fonds).code] if fonds else self.fonds.codes_seen_by(user)
        items = [i for code in codes for i in self.stored_items(code, year, retention, organ)]
        return [i for i in items if access.is_cleared(user, i.classification)]

    def item_seen_by(self, user: User, code: str) -> ArchiveItem:
        item = self.repo.stored_item(code, access.cleared_levels(user), self.fonds.codes_seen_by(user))
        if item is None:
            raise not_found("档案", "archive item", archival_code=code)
        return item

    def package_seen_by(self, user: User, code: str) -> tuple[ArchiveItem, dict[str, Any], dict[str, Any]]:
        """A 件 with its manifest and metadata, as stored."""
        item = self.item_seen_by(user, code)
        manifest = json.loads(self.ctx.store.get(item.package_prefix + MANIFEST))
        metadata = json.loads(self.ctx.store.get(item.package_prefix + METADATA))
        return item, manifest, metadata

    def file_seen_by(self, user: User, code: str, path: str) -> bytes:
        """One file of a 件's package, by the name its manifest gives it."""
        item = self.item_seen_by(user, code)
        manifest = json.loads(self.ctx.store.get(item.package_prefix + MANIFEST))
        if path != MANIFEST and path not in {entry["path"] for entry in manifest["files"]}:
            raise not_found("档案文件", "archive file", archival_code=code, path=path)
        return self.ctx.store.get(item.package_prefix + path)

    @staticmethod
    def catalogue_key(fonds: str, year: int, fmt: str) -> str:
        return f"catalogues/{fonds}/{year}/归档文件目录.{fmt}"

    def catalogue_seen_by(self, user: User, year: int, fmt: str, fonds: str | None = None) -> bytes:
        """A fonds' 归档文件目录 as filed when the user is cleared for every 件 of it, else one of what they see."""
        ref = self.fonds_seen_by(user, fonds)
        items = self.items_seen_by(user, year, fonds=ref.code)
        key = self.catalogue_key(ref.code, year, fmt)
        if len(items) == len(self.stored_items(ref.code, year)) and self.ctx.store.exists(key):
            return self.ctx.store.get(key)
        return catalogue_bytes(items, year, fmt, self.ctx.settings, ref)

    def filed_fonds(self, year: int, fonds: str | None) -> list[FondsRef]:
        """The fonds holding stored 件 of the year (one, when a run is of one fonds)."""
        codes = sorted(self.repo.stored_fonds_codes(year) if fonds is None else {fonds})
        return [ref for code in codes if (ref := self.fonds.by_code(code)) is not None]

    def gaps(self, fonds: str, year: int) -> list[str]:
        """完整性: 件号 must run 1..N in every lowest category of the fonds."""
        problems = []
        categories: dict[tuple[str, str | None], list[int]] = {}
        for item in self.stored_items(fonds, year):
            categories.setdefault((item.retention, item.organ_code), []).append(item.item_no)
        for (retention, organ), numbers in categories.items():
            if sorted(numbers) != list(range(1, len(numbers) + 1)):
                problems.append(f"{fonds}-WS·{year}-{retention}-{organ or ''}：件号不连续")
        return problems

    # -- fixity ---------------------------------------------------------------------------------------------

    def item_to_store(self, item_id: int) -> ArchiveItem | None:
        """A numbered 件 not yet stored (None once it is: a run taken up again skips it)."""
        item = self.repo.item(item_id)
        return item if item is not None and item.status != ArchiveItemStatus.stored else None

    def fixity_checks(self, limit: int) -> list[FixityCheck]:
        """The latest checks of the stored packages, newest first."""
        return self.repo.fixity_checks(limit)

    def stored_in_run(self, run_id: int) -> int:
        return self.repo.stored_in_run(run_id)

    def fixity(self, progress: Callable[[int], None] | None = None) -> FixityCheck:
        check = FixityCheck(started_at=self.ctx.now(), items_checked=0, files_checked=0)
        failures: list[dict[str, Any]] = []
        for item in self.repo.every_stored_item():
            files, problems = self._verify(item)
            check.items_checked += 1
            check.files_checked += files
            if problems:
                failures.append({"档号": item.archival_code, "item_id": item.id, "problems": problems})
            if progress:
                progress(1)
        check.failures = failures
        check.finished_at = self.ctx.now()
        self.repo.add(check)
        self.repo.flush()
        return check

    def _history_problems(self, item: ArchiveItem) -> list[str]:
        """The process history filed in the package must still be the database's (DA/T 70 真实性)."""
        try:
            metadata = json.loads(self.ctx.store.get(item.package_prefix + METADATA))
        except ObjectNotFound:
            return ["metadata.json 缺失"]
        recorded = [(e["事件序号"], e["事件摘要"]) for e in metadata.get("业务实体", []) if e.get("事件摘要")]
        head = metadata.get("审计链") or {}
        if head.get("链头事件"):
            recorded.append((head["链头事件"], head["链头摘要"]))
        return [problem for event_id, digest in recorded if (problem := self.audit.event_matches(event_id, digest))]

    def _verify(self, item: ArchiveItem) -> tuple[int, list[str]]:
        """Files read and what is wrong with them: the manifest against the database, each file against it."""
        try:
            manifest_bytes = self.ctx.store.get(item.package_prefix + MANIFEST)
        except ObjectNotFound:
            return 0, ["manifest.json 缺失"]
        problems = []
        if hashlib.sha256(manifest_bytes).hexdigest() != item.manifest_sha256:
            problems.append("manifest.json 摘要不符")
        entries = json.loads(manifest_bytes)["files"]
        problems += self._history_problems(item)
        for entry in entries:
            try:
                data = self.ctx.store.get(item.package_prefix + entry["path"])
            except ObjectNotFound:
                problems.append(f"{entry['path']} 缺失")
                continue
            if not digests_match(entry, data):
                problems.append(f"{entry['path']} 摘要不符")
        return len(entries) + 1, problems
