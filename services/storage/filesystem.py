"""The embedded object store: files under a folder, written atomically, keys checked against escapes."""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from services.storage import ObjectLocked, ObjectNotFound, ObjectStoreError, written_once

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" else None


class FilesystemStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_url(cls, url: str) -> FilesystemStore:
        return cls(Path(unquote(urlparse(url).path)))

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/") or "\\" in key or "\x00" in key:
            raise ObjectStoreError("object_key_invalid", f"对象键非法：{key!r}", f"invalid object key: {key!r}")
        return self.root / key

    def _lock_path(self, key: str) -> Path:
        return self.root / ".locks" / f"{key}.json"

    def _refuse_if_locked(self, key: str) -> None:
        lock = self._lock_path(key)
        if not lock.exists():
            return
        until = json.loads(lock.read_text())["retain_until"]
        if until is None or dt.date.fromisoformat(until) > dt.date.today():
            raise ObjectLocked(
                "object_locked",
                f"对象处于保管期内，不能删除或覆盖：{key}",
                f"the object is retained and cannot be deleted or overwritten: {key}",
            )

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: dt.date | None) -> str:
        return self.put_many_locked([(key, data, content_type)], retain_until)[0]

    def put_many_locked(self, items: Sequence[tuple[str, bytes, str]], retain_until: dt.date | None) -> list[str]:
        """Each file and its retention record written read-only beside the others, then flushed to disk once for
        the lot (the retention records too: a crash cannot leave a kept file without its lock)."""
        paths = [self._path(key) for key, _, _ in items]
        for key, path in zip((key for key, _, _ in items), paths, strict=True):
            if path.exists():
                raise written_once(key)
        hold = {"retain_until": retain_until.isoformat() if retain_until else None, "legal_hold": retain_until is None}
        digests, written = [], []
        _make_folders([*paths, *(self._lock_path(key) for key, _, _ in items)])
        for path, (key, data, _) in zip(paths, items, strict=True):
            digest = hashlib.sha256(data).hexdigest()
            lock = self._lock_path(key)
            _write_unsynced(path, data)
            _write_unsynced(lock, json.dumps({**hold, "sha256": digest}).encode())
            path.chmod(0o444)
            digests.append(digest)
            written += [path, lock]
        _flush_to_disk(written)
        return digests

    def put(self, key: str, data: bytes, content_type: str) -> str:
        return self.put_many([(key, data, content_type)])[0]

    def put_many(self, items: Sequence[tuple[str, bytes, str]]) -> list[str]:
        """Write every file beside its key and rename it into place, then flush them and their folders to disk
        once for the lot: a crash before that leaves whole files or none under each key, never a torn one."""
        paths = [self._path(key) for key, _, _ in items]  # every key checked before a byte is written
        for key, _, _ in items:
            self._refuse_if_locked(key)
        written: list[Path] = []
        _make_folders(paths)
        for path, (_, data, _) in zip(paths, items, strict=True):
            _write_unsynced(path, data)
            written.append(path)
        _flush_to_disk(written)
        return [hashlib.sha256(data).hexdigest() for _, data, _ in items]

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound("object_not_found", f"对象不存在：{key}", f"object not found: {key}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._refuse_if_locked(key)
        self._path(key).unlink(missing_ok=True)
        self._lock_path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        """Keys under ``prefix``, walking only the folder it names (not every object of the store)."""
        folder = prefix.rpartition("/")[0]
        base = self._path(folder) if folder else self.root
        if not base.is_dir():
            return []
        keys = []
        for path in base.rglob("*"):
            if (
                path.is_file()
                and not path.name.startswith(".tmp-")
                and path.relative_to(self.root).parts[0] != ".locks"
            ):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)


def _make_folders(paths: Sequence[Path]) -> None:
    """Each folder once for a batch of files (a batch's files share folders)."""
    for folder in dict.fromkeys(p.parent for p in paths):
        folder.mkdir(parents=True, exist_ok=True)


def _write_unsynced(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _flush_to_disk(paths: Sequence[Path]) -> None:
    """The files' bytes and their names durable: one syncfs(2) of their file system on Linux (a single journal
    commit however many files), else an fsync of each file and each folder."""
    if not paths:
        return
    if _libc is not None:
        fd = os.open(paths[0].parent, os.O_RDONLY)
        try:
            if _libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for target in [*paths, *dict.fromkeys(p.parent for p in paths)]:
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
