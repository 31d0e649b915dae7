"""ObjectStore port: bytes by key. A URL picks the adapter (file://… embedded, s3://… MinIO)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlparse

from services.errors import Conflict, DomainError, NotFound


class ObjectStoreError(DomainError):
    status = 503


class ObjectNotFound(NotFound):
    pass


class ObjectLocked(Conflict):
    """The object is under retention or legal hold, or already archived: it cannot change."""


def written_once(key: str) -> ObjectLocked:
    """The refusal of a second write to an archived key."""
    return ObjectLocked("object_exists", f"归档对象已存在，不能覆盖：{key}", f"archived object exists: {key}")


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store bytes under key atomically; return their SHA-256 hex digest."""
        ...

    def put_many(self, items: Sequence[tuple[str, bytes, str]]) -> list[str]:
        """Store (key, bytes, content type) items, each atomically, all durable when this returns (one flush to
        disk for the lot where the store can); return their SHA-256 hex digests in order."""
        ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove key; absent keys are not an error."""
        ...

    def put_many_locked(self, items: Sequence[tuple[str, bytes, str]], retain_until: dt.date | None) -> list[str]:
        """``put_locked`` for several objects kept alike (a 件's package): every key refused if it exists before the
        first is written, all durable when this returns (one flush to disk where the store can); their digests."""
        ...

    def list(self, prefix: str) -> list[str]: ...

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: dt.date | None) -> str:
        """Write once: refused if the key exists; kept until ``retain_until`` (None: forever, 永久)."""
        ...


def open_object_store(url: str) -> ObjectStore:
    scheme = urlparse(url).scheme
    if scheme == "file":
        from services.storage.filesystem import FilesystemStore

        return FilesystemStore.from_url(url)
    if scheme == "s3":
        from services.storage.minio import MinioStore

        return MinioStore.from_url(url)
    raise ObjectStoreError(
        "storage_url_unsupported",
        f"不支持的对象存储地址：{url}",
        f"unsupported object storage URL: {url}",
    )
