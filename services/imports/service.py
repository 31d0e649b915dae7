"""Importing past documents from files: read, recognise, split compilations, store the original bytes and the
normalised text, create imported documents, link them, and make them searchable — once per file."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from search.analysis import find_doc_numbers, parse_doc_number
from services import access
from services.access import Level, require_role
from services.accounts.service import OrganService
from services.audit.service import AuditService
from services.context import Context
from services.documents.service import DocumentService, safe_filename, snapshot_fields, version_body_key
from services.domain.enums import (
    Classification,
    DocKind,
    DocStatus,
    ImportJobStatus,
    ImportStage,
    JobStep,
    Role,
    Urgency,
)
from services.domain.models import (
    Document,
    DocumentIssuer,
    DocumentLink,
    DocumentVersion,
    ImportedFile,
    ImportJob,
    Organ,
    User,
)
from services.errors import DomainError, Forbidden, Invalid, not_found
from services.imports.obligations import plan_of_import, plan_view, recognize_plan
from services.imports.reader import ReadText, read_file
from services.imports.recognize import Recognized, reads_as_organ, recognize
from services.imports.repository import ImportRepository
from services.indexing.service import IndexingService
from services.jobs.service import JobService
from services.limits import Upload, check_size
from services.storage import ObjectStore

OnStage = Callable[[ImportStage], None]


@dataclass
class FileOutcome:
    """What happened to one file: imported (with its documents), duplicate, or failed with a reason."""

    filename: str
    status: str  # imported | duplicate | failed
    document_ids: list[int] = field(default_factory=list)
    code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    format: str | None = None
    encoding: str | None = None
    plans: list[dict[str, Any]] = field(default_factory=list)  # per document: obligations, phases, tasks found

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class Prepared:
    """A file read and recognised: pure work, done before any transaction opens."""

    name: str
    data: bytes
    digest: str
    read: ReadText
    docs: list[Recognized]
    plans: list[dict[str, Any]]  # per document: obligations, phases and tasks found in its text
    clues: list[Clues]  # per document: what it cites, to link it to documents already filed


def prepare(name: str, data: bytes, on_stage: OnStage | None = None) -> Prepared:
    """Read and recognise one file (pure work); ``on_stage`` hears when each stage begins."""
    base = check_name(name)
    if on_stage:
        on_stage(ImportStage.reading)
    read = read_file(base, data)
    if on_stage:
        on_stage(ImportStage.recognizing)
    docs = recognize(read.text)
    if not any(d.title or d.body.strip() for d in docs):
        raise Invalid("nothing_recognised", "文件中没有可识别的公文内容", "no document content was recognised")
    plans = [recognize_plan(d.body, _year_of(d)).as_json() for d in docs]
    clues = [link_clues(_title(d, base), d.body) for d in docs]
    return Prepared(base, data, hashlib.sha256(data).hexdigest(), read, docs, plans, clues)


@dataclass(frozen=True)
class Clues:
    """What a document's text cites: 发文字号 (机关代字 as written, year, number) and titles in 《》."""

    numbers: list[tuple[str, int, int]]
    titles: list[str]


def link_clues(title: str, body: str) -> Clues:
    numbers = [(n.prefix, n.year, n.seq) for n, _ in find_doc_numbers(body)]
    titles = list(dict.fromkeys(re.findall(r"《([^》]{4,80})》", title + body[:2000])))
    return Clues(numbers, titles)


def _title(rec: Recognized, source: str) -> str:
    return rec.title or f"[{source}]"  # a supplied title goes in [ ] (DA/T 22 §3.5)


def prepare_file(path: Path) -> Prepared | FileOutcome:
    """Read and recognise a file of a folder (a pool's worker runs this): what to store, or why it failed."""
    try:
        check_size(Upload.import_file, path.stat().st_size)  # before a byte is read
        return prepare(path.name, path.read_bytes())
    except (DomainError, OSError) as exc:
        return failed_outcome(path.name, exc)


def _require_cleared(actor: User, docs: list[Recognized]) -> None:
    """Nobody files a document above their own 密级 clearance (DOMAIN.md §1.6): they could not read it back."""
    for doc in docs:
        level = doc.value("classification") or Classification.none.value
        if not access.is_cleared(actor, level):
            raise Forbidden(
                "import_above_clearance",
                f"文件中的公文标为“{level}”，超出您的密级权限，不能导入",
                f"the file holds a document marked {level}, above your clearance: not imported",
            )


