"""Password hashing (Argon2id) with parameters sized for ≤ 100 ms a verification on two cores.

OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane) measured ≈ 60 ms here; argon2-cffi's default (64 MiB, 4
lanes) ≈ 200 ms. Hashes made with other parameters still verify and are upgraded at the next login.
"""

from __future__ import annotations

from argon2 import PasswordHasher

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified when the account does not exist, so a login costs the same either way.
DUMMY_HASH = HASHER.hash("no such account")


def use(hasher: PasswordHasher) -> None:
    """Swap the hasher (tests use a cheap one)."""
    global HASHER, DUMMY_HASH
    HASHER = hasher
    DUMMY_HASH = hasher.hash("no such account")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """True, or raises argon2's mismatch / invalid-hash errors."""
    return bool(HASHER.verify(password_hash, password))


def needs_rehash(password_hash: str) -> bool:
    return bool(HASHER.check_needs_rehash(password_hash))
