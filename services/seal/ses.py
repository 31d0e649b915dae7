"""The GB/T 38540-2020 data structures of an electronic seal and of a signature made with it (version 4), encoded
with asn1crypto; SM2 signatures with SM3 digests through gmssl (no curve arithmetic of ours).

    SESeal        ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING, signAlgID OID, signedValue BIT STRING }
    SES_SealInfo  ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                                 picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
    SES_Header    ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER (1),
                                 certList SEQUENCE OF OCTET STRING, createDate, validStart, validEnd GeneralizedTime }
    SES_ESPictrueInfo  ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }  (mm)
    TBS_Sign      ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime, dataHash BIT STRING,
                                 propertyInfo IA5String, extDatas [0] ExtensionDatas OPTIONAL }
    SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OID, signature BIT STRING,
                                 timeStamp [0] BIT STRING OPTIONAL }

The certificates are self-issued X.509 certificates of the organ's SM2 key (no CA here): a verifier trusts a seal
because its public key is the one the office registered for that organ and version (docs/seal.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

from asn1crypto import core, keys, x509
from gmssl import sm2, sm3

SM2_CURVE = "1.2.156.10197.1.301"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"
SEAL_TYPE_OFFICIAL = 1  # 单位印章
VENDOR = "gongwen"


class SealError(ValueError):
    """A seal or signature that does not decode or does not verify, said in Chinese."""


# -- the structures --------------------------------------------------------------------------------------------


class SesHeader(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class SesPropertyInfo(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", CertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SesPictureInfo(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SesSealInfo(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesPropertyInfo),
        ("picture", SesPictureInfo),
    ]


class SESeal(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("seal_info", SesSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TbsSign(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
    ]


class SesSignature(core.Sequence):
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("to_sign", TbsSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"implicit": 0, "optional": True}),
    ]


class SesSignatures(core.SequenceOf):
    """A detached file of several signatures over one file (a joint document's seals over its PDF)."""

    _child_spec = SesSignature


# -- SM2 / SM3 --------------------------------------------------------------------------------------------------


HASHLIB_SM3 = "sm3" in hashlib.algorithms_available  # OpenSSL 3's default provider: fast


def sm3_digest(data: bytes) -> bytes:
    """SM3 (GB/T 32905): OpenSSL's through hashlib where it has it, else gmssl's (the same digest, slower)."""
    if HASHLIB_SM3:
        return hashlib.new("sm3", data).digest()
    return bytes.fromhex(sm3.sm3_hash(list(data)))


@dataclass(frozen=True)
class KeyPair:
    private_hex: str  # 64 hex digits
    public_hex: str  # 128 hex digits: x ‖ y, uncompressed without the 04

    @classmethod
    def generate(cls) -> KeyPair:
        private = _random_scalar()
        crypt = sm2.CryptSM2(private_key=private, public_key="")
        public = crypt._kg(int(private, 16), sm2.default_ecc_table["g"])  # the library's own point multiplication
        return cls(private, public)

    def sign(self, data: bytes) -> bytes:
        """SM2 with SM3 (GB/T 32918.2: e = SM3(Z ‖ M), Z over the default user id), r ‖ s, 64 bytes."""
        value = _crypt(self.private_hex, self.public_hex).sign(_e(self.public_hex, data), _random_scalar())
        return bytes.fromhex(value)


def sm2_verify(public_hex: str, signature: bytes, data: bytes) -> bool:
    if len(signature) != 64 or len(public_hex) != 128:
        return False
    crypt = _crypt("", public_hex)
    try:
        return bool(crypt.verify(signature.hex(), _e(public_hex, data)))
    except (ValueError, TypeError, IndexError, ZeroDivisionError):
        return False


def _crypt(private_hex: str, public_hex: str) -> sm2.CryptSM2:
    """gmssl's SM2 with the key as given: its constructor strips a leading "04" from the public key as the
    uncompressed-point prefix — with ``str.lstrip``, so every leading 0 and 4 — which mangles the one key in 256
    whose x-coordinate begins with 04 (such a key's signatures never verified)."""
    crypt = sm2.CryptSM2(private_key=private_hex, public_key="")
    crypt.public_key = public_hex
    return crypt


DEFAULT_ID = b"1234567812345678"  # GM/T 0009's default signer id, as gmssl's sign_with_sm3 uses


def _e(public_hex: str, data: bytes) -> bytes:
    """The digest SM2 signs: SM3(Z ‖ M), Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) — the same value as gmssl's
    sign_with_sm3, its SM3 computed through OpenSSL where hashlib has it (gmssl's pure-Python SM3 is slow)."""
    table = sm2.default_ecc_table
    entl = (len(DEFAULT_ID) * 8).to_bytes(2, "big")
    z = sm3_digest(entl + DEFAULT_ID + bytes.fromhex(table["a"] + table["b"] + table["g"] + public_hex))
    return sm3_digest(z + data)


def _random_scalar() -> str:
    order = int(sm2.default_ecc_table["n"], 16)
    return f"{secrets.randbelow(order - 1) + 1:064x}"


# -- certificates ------------------------------------------------------------------------------------------------


def certificate(key: KeyPair, name: str, serial: int, start: dt.datetime, end: dt.datetime) -> bytes:
    """A self-issued X.509 certificate of the organ's SM2 key, signed SM2-with-SM3 by that key."""
    subject = x509.Name.build({"common_name": name, "organization_name": name, "country_name": "CN"})
    spki = keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "ec", "parameters": ("named", SM2_CURVE)},
            "public_key": bytes.fromhex("04" + key.public_hex),
        }
    )
    algorithm = {"algorithm": SM2_WITH_SM3}
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": algorithm,
            "issuer": subject,
            "validity": {
                "not_before": x509.Time({"general_time": start}),
                "not_after": x509.Time({"general_time": end}),
            },
            "subject": subject,
            "subject_public_key_info": spki,
        }
    )
    cert = x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": algorithm, "signature_value": key.sign(tbs.dump())}
    )
    data: bytes = cert.dump()
    return data


