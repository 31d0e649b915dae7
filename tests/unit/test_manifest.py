"""The package manifest: SHA-256 always, SM3 (GB/T 32905) where OpenSSL provides it."""

from __future__ import annotations

import pytest

from services.archive.package import HAS_SM3, digests_match, manifest_for

# GB/T 32905-2016, appendix A.1: SM3("abc").
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.skipif(not HAS_SM3, reason="this OpenSSL has no SM3 (OpenSSL 3's default provider has it)")
def test_manifest_carries_sm3_per_file_and_for_the_package() -> None:
    manifest = manifest_for(
        {"01-定稿.txt": b"abc", "metadata.json": b"{}"}, {"01-定稿.txt": "text", "metadata.json": "json"}
    )
    entry = manifest["files"][0]
    assert entry["sm3"] == SM3_ABC and manifest["algorithm"] == "SHA-256 + SM3"
    assert len(manifest["package_sm3"]) == 64
    assert digests_match(entry, b"abc") and not digests_match(entry, b"abd")


def test_a_changed_byte_or_size_does_not_match() -> None:
    entry = manifest_for({"a.txt": b"abc"}, {"a.txt": "text"})["files"][0]
    assert digests_match(entry, b"abc")
    assert not digests_match(entry, b"abcd") and not digests_match({**entry, "sha256": "0" * 64}, b"abc")
