"""An anchor record reads back as it was written; anything else under the anchors' prefix is refused as no anchor."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from services.audit.anchors import decode, encode
from services.audit.chain import Anchor

AT = dt.datetime(2026, 12, 7, 15, 55, 0, 123456, tzinfo=dt.UTC)
ANCHOR = Anchor(1234, "ab" * 32, AT, dt.date(2026, 12, 7), "daily")


def test_an_anchor_reads_back_as_written() -> None:
    assert decode(encode(ANCHOR)) == ANCHOR
    record = json.loads(encode(ANCHOR))
    assert record["链头事件"] == 1234 and record["日期"] == "2026-12-07" and record["算法"] == "sha256"


@pytest.mark.parametrize(
    "data",
    [
        b"[1, 2]",
        b"{}",
        json.dumps({"类型": "审计链锚点", "算法": "md5", "链头事件": 1, "链头摘要": "a" * 64}).encode(),
        json.dumps({"类型": "审计链锚点", "算法": "sha256", "链头事件": "1", "链头摘要": "a" * 64}).encode(),
        json.dumps({"类型": "审计链锚点", "算法": "sha256", "链头事件": 1, "链头摘要": "short"}).encode(),
        b"\xff\xfe not text",
    ],
)
def test_what_is_not_an_anchor_is_refused(data: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode(data)