def certificate_key(cert_der: bytes) -> str:
    """The SM2 public key (128 hex digits) a certificate carries; SealError when it carries none."""
    try:
        cert = x509.Certificate.load(cert_der)
        point = bytes(cert["tbs_certificate"]["subject_public_key_info"]["public_key"])
    except (ValueError, TypeError, KeyError) as exc:
        raise SealError(f"签章者证书无法解析：{exc}") from exc
    if len(point) != 65 or point[0] != 4:
        raise SealError("签章者证书中不是 SM2 公钥")
    return point[1:].hex()


# -- making and reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealKey:
    """One version of an organ's seal as the signer holds it: what the SESeal says, and the private key."""

    es_id: str
    organ: str
    version: int
    image_png: bytes
    width_mm: int
    key: KeyPair
    created: dt.datetime
    valid_from: dt.datetime
    valid_to: dt.datetime
    eseal: bytes | None = None  # the SESeal as made with the version (kept with it), else made when asked

    def seal(self) -> bytes:
        """The SESeal (DER): the seal's information signed by its own key (the seal maker is the office itself)."""
        if self.eseal:
            return self.eseal
        cert = certificate(self.key, self.organ, self.version, self.valid_from, self.valid_to)
        info = SesSealInfo(
            {
                "header": {"id": "ES", "version": 4, "vid": VENDOR},
                "es_id": self.es_id,
                "property": {
                    "type": SEAL_TYPE_OFFICIAL,
                    "name": self.organ,
                    "cert_list_type": 1,
                    "cert_list": [cert],
                    "create_date": self.created,
                    "valid_start": self.valid_from,
                    "valid_end": self.valid_to,
                },
                "picture": {"type": "png", "data": self.image_png, "width": self.width_mm, "height": self.width_mm},
            }
        )
        signed = SESeal(
            {"seal_info": info, "cert": cert, "sign_alg_id": SM2_WITH_SM3, "signed_value": self.key.sign(info.dump())}
        )
        data: bytes = signed.dump()
        return data

    def sign(self, data_hash: bytes, when: dt.datetime, property_info: str, eseal: bytes | None = None) -> bytes:
        """An SES_Signature (DER) over a data hash (SM3 of what is signed), made now."""
        sealed = SESeal.load(eseal or self.seal())
        tbs = TbsSign(
            {
                "version": 4,
                "eseal": sealed,
                "time_info": when,
                "data_hash": data_hash,
                "property_info": property_info,
            }
        )
        cert = bytes(sealed["cert"])
        signature = SesSignature(
            {"to_sign": tbs, "cert": cert, "signature_alg_id": SM2_WITH_SM3, "signature": self.key.sign(tbs.dump())}
        )
        data: bytes = signature.dump()
        return data


@dataclass(frozen=True)
class SignatureFacts:
    """What a signature says, once its own SM2 signatures have been checked."""

    organ: str
    es_id: str
    version: int
    signed_at: dt.datetime
    data_hash: bytes
    public_hex: str
    property_info: str
    image_png: bytes


def read_signature(der: bytes) -> SignatureFacts:
    """Decode an SES_Signature and check its two SM2 signatures (the seal's, the signature's); SealError if not."""
    try:
        signature = SesSignature.load(der, strict=True)
        tbs = signature["to_sign"]
        sealed = tbs["eseal"]
        info = sealed["seal_info"]
        facts = _facts(signature, tbs, sealed, info)
        seal_ok = sm2_verify(certificate_key(bytes(sealed["cert"])), bytes(sealed["signed_value"]), info.dump())
        sign_ok = sm2_verify(facts.public_hex, bytes(signature["signature"]), tbs.dump())
    except (ValueError, TypeError, KeyError) as exc:
        raise SealError(f"签章数据无法解析（不是 GB/T 38540 电子签章）：{exc}") from exc
    if str(signature["signature_alg_id"].dotted) != SM2_WITH_SM3:
        raise SealError("签名算法不是 SM2/SM3")
    if not seal_ok:
        raise SealError(f"“{facts.organ}”的电子印章数据被改动（制章签名不符）")
    if not sign_ok:
        raise SealError(f"“{facts.organ}”的签章签名不符（签章数据被改动）")
    return facts


def _facts(signature: Any, tbs: Any, sealed: Any, info: Any) -> SignatureFacts:
    es_id = str(info["es_id"].native)
    return SignatureFacts(
        organ=str(info["property"]["name"].native),
        es_id=es_id,
        version=version_of(es_id),
        signed_at=tbs["time_info"].native,
        data_hash=bytes(tbs["data_hash"]),
        public_hex=certificate_key(bytes(signature["cert"])),
        property_info=str(tbs["property_info"].native),
        image_png=bytes(info["picture"]["data"]),
    )


def es_id_of(organ_code: str, version: int, token: str) -> str:
    """The seal's code (esID): the organ's code, the version and a random token, ASCII (an IA5String)."""
    return f"{organ_code}-v{version}-{token}"


def version_of(es_id: str) -> int:
    parts = es_id.rsplit("-v", 1)
    tail = parts[1].split("-", 1)[0] if len(parts) == 2 else ""
    return int(tail) if tail.isdigit() else 0
