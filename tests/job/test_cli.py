"""The whole on-site job through `lockwarden kit job ...` commands, against the pty emulators of the
fingerprint sensor and the GNSS receiver, the generated camera pattern, and a recorder process."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import msgspec
import pytest

from hub.evidence import check_bundle
from hub.home import HubHome
from protocol.evidence import EvidenceManifest, verify_manifest
from protocol.regform import RegistrationForm
from protocol.sealed import open_sealed
from tests.job.conftest import CODE, CUSTOMER_ID, ORDER_ID, order_body
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER, KitRig, wait_for_segments


def test_whole_job_from_the_command_line(rig: KitRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_body(), ensure_ascii=False), encoding="utf-8")
    assert rig.run("receive", str(order)) == 0

    # Out of order: nothing may happen before the locksmith logs in and arrives.
    assert rig.run("photo-before") == 3
    assert "Not allowed now" in capsys.readouterr().err

    rig.fp.place_finger(CUSTOMER_FINGER)  # not enrolled: no login
    assert rig.run("login") != 0
    assert rig.run("set-out") == 3  # login first
    rig.fp.place_finger(LOCKSMITH_FINGER)
    assert rig.run("login") == 0
    assert rig.run("set-out") == 0
    assert rig.run("arrive", "--code", "111111") == 3
    assert rig.run("arrive", "--code", CODE) == 0
    assert rig.run("verify") == 0
    assert rig.run("capture-customer") == 3  # no consent yet
    assert rig.run("consent", "--yes") == 0
    rig.fp.place_finger(CUSTOMER_FINGER)
    assert rig.run("capture-customer", "--id-number", CUSTOMER_ID) == 0
    assert rig.run("video-start") == 0
    try:
        wait_for_segments(rig, 1)
        assert rig.run("photo-before") == 0
        assert rig.run("opened", "--note", "picked the cylinder") == 0
        assert rig.run("photo-after") == 0
        wait_for_segments(rig, 2)
    finally:
        assert rig.run("video-stop") == 0
    assert rig.run("complete", "--fee-fen", "15000") == 3  # payment not confirmed
    assert rig.run("complete", "--fee-fen", "15000", "--payment-received") == 0
    html = tmp_path / "form.html"
    capsys.readouterr()
    assert rig.run("form", "--html", str(html), "--lang", "zh_CN") == 0
    text = capsys.readouterr().out
    assert "开锁登记表" in text and "1101**********7774" in text and CUSTOMER_ID not in text
    assert "开锁登记表" in html.read_text(encoding="utf-8")
    assert rig.run("seal") == 0
    assert rig.run("show", "--json") == 0
    shown = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert shown["step"] == "sealed"

    # The bundle verifies, lists every record and file, and the hub check finds it complete.
    store = rig.store()
    try:
        wires = {rid: wire for _s, rid, _t, wire in store.pending_records(limit=10_000)}
        bundle_env = next(json.loads(w) for w in wires.values()
                          if json.loads(w)["body"]["kind"] == "job.evidence_bundle")
        manifest = msgspec.convert(bundle_env["body"]["data"]["manifest"], EvidenceManifest)
        verify_manifest(manifest, store.identity.key.private.public_key())
        kinds = [r.kind for r in manifest.records]
        assert kinds[:4] == ["job.assigned", "job.logged_in", "job.set_out", "job.code_rejected"]
        assert len(manifest.video) >= 2
        files = {p.file_id: p for p in store.pending_files(limit=1000)}
        assert {f.file_id for f in manifest.files} == set(files)

        class Hub:
            def has_record(self, msg_id: str, sha256: str) -> bool:
                return msg_id in wires and hashlib.sha256(wires[msg_id]).hexdigest() == sha256

            def has_media(self, sha256: str) -> bool:
                return any(hashlib.sha256(p.path.read_bytes()).hexdigest() == sha256 for p in files.values())

        result = check_bundle(manifest, kit_key=store.identity.key.private.public_key(), lookup=Hub(),
                              sender="kit-0001", order_id=ORDER_ID)
        assert result.status == "complete", result

        # The customer's fingerprint reached the store sealed; only the hub key opens it.
        fp_file = next(p for p in files.values() if p.kind == "fingerprint.customer")
        template = open_sealed(fp_file.path.read_bytes(), _hub(rig).sealing_key().private, aad=fp_file.file_id.encode())
        assert len(template) > 0
        # The police copy of the form holds the full ID numbers, sealed.
        police = next(p for p in files.values() if p.kind == "form.police_copy")
        full = msgspec.json.decode(open_sealed(police.path.read_bytes(), _hub(rig).sealing_key().private,
                                               aad=police.file_id.encode()), type=RegistrationForm)
        assert full.customer.id_number == CUSTOMER_ID and not full.masked
        assert full.voucher is not None and full.voucher.name == "王五"
        assert full.locksmith.work_no == "BJ-KS-0001"
    finally:
        store.close()


def test_pin_login_and_reboot_during_video(rig: KitRig, tmp_path: Path) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_body()), encoding="utf-8")
    assert rig.run("receive", str(order)) == 0
    os.environ["LOCKWARDEN_PIN"] = "2468"
    try:
        assert rig.run("login", "--pin", "--locksmith", "ls-0001") == 0
    finally:
        del os.environ["LOCKWARDEN_PIN"]
    assert rig.run("arrive", "--code", CODE) == 0
    rig.fp.place_finger(LOCKSMITH_FINGER)
    assert rig.run("verify") == 0
    assert rig.run("consent", "--yes") == 0
    rig.fp.place_finger(CUSTOMER_FINGER)
    assert rig.run("capture-customer", "--confirm-id") == 0
    assert rig.run("video-start") == 0
    wait_for_segments(rig, 1)
    rig.reboot()  # power cut: the service (and its recorder) ends mid-video; started again, it resumes it
    assert rig.run("resume") == 0  # nothing left to resume: the service did at its start
    try:
        wait_for_segments(rig, 2)
        assert rig.run("photo-before") == 0
    finally:
        assert rig.run("abort", "--reason", "test ends here") == 0
    store = rig.store()
    try:
        kinds = [r.kind for r in store.records_for_order(ORDER_ID)]
        assert "job.video_resumed" in kinds and kinds[-2:] == ["job.aborted", "job.evidence_bundle"]
    finally:
        store.close()


def _hub(rig: KitRig) -> HubHome:
    assert rig.hub is not None
    return rig.hub
