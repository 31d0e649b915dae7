"""Logging in: throttled per account and address (see ThrottlePolicy), the password hashed outside every
transaction.

A login is three short units of work — check the throttle and read the account, then (outside any transaction)
verify the password, then record the outcome and issue a token — so a burst of wrong passwords never holds the
database's write lock while it hashes, and a throttled attempt costs no hashing at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.accounts import passwords
from services.accounts.repository import AccountRepository
from services.accounts.service import UserService
from services.context import Context
from services.domain.models import LoginThrottle, User
from services.errors import DomainError, Unauthenticated

Units = Callable[[bool], AbstractContextManager[Context]]  # runtime.context: write=True / False


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures within the window, and how long a lock lasts (doubling per further failure up to the
    longest). Three counts, so that no guesser can lock people out:

    - one account from one address: locks that pair only;
    - one account from many addresses (a guesser rotating addresses): locks the account for addresses it never
      logged in from, never for the ones its owner uses;
    - many accounts from one address (spraying, or an office behind one NAT): locks the address for users who
      never logged in from it, never for the people who work there."""

    pair_failures: int = 5
    account_failures: int = 20
    address_failures: int = 30
    window: dt.timedelta = dt.timedelta(minutes=15)
    first_lock: dt.timedelta = dt.timedelta(seconds=30)
    longest_lock: dt.timedelta = dt.timedelta(minutes=15)
    remember: dt.timedelta = dt.timedelta(days=90)  # how long a login makes an address known for its user


POLICY = ThrottlePolicy()


class Throttled(DomainError):
    status = 429


def throttled(seconds: int) -> Throttled:
    return Throttled(
        "login_throttled",
        f"登录失败次数过多，请在 {seconds} 秒后再试",
        f"too many failed logins; try again in {seconds} s",
        retry_after=seconds,
    )


class Throttle:
    def __init__(self, ctx: Context, policy: ThrottlePolicy = POLICY, repo: AccountRepository | None = None) -> None:
        self.ctx = ctx
        self.policy = policy
        self.repo = repo or AccountRepository(ctx.session)

    def check(self, username: str, address: str | None) -> None:
        """Refuse before any hashing when the pair is locked, or the account or the address is and this user
        never logged in from this address."""
        now = self.ctx.now()
        keys = [_pair(username, address)]
        if not self._known(username, address, now):
            keys += _wide_keys(username, address)
        for key in keys:
            row = self.repo.throttle(key)
            if row is not None and row.locked_until is not None and row.locked_until > now:
                raise throttled(math.ceil((row.locked_until - now).total_seconds()))

    def failed(self, username: str, address: str | None) -> None:
        self._count(_pair(username, address), self.policy.pair_failures)
        for key in _wide_keys(username, address):
            self._count(key, self.policy.account_failures if key.startswith("user:") else self.policy.address_failures)

    def succeeded(self, username: str, address: str | None) -> None:
        row = self.repo.throttle(_pair(username, address))
        if row is not None:
            self.repo.remove(row)
        if address:
            self._remember(username, address)

    def _remember(self, username: str, address: str) -> None:
        self.repo.remember_login(username[:64], address[:150], self.ctx.now())

    def _known(self, username: str, address: str | None, now: dt.datetime) -> bool:
        if not address:
            return False
        known = self.repo.known_login(username[:64], address[:150])
        return known is not None and now - known.last_at <= self.policy.remember

    def _count(self, key: str, limit: int) -> None:
        now = self.ctx.now()
        row = self.repo.throttle_locked(key, now)
        if now - row.window_started_at > self.policy.window and not _locked(row, now):
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limit:
            lock = self.policy.first_lock * 2 ** min(row.failures - limit, 20)
            row.locked_until = now + min(lock, self.policy.longest_lock)


def _locked(row: LoginThrottle, now: dt.datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def _pair(username: str, address: str | None) -> str:
    return f"pair:{username[:150]} {(address or '-')[:150]}"


def _wide_keys(username: str, address: str | None) -> list[str]:
    keys = [f"user:{username[:150]}"]
    return [*keys, f"addr:{address[:150]}"] if address else keys


@dataclass(frozen=True)
class Account:
    user_id: int
    password_hash: str


def login(units: Units, username: str, password: str, address: str | None) -> tuple[str, User]:
    """A login token for the right password; otherwise one answer whether or not the account exists."""
    with units(False) as ctx:
        repo = AccountRepository(ctx.session)
        Throttle(ctx, repo=repo).check(username, address)
        user = UserService(ctx, repo).active_by_username(username)
        account = Account(user.id, user.password_hash) if user else None
    ok = _verify(account.password_hash if account else passwords.DUMMY_HASH, password) and account is not None
    with units(True) as ctx:
        repo = AccountRepository(ctx.session)
        if not ok:
            Throttle(ctx, repo=repo).failed(username, address)
        else:
            assert account is not None
            Throttle(ctx, repo=repo).succeeded(username, address)
            return UserService(ctx, repo).issue_token(account.user_id, password)
    raise Unauthenticated("login_failed", "用户名或密码错误", "wrong username or password")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return passwords.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError, VerificationError):
        return False