def require_importer(actor: User) -> None:
    """Drafters import into their organ's records, archivists into the archive's."""
    if not actor.has_role(Role.drafter):
        require_role(actor, Role.archivist)


def failed_outcome(name: str, exc: Exception) -> FileOutcome:
    """A file that could not be imported, with the reason a user reads (a domain refusal's own code)."""
    if isinstance(exc, DomainError):
        return FileOutcome(name, "failed", code=exc.code, message_zh=exc.zh, message_en=exc.en)
    return FileOutcome(name, "failed", code="file_unreadable", message_zh="文件无法读取", message_en=str(exc)[:500])


def check_name(name: str) -> str:
    if not name or "\x00" in name or any(part == ".." for part in re.split(r"[\\/]", name)):
        raise Invalid("file_name_invalid", f"文件名不合法：{name!r}", f"invalid file name: {name!r}")
    return name.replace("\\", "/").rsplit("/", 1)[-1]


class ImportService:
    def __init__(
        self, ctx: Context, *, audit: AuditService | None = None, repo: ImportRepository | None = None
    ) -> None:
        self.ctx = ctx
        self.audit = audit or AuditService(ctx)
        self.repo = repo or ImportRepository(ctx.session)
        self._organs: dict[str, Organ | None] = {}  # issuers by the name written, in this unit of work

    def import_bytes(self, actor: User, name: str, data: bytes) -> FileOutcome:
        """Import one file inside the caller's transaction; a domain error leaves nothing behind."""
        duplicate = self.duplicate_of(actor, name, data)
        return duplicate or self.store_recognized(actor, prepare(name, data))

    def duplicate_of(self, actor: User, name: str, data: bytes) -> FileOutcome | None:
        """The same bytes already in the importing organ's records (another organ's copy is no duplicate)."""
        require_importer(actor)
        digest = hashlib.sha256(data).hexdigest()
        existing = self.repo.imported_by_digest(actor.organ_id, [digest]).get(digest)
        return None if existing is None else self._duplicate(name, existing)

    def store_recognized(self, actor: User, prepared: Prepared) -> FileOutcome:
        """The database and storage half of one file's import (reading and recognising happen before the
        transaction); a refusal raises and leaves nothing behind."""
        require_importer(actor)
        known = self.repo.imported_by_digest(actor.organ_id, [prepared.digest])
        if prepared.digest in known:
            return self._duplicate(prepared.name, known[prepared.digest])
        return self._write(actor, [self._checked(actor, prepared)])[0]

    def store_batch(self, actor: User, batch: Sequence[Prepared]) -> list[FileOutcome]:
        """Files recognised, stored in the caller's transaction with one statement per table and one flush of
        the object store: each file checked first (a refused file is reported and the others go on), then every
        document inserted, its objects written and made durable, all before the transaction commits."""
        require_importer(actor)
        known = self.repo.imported_by_digest(actor.organ_id, [p.digest for p in batch])
        self._know_issuers([p for p in batch if p.digest not in known])
        outcomes: dict[int, FileOutcome] = {}
        checked: dict[int, _Checked] = {}
        first_of: dict[str, int] = {}
        for k, prepared in enumerate(batch):
            if prepared.digest in known:
                outcomes[k] = self._duplicate(prepared.name, known[prepared.digest])
            elif prepared.digest not in first_of:
                try:
                    checked[k] = self._checked(actor, prepared)
                    first_of[prepared.digest] = k
                except DomainError as exc:
                    outcomes[k] = failed_outcome(prepared.name, exc)
        outcomes.update(zip(checked, self._write(actor, list(checked.values())), strict=True))
        for k, prepared in enumerate(batch):  # the same bytes twice in one batch: the second is a duplicate
            if k not in outcomes:
                first = outcomes[first_of[prepared.digest]]
                outcomes[k] = FileOutcome(
                    prepared.name, "duplicate", first.document_ids, format=first.format,
                    encoding=first.encoding, plans=first.plans,
                )  # fmt: skip
        return [outcomes[k] for k in range(len(batch))]

    def _duplicate(self, name: str, existing: ImportedFile) -> FileOutcome:
        return FileOutcome(
            check_name(name),
            "duplicate",
            list(existing.document_ids),
            format=existing.format,
            encoding=existing.encoding,
            plans=[plan_of_import(self.ctx, i) for i in existing.document_ids],
        )

    def _checked(self, actor: User, prepared: Prepared) -> _Checked:
        """A file's documents as they will be stored, or the refusal that keeps the whole file out."""
        _require_cleared(actor, prepared.docs)
        return _Checked(prepared, [self._document(actor, prepared.name, rec) for rec in prepared.docs])

    def _write(self, actor: User, files: Sequence[_Checked]) -> list[FileOutcome]:
        """Documents first (their ids name their versions' objects), then every object written and made durable,
        then the rows that point at them — all in the caller's transaction, so a crash before it commits leaves
        only unreferenced objects, and the same import run again stores the files afresh."""
        if not files:
            return []
        documents = [d for f in files for d in f.documents]
        self._insert_documents(documents, [r for f in files for r in f.prepared.docs])
        self._insert_versions_and_files(actor, files)
        outbox = IndexingService(self.ctx)
        for f in files:
            for document, rec in zip(f.documents, f.prepared.docs, strict=True):
                self.audit.record(
                    "imported", document=document, actor=actor, source=f.prepared.name, position=rec.position
                )
                outbox.enqueue(document.id)
        self._link_automatically(documents, [c for f in files for c in f.prepared.clues])
        return [_imported(f) for f in files]

    def _insert_documents(self, documents: list[Document], recs: list[Recognized]) -> None:
        self._give_numbers(documents, recs)
        ids = self.repo.insert_documents([_row(d) for d in documents])
        for document, new_id in zip(documents, ids, strict=True):
            document.id = new_id
        issuers = [{**_row(i), "document_id": d.id} for d in documents for i in d.issuers]
        self.repo.insert_rows(DocumentIssuer, issuers)

    def _insert_versions_and_files(self, actor: User, files: Sequence[_Checked]) -> None:
        folders = {f.prepared.digest: f"imports/{f.prepared.digest}/organ-{actor.organ_id}" for f in files}
        objects = [o for f in files for o in _file_objects(folders[f.prepared.digest], f.prepared)]
        versions = [self._version(actor, f, i) for f in files for i in range(len(f.documents))]
        objects += [(v["body_key"], body, "text/plain; charset=utf-8") for v, body in versions]
        self._stage(objects)
        self.repo.insert_rows(DocumentVersion, [v for v, _ in versions])
        self.repo.insert_rows(ImportedFile, [self._imported_file(actor, f, folders[f.prepared.digest]) for f in files])

    def _stage(self, objects: list[tuple[str, bytes, str]]) -> None:
        """Written and durable now; removed by the unit of work if the transaction fails."""
        self.ctx.session.info.setdefault("staged_keys", []).extend(key for key, _, _ in objects)
        self.ctx.store.put_many(objects)

    def _give_numbers(self, documents: list[Document], recs: list[Recognized]) -> None:
        """A recognised 发文字号 is kept unless a document already bears it (then it stays in the text only)."""
        numbers = [rec.value("doc_number") for rec in recs]
        taken = self.repo.numbers_taken({n for n in numbers if n})
        for document, number in zip(documents, numbers, strict=True):
            if number and number not in taken:
                taken.add(number)
                parsed = parse_doc_number(number)
                document.doc_number = number
                if parsed:
                    document.doc_prefix, document.doc_year, document.doc_seq = parsed.prefix, parsed.year, parsed.seq

    def _version(self, actor: User, checked: _Checked, i: int) -> tuple[dict[str, Any], bytes]:
        """The first version of an imported document, as a row, with its body's bytes."""
        document, rec = checked.documents[i], checked.prepared.docs[i]
        body = (rec.body or rec.title).encode("utf-8")
        fields = {
            **snapshot_fields(document),
            "recognized": rec.as_json(),
            "plan": checked.prepared.plans[i],
            "source": checked.prepared.name,
            "position": rec.position,
            "preamble": rec.preamble,
        }
        row = {
            "document_id": document.id,
            "number": 1,
            "fields": fields,
            "body_key": version_body_key(document.id, 1),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_size": len(body),
            "note": "导入",
            "created_by_id": actor.id,
            "created_at": self.ctx.now(),
        }
        return row, body

    def _imported_file(self, actor: User, checked: _Checked, folder: str) -> dict[str, Any]:
        prepared = checked.prepared
        return {
            "sha256": prepared.digest,
            "filename": prepared.name,
            "size": len(prepared.data),
            "format": prepared.read.format,
            "encoding": prepared.read.encoding,
            "original_key": _original_key(folder, prepared.name),
            "text_key": f"{folder}/text.txt",
            "document_ids": [d.id for d in checked.documents],
            "owner_organ_id": actor.organ_id,
            "imported_by_id": actor.id,
            "imported_at": self.ctx.now(),
        }

    def _document(self, actor: User, source: str, rec: Recognized) -> Document:
        """A document as recognised, not yet in the session (a batch inserts them together)."""
        issuers, named = self._issuers(actor, rec.value("issuers") or [])
        document = Document(
            kind=DocKind.imported.value,
            status=DocStatus.imported.value,
            doc_type=rec.value("doc_type") or rec.value("genre") or "",
            title=_title(rec, source),
            lead_organ_id=issuers[0].id if issuers else None,
            issue_form="",
            doc_number=None,
            doc_prefix=None,
            doc_year=None,
            doc_seq=None,
            written_on=rec.value("written_on"),
            written_year=None if rec.value("written_on") else rec.value("year"),
            classification=rec.value("classification") or Classification.none.value,
            secrecy_period=rec.value("secrecy_period"),
            urgency=rec.value("urgency") or Urgency.normal.value,
            issuer_names=named,
            collection_title=rec.collection_title,
            published_at=self._published_at(rec),
            attachment_notes=list(rec.value("attachments") or []),
            main_groups=[],
            current_version=1,  # its one version, written with it
            source_name=source,
            source_position=rec.position,
            owner_organ_id=actor.organ_id,
            drafter_id=actor.id,
        )
        document.issuers = [DocumentIssuer(organ_id=o.id, position=i) for i, o in enumerate(issuers)]
        return document

    def _published_at(self, rec: Recognized) -> dt.datetime | None:
        """A web page's 发布时间, written in local time (GONGWEN_TIMEZONE); kept apart from 成文日期."""
        at = rec.value("published_at")
        return at.replace(tzinfo=ZoneInfo(self.ctx.settings.timezone)) if at else None

    def _know_issuers(self, files: Sequence[Prepared]) -> None:
        """The organs of the issuers these files name, looked up together."""
        names = {n for p in files for rec in p.docs for n in rec.value("issuers") or []}
        self._organs.update(OrganService(self.ctx).named_each(names - set(self._organs)))

    def _issuers(self, actor: User, names: list[str]) -> tuple[list[Organ], list[str]]:
        """Issuers that are organs we know (by any of their names), and the others kept as text (责任者). Only an
        admin's import makes an organ of an unknown issuer, and only of a line that reads as an organ's name."""
        organs: list[Organ] = []
        as_text: list[str] = []
        service = OrganService(self.ctx)
        for name in names:
            if name not in self._organs:  # a batch names the same issuers again and again
                self._organs[name] = service.named(name)
            organ = self._organs[name]
            if organ is None and actor.has_role(Role.admin) and reads_as_organ(name):
                code = "ext-" + hashlib.sha1(name.encode()).hexdigest()[:10]
                organ = self._organs[name] = service.create(actor, code, name, name)
            if organ is None:
                as_text.append(name)
            elif organ not in organs:
                organs.append(organ)
        return organs, list(dict.fromkeys(as_text))

    # -- links -------------------------------------------------------------------------------------------

    def _link_automatically(self, documents: Sequence[Document], clues: Sequence[Clues]) -> None:
        """A summary → the plan it cites by 文号 or names by title; a notice → the plan it 印发s. The batch's
        targets are looked up together, its own documents among them."""
        numbered = self.repo.documents_numbered({(y, s) for c in clues for _, y, s in c.numbers})
        titled = self.repo.documents_titled({t for c in clues for t in c.titles})
        made: dict[tuple[int, int, str], str] = {}
        for document, clue in zip(documents, clues, strict=True):
            for cited, year, seq in clue.numbers:
                for target, prefix in numbered.get((year, seq), []):
                    # In prose the words before a 文号 run into its 机关代字 ("根据扎民委字…"): match on the tail.
                    if target != document.id and prefix and cited.endswith(prefix):
                        made.setdefault((document.id, target, "reports_on"), "doc_number")
            kind = "issues_plan" if "印发" in document.title else "reports_on"
            for quoted in clue.titles:
                plan = next((t for t in titled.get(quoted, []) if t != document.id), None)
                if plan is not None:
                    made.setdefault((document.id, plan, kind), "title")
        now = self.ctx.now()
        rows = [{"from_id": f, "to_id": t, "kind": k, "how": how, "created_at": now} for (f, t, k), how in made.items()]
        self.repo.insert_rows(DocumentLink, rows)

    def link(self, actor: User, from_id: int, to_id: int, kind: str) -> DocumentLink:
        if kind not in {"reports_on", "issues_plan"}:
            raise Invalid(
                "link_kind_unknown",
                "关联类型只能是 reports_on 或 issues_plan",
                "link kind must be reports_on or issues_plan",
            )
        documents = DocumentService(self.ctx)
        documents.get_visible(actor, from_id, Level.internal)  # a link changes the linking document's record
        documents.get_visible(actor, to_id)
        link = self._link(from_id, to_id, kind, "manual")
        if link is None:
            raise DomainError("link_exists", "关联已存在", "the link already exists", status=409)
        return link

    def _link(self, from_id: int, to_id: int, kind: str, how: str) -> DocumentLink | None:
        exists = self.ctx.session.scalar(
            select(DocumentLink).where(
                DocumentLink.from_id == from_id, DocumentLink.to_id == to_id, DocumentLink.kind == kind
            )
        )
        if exists is not None:
            return None
        link = DocumentLink(from_id=from_id, to_id=to_id, kind=kind, how=how, created_at=self.ctx.now())
        self.ctx.session.add(link)
        return link

    def links_of(self, actor: User, document_id: int) -> list[DocumentLink]:
        """A document's links whose other end the actor may also read."""
        access.require_read(self.ctx.session, actor, document_id)
        readable = access.readable(actor)
        query = select(DocumentLink).where(
            ((DocumentLink.from_id == document_id) & DocumentLink.to_id.in_(readable))
            | ((DocumentLink.to_id == document_id) & DocumentLink.from_id.in_(readable))
        )
        return list(self.ctx.session.scalars(query.order_by(DocumentLink.id)))


