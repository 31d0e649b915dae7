"""单位分组 (委直属各单位, 各乡镇、街道, 市直各部门 …), kept by the admin: a 主送 line may name a group, and
distribution reaches every member."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.access import require_role
from services.accounts.repository import AccountRepository
from services.accounts.service import OrganService
from services.context import Context
from services.domain.enums import Role
from services.domain.models import RecipientGroup, RecipientGroupAlias, RecipientGroupMember, User
from services.errors import Conflict, Invalid, not_found

MAX_GROUP_ALIASES = 20


class GroupService:
    def __init__(self, ctx: Context, repo: AccountRepository | None = None, organs: OrganService | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or AccountRepository(ctx.session)
        self.organs = organs or OrganService(ctx, self.repo)

    def all(self) -> Sequence[RecipientGroup]:
        """Every group with its members and aliases (one statement each, not one per group)."""
        return self.repo.groups()

    def get(self, group_id: int) -> RecipientGroup:
        group = self.repo.group(group_id)
        if group is None:
            raise not_found("单位分组", "recipient group", id=group_id)
        return group

    def get_many(self, group_ids: Iterable[int]) -> list[RecipientGroup]:
        return [self.get(g) for g in group_ids]

    def by_name(self, name: str) -> RecipientGroup | None:
        return self.repo.group_by_name(name)

    def named(self, name: str) -> RecipientGroup | None:
        """The group known by this name or alias."""
        return self.repo.group_named(name)

    def members(self, group_ids: Iterable[int]) -> list[int]:
        """Every member of the groups, in group order, each once."""
        found: dict[int, None] = {}
        for group in self.get_many(group_ids):
            found.update(dict.fromkeys(m.organ_id for m in group.members))
        return list(found)

    def create(
        self, actor: User | None, name: str, organ_ids: list[int], aliases: Sequence[str] = ()
    ) -> RecipientGroup:
        if actor is not None:
            require_role(actor, Role.admin)
        name = name.strip()
        if not 2 <= len(name) <= 100:
            raise Invalid("group_name", "分组名称应为 2–100 个字", "a group name has 2–100 characters")
        if self.named(name) is not None:
            raise Conflict("group_exists", f"单位分组已存在：{name}", f"the group already exists: {name}")
        group = RecipientGroup(name=name, created_at=self.ctx.now())
        self._set_members(group, organ_ids)
        self._set_aliases(group, aliases)
        self.repo.add(group)
        self.repo.flush()
        return group

    def set_aliases(self, actor: User, group_id: int, aliases: Sequence[str]) -> RecipientGroup:
        """Replace the other names plans address the group by (各市直部门, 市直部门 for 市直各部门)."""
        require_role(actor, Role.admin)
        group = self.get(group_id)
        self._set_aliases(group, aliases)
        self.repo.flush()
        return group

    def _set_aliases(self, group: RecipientGroup, aliases: Sequence[str]) -> None:
        """An alias names one group only and is never another group's name; the group's own name is no alias."""
        wanted = [a for a in dict.fromkeys(a.strip() for a in aliases) if a and a != group.name]
        if len(wanted) > MAX_GROUP_ALIASES or any(len(a) > 100 for a in wanted):
            raise Invalid(
                "group_aliases_invalid",
                f"分组别名最多 {MAX_GROUP_ALIASES} 个，每个不超过 100 字",
                f"at most {MAX_GROUP_ALIASES} aliases of at most 100 characters each",
            )
        for alias in wanted:
            other = self.named(alias)
            if other is not None and other is not group:
                raise Conflict(
                    "group_alias_taken", f"“{alias}”已是分组“{other.name}”的名称",
                    f"'{alias}' already names the group {other.name}",
                )  # fmt: skip
        keep = {a.alias: a for a in group.aliases if a.alias in wanted}
        group.aliases = [keep.get(a) or RecipientGroupAlias(alias=a) for a in wanted]

    def set_members(self, actor: User, group_id: int, organ_ids: list[int]) -> RecipientGroup:
        require_role(actor, Role.admin)
        group = self.get(group_id)
        self._set_members(group, organ_ids)
        self.repo.flush()
        return group

    def _set_members(self, group: RecipientGroup, organ_ids: list[int]) -> None:
        if not organ_ids:
            raise Invalid("group_empty", "单位分组至少要有一个单位", "a group needs at least one member")
        if len(set(organ_ids)) != len(organ_ids):
            raise Invalid("group_member_twice", "同一单位在分组中出现两次", "a unit is listed twice")
        self.organs.get_many(organ_ids)
        existing = {m.organ_id: m for m in group.members}
        group.members = [existing.get(o) or RecipientGroupMember(organ_id=o) for o in organ_ids]
        for position, member in enumerate(group.members):
            member.position = position
