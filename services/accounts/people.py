"""Keeping people: an admin changes who a user is and what they may do, disables and re-enables accounts and resets
passwords; the first administrator of a new install is made from the command line or the one-time setup page.

Every change is an audit event naming who made it and what changed (DOMAIN.md §4.1: 业务行为、行为时间、机构人员名称).
Three refusals protect the office from itself: nobody raises their own 密级 clearance, the last active administrator
can neither be disabled nor lose the role, and the system's own account never becomes a login."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from services.access import require_role
from services.accounts.passwords import hash_password
from services.accounts.repository import AccountRepository
from services.accounts.service import SYSTEM, SYSTEM_USERNAME, OrganService, UserService, require_strong
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import CLASSIFICATION_RANK, Classification, Role
from services.domain.models import AuditEvent, User
from services.errors import Conflict, Forbidden, Invalid, not_found

ROLE_VALUES = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Profile:
    """Everything an admin sets about a user besides the password and whether the account is active."""

    display_name: str
    person_name: str | None
    job_title: str | None
    organ_id: int
    department_id: int | None
    roles: tuple[str, ...]
    clearance: str

    @classmethod
    def of(cls, user: User) -> Profile:
        return cls(
            display_name=user.display_name,
            person_name=user.person_name,
            job_title=user.job_title,
            organ_id=user.organ_id,
            department_id=user.department_id,
            roles=tuple(user.roles),
            clearance=user.clearance,
        )

    def cleaned(self) -> Profile:
        """Names trimmed (blank optional names are none), roles in a fixed order without repeats."""
        return Profile(
            display_name=self.display_name.strip(),
            person_name=(self.person_name or "").strip() or None,
            job_title=(self.job_title or "").strip() or None,
            organ_id=self.organ_id,
            department_id=self.department_id,
            roles=tuple(r.value for r in Role if r.value in self.roles),
            clearance=self.clearance,
        )


def _changes(before: Profile, after: Profile) -> dict[str, list[Any]]:
    """What differs, as {field: [before, after]} (the audit event's detail)."""
    changed: dict[str, list[Any]] = {}
    for f in fields(Profile):
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old != new:
            changed[f.name] = [_plain(old), _plain(new)]
    return changed


class PeopleService:
    def __init__(
        self,
        ctx: Context,
        users: UserService | None = None,
        audit: AuditService | None = None,
        repo: AccountRepository | None = None,
        organs: OrganService | None = None,
    ) -> None:
        self.ctx = ctx
        self.repo = repo or AccountRepository(ctx.session)
        self.users = users or UserService(ctx, self.repo)
        self.audit = audit or AuditService(ctx)
        self.organs = organs or OrganService(ctx, self.repo, self.audit)

    # -- the first administrator ------------------------------------------------------------------------------

    def has_active_admin(self) -> bool:
        return any(Role.admin.value in (u.roles or []) for u in self._active_users())

    def create_admin(
        self, username: str, person_name: str, organ_name: str, password: str, organ_short_name: str | None = None
    ) -> User:
        """An administrator made by the operator (command line) or the one-time setup page, in the organ of that
        full name, short name or alias, which is created when no organ bears it (a new install has none)."""
        organ_name, person_name = organ_name.strip(), person_name.strip()
        if len(organ_name) < 2 or len(organ_name) > 200:
            raise Invalid(
                "organ_name_required", "请填写机关全称（2–200 字）", "the organ's full name is required", field="organ"
            )
        if not person_name or len(person_name) > 50:
            raise Invalid(
                "person_name_required",
                "请填写姓名（不超过 50 字）",
                "the person's name is required",
                field="person_name",
            )
        organs = self.organs
        organ = organs.named(organ_name) or organs.create(
            SYSTEM, self._free_organ_code(), organ_name, (organ_short_name or "").strip() or organ_name
        )
        user = self.users.create(
            username.strip(), person_name, organ.id, [Role.admin.value], password, Classification.top_secret.value
        )
        user.person_name = person_name
        self.audit.record(
            "admin_created", document=None, actor=None, organ=organ, user_id=user.id, username=user.username
        )
        return user

    def _free_organ_code(self) -> str:
        taken = self.repo.organ_codes()
        return next(code for n in range(1, len(taken) + 2) if (code := f"organ-{n}") not in taken)

    # -- an admin keeps people --------------------------------------------------------------------------------

    def create(self, actor: User, username: str, profile: Profile, password: str) -> User:
        require_role(actor, Role.admin)
        profile = self._checked(actor, None, profile.cleaned())
        user = self.users.create(
            username.strip(), profile.display_name, profile.organ_id, profile.roles, password, profile.clearance
        )
        self._apply(user, profile)
        self._record(actor, "user_created", user, roles=list(profile.roles), clearance=profile.clearance)
        return user

    def get(self, actor: User, user_id: int) -> User:
        require_role(actor, Role.admin)
        return self._person(user_id)

    def update(self, actor: User, user_id: int, profile: Profile) -> User:
        """Set a user's names, organ, department, roles and clearance; takes effect at their next request."""
        require_role(actor, Role.admin)
        user = self._person(user_id)
        before = Profile.of(user)
        after = self._checked(actor, user, profile.cleaned())
        changes = _changes(before, after)
        if changes:
            self._apply(user, after)
            self._record(actor, "user_changed", user, changes=changes)
        return user

    def disable(self, actor: User, user_id: int) -> User:
        """The account can no longer log in, and every login it holds ends now."""
        require_role(actor, Role.admin)
        user = self._person(user_id)
        if not user.active:
            return user
        if Role.admin.value in user.roles and self._other_active_admins(user.id) == 0:
            raise _last_admin()
        user.active = False
        self._end_logins(user.id)
        self._record(actor, "user_disabled", user)
        return user

    def enable(self, actor: User, user_id: int) -> User:
        require_role(actor, Role.admin)
        user = self._person(user_id)
        if not user.active:
            user.active = True
            self._record(actor, "user_enabled", user)
        return user

    def reset_password(self, actor: User, user_id: int, password: str | None = None) -> str:
        """A new password the user must replace at their next login (every login they hold ends now). Without
        one given, a random one is made; it is returned once and kept nowhere but as its hash."""
        require_role(actor, Role.admin)
        user = self._person(user_id)
        temporary = password if password else secrets.token_urlsafe(9)
        require_strong(temporary, user.username)
        user.password_hash = hash_password(temporary)
        user.must_change_password = True
        self._end_logins(user.id)
        self._record(actor, "password_reset", user)
        return temporary

    def history(self, actor: User, limit: int = 50) -> list[AuditEvent]:
        """The latest changes to people and organs (events that belong to no document), newest first."""
        require_role(actor, Role.admin)
        return self.audit.administrative(limit)

    # -- rules ------------------------------------------------------------------------------------------------

    def _checked(self, actor: User, user: User | None, profile: Profile) -> Profile:
        if not profile.display_name or len(profile.display_name) > 100:
            raise Invalid(
                "display_name_required",
                "请填写姓名（不超过 100 字）",
                "a display name of at most 100 characters is required",
                field="display_name",
            )
        unknown = [r for r in profile.roles if r not in ROLE_VALUES]
        if unknown or not profile.roles:
            raise Invalid("roles_invalid", "请至少选择一个角色", "choose at least one known role", field="roles")
        clearance = _clearance(profile.clearance)
        self.organs.get(profile.organ_id)
        self._check_department(profile)
        if user is not None:
            self._check_clearance_raise(actor, user, clearance)
            self._check_admin_kept(user, profile)
        return profile

    def _check_department(self, profile: Profile) -> None:
        if profile.department_id is None:
            return
        department = self.repo.department(profile.department_id)
        if department is None or department.organ_id != profile.organ_id:
            raise Invalid(
                "department_not_ours",
                "科室须为该用户所在机关的内设机构",
                "the department is of another organ",
                field="department_id",
            )

    @staticmethod
    def _check_clearance_raise(actor: User, user: User, clearance: Classification) -> None:
        if actor.id == user.id and CLASSIFICATION_RANK[clearance] > CLASSIFICATION_RANK[Classification(user.clearance)]:
            raise Forbidden(
                "clearance_self_raise",
                "不能提高自己的密级权限，请由另一位管理员办理",
                "nobody raises their own clearance; ask another administrator",
                field="clearance",
            )

    def _check_admin_kept(self, user: User, profile: Profile) -> None:
        losing = Role.admin.value in user.roles and Role.admin.value not in profile.roles
        if losing and user.active and self._other_active_admins(user.id) == 0:
            raise _last_admin()

    def _apply(self, user: User, profile: Profile) -> None:
        user.display_name, user.person_name = profile.display_name, profile.person_name
        user.job_title = profile.job_title
        user.organ_id, user.department_id = profile.organ_id, profile.department_id
        user.roles, user.clearance = list(profile.roles), profile.clearance
        self.repo.flush()
        self.repo.refresh(user, ["organ", "department"])

    def _person(self, user_id: int) -> User:
        user = self.repo.user(user_id)
        if user is None:
            raise not_found("用户", "user", id=user_id)
        if user.username == SYSTEM_USERNAME:
            raise Conflict("system_account", "系统账户不能登录，也不能修改", "the system's own account is not a login")
        return user

    def _active_users(self) -> Sequence[User]:
        return self.repo.active_users_except(SYSTEM_USERNAME)

    def _other_active_admins(self, user_id: int) -> int:
        return sum(1 for u in self._active_users() if u.id != user_id and Role.admin.value in (u.roles or []))

    def _end_logins(self, user_id: int) -> None:
        self.repo.end_logins(user_id)

    def _record(self, actor: User, action: str, user: User, **detail: Any) -> None:
        self.audit.record(
            action,
            document=None,
            actor=actor,
            organ=user.organ,
            user_id=user.id,
            username=user.username,
            **{k: v for k, v in detail.items() if v is not None},
        )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _clearance(value: str) -> Classification:
    try:
        return Classification(value)
    except ValueError:
        raise Invalid(
            "clearance_unknown", f"未知的密级：{value}", f"unknown clearance: {value}", field="clearance"
        ) from None


def _last_admin() -> Conflict:
    return Conflict(
        "last_admin",
        "这是最后一位在用的管理员，不能停用或取消其管理员角色",
        "the last active administrator cannot be disabled or lose the role",
    )
