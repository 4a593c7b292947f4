"""The job walked on the kit's command line reaches the hub over a real Mosquitto: every record and file
of the sealed bundle arrives, the hub-side check finds it complete, and the registration form is there."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from edge.app import make_kit
from hub.evidence import check_bundle
from hub.evidence.ingest_lookup import IngestLookup
from hub.service import make_hub, wait_until
from protocol.evidence import EvidenceManifest
from protocol.keys import SigningKey
from protocol.regform import form_from_data
from tests.job.conftest import CODE, ORDER_ID, order_body
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER, KitRig, emulated_kit, wait_for_segments


def test_bundle_and_form_reach_the_hub(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.kits["kit-a"]
    with emulated_kit(kit_dir) as rig:
        _walk_on_the_command_line(rig, tmp_path)

    hub = make_hub(deployment.home.dir)
    kit = make_kit(kit_dir)
    hub.start()
    kit.start()
    try:
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 90), kit.sync.status()
        row = hub.conn.execute("SELECT body FROM kit_records WHERE kind='job.evidence_bundle' AND order_id=?",
                               (ORDER_ID,)).fetchone()
        manifest = msgspec.convert(json.loads(row[0])["data"]["manifest"], EvidenceManifest)
        kit_key = SigningKey.from_b64((kit_dir / "keys" / "kit_signing.key").read_text()).private.public_key()
        result = check_bundle(manifest, kit_key=kit_key, lookup=IngestLookup(hub.conn), sender="kit-a",
                              order_id=ORDER_ID)
        assert result.status == "complete", result
        form_row = hub.conn.execute("SELECT body FROM kit_records WHERE kind='job.registration_form'").fetchone()
        form = form_from_data(json.loads(form_row[0])["data"]["form"])
        assert form.order_id == ORDER_ID and form.masked and form.fee_fen == 15000
        # A part the hub lost (or never got) makes the same bundle incomplete.
        lost = manifest.records[2].id
        hub.conn.execute("UPDATE kit_records SET wire_sha256='x' WHERE id=?", (lost,))
        assert check_bundle(manifest, kit_key=kit_key, lookup=IngestLookup(hub.conn)).status == "mismatch"
    finally:
        kit.stop()
        hub.stop()


def _walk_on_the_command_line(rig: KitRig, tmp_path: Path) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_body()), encoding="utf-8")
    steps: list[tuple[str, ...]] = [("receive", str(order)), ("login",), ("arrive", "--code", CODE), ("verify",),
                                    ("consent", "--yes")]
    rig.fp.place_finger(LOCKSMITH_FINGER)
    for args in steps:
        assert rig.run(*args) == 0, args
    rig.fp.place_finger(CUSTOMER_FINGER)
    assert rig.run("capture-customer") == 0
    assert rig.run("video-start") == 0
    try:
        wait_for_segments(rig, 1)
        for args in [("photo-before",), ("opened",), ("photo-after",)]:
            assert rig.run(*args) == 0, args
    finally:
        assert rig.run("video-stop") == 0
    for args in [("complete", "--fee-fen", "15000", "--payment-received"), ("form",), ("seal",)]:
        assert rig.run(*args) == 0, args
