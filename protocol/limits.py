"""Every bound a receiver enforces on what it is sent, defined once as data and rendered into docs/mqtt.md.

A message or upload over one of these is refused with the reason code beside it (see `protocol.errors`),
kept (a bounded prefix) in the receiver's quarantine, and acknowledged, so it is never redelivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from protocol import TOPIC_ROOT

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# -- the JSON every receiver parses --------------------------------------------------------------------------
MAX_MESSAGE_BYTES = 1 * MIB  # the broker's message_size_limit matches this
MAX_DEPTH = 32  # objects and arrays nested inside each other; the deepest real message is under 8
# Every integer on the wire has a canonical encoding (RFC 8785: an IEEE double holds it exactly, see
# protocol/canonical.py MAX_SAFE_INTEGER) and so fits a SQLite INTEGER too.
INT_MIN = -(2**53 - 1)
INT_MAX = 2**53 - 1
MAX_ID_CHARS = 128
# A chunk frame (protocol/frame.py): its one-line JSON header is a few hundred bytes, refused beyond this; the
# chunk itself is at most what fits a message beside the largest header.
FRAME_HEADER_BYTES = 4 * KIB
MAX_CHUNK_BYTES = MAX_MESSAGE_BYTES - 2 * FRAME_HEADER_BYTES  # any identifier (file id, order id, kit id) longer than this is refused outright

# topic name (protocol.topics) -> the largest payload accepted on it. A chunk frame fills up to a whole message;
# records and requests are a few KB; an evidence bundle's manifest lists every file of a job.
TOPIC_PAYLOAD_BYTES: dict[str, int] = {
    "kit_up_record": 256 * KIB,
    "kit_up_media": MAX_MESSAGE_BYTES,
    "kit_up_job": 64 * KIB,
    "kit_state": 8 * KIB,
    "kit_down_ack": 256 * KIB,
    "kit_down_job": 256 * KIB,
    "hub_state": 8 * KIB,
    "ops_req": 256 * KIB,
    "ops_resp": MAX_MESSAGE_BYTES,
    "ops_media": MAX_MESSAGE_BYTES,
    "ops_events": 256 * KIB,
    "customer_up": 64 * KIB,
    "customer_up_media": MAX_MESSAGE_BYTES,
    "customer_down": 256 * KIB,
    "police_records": MAX_MESSAGE_BYTES,
    "police_media": MAX_MESSAGE_BYTES,
    "police_ack": 256 * KIB,
    "police_cases": 256 * KIB,
    "police_decision": 64 * KIB,
    "police_decision_resp": 64 * KIB,
}

# -- media ------------------------------------------------------------------------------------------------------
# Largest file per media kind, by the kind's first dotted part (`video.segment` -> `video`); kinds not listed
# get DEFAULT_MEDIA_BYTES. A kit announcing more is refused before any byte is written, so no announce can
# make a huge sparse `.part` file.
MEDIA_KIND_BYTES: dict[str, int] = {
    "video": 1 * GIB,  # a closed recording segment (minutes of 1080p)
    "photo": 32 * MIB,  # one camera still
    "fingerprint": 1 * MIB,  # a sealed sensor template or image
    "form": 4 * MIB,  # the police copy of a registration form
    "document": 16 * MIB,  # photos an app uploads (also held to protocol-side rules in hub/ingest/uploads.py)
    "identity": 16 * MIB,
    "registry": 16 * MIB,
}
DEFAULT_MEDIA_BYTES = 64 * MIB
# Files announced and not yet complete, per sender role, and how long one may stay untouched before the hub
# drops its partial bytes (the sender still holds the file and announces it again).
MAX_OPEN_UPLOADS: dict[str, int] = {"kit": 32, "customer": 8, "operator": 8}
STALE_UPLOAD_MS: dict[str, int] = {"kit": 7 * 86_400_000, "customer": 86_400_000, "operator": 86_400_000}
SWEEP_EVERY_MS = 60_000

# -- quarantine ---------------------------------------------------------------------------------------------------
QUARANTINE_RAW_PREFIX = 4 * KIB  # bytes of each refused message kept for inspection
QUARANTINE_MAX_ENTRIES = 10_000  # beyond this the oldest entries are dropped (and counted)
QUARANTINE_FILE_BYTES = 64 * MIB  # the police export's quarantine.jsonl: beyond this it rotates, keeping one older


# -- rate per sender ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


# role -> token bucket. A kit draining a backlog sends thousands at once (resent later, in a new order, beyond
# its burst: see hub/ingest/ratelimit.py); an app sends a handful.
SENDER_RATE: dict[str, Rate] = {
    "kit": Rate(per_second=1_000.0, burst=20_000),
    "operator": Rate(per_second=50.0, burst=500),
    "customer": Rate(per_second=20.0, burst=200),
    "police": Rate(per_second=200.0, burst=2_000),
}


def topic_limit(name: str) -> int:
    return TOPIC_PAYLOAD_BYTES.get(name, MAX_MESSAGE_BYTES)


def media_limit(kind: str) -> int:
    return MEDIA_KIND_BYTES.get(kind.split(".", 1)[0], DEFAULT_MEDIA_BYTES)


@lru_cache(maxsize=8192)  # a few topics per sender; parsing one walks the topic table
def payload_limit(topic: str | None) -> int:
    """The payload limit of a concrete topic (`lw/v1/kit/kit-a/up/record`); the broker's limit if unknown."""
    if not topic or not topic.startswith(TOPIC_ROOT + "/"):
        return MAX_MESSAGE_BYTES
    from protocol.topics import parse  # local: topics imports nothing from here, keep it that way

    parsed = parse(topic)
    return topic_limit(parsed[0].name) if parsed else MAX_MESSAGE_BYTES

