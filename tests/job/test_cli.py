"""The whole on-site job through `lockwarden kit job ...` commands, against the pty emulators of the
fingerprint sensor and the GNSS receiver, the generated camera pattern, and a recorder process."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
import serial

from edge.app import load_kit_settings
from edge.hardware.config import FingerprintConfig
from edge.hardware.fingerprint.driver import EnrollStep, FingerprintSensor
from edge.hardware.fingerprint.emulator import FingerprintEmulator
from edge.hardware.gnss.emulator import GnssEmulator
from edge.identity import KitIdentity
from edge.job.pin import hash_pin
from edge.store import KitStore
from hub.evidence import check_bundle
from hub.home import HubHome, init_hub
from hub.provisioning import provision_kit
from lockwarden.cli import main
from protocol.clock import SystemClock
from protocol.evidence import EvidenceManifest, verify_manifest
from protocol.i18n import set_language
from protocol.keys import SigningKey, load_sealing_public, load_verify_key
from protocol.regform import RegistrationForm
from protocol.sealed import open_sealed
from tests.job.conftest import CODE, ORDER_ID, SITE, order_body

LOCKSMITH_FINGER = "li-jianguo/right-index"
CUSTOMER_FINGER = "zhang-san/right-thumb"


@dataclass
class KitRig:
    dir: Path
    hub: HubHome
    fp: FingerprintEmulator
    gnss: GnssEmulator

    def run(self, *args: str) -> int:
        return main(["--lang", "en", "kit", "job", *args, "--dir", str(self.dir)])

    def store(self) -> KitStore:
        s = load_kit_settings(self.dir)
        identity = KitIdentity(s.kit_id, SigningKey.from_b64((self.dir / s.key_file).read_text()),
                               load_verify_key(s.hub_verify_key), load_sealing_public(s.hub_sealing_key))
        return KitStore(self.dir / s.data_dir, identity, SystemClock())


def _enroll(emu: FingerprintEmulator, slot: int, finger: str) -> None:
    cfg = FingerprintConfig(finger_wait_polls=3, poll_interval_s=0.0)
    sensor = FingerprintSensor(serial.Serial(emu.path, 57600, timeout=1), cfg, sleep=lambda s: None)

    def prompt(step: EnrollStep) -> None:
        if step is EnrollStep.REMOVE:
            emu.remove_finger()
        else:
            emu.place_finger(finger)

    try:
        sensor.enroll(slot, prompt)
    finally:
        sensor.close()
    emu.remove_finger()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[KitRig]:
    set_language("en")
    fp = FingerprintEmulator("r307").start()
    gnss = GnssEmulator(SITE[0] + 0.0003, SITE[1], interval_s=0.1).start()
    hub = init_hub(tmp_path / "hub")
    kit_dir = tmp_path / "kit"
    provision_kit(hub, "kit-0001", kit_dir)
    with open(kit_dir / "kit.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[hardware.fingerprint]\nbackend = "serial"\nport = "{fp.path}"\nfinger_wait_polls = 20\n'
                 f'poll_interval_s = 0.01\n'
                 f'\n[hardware.gnss]\nbackend = "serial"\nport = "{gnss.path}"\n'
                 f'\n[hardware.camera]\nbackend = "pattern"\nwidth = 320\nheight = 240\nfps = 10.0\n'
                 f'segment_seconds = 0.5\n')
    (kit_dir / "job.toml").write_text(
        '[job]\narrival_max_distance_m = 150\nfix_wait_s = 5.0\n\n'
        '[[locksmiths]]\nlocksmith_id = "ls-0001"\nname = "李建国"\nwork_no = "BJ-KS-0001"\n'
        'id_number = "110105198001011234"\nunit = "北京安居开锁服务部"\nfingerprint_slots = [0]\n'
        f'pin_hash = "{hash_pin("2468")}"\n', encoding="utf-8")
    _enroll(fp, 0, LOCKSMITH_FINGER)
    try:
        yield KitRig(kit_dir, hub, fp, gnss)
    finally:
        fp.stop()
        gnss.stop()


def _wait_for_segments(rig: KitRig, n: int) -> None:
    store = rig.store()
    try:
        for _ in range(600):
            if sum(f.kind == "video.segment" for f in store.files_for_order(ORDER_ID)) >= n:
                return
            time.sleep(0.05)
    finally:
        store.close()
    raise AssertionError("the recorder produced no segment")


def test_whole_job_from_the_command_line(rig: KitRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_body(), ensure_ascii=False), encoding="utf-8")
    assert rig.run("receive", str(order)) == 0

    # Out of order: nothing may happen before the locksmith logs in and arrives.
    assert rig.run("photo-before") == 3
    assert "Not allowed now" in capsys.readouterr().err

    rig.fp.place_finger(CUSTOMER_FINGER)  # not enrolled: no login
    assert rig.run("login") != 0
    rig.fp.place_finger(LOCKSMITH_FINGER)
    assert rig.run("login") == 0
    assert rig.run("arrive", "--code", "111111") == 3
    assert rig.run("arrive", "--code", CODE) == 0
    assert rig.run("verify") == 0
    assert rig.run("capture-customer") == 3  # no consent yet
    assert rig.run("consent", "--yes") == 0
    rig.fp.place_finger(CUSTOMER_FINGER)
    assert rig.run("capture-customer", "--id-number", "110101199003077777") == 0
    assert rig.run("video-start") == 0
    try:
        _wait_for_segments(rig, 1)
        assert rig.run("photo-before") == 0
        assert rig.run("opened", "--note", "picked the cylinder") == 0
        assert rig.run("photo-after") == 0
        _wait_for_segments(rig, 2)
    finally:
        assert rig.run("video-stop") == 0
    assert rig.run("complete", "--fee-fen", "15000") == 3  # payment not confirmed
    assert rig.run("complete", "--fee-fen", "15000", "--payment-received") == 0
    html = tmp_path / "form.html"
    capsys.readouterr()
    assert rig.run("form", "--html", str(html), "--lang", "zh_CN") == 0
    text = capsys.readouterr().out
    assert "开锁登记表" in text and "1101**********7777" in text and "110101199003077777" not in text
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
        assert kinds[:3] == ["job.assigned", "job.logged_in", "job.code_rejected"]
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
        template = open_sealed(fp_file.path.read_bytes(), rig.hub.sealing_key().private, aad=fp_file.file_id.encode())
        assert len(template) > 0
        # The police copy of the form holds the full ID numbers, sealed.
        police = next(p for p in files.values() if p.kind == "form.police_copy")
        full = msgspec.json.decode(open_sealed(police.path.read_bytes(), rig.hub.sealing_key().private,
                                               aad=police.file_id.encode()), type=RegistrationForm)
        assert full.customer.id_number == "110101199003077777" and not full.masked
        assert full.voucher is not None and full.voucher.name == "王五"
        assert full.locksmith.work_no == "BJ-KS-0001"
    finally:
        store.close()


def test_pin_login_and_reboot_during_video(rig: KitRig, tmp_path: Path) -> None:
    import os

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
    assert rig.run("capture-customer") == 0
    assert rig.run("video-start") == 0
    _wait_for_segments(rig, 1)
    # Power cut: the recorder dies without closing its segment.
    from edge.job.detached import _alive, read_state

    work = rig.dir / "data" / "video-work" / ORDER_ID
    state = read_state(work)
    assert state is not None
    os.kill(int(str(state["pid"])), 9)
    for _ in range(200):
        if not _alive(int(str(state["pid"]))):
            break
        time.sleep(0.05)
    assert rig.run("resume") == 0  # adopts what the dead recorder left, starts a new one
    try:
        _wait_for_segments(rig, 2)
        assert rig.run("photo-before") == 0
    finally:
        assert rig.run("abort", "--reason", "test ends here") == 0
    store = rig.store()
    try:
        kinds = [r.kind for r in store.records_for_order(ORDER_ID)]
        assert "job.video_resumed" in kinds and kinds[-2:] == ["job.aborted", "job.evidence_bundle"]
    finally:
        store.close()
