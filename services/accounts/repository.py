"""Every query of the accounts: organs and their names, users and their login tokens, departments, recipient
groups, and the login throttle. The services keep the rules; the statements that run on every request (the login
check, the organs' directory) are built once here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, exists, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached, selectinload

from services.caches import CachedCaller
from services.domain.models import (
    AuthToken,
    CacheVersion,
    Department,
    IncomingPart,
    IncomingRecord,
    KnownLogin,
    LoginThrottle,
    Organ,
    OrganAlias,
    OrganPrefix,
    RecipientGroup,
    RecipientGroupAlias,
    User,
)
from services.domain.repository import SessionRepository

_tokens, _users = AuthToken.__table__, User.__table__
_versions, _organs, _aliases = CacheVersion.__table__, Organ.__table__, OrganAlias.__table__
_ORGAN_COLUMNS = tuple(c.key for c in _organs.columns)
# The login, the user row's version and the caller's organ row as it stands (every page names it in its header).
_LOGIN_CHECK = (
    select(_tokens.c.user_id, _tokens.c.expires_at, _users.c.active, _users.c.auth_version)
    .add_columns(*(c.label(f"organ_{c.key}") for c in _organs.columns))
    .join(_users, _users.c.id == _tokens.c.user_id)
    .join(_organs, _organs.c.id == _users.c.organ_id)
    .where(_tokens.c.token_hash == bindparam("digest"))
)
_ORGANS_VERSION = select(_versions.c.version).where(_versions.c.name == "organs")
_ORGANS = select(_organs.c.id, _organs.c.name, _organs.c.short_name).order_by(_organs.c.id)
_ALIASES = select(_aliases.c.organ_id, _aliases.c.alias).order_by(_aliases.c.id)
_USER_COLUMNS = tuple(a.key for a in sa_inspect(User).column_attrs)
_GROUPS = (  # built once: the dashboard and the editors list every group on each request
    select(RecipientGroup)
    .options(selectinload(RecipientGroup.members), selectinload(RecipientGroup.aliases))
    .order_by(RecipientGroup.id)
)


class AccountRepository(SessionRepository):
    # -- the unit of work --------------------------------------------------------------------------------------

    def remove(self, row: object) -> None:
        self.session.delete(row)

    def is_postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- organs ------------------------------------------------------------------------------------------------

    def organs_version(self) -> int | None:
        """The version the organs' names are cached under; None while no row holds it."""
        return self.session.execute(_ORGANS_VERSION).scalar()

    def organs_changing(self) -> bool:
        """Whether this transaction changed the organs (then it reads them afresh)."""
        return bool(self.session.info.get("organs_changed"))

    def organ_names(self) -> Sequence[Row[tuple[int, str, str]]]:
        """(id, name, short name) of every organ, in id order."""
        return self.session.execute(_ORGANS).tuples().all()

    def organ_aliases(self) -> Sequence[Row[tuple[int, str]]]:
        """(organ id, alias) of every alias, in the order they were given."""
        return self.session.execute(_ALIASES).tuples().all()

    def organ(self, organ_id: int) -> Organ | None:
        return self.session.get(Organ, organ_id)

    def organs(self, organ_ids: Iterable[int]) -> Sequence[Organ]:
        return self.session.scalars(select(Organ).where(Organ.id.in_(set(organ_ids)))).all()

    def all_organs(self) -> Sequence[Organ]:
        return self.session.scalars(select(Organ).order_by(Organ.id)).all()

    def organ_by_code(self, code: str) -> Organ | None:
        return self.session.scalar(select(Organ).where(Organ.code == code))

    def organ_exists(self, code: str, name: str) -> bool:
        return self.session.scalar(select(Organ.id).where((Organ.code == code) | (Organ.name == name))) is not None

    def organ_codes(self) -> set[str]:
        return set(self.session.scalars(select(Organ.code)))

    def organs_named(self, names: Sequence[str]) -> list[Organ]:
        """Organs bearing any of these full names, short names or aliases, with their aliases."""
        by_alias = select(OrganAlias.organ_id).where(OrganAlias.alias.in_(names))
        query = select(Organ).where(Organ.name.in_(names) | Organ.short_name.in_(names) | Organ.id.in_(by_alias))
        return list(self.session.scalars(query.options(selectinload(Organ.aliases)).order_by(Organ.id)))

    def prefix_holder(self, prefix: str) -> int | None:
        """The organ whose 机关代字 this is."""
        return self.session.scalar(select(OrganPrefix.organ_id).where(OrganPrefix.prefix == prefix))

    # -- users and their logins --------------------------------------------------------------------------------

    def user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def existing_user(self, user_id: int) -> User:
        """The user, known to exist (sqlalchemy's NoResultFound otherwise)."""
        return self.session.get_one(User, user_id)

    def user_named(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username))

    def active_user_named(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username, User.active.is_(True)))

    def username_taken(self, username: str) -> bool:
        return self.session.scalar(select(User.id).where(User.username == username)) is not None

    def users(self, organ_id: int | None = None) -> Sequence[User]:
        query = select(User).order_by(User.id)
        if organ_id is not None:
            query = query.where(User.organ_id == organ_id)
        return self.session.scalars(query).all()

    def active_users_except(self, username: str) -> Sequence[User]:
        return self.session.scalars(select(User).where(User.active, User.username != username)).all()

    def refresh(self, row: object, attributes: Sequence[str]) -> None:
        self.session.refresh(row, list(attributes))

    @staticmethod
    def snapshot(user: User) -> CachedCaller:
        """The user row's columns, to be kept by this process while the row's version stays."""
        return CachedCaller(user.id, user.auth_version, {k: getattr(user, k) for k in _USER_COLUMNS})

    def attached(self, cached: CachedCaller, login: Row[Any]) -> User:
        """The cached row as this session's user, with its organ as the login check read it, both as if just
        loaded (no query; other relationships load when used)."""
        organ = Organ(**{k: getattr(login, f"organ_{k}") for k in _ORGAN_COLUMNS})
        make_transient_to_detached(organ)
        copy = User(**{k: list(v) if isinstance(v, list) else v for k, v in cached.columns.items()})
        copy.organ = organ
        make_transient_to_detached(copy)
        return self.session.merge(copy, load=False)

    def login_check(self, digest: str) -> Row[Any] | None:
        """The token's user id, expiry, whether the user is active and the user row's version (one indexed read)."""
        return self.session.connection().execute(_LOGIN_CHECK, {"digest": digest}).first()

    def token(self, digest: str) -> AuthToken | None:
        return self.session.get(AuthToken, digest)

    def tokens_of(self, user_id: int) -> Sequence[AuthToken]:
        return self.session.scalars(select(AuthToken).where(AuthToken.user_id == user_id)).all()

    def end_logins(self, user_id: int) -> None:
        self.session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))

    # -- departments -------------------------------------------------------------------------------------------

    def department(self, department_id: int) -> Department | None:
        return self.session.get(Department, department_id)

    def departments(self, organ_id: int | None = None) -> Sequence[Department]:
        query = select(Department).order_by(Department.organ_id, Department.id)
        if organ_id is not None:
            query = query.where(Department.organ_id == organ_id)
        return self.session.scalars(query).all()

    def department_named(self, organ_id: int, name: str) -> int | None:
        taken = select(Department.id).where(Department.organ_id == organ_id, Department.name == name)
        return self.session.scalar(taken)

    def department_in_use(self, department_id: int) -> bool:
        """Whether people belong to the department or a 收文 names it."""
        members = exists().where(User.department_id == department_id)
        leads = exists().where(IncomingRecord.lead_department_id == department_id)
        parts = exists().where(IncomingPart.department_id == department_id)
        return bool(self.session.scalar(select(or_(members, leads, parts))))

    # -- recipient groups --------------------------------------------------------------------------------------

    def groups(self) -> Sequence[RecipientGroup]:
        """Every group with its members and aliases (one statement each, not one per group)."""
        return self.session.scalars(_GROUPS).all()

    def group(self, group_id: int) -> RecipientGroup | None:
        return self.session.get(RecipientGroup, group_id)

    def group_by_name(self, name: str) -> RecipientGroup | None:
        return self.session.scalar(select(RecipientGroup).where(RecipientGroup.name == name))

    def group_named(self, name: str) -> RecipientGroup | None:
        """The group known by this name or alias."""
        by_alias = select(RecipientGroupAlias.group_id).where(RecipientGroupAlias.alias == name)
        query = select(RecipientGroup).where((RecipientGroup.name == name) | RecipientGroup.id.in_(by_alias))
        return self.session.scalar(query.limit(1))

    # -- the login throttle ------------------------------------------------------------------------------------

    def throttle(self, key: str) -> LoginThrottle | None:
        return self.session.get(LoginThrottle, key)

    def throttle_locked(self, key: str, now: dt.datetime) -> LoginThrottle:
        """The throttle row, made when missing and locked for the count (on PostgreSQL the upsert takes the row's
        lock, new or not; SQLite writes one at a time anyway): two first failures at once both count, neither trips
        over the other's new row, and no success of the same key removes it meanwhile."""
        insert = postgresql_insert if self.is_postgresql() else sqlite_insert
        fresh = insert(LoginThrottle).values(key=key, failures=0, window_started_at=now)
        self.session.execute(fresh.on_conflict_do_update(index_elements=["key"], set_={"key": key}))
        query = select(LoginThrottle).where(LoginThrottle.key == key)
        if self.is_postgresql():
            query = query.with_for_update()
        row = self.session.scalar(query.execution_options(populate_existing=True))
        assert row is not None  # made or locked by the upsert above
        return row

    def known_login(self, username: str, address: str) -> KnownLogin | None:
        return self.session.get(KnownLogin, (username, address))

    def remember_login(self, username: str, address: str, at: dt.datetime) -> None:
        """Insert or refresh, safe when the same user logs in twice at once from the same address."""
        insert = postgresql_insert if self.is_postgresql() else sqlite_insert
        statement = insert(KnownLogin).values(username=username, address=address, last_at=at)
        self.session.execute(
            statement.on_conflict_do_update(index_elements=["username", "address"], set_={"last_at": at})
        )
