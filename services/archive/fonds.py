"""全宗 per 立档单位 (DOMAIN.md §3.7): each organ that keeps records has its own 全宗号 and 全宗名称, set by an admin.
The organ the settings name (``archive.fonds_name``) keeps the configured 全宗号 until an admin sets one, so an
install that filed everything under that 全宗 keeps finding it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services import access
from services.access import require_role
from services.archive.repository import ArchiveRepository
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import Role
from services.domain.models import Fonds, User
from services.errors import Conflict, Invalid, not_found

FONDS_CODE = re.compile(r"^[A-Z0-9]{4}$")  # 全宗号: 4 characters (DOMAIN.md §3.3)


@dataclass(frozen=True)
class FondsRef:
    code: str
    name: str
    organ_id: int
    organ_name: str


class FondsService:
    def __init__(self, ctx: Context, repo: ArchiveRepository | None = None, audit: AuditService | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or ArchiveRepository(ctx.session)
        self.audit = audit or AuditService(ctx)

    def by_organ(self) -> dict[int, FondsRef]:
        """Every organ's fonds, by organ id."""
        found = {f.organ_id: FondsRef(f.code, f.name, o.id, o.name) for f, o in self.repo.fonds_and_organs()}
        configured = self.ctx.settings.archive
        holder = self.repo.organ_named(configured.fonds_name)
        taken = {f.code for f in found.values()}
        if holder is not None and holder.id not in found and configured.fonds_code not in taken:
            found[holder.id] = FondsRef(configured.fonds_code, configured.fonds_name, holder.id, holder.name)
        return found

    def by_code(self, code: str) -> FondsRef | None:
        return next((f for f in self.by_organ().values() if f.code == code), None)

    def seen_by(self, user: User) -> list[FondsRef]:
        """The fonds a user keeps: an archivist their organ's, an admin all (access.archive_fonds_organ)."""
        organ_id = access.archive_fonds_organ(user)
        every = sorted(self.by_organ().values(), key=lambda f: f.code)
        return every if organ_id is None else [f for f in every if f.organ_id == organ_id]

    def codes_seen_by(self, user: User) -> list[str]:
        return [f.code for f in self.seen_by(user)]

    def require_seen(self, user: User, code: str) -> FondsRef:
        """A fonds the user keeps; another organ's answers as an unknown one."""
        found = next((f for f in self.seen_by(user) if f.code == code), None)
        if found is None:
            raise not_found("全宗", "fonds", code=code)
        return found

    def set(self, actor: User, organ_id: int, code: str, name: str) -> Fonds:
        """Give an organ its 全宗号 and 全宗名称 (admins only), audited. A 全宗号 that already leads 档号 of this
        organ's 件 stays with it: renumbering filed records is not done here."""
        require_role(actor, Role.admin)
        code, name = _checked_fonds(code, name)
        organ = self.repo.organ(organ_id)
        if organ is None:
            raise not_found("机关", "organ", id=organ_id)
        holder = next((f for f in self.by_organ().values() if f.code == code), None)
        if holder is not None and holder.organ_id != organ_id:
            raise Conflict(
                "fonds_code_taken",
                f"全宗号 {code} 已属于{holder.organ_name}",
                f"fonds code {code} belongs to another organ",
                field="code",
            )
        fonds = self.repo.fonds_of_organ(organ_id)
        previous = (fonds.code, fonds.name) if fonds else None
        if fonds is None:
            fonds = Fonds(organ_id=organ_id, code=code, name=name, created_at=self.ctx.now())
            self.repo.add(fonds)
        elif fonds.code != code and self.repo.fonds_has_items(fonds.code):
            raise Conflict(
                "fonds_code_in_use",
                f"全宗 {fonds.code} 已有归档的件，全宗号不能再改",
                f"fonds {fonds.code} already holds filed items",
                field="code",
            )
        fonds.code, fonds.name, fonds.updated_at = code, name, self.ctx.now()
        self.repo.flush()
        self.audit.record(
            "fonds_set",
            document=None,
            actor=actor,
            organ_id=organ_id,
            organ_name=organ.name,
            code=code,
            name=name,
            previous=list(previous) if previous else None,
        )
        return fonds


def _checked_fonds(code: str, name: str) -> tuple[str, str]:
    """A 全宗号 of 4 letters or digits (upper case) and a 全宗名称 of 1–200 characters (DA/T 22)."""
    code, name = code.strip().upper(), name.strip()
    if not FONDS_CODE.match(code):
        raise Invalid(
            "fonds_code_invalid",
            f"全宗号应为 4 位字母或数字：{code}",
            f"a fonds code is 4 letters or digits: {code}",
            field="code",
        )
    if not name or len(name) > 200:
        raise Invalid(
            "fonds_name_invalid",
            "全宗名称不能为空，且不超过 200 字",
            "the fonds name must be 1–200 characters",
            field="name",
        )
    return code, name
