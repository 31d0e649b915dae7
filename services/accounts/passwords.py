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


MIN_LENGTH = 8
# Passwords people reach for first; a guessing script tries them first too.
COMMON = frozenset(
    {
        "password", "password1", "passw0rd", "12345678", "123456789", "1234567890", "87654321", "11111111",
        "88888888", "66666666", "00000000", "abcd1234", "abc12345", "qwertyui", "qwerty123", "1qaz2wsx",
        "iloveyou", "admin123", "administrator", "woaini1314", "a1234567", "aa123456", "gongwen", "gongwen123",
    }
)  # fmt: skip


def weakness(password: str, username: str = "") -> tuple[str, str, str] | None:
    """Why a new password is too weak (code, Chinese, English), or None when it will do: at least 8 characters,
    not one repeated character, not a well-known password, not the username, and not of one kind of character
    only (all digits or all letters) unless it is at least 12 long."""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        return "password_too_short", f"密码至少 {MIN_LENGTH} 位", f"password must have at least {MIN_LENGTH} characters"
    if len(set(password)) == 1 or lowered in COMMON or (username and username.lower() in lowered):
        return "password_weak", "密码过于常见或包含用户名，请另选", "the password is common or contains the username"
    if len(password) < 12 and (password.isdigit() or password.isalpha()):
        return (
            "password_weak",
            "密码不足 12 位时须同时包含字母和数字或符号",
            "a password shorter than 12 characters must mix letters with digits or symbols",
        )
    return None
