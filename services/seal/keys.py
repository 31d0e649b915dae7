"""The server's secret store of seal keys: one file per seal version, named after its esID, holding the SM2 private
key in hex; the folder is mode 0700 and each file 0600, written once (never replaced) and never sent anywhere."""

from __future__ import annotations

import os
import re
from pathlib import Path

from services.errors import Conflict
from services.seal.ses import KeyPair

SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class KeyStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, es_id: str) -> Path:
        if not SAFE_NAME.match(es_id):
            raise ValueError(f"not a seal code: {es_id!r}")
        return self.folder / f"{es_id}.key"

    def save(self, es_id: str, key: KeyPair) -> None:
        """Write a new key, readable by the server's user only; an existing file is never overwritten."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        path = self._path(es_id)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(f"{key.private_hex}\n{key.public_hex}\n")

    def load(self, es_id: str, public_hex: str) -> KeyPair:
        """The key of a seal version; refused when it is missing, readable by others, or not the registered pair."""
        path = self._path(es_id)
        if not path.is_file():
            raise Conflict(
                "seal_key_missing",
                "电子印章的私钥不在本服务器的密钥库中，无法用印；请管理员重新制作印章",
                "the seal's private key is not in this server's key store; the admin makes the seal anew",
                es_id=es_id,
            )
        if path.stat().st_mode & 0o077:
            raise Conflict(
                "seal_key_exposed",
                "电子印章私钥文件的权限过宽（须为 0600），已拒绝使用",
                "the seal's key file is readable by others (it must be mode 0600); refused",
                es_id=es_id,
            )
        private, _, public = path.read_text(encoding="ascii").strip().partition("\n")
        if public.strip() != public_hex:
            raise Conflict(
                "seal_key_mismatch", "电子印章私钥与登记的公钥不符", "the key file does not match the registered seal"
            )
        return KeyPair(private.strip(), public_hex)
