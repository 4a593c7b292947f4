"""Why a message was refused. The reason codes are stable strings stored in quarantine tables."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    OVERSIZED = "oversized"
    MALFORMED = "malformed"
    VERSION = "unsupported_version"
    UNKNOWN_SENDER = "unknown_sender"
    REVOKED = "revoked"  # the sender's key was revoked (`lockwarden revoke-kit`); signed before or not
    BAD_SIGNATURE = "bad_signature"
    WRONG_SENDER_FOR_TOPIC = "wrong_sender_for_topic"
    WRONG_TYPE_FOR_TOPIC = "wrong_type_for_topic"
    UNKNOWN_TYPE = "unknown_type"
    RETIRED_TYPE = "retired_type"  # a type an older contract had (protocol.registry.RETIRED says what replaced it)
    BAD_SCHEMA = "bad_schema"
    REPLAY = "replay"
    BAD_CHUNK = "bad_chunk"
    BAD_FILE = "bad_file"
    UNKNOWN_TOPIC = "unknown_topic"
    PROCESSING_FAULT = "processing_fault"  # the receiver failed on it; kept for inspection and a fix
    # strict decoding (protocol/strictjson.py), before any JSON parser sees the bytes
    NOT_UTF8 = "not_utf8"
    TOO_DEEP = "too_deep"
    DUPLICATE_KEY = "duplicate_key"
    NON_FINITE = "non_finite_number"
    INT_RANGE = "integer_out_of_range"
    # identifiers and bounded resources
    BAD_ID = "bad_id"
    RATE_LIMITED = "rate_limited"
    UPLOAD_LIMIT = "upload_limit"


class Rejected(Exception):
    """A message that must not be processed; the receiver quarantines it with `reason` and `detail`."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
