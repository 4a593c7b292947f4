from __future__ import annotations

import hashlib

import msgspec
import pytest

from hub.documents.ops import POLICE_HANDLERS, handle_customer_documents
from hub.ingest.mediastore import MediaStore
from hub.registry.errors import DomainError
from protocol.messages import police as m
from tests.hub.test_lifecycle import form
from tests.hub.world import World

from .photos import scan
from .test_end_to_end import complete

SHA = [hashlib.sha256(x).hexdigest() for x in (b"id", b"deed")]


def op(world: World, name: str, args: dict, txn: str = "t"):
    body_type, _summary = m.POLICE_OPS[name]
    return POLICE_HANDLERS[name](world.conn, world.clock, "operator:op1", msgspec.convert(args, body_type), txn)


def test_operator_ops_cover_documents_followup_and_risk(tmp_path, clock):
    world = World(tmp_path / "hub.db", clock)
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    media = MediaStore(tmp_path / "media")
    photos = [scan(world, media, order, "id card"), scan(world, media, order, "deed")]
    sid = op(world, "documents.submit", {"order_id": order, "doc_types": ["id_card", "property_deed"],
                                         "media": photos}, txn="tx-1")["submission_id"]
    assert op(world, "documents.list", {"order_id": order})["submissions"][0]["id"] == sid
    assert op(world, "documents.verify", {"submission_id": sid})["state"] == "documents_verified"
    [task] = op(world, "followup.list", {})["tasks"]
    assert task["order_id"] == order
    assert op(world, "followup.contact", {"order_id": order, "channel": "sms"})["ref"].startswith("sms:")
    with pytest.raises(DomainError):  # no WeChat gateway yet: refused, not pretended
        op(world, "followup.contact", {"order_id": order, "channel": "wechat"})
    op(world, "followup.record", {"order_id": order, "channel": "sms", "outcome": "reached", "rating": 4})
    assert op(world, "followup.list", {})["tasks"] == []
    assert op(world, "risk.list", {"level": "red"})["warnings"] == []


def test_customer_documents_only_for_own_order(tmp_path, clock):
    world = World(tmp_path / "hub.db", clock)
    lid = world.locksmith()
    order = form(world, lid)
    media = MediaStore(tmp_path / "media")
    body = m.CustomerDocuments(order_id=order, doc_types=["id_card"], media=[scan(world, media, order, "id", sender="c-1")])
    with pytest.raises(DomainError):
        handle_customer_documents(world.conn, world.clock, "someone-else", body, "m1")
    assert handle_customer_documents(world.conn, world.clock, "c-1", body, "m2") == order
    assert handle_customer_documents(world.conn, world.clock, "c-1", body, "m2") == order  # idempotent
    n = world.conn.execute("SELECT count(*) FROM document_submissions").fetchone()[0]
    assert n == 1


def test_documents_name_only_photos_at_the_hub_and_customers_only_their_own(tmp_path, clock):
    world = World(tmp_path / "hub.db", clock)
    lid = world.locksmith()
    order = form(world, lid)
    media = MediaStore(tmp_path / "media")
    with pytest.raises(DomainError) as missing:
        handle_customer_documents(world.conn, world.clock, "c-1",
                                  m.CustomerDocuments(order_id=order, doc_types=["id_card"], media=SHA[:1]), "m1")
    assert missing.value.code == "invalid" and "upload it first" in missing.value.message
    scanned_by_operator = scan(world, media, order, "id at the counter")
    with pytest.raises(DomainError) as foreign:
        handle_customer_documents(world.conn, world.clock, "c-1", m.CustomerDocuments(
            order_id=order, doc_types=["id_card"], media=[scanned_by_operator]), "m2")
    assert foreign.value.code == "forbidden"
    # an operator may name any photo stored for the customer
    assert op(world, "documents.submit", {"order_id": order, "doc_types": ["id_card"],
                                          "media": [scanned_by_operator]}, txn="tx-9")["submission_id"] == "tx-9"
    assert world.conn.execute("SELECT count(*) FROM document_submissions").fetchone()[0] == 1
