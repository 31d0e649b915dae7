"""Keeping the organs' electronic seals, pressing them on an issued 正本, and checking a file someone hands in."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import replace
from pathlib import Path

from services.access import require_role
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import Role
from services.domain.models import Document, Organ, OrganSeal, User
from services.errors import Invalid, not_found
from services.limits import Upload, check_size
from services.rendering.fonts import FONT_FILES, find_fonts_dir
from services.seal.image import checked_png, draw_seal
from services.seal.keys import KeyStore
from services.seal.repository import SealRepository
from services.seal.ses import KeyPair, SealError, SealKey, es_id_of, sm3_digest
from services.seal.sign import SealCheck, Verification, verify_ofd, verify_pdf

VALID_YEARS = 10
SEAL_MM = 42  # the picture's width and height on the page (a 县级 organ's seal, services/rendering/layout.py)
SEAL_FACE = "GWSongBold"  # the characters along the ring: 小标宋 (FandolSong Bold)


class SealService:
    def __init__(
        self,
        ctx: Context,
        *,
        audit: AuditService | None = None,
        repository: SealRepository | None = None,
        keys: KeyStore | None = None,
    ) -> None:
        self.ctx = ctx
        self.audit = audit or AuditService(ctx)
        self.repository = repository or SealRepository(ctx.session)
        self.keys = keys or KeyStore(ctx.settings.effective_seal_keys_dir)

    # -- keeping --------------------------------------------------------------------------------------------

    def make(self, actor: User, organ_id: int, image: bytes | None = None) -> OrganSeal:
        """A new version of an organ's seal (the admin's): a new SM2 key pair, the picture given (a PNG) or drawn
        from the organ's name; the version before is retired and still verifies what it sealed."""
        require_role(actor, Role.admin)
        organ = self._organ(organ_id)
        return self._make(organ, actor, checked_png(image) if image is not None else None)

    def make_named(self, username: str, organ: str, image: bytes | None = None) -> OrganSeal:
        """`make` for the command line: the admin by login name, the organ by code or full name."""
        actor = self.repository.user_named(username)
        if actor is None:
            raise not_found("用户", "user", username=username)
        found = self.repository.organ_named(organ)
        if found is None:
            raise not_found("机关", "organ", organ=organ)
        return self.make(actor, found.id, image)

    def for_pressing(self, actor: User, organ: Organ) -> OrganSeal:
        """The seal 用印 presses for an organ: its seal in use, made (picture drawn from its name) when it has none
        yet, recorded as made by whoever pressed it."""
        found = self.repository.current(organ.id)
        if found is None:
            self._lock(organ)  # and look again: another 用印 may have made it meanwhile
            found = self.repository.current(organ.id)
        return found or self._make(organ, actor, None)

    def _lock(self, organ: Organ) -> None:
        """The organ's row, locked: two 用印 at once for an organ without a seal make one version, not two."""
        self.repository.lock_organ(organ.id)

    def _make(self, organ: Organ, actor: User, image: bytes | None) -> OrganSeal:
        now = self.ctx.now()
        self._lock(organ)
        current = self.repository.current(organ.id)
        if current is not None:
            current.retired_at = now
        version = self.repository.next_version(organ.id)
        es_id = es_id_of(_ascii(organ.code, organ.id), version, secrets.token_hex(4))
        key = KeyPair.generate()
        picture = image or draw_seal(organ.name, _seal_font(self.ctx))
        until = now + dt.timedelta(days=365 * VALID_YEARS)
        eseal = SealKey(es_id, organ.name, version, picture, SEAL_MM, key, now, now, until).seal()
        seal = OrganSeal(
            organ_id=organ.id, version=version, es_id=es_id, name=organ.name, public_key=key.public_hex,
            image=picture, image_sm3=sm3_digest(picture).hex(), eseal=eseal, valid_from=now, valid_to=until,
            created_by_id=actor.id, created_at=now,
        )  # fmt: skip
        self.ctx.session.add(seal)
        self.ctx.session.flush()
        self.keys.save(es_id, key)  # after the row is flushed: a refused row leaves no key behind
        self.audit.record(
            "seal_made", document=None, actor=actor, organ=organ, es_id=es_id, version=version,
            note=f"{organ.name} 电子印章第 {version} 版" + ("（上传图像）" if image else "（按机关名称生成图像）"),
        )  # fmt: skip
        return seal

    # -- pressing -------------------------------------------------------------------------------------------

    def pressed(self, document: Document) -> list[tuple[int, SealKey]]:
        """The seals recorded at 用印 on a document, each with its key: (the issuer's position, the seal)."""
        found = []
        for record in self.repository.pressed(document.id):
            if record.seal is not None:
                found.append((record.position, self.key_of(record.seal)))
        return found

    def key_of(self, seal: OrganSeal) -> SealKey:
        return SealKey(
            es_id=seal.es_id, organ=seal.name, version=seal.version, image_png=seal.image, width_mm=SEAL_MM,
            key=self.keys.load(seal.es_id, seal.public_key), created=seal.created_at, valid_from=seal.valid_from,
            valid_to=seal.valid_to, eseal=seal.eseal,
        )  # fmt: skip

    # -- checking -------------------------------------------------------------------------------------------

    def verify(self, data: bytes, ses: bytes | None = None) -> Verification:
        """Every seal on a file (an OFD, or a PDF with its .ses), each also checked against the seals this office
        registered: the public key of that organ's version, and the time within the version's validity."""
        check_size(Upload.sealed_file, len(data) + len(ses or b""))
        try:
            if data.startswith(b"PK"):
                found = verify_ofd(data)
            elif data.startswith(b"%PDF"):
                if not ses:
                    raise Invalid(
                        "seal_file_missing",
                        "验证 PDF 须同时提供其签章文件（正本.pdf.ses）",
                        "a PDF is verified with its signature file (正本.pdf.ses)",
                    )
                found = verify_pdf(data, ses)
            else:
                raise Invalid("not_sealed_file", "只能验证 OFD 或 PDF 正本", "only an OFD or a PDF can be verified")
        except SealError as exc:
            raise Invalid("sealed_file_invalid", str(exc), "the file does not decode as a sealed 正本") from exc
        return replace(found, checks=[self._registered(check) for check in found.checks])

    def _registered(self, check: SealCheck) -> SealCheck:
        if not check.es_id:
            return check
        seal = self.repository.by_code(check.es_id)
        problems = list(check.problems)
        if seal is None or seal.public_key != check.public_hex:
            problems.append("该印章未在本系统登记（或公钥与登记不符）")
        elif check.signed_at is not None and not _within(check.signed_at, seal):
            problems.append("签章时间不在该版印章的有效期内")
        return replace(check, problems=problems)

    def _organ(self, organ_id: int) -> Organ:
        organ = self.repository.organ(organ_id)
        if organ is None:
            raise not_found("机关", "organ", organ_id=organ_id)
        return organ


def _within(when: dt.datetime, seal: OrganSeal) -> bool:
    end = seal.retired_at or seal.valid_to
    return seal.valid_from - dt.timedelta(minutes=5) <= when <= end


def _ascii(code: str, organ_id: int) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", code)[:40] or f"organ{organ_id}"


def _seal_font(ctx: Context) -> Path | None:
    folder = find_fonts_dir(ctx.settings.fonts_dir)
    return folder / FONT_FILES[SEAL_FACE] if folder else None
