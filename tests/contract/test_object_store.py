"""One contract for every ObjectStore adapter (the S3/MinIO side joins with the archive issue)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.storage import ObjectNotFound, ObjectStore, ObjectStoreError, open_object_store


@pytest.fixture(params=["filesystem"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    yield open_object_store((tmp_path / "objects").as_uri())


def test_round_trip_with_chinese_keys(store: ObjectStore) -> None:
    digest = store.put("documents/1/附件 一.txt", "方案全文".encode(), "text/plain")
    assert len(digest) == 64
    assert store.get("documents/1/附件 一.txt").decode() == "方案全文"
    assert store.exists("documents/1/附件 一.txt")
    assert store.list("documents/1/") == ["documents/1/附件 一.txt"]


def test_overwrite_and_delete(store: ObjectStore) -> None:
    store.put("a/b", b"1", "application/octet-stream")
    store.put("a/b", b"2", "application/octet-stream")
    assert store.get("a/b") == b"2"
    store.delete("a/b")
    store.delete("a/b")
    assert not store.exists("a/b")
    with pytest.raises(ObjectNotFound):
        store.get("a/b")


@pytest.mark.parametrize("key", ["../escape", "/abs", "a/../../b", "", "a\\b"])
def test_keys_cannot_escape(store: ObjectStore, key: str) -> None:
    with pytest.raises(ObjectStoreError):
        store.put(key, b"x", "text/plain")


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(ObjectStoreError) as err:
        open_object_store("ftp://host/x")
    assert err.value.code == "storage_url_unsupported"
