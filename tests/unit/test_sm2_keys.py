"""Every seal key signs what verifies: also the one key in 256 whose public x-coordinate begins with 04, which
gmssl's constructor took for the uncompressed-point prefix and stripped (its seals were refused as broken)."""

from __future__ import annotations

from gmssl import sm2

from services.seal.ses import KeyPair, sm2_verify

# A key found by generating until the public key began with 044 (gmssl's lstrip("04") ate three characters).
PRIVATE = "b2933b8b7a08b274d06c54709cdf45374425153ed37683cec9c70d6ead1e32ef"


def _pair(private_hex: str) -> KeyPair:
    public = sm2.CryptSM2(private_key=private_hex, public_key="")._kg(int(private_hex, 16), sm2.default_ecc_table["g"])
    return KeyPair(private_hex, public)


def test_a_key_whose_public_point_begins_with_04_signs_what_verifies() -> None:
    key = _pair(PRIVATE)
    assert key.public_hex.startswith("044")
    signed = key.sign("现将《实施方案》印发给你们".encode())
    assert sm2_verify(key.public_hex, signed, "现将《实施方案》印发给你们".encode())
    assert not sm2_verify(key.public_hex, signed, "现将《实施方案》印发给他们".encode())


def test_any_generated_key_signs_what_verifies() -> None:
    for n in range(64):
        key = KeyPair.generate()
        data = f"第{n}份".encode()
        assert sm2_verify(key.public_hex, key.sign(data), data), key.public_hex
