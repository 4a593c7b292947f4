"""The topic table: every topic of the contract, defined once, rendered into docs/mqtt.md.

Kits publish only under `lw/v1/kit/{kit_id}/up/...` and their retained `state`; the broker ACL
(firmware_config/mosquitto/acl) enforces it with `%u` = kit id, and the hub checks it again against the
envelope's signed sender.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from protocol import TOPIC_ROOT

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class TopicSpec:
    name: str
    pattern: str  # with {placeholders}
    publisher: str
    subscribers: str
    summary: str
    types: tuple[str, ...] = ()
    retained: bool = False
    qos: int = 1
    params: tuple[str, ...] = field(default=())

    def build(self, **values: str) -> str:
        for key, value in values.items():
            if key in ("kit_id", "operator_id", "customer_id") and not NAME_RE.match(value):
                raise ValueError(f"{key} {value!r} must match {NAME_RE.pattern}")
        return f"{TOPIC_ROOT}/" + self.pattern.format(**values)

    def regex(self) -> re.Pattern[str]:
        body = re.escape(self.pattern)
        body = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", body)
        return re.compile("^" + re.escape(TOPIC_ROOT) + "/" + body + "$")

    def wildcard(self) -> str:
        return f"{TOPIC_ROOT}/" + re.sub(r"\{\w+\}", "+", self.pattern)


KIT_UP_RECORD = TopicSpec(
    "kit_up_record", "kit/{kit_id}/up/record", "kit", "hub",
    "Records captured on the kit (job steps, positions, registrations), in sequence order.",
    types=("kit.record",),
)
KIT_UP_MEDIA = TopicSpec(
    "kit_up_media", "kit/{kit_id}/up/media", "kit", "hub",
    "Media files announced and sent in chunks; resumable from the first chunk the hub lacks.",
    types=("media.begin", "media.chunk"),
)
KIT_UP_JOB = TopicSpec(
    "kit_up_job", "kit/{kit_id}/up/job", "kit", "hub",
    "The kit's answers in dispatch: accept or refuse an offer (the on-site job travels as job records).",
    types=(),
)
KIT_STATE = TopicSpec(
    "kit_state", "kit/{kit_id}/state", "kit (birth) / broker (last will)", "hub, consoles",
    "Retained presence: the kit's signed birth message, replaced by its pre-signed last will when it drops.",
    types=("kit.state",), retained=True,
)
KIT_DOWN_ACK = TopicSpec(
    "kit_down_ack", "kit/{kit_id}/down/ack", "hub", "kit",
    "Application-level acknowledgements: the hub has durably stored these records or chunks.",
    types=("hub.ack", "hub.media_ack"),
)
KIT_DOWN_JOB = TopicSpec(
    "kit_down_job", "kit/{kit_id}/down/job", "hub", "kit",
    "Offers, orders and job instructions for this kit's locksmith.",
    types=(),
)
HUB_STATE = TopicSpec(
    "hub_state", "hub/state", "hub", "kits, consoles",
    "Retained hub presence: `status` (`online`, or `offline` from the hub's last will) and `since` (ms). It "
    "carries no keys: every principal gets the hub's public key with its credentials (docs/mqtt.md, "
    "\"Keys and credentials\").",
    types=("hub.state",), retained=True,
)
OPS_REQ = TopicSpec(
    "ops_req", "ops/{operator_id}/req", "operator console / `lockwarden ops`", "hub",
    "Operator requests with a transaction id; the operator's identity is the signed sender.",
)
OPS_RESP = TopicSpec(
    "ops_resp", "ops/{operator_id}/resp", "hub", "operator console",
    "Responses to operator requests, matched by transaction id.",
)
OPS_MEDIA = TopicSpec(
    "ops_media", "ops/{operator_id}/media", "operator console / `lockwarden ops`", "hub",
    "Images an operator sends, chunked like kit media: filing images (`kind` \"registry\", R-1/R-2), ID cards "
    "for a hotline request (\"identity\") and documents scanned for a customer (\"document\", R-11); answered "
    "by `hub.media_ack` on the operator's response topic; `media.cancel` withdraws an incomplete upload.",
    types=("media.begin", "media.chunk", "media.cancel"),
)
OPS_EVENTS = TopicSpec(
    "ops_events", "ops/events", "hub", "operator consoles",
    "Live events for consoles: dispatch progress, deadlines, warnings, forwarding.",
)
CUSTOMER_UP = TopicSpec(
    "customer_up", "customer/{customer_id}/up", "customer app", "hub",
    "Customer requests and decisions (request, accept or reject locksmith, pay, documents).",
)
CUSTOMER_UP_MEDIA = TopicSpec(
    "customer_up_media", "customer/{customer_id}/up/media", "customer app", "hub",
    "Photos from the customer's app, announced and chunked like kit media: ID cards a request will name "
    "(`kind` \"identity\", R-3) and documents for the customer's own order (`kind` \"document\", R-11). JPEG "
    "or PNG; the hub answers each with `hub.media_ack` on the customer's down topic. `media.cancel` withdraws "
    "an incomplete upload.",
    types=("media.begin", "media.chunk", "media.cancel"),
)
CUSTOMER_DOWN = TopicSpec(
    "customer_down", "customer/{customer_id}/down", "hub", "customer app",
    "Messages to the customer: locksmith identity, order success, verification code.",
)
POLICE_RECORDS = TopicSpec(
    "police_records", "police/records", "hub", "police export",
    "Everything the police receive, in the hub's forwarding order, and the hub's signed checkpoints of the "
    "chain they form.",
    types=("police.record", "police.checkpoint"),
)
POLICE_MEDIA = TopicSpec(
    "police_media", "police/media", "hub", "police export",
    "Media referenced by forwarded records, in hashed chunks.",
    types=("police.media",),
)
POLICE_ACK = TopicSpec(
    "police_ack", "police/ack", "police export", "hub",
    "The export's acknowledgement that forwarded entries are durably written.",
    types=("police.ack",),
)
POLICE_CASES = TopicSpec(
    "police_cases", "police/cases", "police export (`--notifier mqtt`)", "the duty officer's system",
    "A case the police side opened for a missed document deadline (R-11), as plain JSON (not an envelope: it "
    "never leaves the police side's own broker account). Sub-topics below it may be chosen per station.",
)

POLICE_DECISION = TopicSpec(
    "police_decision", "police/decision", "police (`lockwarden police-decide`)", "hub",
    "The police's signed decision on money frozen pending the police (an overdue-documents case or a dispute): "
    "each frozen hold released to the customer or paid to the locksmith.",
    types=("police.decision",),
)
POLICE_DECISION_RESP = TopicSpec(
    "police_decision_resp", "police/decision/resp", "hub", "police (`lockwarden police-decide`)",
    "The hub's answer to each police decision, matched by `decision_id`: applied (holds and order state) or "
    "refused with the reason.",
    types=("police.decision_result",),
)

TOPICS: tuple[TopicSpec, ...] = (
    KIT_UP_RECORD, KIT_UP_MEDIA, KIT_UP_JOB, KIT_STATE, KIT_DOWN_ACK, KIT_DOWN_JOB, HUB_STATE,
    OPS_REQ, OPS_RESP, OPS_MEDIA, OPS_EVENTS, CUSTOMER_UP, CUSTOMER_UP_MEDIA, CUSTOMER_DOWN,
    POLICE_RECORDS, POLICE_MEDIA, POLICE_ACK, POLICE_CASES, POLICE_DECISION, POLICE_DECISION_RESP,
)

_COMPILED = [(spec, spec.regex()) for spec in TOPICS]


def parse(topic: str) -> tuple[TopicSpec, dict[str, str]] | None:
    for spec, rx in _COMPILED:
        m = rx.match(topic)
        if m:
            return spec, m.groupdict()
    return None
