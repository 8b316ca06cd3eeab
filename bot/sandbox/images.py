"""Just enough of the common image formats for the sandboxes to behave like the real services.

Telegram refuses a ``photo`` that is not an image, and TikTok Shop's Upload Image answers
with the picture's width and height; both need the format and the size, which the first
bytes of a JPEG, PNG, GIF or WebP file give. Also ``make_png``, a valid picture of any size
in bytes, for tests and the demo (no imaging library is a dependency).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "jpeg", "png", "gif", "webp"
    width: int
    height: int


def _jpeg(data: bytes) -> ImageInfo | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        # Start-of-frame markers carry the size; C4, C8 and CC share the range but are not SOFs.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ImageInfo("jpeg", width, height)
        at += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo("webp", width, height)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    return None


def probe(data: bytes) -> ImageInfo | None:
    """The picture's format and size, or None when the bytes are not an image we know."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("gif", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def make_png(width: int, height: int, *, shade: int = 128, padding: int = 0) -> bytes:
    """A grey ``width`` x ``height`` PNG; ``padding`` bytes of a private chunk make it larger."""
    row = b"\x00" + bytes([shade % 256]) * width
    pixels = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    extra = _chunk(b"tkPd", b"\x00" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + extra
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )
