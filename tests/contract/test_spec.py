"""The spec's tables are complete: every refusal reason has a meaning, every police message type a topic,
and the statements issue 15 found wrong stay fixed."""

from __future__ import annotations

from pathlib import Path

import protocol.messages  # noqa: F401
from protocol.errors import Reason
from protocol.reasons import MEANING
from protocol.registry import MESSAGES
from protocol.topics import HUB_STATE, POLICE_ACK, POLICE_MEDIA, POLICE_RECORDS, TOPICS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_reason_has_a_meaning() -> None:
    assert set(MEANING) == set(Reason)


def test_topics_name_only_registered_types_and_police_types_have_their_topic() -> None:
    for t in TOPICS:
        assert set(t.types) <= set(MESSAGES), t.name
    assert POLICE_RECORDS.types == ("police.record", "police.checkpoint")
    assert POLICE_MEDIA.types == ("police.media",) and POLICE_ACK.types == ("police.ack",)
    assert "fingerprint" not in HUB_STATE.summary


def test_example_id_numbers_pass_the_checksum() -> None:
    from stdnum.cn import ric

    from protocol.messages.customer import UnlockRequest

    req = MESSAGES["customer.request"].example()
    assert isinstance(req, UnlockRequest) and req.witness is not None
    assert ric.is_valid(req.customer_id_number) and ric.is_valid(req.witness.id_number)


def test_docs_state_the_duplicate_rule_the_code_follows() -> None:
    text = (DOCS / "mqtt.md").read_text(encoding="utf-8")
    assert "is a **duplicate**: it is acknowledged again" in text
    assert "`lw/v1/police/records`" in (DOCS / "police.md").read_text(encoding="utf-8")
