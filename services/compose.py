"""The composition root: each service built with its collaborators, the one place that knows how. The API and
the pages get them as dependencies (services.http.deps); the CLI, the flows and the example data call these
functions with their own unit of work."""

from __future__ import annotations

from services.accounts.departments import DepartmentService
from services.accounts.groups import GroupService
from services.accounts.people import PeopleService
from services.accounts.repository import AccountRepository
from services.accounts.service import OrganService, UserService
from services.archive.fonds import FondsService
from services.archive.repository import ArchiveRepository
from services.archive.retention import RetentionService
from services.archive.service import ArchiveService
from services.audit.anchors import AnchorService
from services.audit.repository import AuditRepository
from services.audit.service import AuditService
from services.context import Context
from services.distribution.repository import InboxRepository
from services.distribution.service import DistributionService
from services.documents.repository import DocumentRepository
from services.documents.service import DocumentService
from services.imports.service import ImportJobService, ImportService
from services.incoming.repository import IncomingRepository
from services.incoming.service import IncomingService
from services.indexing.repository import OutboxRepository
from services.indexing.service import IndexingService
from services.jobs.repository import JobRepository
from services.jobs.service import JobService
from services.numbering.repository import NumberingRepository
from services.numbering.service import NumberingService
from services.obligations.repository import ObligationRepository
from services.obligations.service import ObligationService
from services.obligations.tasks import TaskService
from services.registrar.printing import PrintRunService
from services.registrar.repository import RegistrarRepository
from services.registrar.sheet import IssuingSheetService
from services.rendering.renderer import DocumentRenderer
from services.seal.repository import SealRepository
from services.seal.service import SealService
from services.workflow.actions import DocumentActions
from services.workflow.registrar import RegistrarService
from services.workflow.service import WorkflowService
from services.worklist.service import WorkList


def audit(ctx: Context) -> AuditService:
    return AuditService(ctx, repo=AuditRepository(ctx.session))


def anchors(ctx: Context) -> AnchorService:
    return AnchorService(ctx)


def users(ctx: Context) -> UserService:
    return UserService(ctx, repo=AccountRepository(ctx.session), organs=organs(ctx))


def organs(ctx: Context) -> OrganService:
    return OrganService(ctx, repo=AccountRepository(ctx.session), audit=audit(ctx))


def groups(ctx: Context) -> GroupService:
    return GroupService(ctx, repo=AccountRepository(ctx.session), organs=organs(ctx))


def people(ctx: Context) -> PeopleService:
    return PeopleService(
        ctx, users=users(ctx), audit=audit(ctx), repo=AccountRepository(ctx.session), organs=organs(ctx)
    )


def departments(ctx: Context) -> DepartmentService:
    return DepartmentService(ctx, audit=audit(ctx), repo=AccountRepository(ctx.session))


def documents(ctx: Context) -> DocumentService:
    return DocumentService(ctx, audit=audit(ctx), organs=organs(ctx))


def seals(ctx: Context) -> SealService:
    return SealService(ctx, audit=audit(ctx), repository=SealRepository(ctx.session))


def workflow(ctx: Context) -> WorkflowService:
    return WorkflowService(ctx, documents=documents(ctx), audit=audit(ctx), jobs=jobs(ctx), seals=seals(ctx))


def registrar(ctx: Context) -> RegistrarService:
    return RegistrarService(
        ctx, documents=documents(ctx), workflow=workflow(ctx), audit=audit(ctx),
        repository=RegistrarRepository(ctx.session), seals=seals(ctx),
    )  # fmt: skip


def issuing_sheets(ctx: Context) -> IssuingSheetService:
    return IssuingSheetService(ctx, documents=documents(ctx), repository=RegistrarRepository(ctx.session))


def distribution(ctx: Context) -> DistributionService:
    return DistributionService(
        ctx, documents=documents(ctx), listed=listed_documents(ctx), audit=audit(ctx),
        inboxes=InboxRepository(ctx.session), indexing=indexing(ctx),
    )  # fmt: skip


def listed_documents(ctx: Context) -> DocumentRepository:
    return DocumentRepository(ctx.session)


def document_actions(ctx: Context) -> DocumentActions:
    return DocumentActions(ctx, workflow=workflow(ctx), distribution=distribution(ctx))


def obligations(ctx: Context) -> ObligationService:
    return ObligationService(ctx, repo=ObligationRepository(ctx.session), documents=documents(ctx), audit=audit(ctx))


def tasks(ctx: Context) -> TaskService:
    return TaskService(ctx, repo=ObligationRepository(ctx.session), audit=audit(ctx))


def incoming(ctx: Context) -> IncomingService:
    return IncomingService(ctx, repo=IncomingRepository(ctx.session), audit=audit(ctx))


def worklist(ctx: Context) -> WorkList:
    return WorkList(
        ctx, distribution=distribution(ctx), registrar=registrar(ctx), incoming=incoming(ctx),
        repo=ObligationRepository(ctx.session),
    )  # fmt: skip


def imports(ctx: Context) -> ImportService:
    return ImportService(ctx, audit=audit(ctx))


def archive(ctx: Context) -> ArchiveService:
    return ArchiveService(
        ctx, documents=documents(ctx), fonds=fonds(ctx), repo=ArchiveRepository(ctx.session), jobs=jobs(ctx),
        indexing=indexing(ctx), audit=audit(ctx),
    )  # fmt: skip


def fonds(ctx: Context) -> FondsService:
    return FondsService(ctx, repo=ArchiveRepository(ctx.session), audit=audit(ctx))


def retention(ctx: Context) -> RetentionService:
    return RetentionService(ctx, repo=ArchiveRepository(ctx.session), audit=audit(ctx))


def jobs(ctx: Context) -> JobService:
    return JobService(ctx, repo=JobRepository(ctx.session))


def indexing(ctx: Context) -> IndexingService:
    return IndexingService(ctx, repo=OutboxRepository(ctx.session))


def import_jobs(ctx: Context) -> ImportJobService:
    return ImportJobService(ctx)


def numbering(ctx: Context) -> NumberingService:
    return NumberingService(ctx, audit=audit(ctx), repo=NumberingRepository(ctx.session), organs=organs(ctx))


def print_runs(ctx: Context, renderer: DocumentRenderer) -> PrintRunService:
    return PrintRunService(ctx, renderer)
