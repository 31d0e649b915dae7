"""The request boundary as dependencies, the same for the API and the pages: who is asking (`CurrentUser`), the
unit of work their request runs in (`UnitOfWork`: one transaction, committed when the route returns and before
the response is sent, rolled back when it raises), and one dependency per service, built on that unit of work by
the composition root (`services.compose`).

A route names what it needs and does one call:

    @router.get("/incoming")
    def register(user: CurrentUser, incoming: Incoming, ...) -> RegisterOut:
        return RegisterOut.of(*incoming.register(user, ...))

A synchronous route runs in one worker thread from start to end (services.http.routing): opening the transaction
(it looks the caller up), building what the route names from it (`SCOPED`), the route's own work and the commit;
the rest of the chain does no blocking I/O and stays on the event loop. One thread hop a request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from services import compose
from services.accounts.departments import DepartmentService
from services.accounts.groups import GroupService
from services.accounts.people import PeopleService
from services.accounts.service import OrganService, UserService
from services.archive.fonds import FondsService
from services.archive.retention import RetentionService
from services.archive.service import ArchiveService
from services.audit.service import AuditService
from services.context import Context
from services.distribution.service import DistributionService
from services.documents.repository import DocumentRepository
from services.documents.service import DocumentService
from services.domain.models import User
from services.http.request import runtime_of
from services.http.scope import Caller, TokenDep, user_scope, web_scope
from services.imports.service import ImportJobService, ImportService
from services.incoming.service import IncomingService
from services.indexing.service import IndexingService
from services.jobs.service import JobService
from services.numbering.service import NumberingService
from services.obligations.service import ObligationService
from services.obligations.tasks import TaskService
from services.registrar.printing import PrintRunService
from services.registrar.sheet import IssuingSheetService
from services.runtime import Runtime
from services.seal.service import SealService
from services.workflow.actions import DocumentActions
from services.workflow.registrar import RegistrarService
from services.workflow.service import WorkflowService
from services.worklist.service import WorkList

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    ctx: Context
    user: User
    runtime: Runtime


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


@contextmanager
def open_scope(request: Request, caller: Caller, write: bool | None = None,
               password_pending_ok: bool = False) -> Iterator[Scope]:  # fmt: skip
    """The caller's transaction: the API's rules for /api/ paths, the pages' for the rest (services.http.scope).
    ``write`` None: a GET reads without the write lock, anything else may write."""
    runtime = runtime_of(request)
    if is_api(request):
        asked = caller if write is None else replace(caller, read_only=not write)
        with user_scope(runtime, asked, password_pending_ok) as (ctx, user):
            yield Scope(ctx, user, runtime)
    else:
        with web_scope(request, write, password_pending_ok) as (ctx, user):
            yield Scope(ctx, user, runtime)


@dataclass(frozen=True)
class Scoped:
    """A dependency built from the request's opened scope; a synchronous route builds it in its own thread."""

    build: Callable[[Scope], Any]
    write: bool | None = None
    password_pending_ok: bool = False


SCOPED: dict[Callable[..., Any], Scoped] = {}


def _scope_with(write: bool | None = None, password_pending_ok: bool = False) -> Callable[..., Iterator[Scope]]:
    def scope(request: Request, caller: TokenDep) -> Iterator[Scope]:
        with open_scope(request, caller, write, password_pending_ok) as opened:
            yield opened

    SCOPED[scope] = Scoped(lambda opened: opened, write, password_pending_ok)
    return scope


ScopeDep = Annotated[Scope, Depends(_scope_with(), scope="function")]
# A read that also records something (what a signer was shown): it writes, though a GET.
RecordingScope = Annotated[Scope, Depends(_scope_with(write=True), scope="function")]
# Where a user whose password an admin reset may still go: who they are, logging out, changing it.
PendingScope = Annotated[Scope, Depends(_scope_with(password_pending_ok=True), scope="function")]


async def _current_user(scope: ScopeDep) -> User:
    return scope.user


async def _unit_of_work(scope: ScopeDep) -> Context:
    return scope.ctx


SCOPED[_current_user] = Scoped(lambda opened: opened.user)
SCOPED[_unit_of_work] = Scoped(lambda opened: opened.ctx)


CurrentUser = Annotated[User, Depends(_current_user)]
UnitOfWork = Annotated[Context, Depends(_unit_of_work)]


def provide(factory: Callable[[Context], T]) -> Any:
    """A dependency that builds a service on the request's unit of work."""

    async def build(ctx: UnitOfWork) -> T:
        return factory(ctx)

    SCOPED[build] = Scoped(lambda opened: factory(opened.ctx))
    return Depends(build)


async def _print_runs(scope: ScopeDep) -> PrintRunService:
    return compose.print_runs(scope.ctx, scope.runtime.renderer)


SCOPED[_print_runs] = Scoped(lambda opened: compose.print_runs(opened.ctx, opened.runtime.renderer))


Audit = Annotated[AuditService, provide(compose.audit)]
Users = Annotated[UserService, provide(compose.users)]
Organs = Annotated[OrganService, provide(compose.organs)]
Groups = Annotated[GroupService, provide(compose.groups)]
People = Annotated[PeopleService, provide(compose.people)]
Departments = Annotated[DepartmentService, provide(compose.departments)]
Documents = Annotated[DocumentService, provide(compose.documents)]
ListedDocuments = Annotated[DocumentRepository, provide(compose.listed_documents)]
Workflow = Annotated[WorkflowService, provide(compose.workflow)]
Registrar = Annotated[RegistrarService, provide(compose.registrar)]
IssuingSheets = Annotated[IssuingSheetService, provide(compose.issuing_sheets)]
Distribution = Annotated[DistributionService, provide(compose.distribution)]
Obligations = Annotated[ObligationService, provide(compose.obligations)]
Tasks = Annotated[TaskService, provide(compose.tasks)]
Incoming = Annotated[IncomingService, provide(compose.incoming)]
WorkLists = Annotated[WorkList, provide(compose.worklist)]
Imports = Annotated[ImportService, provide(compose.imports)]
Archive = Annotated[ArchiveService, provide(compose.archive)]
Fonds = Annotated[FondsService, provide(compose.fonds)]
Retention = Annotated[RetentionService, provide(compose.retention)]
Jobs = Annotated[JobService, provide(compose.jobs)]
Indexing = Annotated[IndexingService, provide(compose.indexing)]
ImportJobs = Annotated[ImportJobService, provide(compose.import_jobs)]
Numbering = Annotated[NumberingService, provide(compose.numbering)]
Seals = Annotated[SealService, provide(compose.seals)]
Actions = Annotated[DocumentActions, provide(compose.document_actions)]
PrintRuns = Annotated[PrintRunService, Depends(_print_runs)]  # the registrar's 印制, drawn by the process's renderer
