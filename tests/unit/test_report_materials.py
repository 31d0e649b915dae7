"""What counts as each material of a report (DOMAIN.md §5): pictures by their bytes, texts by the body or a file."""

from __future__ import annotations

import pytest

from services.documents.schemas import AttachmentUpload
from services.formats import is_image, is_video
from services.obligations.materials import Kind, kind_of, missing_materials
from services.seed.example import tiny_png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"


def _file(data: bytes, name: str = "a.bin") -> AttachmentUpload:
    return AttachmentUpload(title=name, filename=name, content_type="application/octet-stream", data=data)


@pytest.mark.parametrize(
    ("material", "kind"),
    [
        ("照片", Kind.image), ("活动照片", Kind.image), ("图片", Kind.image), ("图片影像资料", Kind.picture),
        ("影像资料", Kind.picture), ("活动视频", Kind.video), ("工作总结", Kind.text), ("佐证材料", Kind.text),
        ("创建工作方案", Kind.text), ("工作动态信息", Kind.text),
    ],
)  # fmt: skip
def test_a_material_is_known_by_its_name(material: str, kind: Kind) -> None:
    assert kind_of(material) == kind


def test_files_are_known_by_their_bytes_not_their_names() -> None:
    assert is_image(tiny_png()) and is_image(JPEG) and is_image(HEIC)
    assert not is_image(b"a photo.jpg that is text") and not is_image(b"") and not is_image(MP4)
    assert is_video(MP4) and not is_video(HEIC) and not is_video(JPEG)


def test_what_a_report_lacks() -> None:
    materials = ["活动月工作总结", "图片影像资料"]
    assert missing_materials(materials, [], "总结正文。", []) == [("图片影像资料", Kind.picture)]
    assert missing_materials(materials, [], "总结正文。", [_file(MP4)]) == []
    assert missing_materials(materials, [], "总结正文。", [_file(tiny_png(), "x.dat")]) == []
    assert missing_materials(materials, ["图片影像资料"], "总结正文。", []) == []
    assert missing_materials(["活动照片", "活动视频"], [], "正文", [_file(JPEG)]) == [("活动视频", Kind.video)]
    assert missing_materials(["工作总结"], [], " ", [_file(b"%PDF-1.7")]) == []
    assert missing_materials(["工作总结"], [], " ", []) == [("工作总结", Kind.text)]
