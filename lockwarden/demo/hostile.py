"""Demo part 7: hostile input. Someone holding a kit's broker password and signing key (a stolen kit, provisioned
here as `kit-stolen`, so the kits at work are not disturbed) sends
what issue 8 found could stop or escape the hub: a poison message nested a thousand levels deep, duplicate
keys hiding an unsigned value, a sequence number of 2**64, file ids that are paths, a 100 GB announce. Each is
refused with its reason and kept (a bounded prefix) in quarantine; the hub keeps serving, and a record from
another kit still arrives."""

from __future__ import annotations

import hashlib
import tomllib
from typing import Any

import msgspec

from hub.ingest import store as ingest
from hub.provisioning import provision_kit
from hub.service import wait_until
from lockwarden.demo.city import LOCKSMITHS
from lockwarden.demo.world import World
from protocol import PROTOCOL_VERSION, topics
from protocol.envelope import Envelope
from protocol.frame import seal_frame
from protocol.i18n import _
from protocol.ids import new_id
from protocol.keys import SigningKey, b64
from protocol.labels import REFUSALS, label
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport


def _signed(key: SigningKey, sender: str, seq: int, ts: int, type_name: str, body: dict[str, Any]) -> bytes:
    env = Envelope(v=PROTOCOL_VERSION, id=new_id(ts), sender=sender, seq=seq, ts=ts, type=type_name, body=body)
    return msgspec.structs.replace(env, sig=b64(key.sign(env.signing_bytes()))).to_wire()


def _begin(file_id: str, size: int, sha256: str = "0" * 64, kind: str = "video.segment") -> dict[str, Any]:
    chunk = 256 * 1024
    return {"file_id": file_id, "kind": kind, "content_type": "video/mp4", "size": size, "sha256": sha256,
            "chunk_size": chunk, "chunks": max(1, -(-size // chunk)), "captured_at": 0, "order_id": None,
            "sealed": False, "meta": {}}


def run(world: World, say) -> bool:  # type: ignore[no-untyped-def]
    say(_("  someone holding a kit's broker password and signing key (a stolen kit) sends what could stop or "
          "escape the hub; each message is refused with its reason and kept, cut short, in quarantine"))
    assert world.hub is not None
    conn = world.hub.conn
    attacker_id, victim_id = "kit-stolen", sorted(world.kits)[-1]
    kit_dir = provision_kit(world.home, attacker_id, world.dir / "kits" / attacker_id, clock=world.clock)
    world.broker.reload()
    key = SigningKey.from_b64((kit_dir / "keys" / "kit_signing.key").read_text())
    password = tomllib.loads((kit_dir / "kit.toml").read_text())["broker"]["password"]
    ts = world.clock.now_ms()
    seq = 10**15  # far from the real kit's own numbers
    record = _signed(key, attacker_id, seq, ts, "kit.record", {"kind": "kit.selftest", "captured_at": ts, "data": {}})
    attacks = [
        (_("a message nested 1000 levels deep"), topics.KIT_UP_RECORD,
         b'{"body":{"x":' + b"[" * 1000 + b"1" + b"]" * 1000 + b"}}"),
        (_("a duplicate key hiding an unsigned value"), topics.KIT_UP_RECORD,
         record.replace(b'"body":{', b'"body":{"kind":"job.aborted",', 1)),
        (_("a sequence number of 2**64"), topics.KIT_UP_RECORD,
         record.replace(f'"seq":{seq},'.encode(), b'"seq":18446744073709551616,', 1)),
        (_("a file id that is a path"), topics.KIT_UP_MEDIA,
         _signed(key, attacker_id, seq + 1, ts, "media.begin", _begin("../../../escaped", 10))),
        (_("a hash that is a path"), topics.KIT_UP_MEDIA,
         _signed(key, attacker_id, seq + 2, ts, "media.begin", _begin(new_id(ts), 10, sha256="../../x"))),
        (_("a 100 GB video announced"), topics.KIT_UP_MEDIA,
         _signed(key, attacker_id, seq + 3, ts, "media.begin", _begin(new_id(ts), 100 * 1024**3))),
        (_("a chunk frame one byte short of its signed size"), topics.KIT_UP_MEDIA,
         seal_frame(key, sender=attacker_id, seq=seq + 4, ts=ts, file_id=new_id(ts), index=0, data=b"x" * 1000,
                    sha256=hashlib.sha256(b"x" * 1000).hexdigest())[:-1]),
    ]
    before = next((int(q["n"]) for q in ingest.quarantine_latest(conn, 1)), 0)
    attacker = PahoTransport(LinkSettings(host="127.0.0.1", port=world.broker.port, client_id=attacker_id,
                                          username=attacker_id, password=password),
                             on_message=lambda m: None, manual_ack=False)
    attacker.start()
    try:
        if not wait_until(lambda: attacker.connected, 20):  # the broker rereads its accounts on reload
            say(_("  the attacker could not connect"))
            return False
        for _what, topic, payload in attacks:
            attacker.publish(topic.build(kit_id=attacker_id), payload)
        ok = wait_until(lambda: len(ingest.quarantined_after(conn, before)) >= len(attacks), 30)
    finally:
        attacker.stop()
    rows = ingest.quarantined_after(conn, before)
    for (what, _topic, _payload), row in zip(attacks, rows, strict=False):
        say(_("  {what}: refused as {reason}").format(what=what, reason=label(REFUSALS, row[0])))
    victim = world.kits[victim_id]
    rec = victim.store.add_record("kit.selftest", {"note": "sent while under attack"}, essential=False)
    stored = wait_until(lambda: ingest.record_sha256(conn, rec.id) is not None, 30)
    alive = world.hub._thread is not None and world.hub._thread.is_alive()
    accepted = ingest.envelopes_from(conn, attacker_id, seq)
    say(_("  a record {name}'s kit sent during the attack: {state}; the hub still takes messages: {alive}; attacks "
          "accepted: {n}").format(name=LOCKSMITHS.get(victim_id, (victim_id,))[0], state=_("stored") if stored else _("MISSING"), alive=_("yes") if alive else _("NO"),
                n=accepted))
    return bool(ok and stored and alive and accepted == 0 and len(rows) >= len(attacks))

