"""The MinIO / S3 adapter on the official `minio` client.

URL: ``s3://HOST:PORT/?access_key=…&secret_key=…&secure=false&region=…&bucket_prefix=gongwen``. Keys go to three
buckets: ``archive/…`` to the archive bucket (versioned, object lock), ``documents/<id>/issued/…`` to the
issued bucket, everything else to the drafts bucket. Archived objects are written once with a legal hold
(永久) or a COMPLIANCE retention until the end of their period (D30/D10)."""

from __future__ import annotations

import base64
import builtins
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

from services.storage import ObjectLocked, ObjectNotFound, ObjectStoreError, written_once

T = TypeVar("T")
_ISSUED = re.compile(r"^documents/[^/]+/issued/")


class MinioStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        secure: bool = False,
        region: str = "us-east-1",
        bucket_prefix: str = "gongwen",
    ) -> None:
        self.endpoint = endpoint
        self._credentials = (access_key, secret_key)
        self.secure = secure
        self.region = region
        self.buckets = {
            "drafts": f"{bucket_prefix}-drafts",
            "issued": f"{bucket_prefix}-issued",
            "archive": f"{bucket_prefix}-archive",
        }
        self._client: Any = None
        self._ready = False

    @classmethod
    def from_url(cls, url: str) -> MinioStore:
        parsed = urlparse(url)
        q = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        if not parsed.netloc or "access_key" not in q or "secret_key" not in q:
            raise ObjectStoreError(
                "storage_url_invalid",
                "对象存储地址缺少主机或密钥",
                "the s3:// URL needs host:port, access_key and secret_key",
            )
        return cls(
            parsed.netloc,
            q["access_key"],
            q["secret_key"],
            q.get("secure", "false") == "true",
            q.get("region", "us-east-1"),
            q.get("bucket_prefix", "gongwen"),
        )

    @property
    def client(self) -> Any:
        if self._client is None:  # built on first use, never at import
            from minio import Minio

            self._client = Minio(
                self.endpoint,
                access_key=self._credentials[0],
                secret_key=self._credentials[1],
                secure=self.secure,
                region=self.region,
            )
        return self._client

    def _call(self, fn: Callable[[], T], key: str = "", archive: bool = False) -> T:
        """Every vendor error becomes one of the project's storage errors."""
        from minio.error import MinioException, S3Error
        from urllib3.exceptions import HTTPError

        try:
            return fn()
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchVersion"}:
                raise ObjectNotFound("object_not_found", f"对象不存在：{key}", f"object not found: {key}") from exc
            locked = exc.code in {"AccessDenied", "ObjectLocked"} and archive
            if locked or (exc.code == "InvalidRequest" and "lock" in str(exc).lower()):
                raise ObjectLocked(
                    "object_locked",
                    f"对象处于保管期内，不能删除或覆盖：{key}",
                    f"the object is retained and cannot be deleted or overwritten: {key}",
                ) from exc
            raise ObjectStoreError("storage_failed", "对象存储操作失败", f"S3 error {exc.code}: {exc.message}") from exc
        except (MinioException, HTTPError, OSError) as exc:
            raise ObjectStoreError(
                "storage_unavailable", "对象存储不可用", f"object storage unreachable: {exc}"
            ) from exc

    def _bucket(self, key: str) -> str:
        if key.startswith("archive/"):
            return self.buckets["archive"]
        return self.buckets["issued"] if _ISSUED.match(key) else self.buckets["drafts"]

    def ensure_buckets(self) -> None:
        if self._ready:
            return
        for role, name in self.buckets.items():
            self._make_bucket(name, object_lock=role == "archive")
        self._ready = True

    def _make_bucket(self, name: str, object_lock: bool) -> None:
        if not self._call(lambda: self.client.bucket_exists(name)):
            self._call(lambda: self.client.make_bucket(name, object_lock=object_lock))

    @staticmethod
    def _checksum_headers(data: bytes) -> tuple[str, dict[str, str]]:
        digest = hashlib.sha256(data)
        headers = {
            "x-amz-sdk-checksum-algorithm": "SHA256",
            "x-amz-checksum-sha256": base64.b64encode(digest.digest()).decode(),
        }
        return digest.hexdigest(), headers

    def put(self, key: str, data: bytes, content_type: str) -> str:
        self._check_key(key)
        self.ensure_buckets()
        if key.startswith("archive/") and self.exists(key):
            # A put would add a version beside the retained one; archived keys are written once.
            raise ObjectLocked(
                "object_locked", f"归档对象不能覆盖：{key}", f"archived objects cannot be overwritten: {key}"
            )
        digest, headers = self._checksum_headers(data)
        self._call(
            lambda: self.client.put_object(
                self._bucket(key), key, io.BytesIO(data), len(data), content_type=content_type, metadata=headers
            ),
            key,
        )
        return digest

    def put_many(self, items: Sequence[tuple[str, bytes, str]]) -> list[str]:
        """One put each (a put the server acknowledged is durable already), every key checked before the first."""
        for key, _, _ in items:
            self._check_key(key)
        return [self.put(key, data, content_type) for key, data, content_type in items]

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: dt.date | None) -> str:
        """Write once to the archive: legal hold when ``retain_until`` is None (永久), else COMPLIANCE retention."""
        from minio.commonconfig import COMPLIANCE
        from minio.retention import Retention

        self._check_key(key)
        self.ensure_buckets()
        if self.exists(key):
            raise written_once(key)
        digest, headers = self._checksum_headers(data)
        retention = None
        if retain_until is not None:
            until = dt.datetime.combine(retain_until, dt.time(0, 0), tzinfo=dt.UTC)
            retention = Retention(COMPLIANCE, until)
        self._call(
            lambda: self.client.put_object(
                self._bucket(key),
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=headers,
                retention=retention,
                legal_hold=retain_until is None,
            ),
            key,
        )
        return digest

    def put_many_locked(self, items: Sequence[tuple[str, bytes, str]], retain_until: dt.date | None) -> list[str]:
        """One retained put each (acknowledged puts are durable), every key checked and refused if it exists first."""
        for key, _, _ in items:
            self._check_key(key)
            if self.exists(key):
                raise written_once(key)
        return [self.put_locked(key, data, content_type, retain_until) for key, data, content_type in items]

    def get(self, key: str) -> bytes:
        self._check_key(key)

        def read() -> bytes:
            response = self.client.get_object(self._bucket(key), key)
            try:
                return bytes(response.read())
            finally:
                response.close()
                response.release_conn()

        return self._call(read, key)

    def exists(self, key: str) -> bool:
        try:
            self._call(lambda: self.client.stat_object(self._bucket(key), key), key)
            return True
        except ObjectNotFound:
            return False

    def delete(self, key: str) -> None:
        self._check_key(key)
        bucket = self._bucket(key)
        if bucket == self.buckets["archive"]:
            self._delete_all_versions(key)
            return
        self._call(lambda: self.client.remove_object(bucket, key), key)

    def _delete_all_versions(self, key: str) -> None:
        bucket = self.buckets["archive"]
        versions = self._call(lambda: list(self.client.list_objects(bucket, prefix=key, include_version=True)))
        for version_id in [o.version_id for o in versions if o.object_name == key]:
            self._remove_version(bucket, key, version_id)

    def _remove_version(self, bucket: str, key: str, version_id: str | None) -> None:
        self._call(lambda: self.client.remove_object(bucket, key, version_id=version_id), key, archive=True)

    def list(self, prefix: str) -> list[str]:
        self.ensure_buckets()
        keys: list[str] = []
        for bucket in dict.fromkeys(self.buckets.values()):
            keys += self._list_bucket(bucket, prefix)
        return sorted(k for k in keys if k.startswith(prefix))

    def _list_bucket(self, bucket: str, prefix: str) -> builtins.list[str]:
        return self._call(
            lambda: [str(o.object_name) for o in self.client.list_objects(bucket, prefix=prefix, recursive=True)]
        )

    @staticmethod
    def _check_key(key: str) -> None:
        if not key or key.startswith("/") or ".." in key.split("/") or "\\" in key or "\x00" in key:
            raise ObjectStoreError("object_key_invalid", f"对象键非法：{key!r}", f"invalid object key: {key!r}")
