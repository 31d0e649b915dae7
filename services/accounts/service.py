"""Organs, users, passwords and login tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from argon2.exceptions import InvalidHashError, VerifyMismatchError

from services.access import require_role
from services.accounts.passwords import hash_password, needs_rehash, verify, weakness
from services.accounts.repository import AccountRepository
from services.audit.service import AuditService
from services.caches import OrganDirectory
from services.context import Context
from services.domain.enums import Classification, Role
from services.domain.models import AuthToken, Organ, OrganAlias, OrganPrefix, User
from services.errors import Conflict, Invalid, Unauthenticated, not_found
from services.rendering.fonts import FontSet, find_fonts_dir, unprintable_message


def require_strong(password: str, username: str = "") -> None:
    found = weakness(password, username)
    if found is not None:
        raise Invalid(*found, field="password")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class System:
    """The system acting on its own account (example data, the first start): never a login."""


SYSTEM = System()
Actor = User | System
SYSTEM_USERNAME = "system"
USERNAME = re.compile(r"[\w.@-]{2,64}")
MAX_ALIASES = 20


def require_admin(actor: Actor) -> None:
    """Organs are created and renamed by an admin (or by the system itself when it sets up)."""
    if not isinstance(actor, System):
        require_role(actor, Role.admin)


@dataclass(frozen=True)
class OrganChange:
    """What an admin may change about an organ besides its aliases and the registrar's gate."""

    name: str
    short_name: str
    parent_id: int | None
    prefixes: dict[str, str]
    name_alt: str = ""  # the name in a second script (traditional Mongolian), printed under it in the 标志

    @classmethod
    def of(cls, organ: Organ) -> OrganChange:
        prefixes = {p.form: p.prefix for p in organ.prefixes}
        return cls(organ.name, organ.short_name, organ.parent_id, prefixes, organ.name_alt or "")

    def cleaned(self) -> OrganChange:
        prefixes = {f.strip(): p.strip() for f, p in self.prefixes.items()}
        alt = " ".join(self.name_alt.split())
        return OrganChange(self.name.strip(), self.short_name.strip(), self.parent_id, prefixes, alt)

    def differences(self, after: OrganChange) -> dict[str, list[Any]]:
        return {
            f.name: [getattr(self, f.name), getattr(after, f.name)]
            for f in fields(self)
            if getattr(self, f.name) != getattr(after, f.name)
        }


