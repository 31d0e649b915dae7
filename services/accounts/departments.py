"""内设机构 (科室) of an organ, kept by an admin: 承办 and 传阅 name them (DOMAIN.md §1.5); a user belongs to at most
one. A department that people belong to or that handled a 收文 is renamed, never removed: the register keeps it."""

from __future__ import annotations

from collections.abc import Sequence

from services.access import require_role
from services.accounts.repository import AccountRepository
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import Role
from services.domain.models import Department, User
from services.errors import Conflict, Invalid, NotFound

MAX_NAME = 100


class DepartmentService:
    def __init__(self, ctx: Context, audit: AuditService | None = None, repo: AccountRepository | None = None) -> None:
        self.ctx = ctx
        self.audit = audit or AuditService(ctx)
        self.repo = repo or AccountRepository(ctx.session)

    def create(self, actor: User | None, organ_id: int, name: str) -> Department:
        """A new department (``actor`` None: the system setting up example data)."""
        _require_admin(actor)
        organ = self.repo.organ(organ_id)
        if organ is None:
            raise NotFound("organ_not_found", "机关不存在", "organ not found", id=organ_id)
        name = self._free_name(organ_id, name)
        department = Department(organ_id=organ_id, name=name, created_at=self.ctx.now())
        self.repo.add(department)
        self.repo.flush()
        if actor is not None:
            self.audit.record("department_created", document=None, actor=actor, organ=organ, name=name)
        return department

    def rename(self, actor: User, department_id: int, name: str) -> Department:
        _require_admin(actor)
        department = self.get(department_id)
        old = department.name
        if name.strip() != old:
            department.name = self._free_name(department.organ_id, name)
            self.repo.flush()
            self.audit.record(
                "department_renamed",
                document=None,
                actor=actor,
                organ=department.organ,
                department_id=department.id,
                changes={"name": [old, department.name]},
            )
        return department

    def remove(self, actor: User, department_id: int) -> None:
        """Remove a department nobody belongs to and no 收文 names."""
        _require_admin(actor)
        department = self.get(department_id)
        if self.repo.department_in_use(department.id):
            raise Conflict(
                "department_in_use",
                f"“{department.name}”尚有人员或收文办理记录，不能撤销（可更名）",
                "people belong to the department or a 收文 names it; rename it instead",
            )
        self.audit.record(
            "department_removed",
            document=None,
            actor=actor,
            organ=department.organ,
            department_id=department.id,
            name=department.name,
        )
        self.repo.remove(department)
        self.repo.flush()

    def get(self, department_id: int) -> Department:
        department = self.repo.department(department_id)
        if department is None:
            raise NotFound("department_not_found", "科室不存在", "department not found", id=department_id)
        return department

    def list(self, organ_id: int | None = None) -> Sequence[Department]:
        return self.repo.departments(organ_id)

    def assign(self, actor: User | None, user_id: int, department_id: int | None) -> User:
        """Put a user in a department of their own organ, or in none."""
        _require_admin(actor)
        user = self.repo.user(user_id)
        if user is None:
            raise NotFound("user_not_found", "用户不存在", "user not found", id=user_id)
        if department_id is not None:
            department = self.repo.department(department_id)
            if department is None or department.organ_id != user.organ_id:
                raise Invalid(
                    "department_not_ours", "科室须为该用户所在机关的内设机构", "the department is of another organ"
                )
        user.department_id = department_id
        return user

    def _free_name(self, organ_id: int, name: str) -> str:
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise Invalid(
                "department_name",
                f"请填写科室名称（不超过 {MAX_NAME} 字）",
                f"a department name of at most {MAX_NAME} characters is required",
                field="name",
            )
        if self.repo.department_named(organ_id, name) is not None:
            raise Conflict("department_exists", f"本机关已有“{name}”", "this organ already has it", field="name")
        return name


def _require_admin(actor: User | None) -> None:
    if actor is not None:
        require_role(actor, Role.admin)