@dataclass(frozen=True)
class _Checked:
    """A file cleared for storing, with its documents as they will be inserted."""

    prepared: Prepared
    documents: list[Document]


def _row(entity: Document | DocumentIssuer) -> dict[str, Any]:
    """The column values set on a new entity, for a bulk insert (the table's defaults fill the rest)."""
    columns = entity.__table__.columns.keys()
    return {k: v for k, v in vars(entity).items() if k in columns and not (k == "id" and v is None)}


def _original_key(folder: str, name: str) -> str:
    return f"{folder}/original-{safe_filename(name)}"


def _file_objects(folder: str, prepared: Prepared) -> list[tuple[str, bytes, str]]:
    """The file's bytes and its normalised text, under keys of its owner organ: a failed import of a file another
    organ holds never removes that organ's copy."""
    return [
        (_original_key(folder, prepared.name), prepared.data, "application/octet-stream"),
        (f"{folder}/text.txt", prepared.read.text.encode(), "text/plain; charset=utf-8"),
    ]


def _imported(checked: _Checked) -> FileOutcome:
    prepared = checked.prepared
    plans = [plan_view(d.id, d.title, plan) for d, plan in zip(checked.documents, prepared.plans, strict=True)]
    ids = [d.id for d in checked.documents]
    return FileOutcome(
        prepared.name, "imported", ids, format=prepared.read.format, encoding=prepared.read.encoding, plans=plans
    )