class OrganService:
    def __init__(self, ctx: Context, repo: AccountRepository | None = None, audit: AuditService | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or AccountRepository(ctx.session)
        self.audit = audit or AuditService(ctx)

    def directory(self) -> OrganDirectory:
        """Every organ's names and aliases, from this process's copy while the organs' version (one indexed read)
        says no change was committed since, in whichever process; a transaction that changed them reads afresh."""
        version = self.repo.organs_version()
        changing = version is None or self.repo.organs_changing()  # no version row: never held
        held = None if version is None or changing else self.ctx.caches.organs.get(version)
        if held is not None:
            return held
        aliases: dict[int, list[str]] = {}
        for organ_id, alias in self.repo.organ_aliases():
            aliases.setdefault(organ_id, []).append(alias)
        names: dict[int, str] = {}
        shorts: dict[int, str] = {}
        by_name: dict[str, int] = {}
        for organ_id, name, short in self.repo.organ_names():
            names[organ_id], shorts[organ_id] = name, short
            for known in (name, short, *aliases.get(organ_id, ())):
                by_name.setdefault(known, organ_id)
        found = OrganDirectory(names, shorts, by_name, {o: tuple(aliases.get(o, ())) for o in names})
        if version is not None and not changing:
            self.ctx.caches.organs.put(version, found)
        return found

    def create(
        self,
        actor: Actor,
        code: str,
        name: str,
        short_name: str,
        prefixes: dict[str, str] | None = None,
        parent_id: int | None = None,
        name_alt: str | None = None,
        aliases: Sequence[str] = (),
        registrar_gate: bool = True,
    ) -> Organ:
        require_admin(actor)
        if self.repo.organ_exists(code, name):
            raise Conflict("organ_exists", f"机关已存在：{name}", f"organ already exists: {name}")
        if parent_id is not None:
            self.get(parent_id)
        organ = Organ(
            code=code,
            name=name,
            short_name=short_name,
            parent_id=parent_id,
            name_alt=name_alt,
            registrar_gate=registrar_gate,
        )
        self.repo.add(organ)
        self.repo.flush()
        for form, prefix in (prefixes or {}).items():
            self.add_prefix(organ, form, prefix)
        if aliases:
            self.set_aliases(actor, organ.id, aliases)
        if isinstance(actor, User):
            self.audit.record("organ_created", document=None, actor=actor, organ=organ, code=code)
        return organ

    def set_registrar_gate(self, actor: Actor, organ_id: int, on: bool) -> Organ:
        """Whether the organ's documents wait for its registrar after the last signature (DOMAIN.md §1.5 发文);
        documents already waiting stay in the registrar's queue."""
        require_admin(actor)
        organ = self.get(organ_id)
        organ.registrar_gate = on
        self.repo.flush()
        return organ

    def set_aliases(self, actor: Actor, organ_id: int, aliases: Sequence[str]) -> Organ:
        """Replace an organ's aliases (short forms, former names). An alias names one organ only, and is never
        another organ's full or short name."""
        require_admin(actor)
        organ = self.get(organ_id)
        wanted = list(dict.fromkeys(a.strip() for a in aliases if a.strip()))
        self._check_aliases(organ, wanted)
        keep = {a.alias: a for a in organ.aliases if a.alias in wanted}
        organ.aliases = [keep.get(a) or OrganAlias(alias=a) for a in wanted]
        self.repo.flush()
        return organ

    def _check_aliases(self, organ: Organ, wanted: list[str]) -> None:
        if len(wanted) > MAX_ALIASES or any(len(a) > 100 for a in wanted):
            raise Invalid(
                "aliases_invalid",
                f"别名最多 {MAX_ALIASES} 个，每个不超过 100 字",
                f"at most {MAX_ALIASES} aliases of at most 100 characters each",
            )
        for alias in wanted:
            other = self.named(alias)
            if other is not None and other.id != organ.id:
                raise Conflict(
                    "alias_taken", f"“{alias}”已是{other.name}的名称", f"'{alias}' already names {other.name}"
                )

    def update(self, actor: User, organ_id: int, change: OrganChange) -> Organ:
        """Rename an organ, or change its parent or 机关代字. A former name stays an alias (imports and search
        still know it); documents keep the name they were issued under (DocumentIssuer.issued_name); a new
        机关代字 starts its own sequence."""
        require_role(actor, Role.admin)
        organ = self.get(organ_id)
        change = change.cleaned()
        before = OrganChange.of(organ)
        self._check_names(organ, change)
        self._check_parent(organ, change.parent_id)
        former = [n for n in (organ.name, organ.short_name) if n not in (change.name, change.short_name)]
        organ.name, organ.short_name, organ.parent_id = change.name, change.short_name, change.parent_id
        organ.name_alt = change.name_alt or None
        self._replace_prefixes(organ, change.prefixes)
        if former:
            self.set_aliases(actor, organ.id, [*(a.alias for a in organ.aliases), *former])
        changes = before.differences(change)
        if changes:
            self.audit.record("organ_changed", document=None, actor=actor, organ=organ, changes=changes)
        return organ

    def _check_names(self, organ: Organ, change: OrganChange) -> None:
        if len(change.name) < 2 or not change.short_name or len(change.name) > 200 or len(change.short_name) > 100:
            raise Invalid(
                "organ_fields",
                "请填写机关全称（2–200 字）和简称",
                "a full name (2–200 characters) and a short name are required",
                field="name",
            )
        if len(change.name_alt) > 200:
            raise Invalid("organ_fields", "第二文种名称不得超过200字", "the second-script name is over 200 characters")
        unprintable = FontSet(find_fonts_dir(self.ctx.settings.fonts_dir)).missing(change.name + change.name_alt)
        if unprintable:  # the 标志 prints both names: never a box there
            raise Invalid("unprintable_character", *unprintable_message(unprintable), field="name_alt")
        for name in (change.name, change.short_name):
            other = self.named(name)
            if other is not None and other.id != organ.id:
                zh, en = f"“{name}”已是{other.name}的名称", f"'{name}' already names {other.name}"
                raise Conflict("organ_exists", zh, en, field="name")

    def _check_parent(self, organ: Organ, parent_id: int | None) -> None:
        if parent_id is None:
            return
        self.get(parent_id)
        if parent_id == organ.id or parent_id in self.subordinates(organ.id):
            raise Invalid(
                "parent_cycle",
                "上级机关不能是本机关或其下级机关",
                "an organ cannot sit under itself or one of its subordinates",
                field="parent_id",
            )

    def _replace_prefixes(self, organ: Organ, prefixes: dict[str, str]) -> None:
        if {p.form: p.prefix for p in organ.prefixes} == prefixes:
            return
        for form, prefix in prefixes.items():
            holder = self.repo.prefix_holder(prefix)
            if holder is not None and holder != organ.id:
                raise Conflict(
                    "prefix_exists",
                    f"机关代字已被使用：{prefix}",
                    f"机关代字 already in use: {prefix}",
                    field="prefixes",
                )
            if not form or len(form) > 20 or not prefix or len(prefix) > 40:
                raise Invalid("prefix_format", "机关代字格式应为 发文形式=代字", "write form=prefix", field="prefixes")
        for row in list(organ.prefixes):
            organ.prefixes.remove(row)
            self.repo.remove(row)
        self.repo.flush()
        for form, prefix in prefixes.items():
            self.add_prefix(organ, form, prefix)

    def named(self, name: str) -> Organ | None:
        """The organ known by this full name, short name or alias; None when no organ, or several, bear it."""
        return self.named_each([name])[name]

    def named_each(self, names: Collection[str]) -> dict[str, Organ | None]:
        """:meth:`named` of each name, asked together."""
        found = self.repo.organs_named(list(names)) if names else []
        each: dict[str, Organ | None] = {}
        for name in names:
            bearing = [o for o in found if name in (o.name, o.short_name) or name in (a.alias for a in o.aliases)]
            exact = [o for o in bearing if o.name == name]
            each[name] = exact[0] if exact else (bearing[0] if len(bearing) == 1 else None)
        return each

    def add_prefix(self, organ: Organ, form: str, prefix: str) -> OrganPrefix:
        if self.repo.prefix_holder(prefix) is not None:
            raise Conflict("prefix_exists", f"机关代字已被使用：{prefix}", f"机关代字 already in use: {prefix}")
        row = OrganPrefix(organ_id=organ.id, form=form, prefix=prefix)
        self.repo.add(row)
        organ.prefixes.append(row)
        return row

    def get(self, organ_id: int) -> Organ:
        organ = self.repo.organ(organ_id)
        if organ is None:
            raise Invalid("organ_unknown", f"机关不存在：{organ_id}", f"unknown organ: {organ_id}", organ=organ_id)
        return organ

    def get_many(self, organ_ids: Iterable[int]) -> list[Organ]:
        """The organs, in the order asked, in one query; an unknown id is refused like `get` refuses it."""
        wanted = list(organ_ids)
        found = {o.id: o for o in self.repo.organs(wanted)}
        return [found.get(i) or self.get(i) for i in wanted]

    def by_code(self, code: str) -> Organ:
        organ = self.repo.organ_by_code(code)
        if organ is None:
            raise not_found("机关", "organ", code=code)
        return organ

    def list(self) -> Sequence[Organ]:
        return self.repo.all_organs()

    def subordinates(self, organ_id: int) -> set[int]:
        """Every organ below this one in the hierarchy."""
        children: dict[int | None, list[int]] = {}
        for organ in self.list():
            children.setdefault(organ.parent_id, []).append(organ.id)
        found: set[int] = set()
        stack = list(children.get(organ_id, []))
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(children.get(current, []))
        return found


class UserService:
    def __init__(self, ctx: Context, repo: AccountRepository | None = None, organs: OrganService | None = None) -> None:
        self.ctx = ctx
        self.repo = repo or AccountRepository(ctx.session)
        self.organs = organs or OrganService(ctx, self.repo)

    def get(self, user_id: int) -> User:
        return self.repo.existing_user(user_id)

    def active_named(self, username: str) -> User | None:
        return self.repo.active_user_named(username)

    def system_user(self) -> User:
        """The account work is recorded under when no person starts it (an import from the command line): an
        archivist of the organ whose records these are (the 立档单位 of the archive settings), which cannot log
        in. Made on first use, with that organ when it does not exist yet."""
        found = self.repo.user_named(SYSTEM_USERNAME)
        if found is not None:
            return found
        archive = self.ctx.settings.archive
        organs = self.organs
        organ = organs.named(archive.fonds_name) or organs.create(
            SYSTEM, f"fonds-{archive.fonds_code}", archive.fonds_name, archive.fonds_name
        )
        user = self.create(
            SYSTEM_USERNAME, "系统", organ.id, [Role.archivist.value], secrets.token_urlsafe(24), Classification.none
        )
        user.active = False
        return user

    def create(
        self,
        username: str,
        display_name: str,
        organ_id: int,
        roles: Sequence[str],
        password: str,
        clearance: str = Classification.none.value,
    ) -> User:
        unknown = [r for r in roles if r not in {x.value for x in Role}]
        if unknown:
            raise Invalid("role_unknown", f"未知角色：{unknown}", f"unknown roles: {unknown}")
        if not USERNAME.fullmatch(username):
            raise Invalid(
                "username_invalid",
                "用户名为 2–64 个字母、数字或 . _ - @，不含空格",
                "a username is 2–64 letters, digits or . _ - @",
                field="username",
            )
        require_strong(password, username)
        if self.repo.username_taken(username):
            raise Conflict("user_exists", f"用户名已存在：{username}", f"username taken: {username}")
        self.organs.get(organ_id)
        user = User(
            username=username,
            display_name=display_name,
            organ_id=organ_id,
            roles=list(roles),
            password_hash=hash_password(password),
            clearance=Classification(clearance).value,
        )
        self.repo.add(user)
        self.repo.flush()
        return user

    def set_person(self, user_id: int, person_name: str | None, job_title: str | None) -> User:
        """The person behind an account: 姓名 (printed as 签发人 on 上行文) and 职务 (beside a 令's 签名章)."""
        user = self.repo.user(user_id)
        if user is None:
            raise not_found("用户", "user", id=user_id)
        user.person_name = (person_name or "").strip() or None
        user.job_title = (job_title or "").strip() or None
        self.repo.flush()
        return user

    def list(self, organ_id: int | None = None) -> Sequence[User]:
        return self.repo.users(organ_id)

    def list_seen_by(self, viewer: User, organ_id: int | None = None) -> Sequence[User]:
        if viewer.has_role(Role.admin):
            return self.list(organ_id)
        if organ_id is not None and organ_id != viewer.organ_id:
            return []
        return self.list(viewer.organ_id)

    def active_by_username(self, username: str) -> User | None:
        user = self.repo.user_named(username)
        return user if user is not None and user.active else None

    def issue_token(self, user_id: int, password: str) -> tuple[str, User]:
        """A login token for a user whose password was just verified (upgrading an old hash's parameters)."""
        user = self.repo.existing_user(user_id)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        token = secrets.token_urlsafe(32)
        expires = self.ctx.now() + dt.timedelta(hours=self.ctx.settings.api.token_hours)
        self.repo.add(AuthToken(token_hash=_token_digest(token), user_id=user.id, expires_at=expires))
        return token, user

    def from_token(self, token: str) -> User:
        """The token's user. One indexed query confirms the login (not logged out, not expired, user active) and
        reads the user row's version; the row itself comes from this process's cache while the version matches
        (any change to the row raises it, in whichever process), else it is read and cached."""
        digest = _token_digest(token)
        row = self.repo.login_check(digest)
        if row is None or row.expires_at < self.ctx.now() or not row.active:
            self.ctx.caches.callers.drop(digest)
            raise Unauthenticated("token_invalid", "登录已失效，请重新登录", "login expired or invalid")
        cached = self.ctx.caches.callers.get(digest)
        if cached is not None and cached.user_id == row.user_id and cached.version == row.auth_version:
            return self.repo.attached(cached, row)
        user = self.repo.user(row.user_id)
        assert user is not None  # the join found it
        self.ctx.caches.callers.put(digest, self.repo.snapshot(user))
        return user

    def change_password(self, user: User, current: str, new: str, keep_token: str | None) -> None:
        """A new password after the current one is proven; every other login of the user ends."""
        try:
            verify(user.password_hash, current)
        except (VerifyMismatchError, InvalidHashError):
            raise Invalid(
                "password_wrong", "当前密码不正确", "the current password is wrong", field="current"
            ) from None
        require_strong(new, user.username)
        if new == current:
            raise Invalid("password_unchanged", "新密码不能与当前密码相同", "the new password equals the current one")
        user.password_hash = hash_password(new)
        user.must_change_password = False
        keep = _token_digest(keep_token) if keep_token else None
        for row in self.repo.tokens_of(user.id):
            if row.token_hash != keep:
                self.repo.remove(row)

    def logout(self, token: str) -> None:
        row = self.repo.token(_token_digest(token))
        if row is not None:
            self.repo.remove(row)
