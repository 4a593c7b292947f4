"""Is this a whole JPEG or PNG? A structural check (segments, chunk CRCs, end markers) that finds the
truncated and corrupt photos a phone or scanner can produce, without a codec: the hub and the apps both
use it, the app before sending, the hub before accepting."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def content_type_of(data: bytes) -> str:
    """The content type an upload declares: PNG by its signature, else JPEG (checked by `image_problem`)."""
    return "image/png" if data[:8] == PNG_SIGNATURE else "image/jpeg"


def image_problem(data: bytes, content_type: str) -> str | None:
    """Why these bytes are not a whole image of `content_type`, or None when they are."""
    if content_type == "image/png":
        return _png_problem(data)
    if content_type == "image/jpeg":
        return _jpeg_problem(data)
    return f"content type {content_type!r} is not accepted"


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _jpeg_problem(data: bytes) -> str | None:
    if data[:3] != b"\xff\xd8\xff":
        return "not a JPEG: no start-of-image marker"
    pos, size = 2, None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return f"JPEG marker expected at byte {pos}"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2 or pos + 2 + length > len(data):
            return f"JPEG segment at byte {pos} runs past the end of the file (truncated?)"
        if marker in _SOF and length >= 7:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            size = (width, height)
        if marker == 0xDA:  # start of scan: compressed data follows, up to the end-of-image marker
            if size is None or 0 in size:
                return "JPEG has no frame header with a picture size"
            if data.rfind(b"\xff\xd9") < pos + 2 + length:
                return "JPEG is truncated: no end-of-image marker after the picture data"
            return None
        pos += 2 + length
    return "JPEG is truncated before its picture data"


def _png_problem(data: bytes) -> str | None:
    if data[:8] != PNG_SIGNATURE:
        return "not a PNG: bad signature"
    pos, first = 8, True
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 8 + length
        if end + 4 > len(data):
            return f"PNG chunk {kind!r} at byte {pos} runs past the end of the file (truncated?)"
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(data[pos + 4 : end]) != crc:
            return f"PNG chunk {kind!r} at byte {pos} fails its CRC"
        if first:
            if kind != b"IHDR" or length != 13:
                return "PNG does not start with its header chunk"
            width, height = struct.unpack(">II", data[pos + 8 : pos + 16])
            if not width or not height:
                return "PNG has an empty picture size"
            first = False
        if kind == b"IEND":
            return None
        pos = end + 4
    return "PNG is truncated: no end chunk"