def _year_of(rec: Recognized) -> int | None:
    """The year that completes a date written without one: 成文日期, the 文号's year, or one in the title."""
    written = rec.value("written_on")
    if written is not None:
        return int(written.year)
    for text in (rec.value("doc_number") or "", rec.title):
        m = re.search(r"((?:19|20)\d{2})", text)
        if m:
            return int(m[1])
    return None


# -- imports as jobs: the request stores the upload and answers at once; the worker reads, recognises and stores ----

UPLOAD_PREFIX = "import-uploads"


@dataclass(frozen=True)
class JobFile:
    """One uploaded file of a job, as the worker finds it in the store."""

    name: str
    key: str
    size: int


class ImportJobService:
    """An upload's import as a job: submitted by its owner, run by the worker file by file, seen by its owner only."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def queue(self, actor: User, files: Sequence[JobFile]) -> ImportJob:
        """Queue the import of files already in the store (`store_uploads`); nothing is read or recognised here."""
        require_importer(actor)
        if not files:
            raise Invalid("files_missing", "请选择要导入的文件", "no file was uploaded")
        rows = [{"name": f.name, "key": f.key, "size": f.size} for f in files]
        job = ImportJob(owner_id=actor.id, files=rows, total=len(rows), created_at=self.ctx.now())
        self.ctx.session.add(job)
        self.ctx.session.flush()
        names = [f.name.replace("\\", "/").rsplit("/", 1)[-1] for f in files[:3]]
        payload = {"import_job_id": job.id, "names": names, "files": len(files)}
        JobService(self.ctx).enqueue(JobStep.import_files, None, payload=payload)
        return job

    def seen_by(self, actor: User, job_id: int) -> ImportJob:
        job = self.ctx.session.get(ImportJob, job_id)
        if job is None or not access.may_see_import_job(actor, job.owner_id):
            raise not_found("导入任务", "import job", id=job_id)
        return job

    def recent_of(self, actor: User, limit: int = 20) -> list[ImportJob]:
        query = select(ImportJob).where(ImportJob.owner_id == actor.id).order_by(ImportJob.id.desc()).limit(limit)
        return list(self.ctx.session.scalars(query))

    # -- the worker's side -----------------------------------------------------------------------------------

    def begin(self, job_id: int) -> ImportJob:
        """Taken by a worker: running (a job whose worker died is already running and goes on where it stopped;
        a finished one is left as it is)."""
        job = self._get(job_id)
        if job.status == ImportJobStatus.queued.value:
            job.move(ImportJobStatus.running)
            job.started_at = self.ctx.now()
        return job

    def at_stage(self, job_id: int, stage: ImportStage) -> None:
        self._get(job_id).stage = stage.value

    def record(self, job_id: int, outcome: FileOutcome) -> None:
        """One more file finished (in the transaction that stored it, so a retried job never imports it twice)."""
        job = self._get(job_id)
        job.outcomes = [*job.outcomes, outcome.as_dict()]
        job.done = len(job.outcomes)

    def finish(self, job_id: int) -> list[str]:
        """Done when any file was imported (or was already), failed with the first file's reason when none was;
        returns the keys of the uploaded files, no longer needed."""
        job = self._get(job_id)
        failed = [o for o in job.outcomes if o["status"] == "failed"]
        if failed and len(failed) == len(job.outcomes):
            first = failed[0]
            job.code, job.message_zh, job.message_en = first["code"], first["message_zh"], first["message_en"]
            job.move(ImportJobStatus.failed)
        else:
            job.move(ImportJobStatus.done)
        job.stage = ImportStage.finished.value
        job.finished_at = self.ctx.now()
        return [f["key"] for f in job.files]

    def _get(self, job_id: int) -> ImportJob:
        job = self.ctx.session.get(ImportJob, job_id)
        if job is None:
            raise not_found("导入任务", "import job", id=job_id)
        return job


def store_uploads(store: ObjectStore, uploads: Sequence[tuple[str, bytes]]) -> list[JobFile]:
    """Put an upload's files in the store before any transaction opens (writing 100 MB holds no database lock),
    each bounded by the import limit; an oversized one refuses the upload and nothing stays stored. The name as
    given is checked with the file's other faults when the job runs, and reported with them."""
    for _, data in uploads:
        check_size(Upload.import_file, len(data))
    folder = f"{UPLOAD_PREFIX}/{uuid.uuid4().hex}"
    files: list[JobFile] = []
    try:
        for k, (name, data) in enumerate(uploads):
            key = f"{folder}/{k}"
            store.put(key, data, "application/octet-stream")
            files.append(JobFile(name, key, len(data)))
    except BaseException:
        discard_uploads(store, files)
        raise
    return files


def discard_uploads(store: ObjectStore, files: Sequence[JobFile]) -> None:
    for f in files:
        store.delete(f.key)


def job_files(job: ImportJob) -> list[JobFile]:
    return [JobFile(f["name"], f["key"], int(f["size"])) for f in job.files]


def job_view(job: ImportJob) -> dict[str, Any]:
    """What the API and the pages show of a job: status, stage, files done of total, the per-file report."""
    return {
        "id": job.id,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "fraction": round(job.done / job.total, 3) if job.total else 0.0,
        "code": job.code,
        "message_zh": job.message_zh,
        "message_en": job.message_en,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "files": list(job.outcomes),
        "waiting": [f["name"] for f in job.files[job.done :]],
    }
