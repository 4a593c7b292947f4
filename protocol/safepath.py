"""Identifiers are data, never paths.

Every id a message carries that ends up in a file name (a media `file_id`, an announced SHA-256, an order id,
a kit id) is checked against its format here before any path is built from it, and the path built is checked
to resolve inside its folder. A refusal is `Rejected(bad_id)`, so receivers quarantine it like any other.
"""

from __future__ import annotations

import re
from pathlib import Path

from protocol.errors import Reason, Rejected
from protocol.ids import ULID_RE
from protocol.limits import MAX_ID_CHARS

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# the kit-id / principal-name pattern of the topic table (protocol.topics.NAME_RE)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

FORMATS: dict[str, re.Pattern[str]] = {"ulid": ULID_RE, "sha256": SHA256_RE, "name": NAME_RE}
# what each format is, for a person reading the refusal or docs/mqtt.md
FORMAT_HELP: dict[str, str] = {
    "ulid": "26 characters of Crockford base32 (a time-ordered id)",
    "sha256": "64 lowercase hexadecimal digits",
    "name": "2-63 of a-z, 0-9 and '-', starting with a letter or digit",
}


def check_id(value: object, fmt: str, what: str = "id") -> str:
    """`value` if it is a string of format `fmt` (`ulid`, `sha256`, `name`); otherwise `Rejected(bad_id)`."""
    if not isinstance(value, str):
        raise Rejected(Reason.BAD_ID, f"{what} is not a string")
    if len(value) > MAX_ID_CHARS:
        raise Rejected(Reason.BAD_ID, f"{what} of {len(value)} characters")
    if not FORMATS[fmt].fullmatch(value):
        raise Rejected(Reason.BAD_ID, f"{what} {value[:40]!r} is not {FORMAT_HELP[fmt]}")
    return value


def inside(folder: Path, *parts: str) -> Path:
    """`folder / parts...`, refused unless it resolves to a path inside `folder` (no `..`, no absolute part,
    no NUL, no symlink leading out)."""
    for part in parts:
        if not part or "\x00" in part or "/" in part or "\\" in part or part in (".", ".."):
            raise Rejected(Reason.BAD_ID, f"path part {part[:40]!r} is not a plain file name")
    path = folder.joinpath(*parts)
    base = folder.resolve()
    if not path.resolve().is_relative_to(base):
        raise Rejected(Reason.BAD_ID, f"{'/'.join(parts)[:80]!r} leads out of {folder}")
    return path
