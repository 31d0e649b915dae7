"""Domain errors: a stable code, a Chinese and an English message, and the HTTP status they map to."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error the user caused or can act on; nothing was changed."""

    status: int = 400

    def __init__(self, code: str, zh: str, en: str, /, *, status: int | None = None, **details: Any) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.zh = zh
        self.en = en
        if status is not None:
            self.status = status
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (code, both messages, status, details): it crosses from a worker process to its parent."""
        return type(self), (self.code, self.zh, self.en), self.__dict__

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message_zh": self.zh, "message_en": self.en, "details": self.details}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422


class Unauthenticated(DomainError):
    status = 401


def not_found(what_zh: str, what_en: str, **details: Any) -> NotFound:
    return NotFound(f"{what_en.replace(' ', '_')}_not_found", f"{what_zh}不存在", f"{what_en} not found", **details)
