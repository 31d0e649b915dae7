"""One contract for every ObjectStore adapter: the filesystem store, the MinIO adapter against a real
S3-compatible server started here (moto), and against MinIO itself when GONGWEN_TEST_S3_URL is set."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.audit.anchors import PREFIX, AnchorRecords
from services.audit.chain import Anchor
from services.processes import free_port as _free_port
from services.storage import ObjectLocked, ObjectNotFound, ObjectStore, ObjectStoreError, open_object_store

S3_URL = os.environ.get("GONGWEN_TEST_S3_URL")


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"s3://127.0.0.1:{port}/?access_key=testing&secret_key=testing&secure=false&region=us-east-1"
    server.stop()


@pytest.fixture(params=["filesystem", "s3-moto", "s3-minio"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    if request.param == "filesystem":
        yield open_object_store((tmp_path / "objects").as_uri())
    elif request.param == "s3-moto":
        yield open_object_store(request.getfixturevalue("moto_url") + f"&bucket_prefix={prefix}")
    else:
        if not S3_URL:
            pytest.skip("MinIO contract tests need GONGWEN_TEST_S3_URL (s3://host:9000/?access_key=…&secret_key=…)")
        yield open_object_store(S3_URL + f"&bucket_prefix={prefix}")


def test_round_trip_with_chinese_keys(store: ObjectStore) -> None:
    digest = store.put("documents/1/附件 一.txt", "方案全文".encode(), "text/plain")
    assert len(digest) == 64
    assert store.get("documents/1/附件 一.txt").decode() == "方案全文"
    assert store.exists("documents/1/附件 一.txt")
    assert store.list("documents/1/") == ["documents/1/附件 一.txt"]


def test_keys_land_in_their_buckets_and_list_across_them(store: ObjectStore) -> None:
    store.put("documents/2/v1/body.txt", b"draft", "text/plain")
    store.put("documents/2/issued/x.pdf", b"%PDF", "application/pdf")
    store.put_locked("archive/2024/Z001-WS-2024-D30-BGS-0001/manifest.json", b"{}", "application/json", None)
    assert store.list("documents/2/") == ["documents/2/issued/x.pdf", "documents/2/v1/body.txt"]
    assert store.list("archive/") == ["archive/2024/Z001-WS-2024-D30-BGS-0001/manifest.json"]
    assert store.list("archive/2023/") == [] and store.list("archive/2024/Z001") == store.list("archive/")


def test_overwrite_and_delete(store: ObjectStore) -> None:
    store.put("a/b", b"1", "application/octet-stream")
    store.put("a/b", b"2", "application/octet-stream")
    assert store.get("a/b") == b"2"
    store.delete("a/b")
    store.delete("a/b")
    assert not store.exists("a/b")
    with pytest.raises(ObjectNotFound):
        store.get("a/b")


def test_put_many_stores_each_object_and_a_bad_key_stores_none(store: ObjectStore) -> None:
    items = [("imports/d1/original-方案.txt", "原文".encode(), "text/plain"), ("imports/d1/text.txt", b"t", "text/x")]
    digests = store.put_many(items)
    assert digests == [store.put(key, data, kind) for key, data, kind in items]
    assert [store.get(key) for key, _, _ in items] == [data for _, data, _ in items]
    with pytest.raises(ObjectStoreError):
        store.put_many([("imports/d2/text.txt", b"t", "text/plain"), ("../escape", b"x", "text/plain")])
    assert not store.exists("imports/d2/text.txt")


@pytest.mark.parametrize("key", ["../escape", "/abs", "a/../../b", "", "a\\b"])
def test_keys_cannot_escape(store: ObjectStore, key: str) -> None:
    with pytest.raises(ObjectStoreError):
        store.put(key, b"x", "text/plain")


@pytest.mark.parametrize("retain_until", [None, dt.date.today() + dt.timedelta(days=365 * 30)])
def test_archived_objects_cannot_be_deleted_or_overwritten(store: ObjectStore, retain_until: dt.date | None) -> None:
    key = f"archive/2024/Z001-WS-2024-{'Y' if retain_until is None else 'D30'}-BGS-0001/正本.pdf"
    digest = store.put_locked(key, b"%PDF-1.7 archived", "application/pdf", retain_until)
    assert len(digest) == 64
    with pytest.raises(ObjectLocked):
        store.delete(key)
    with pytest.raises(ObjectLocked):
        store.put_locked(key, b"changed", "application/pdf", retain_until)
    with pytest.raises(ObjectLocked):
        store.put(key, b"changed", "application/pdf")
    assert store.get(key) == b"%PDF-1.7 archived"


def test_a_package_is_kept_whole_and_a_key_already_there_writes_none_of_it(store: ObjectStore) -> None:
    prefix = "archive/2024/Z001-WS-2024-D30-BGS-0002/"
    package = [(prefix + "01-正本.pdf", b"%PDF-1.7", "application/pdf"), (prefix + "manifest.json", b"{}", "text/json")]
    digests = store.put_many_locked(package, dt.date.today() + dt.timedelta(days=365 * 30))
    assert [store.get(key) for key, _, _ in package] == [b"%PDF-1.7", b"{}"] and all(len(d) == 64 for d in digests)
    for key, _, _ in package:
        with pytest.raises(ObjectLocked):
            store.delete(key)
    again = [(prefix + "02-定稿.txt", b"text", "text/plain"), (prefix + "01-正本.pdf", b"changed", "application/pdf")]
    with pytest.raises(ObjectLocked):
        store.put_many_locked(again, None)
    assert not store.exists(prefix + "02-定稿.txt") and store.get(prefix + "01-正本.pdf") == b"%PDF-1.7"


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(ObjectStoreError) as err:
        open_object_store("ftp://host/x")
    assert err.value.code == "storage_url_unsupported"


def test_an_unreachable_s3_server_is_a_storage_error() -> None:
    store = open_object_store(f"s3://127.0.0.1:{_free_port()}/?access_key=a&secret_key=b&secure=false")
    with pytest.raises(ObjectStoreError) as err:
        store.put("documents/1/x", b"x", "text/plain")
    assert err.value.code == "storage_unavailable"


def _anchor(event_id: int, digest: str, day: dt.date) -> Anchor:
    return Anchor(event_id, digest, dt.datetime(2026, 12, 7, 15, 55, tzinfo=dt.UTC), day, "daily")


def test_an_anchor_is_written_once_and_cannot_be_deleted_or_replaced(store: ObjectStore) -> None:
    records, day = AnchorRecords(store), dt.date(2026, 12, 7)
    kept = records.write(_anchor(41, "a" * 64, day))
    assert kept.written and kept.key.startswith(PREFIX)
    again = records.write(_anchor(57, "b" * 64, day))  # the same day's anchor again: the first one stands
    assert not again.written and again.anchor == kept.anchor
    with pytest.raises(ObjectLocked):
        store.delete(kept.key)
    with pytest.raises(ObjectLocked):
        store.put(kept.key, b'{"forged": true}', "application/json")
    with pytest.raises(ObjectLocked):
        store.put_locked(kept.key, b'{"forged": true}', "application/json", None)
    records.write(_anchor(57, "b" * 64, day + dt.timedelta(days=1)))
    anchors, unreadable = records.all()
    assert [(a.event_id, a.hash, a.day) for a in anchors] == [
        (41, "a" * 64, day), (57, "b" * 64, day + dt.timedelta(days=1))
    ]  # fmt: skip
    assert unreadable == []
