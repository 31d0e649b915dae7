"""The seal's picture: drawn from the organ's name when the admin gives none (a red ring, a five-pointed star, the
name along the upper arc, as an official round seal looks), or an uploaded PNG checked against services/limits.py."""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from services.errors import Invalid
from services.limits import SEAL_IMAGE_MAX_PIXELS, Upload, check_size

RED = (230, 0, 18, 255)
SIZE_PX = 480  # 42 mm at ≈ 290 dpi
RING = 0.035  # the ring's width as a share of the diameter
STAR = 0.19  # the star's outer radius as a share of the diameter


def draw_seal(name: str, font_path: Path | None) -> bytes:
    """A red round seal (PNG with a transparent ground) with ``name`` along the upper arc."""
    image = Image.new("RGBA", (SIZE_PX, SIZE_PX), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    ring = round(SIZE_PX * RING)
    draw.ellipse((ring / 2, ring / 2, SIZE_PX - ring / 2, SIZE_PX - ring / 2), outline=RED, width=ring)
    centre = SIZE_PX / 2
    draw.polygon(_star(centre, centre, SIZE_PX * STAR), fill=RED)
    _arc_text(image, name, font_path)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for n in range(10):
        r = radius if n % 2 == 0 else inner
        angle = math.radians(-90 + 36 * n)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def _arc_text(image: Image.Image, name: str, font_path: Path | None) -> None:
    """Each character upright to the ring, spread over about 240° of the upper arc, centred on the top."""
    chars = [c for c in name if not c.isspace()] or ["印"]
    glyph = max(36, min(80, round(SIZE_PX * 2.6 / max(len(chars), 1) / 2)))
    font = _font(font_path, glyph)
    radius = SIZE_PX / 2 - SIZE_PX * RING - glyph * 0.75
    span = min(250.0, 22.0 * len(chars))
    for n, char in enumerate(chars):
        angle = -90 - span / 2 + span * (n + 0.5) / len(chars)
        tile = Image.new("RGBA", (glyph * 2, glyph * 2), (255, 255, 255, 0))
        ImageDraw.Draw(tile).text((glyph, glyph), char, font=font, fill=RED, anchor="mm")
        tile = tile.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = SIZE_PX / 2 + radius * math.cos(math.radians(angle)) - glyph
        y = SIZE_PX / 2 + radius * math.sin(math.radians(angle)) - glyph
        image.alpha_composite(tile, (round(x), round(y)))


def _font(font_path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if font_path is not None and font_path.is_file():
        return ImageFont.truetype(str(font_path), size)
    return ImageFont.load_default(size)


def checked_png(data: bytes) -> bytes:
    """An uploaded seal picture: a PNG within the size limits, square enough to stand for a round seal."""
    check_size(Upload.seal_image, len(data))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise Invalid("seal_image_invalid", "印章图像须为 PNG 文件", "the seal picture must be a PNG")
            width, height = image.size
            if width * height > SEAL_IMAGE_MAX_PIXELS or not width or not height:
                raise Invalid("seal_image_invalid", "印章图像尺寸过大", "the seal picture has too many pixels")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Invalid(
            "seal_image_invalid", "印章图像无法读取（不是有效的 PNG）", "the seal picture does not open"
        ) from exc
    if not 0.8 <= width / height <= 1.25:
        raise Invalid("seal_image_invalid", "印章图像须近似正方形", "the seal picture must be about square")
    return data
