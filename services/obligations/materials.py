"""The materials an obligation asks for are required parts of a report (DOMAIN.md §5: “将活动总结、照片报送…”):
a picture material (照片, 图片, 影像 …) needs at least one image among the files, a video material a video, and
any other material (总结, 方案, 佐证材料 …) a text or a document — the report's body is a text, so it always has
one. A file counts by what its bytes are, not by its name or the type the browser claimed: a renamed text file is
no photo. A material the obligation marks optional is never required.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from services.documents.schemas import AttachmentUpload
from services.formats import is_image, is_video


class Kind(StrEnum):
    image = "image"
    video = "video"
    picture = "picture"  # 影像: an image or a video
    text = "text"


IMAGE_WORDS = ("照片", "图片", "相片", "图像", "截图", "剪影")
PICTURE_WORDS = ("影像",)
VIDEO_WORDS = ("视频", "录像", "短片")

KIND_ZH = {
    Kind.image: "至少一张图片",
    Kind.video: "至少一段视频",
    Kind.picture: "至少一张图片或一段视频",
    Kind.text: "文字或文档",
}


def kind_of(material: str) -> Kind:
    if any(w in material for w in IMAGE_WORDS):
        return Kind.picture if any(w in material for w in PICTURE_WORDS + VIDEO_WORDS) else Kind.image
    if any(w in material for w in PICTURE_WORDS):
        return Kind.picture
    if any(w in material for w in VIDEO_WORDS):
        return Kind.video
    return Kind.text


def satisfied(kind: Kind, body: str, uploads: Sequence[AttachmentUpload]) -> bool:
    if kind == Kind.image:
        return any(is_image(u.data) for u in uploads)
    if kind == Kind.video:
        return any(is_video(u.data) for u in uploads)
    if kind == Kind.picture:
        return any(is_image(u.data) or is_video(u.data) for u in uploads)
    return bool(body.strip()) or bool(uploads)


def missing_materials(
    materials: Sequence[str], optional: Sequence[str], body: str, uploads: Sequence[AttachmentUpload]
) -> list[tuple[str, Kind]]:
    """The required materials a report does not carry, each with what it would have needed."""
    skip = set(optional)
    return [(m, kind_of(m)) for m in materials if m not in skip and not satisfied(kind_of(m), body, uploads)]


def describe_missing(missing: Sequence[tuple[str, Kind]]) -> str:
    """“照片（须附至少一张图片）、视频（须附至少一段视频）”."""
    return "、".join(f"{m}（须附{KIND_ZH[k]}）" for m, k in missing)
