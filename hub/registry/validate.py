"""Checks on identity numbers and other filed fields; each returns a problem text or None."""

from __future__ import annotations

import re

from stdnum.cn import ric, uscc

from hub.db import Conn
from hub.ingest.uploads import stored_copies
from hub.registry.errors import FieldIssue, ValidationFailed
from protocol.i18n import _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
LOCK_CLASSES = ("A", "B", "B+", "safe", "car")
ACTIONS = ("open", "repair", "replace", "break", "remove")
CATEGORIES = ("open", "repair", "replace")
GRADES = {"junior": 1, "intermediate": 2, "senior": 3, "special": 4}
GENDERS = ("male", "female")
UNIT_STATUSES = ("operating", "suspended", "closed", "changed")
LOCKSMITH_STATUSES = ("on_duty", "left")
FINGERS = ("right_thumb", "right_index", "right_middle", "right_ring", "right_little",
           "left_thumb", "left_index", "left_middle", "left_ring", "left_little")
REQUIRED_FINGERS = 3


class Issues:
    """Collects field problems so a caller sees all of them at once."""

    def __init__(self) -> None:
        self.items: list[FieldIssue] = []

    def add(self, field: str, message: str | None) -> None:
        if message:
            self.items.append(FieldIssue(field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def resident_id(value: str) -> str | None:
    if not value:
        return _("required")
    try:
        ric.validate(value)
    except Exception:
        return _("not a valid resident ID number (checksum or birth date wrong)")
    return None


def credit_code(value: str) -> str | None:
    if not value:
        return _("required")
    try:
        uscc.validate(value)
    except Exception:
        return _("not a valid unified social credit code (checksum wrong)")
    return None


def mobile(value: str) -> str | None:
    if not MOBILE_RE.match(value or ""):
        return _("not a mainland China mobile number (11 digits starting 13-19)")
    return None


def sha256(value: str | None, *, optional: bool = False) -> str | None:
    if value is None or value == "":
        return None if optional else _("required: SHA-256 of the stored image")
    if not SHA256_RE.match(value):
        return _("not a SHA-256 hex digest (64 lowercase hex digits)")
    return None


def stored_image(conn: Conn, value: str | None, *, optional: bool = False,
                 uploader: str | None = None) -> str | None:
    """A SHA-256 naming an image the hub holds, verified (hub/ingest/uploads.py); from `uploader` if given
    (a customer names only photos they sent: a hash alone proves nothing about who took the picture)."""
    problem = sha256(value, optional=optional)
    if problem or not value:
        return problem
    senders = [sender for sender, _order in stored_copies(conn, value)]
    if not senders:
        return _("no such image at the hub: upload it first")
    if uploader is not None and uploader not in senders:
        return _("this image was not uploaded by you")
    return None


def text(value: str, *, max_len: int = 200) -> str | None:
    if not value or not value.strip():
        return _("required")
    if len(value) > max_len:
        return _("too long")
    return None


def one_of(value: str, allowed: tuple[str, ...] | dict[str, int]) -> str | None:
    if value not in allowed:
        return _("must be one of: ") + ", ".join(allowed)
    return None


def latitude(value: float) -> str | None:
    return None if -90.0 <= value <= 90.0 else _("latitude out of range")


def longitude(value: float) -> str | None:
    return None if -180.0 <= value <= 180.0 else _("longitude out of range")
