"""An emulated kit: a provisioned kit directory whose hardware is the fingerprint sensor and GNSS emulators
on ptys (served by threads in the test process) and the generated camera pattern. `lockwarden kit job`
attaches to the running kit service, so the rig runs one (in this process, started at the first command,
as systemd starts it on a kit) and `reboot()` stops it as a power cut would end it, mid-job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from hub.home import HubHome, init_hub
from hub.provisioning import provision_kit
from lockwarden.cli import main
from protocol.clock import SystemClock
from protocol.i18n import set_language
from protocol.keys import SigningKey, load_sealing_public, load_verify_key
from tests.job.conftest import ORDER_ID, SITE

LOCKSMITH_FINGER = "li-jianguo/right-index"
CUSTOMER_FINGER = "zhang-san/right-thumb"


@dataclass
class KitRig:
    dir: Path
    hub: HubHome | None
    fp: FingerprintEmulator
    gnss: GnssEmulator
    service: Any = field(default=None)  # edge.service.KitService, once a command needed it

    def run(self, *args: str) -> int:
        self.start_service()
        return main(["--lang", "en", "kit", "job", *args, "--dir", str(self.dir)])

    def start_service(self) -> None:
        from edge.service import build_kit_service

        if self.service is None:
            self.service = build_kit_service(self.dir)
            self.service.start()

    def reboot(self) -> None:
        """The service ends mid-job; the next command starts it again (and it resumes what was running)."""
        self.stop_service()
        self.start_service()

    def stop_service(self) -> None:
        if self.service is not None:
            service, self.service = self.service, None
            service.stop()

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


@contextmanager
def emulated_kit(kit_dir: Path, hub: HubHome | None = None, locksmith_id: str = "ls-0001") -> Iterator[KitRig]:
    """Point a provisioned kit directory at fresh emulators and give it a job.toml with one locksmith
    whose finger is enrolled at slot 0."""
    set_language("en")
    fp = FingerprintEmulator("r307").start()
    gnss = GnssEmulator(SITE[0] + 0.0003, SITE[1], interval_s=0.1).start()
    try:
        with open(kit_dir / "kit.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[hardware.fingerprint]\nbackend = "serial"\nport = "{fp.path}"\nfinger_wait_polls = 20\n'
                     f'poll_interval_s = 0.01\n'
                     f'\n[hardware.gnss]\nbackend = "serial"\nport = "{gnss.path}"\n'
                     f'\n[hardware.camera]\nbackend = "pattern"\nwidth = 320\nheight = 240\nfps = 10.0\n'
                     f'segment_seconds = 0.5\n')
        (kit_dir / "job.toml").write_text(
            '[job]\narrival_max_distance_m = 150\nfix_wait_s = 5.0\nstart_requires_upload = false\n\n'
            f'[[locksmiths]]\nlocksmith_id = "{locksmith_id}"\nname = "李建国"\nwork_no = "BJ-KS-0001"\n'
            'id_number = "110105198001011234"\nunit = "北京安居开锁服务部"\nfingerprint_slots = [0]\n'
            f'pin_hash = "{hash_pin("2468")}"\n', encoding="utf-8")
        _enroll(fp, 0, LOCKSMITH_FINGER)
        rig = KitRig(kit_dir, hub, fp, gnss)
        try:
            yield rig
        finally:
            rig.stop_service()
    finally:
        fp.stop()
        gnss.stop()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[KitRig]:
    hub = init_hub(tmp_path / "hub")
    kit_dir = tmp_path / "kit"
    provision_kit(hub, "kit-0001", kit_dir)
    with emulated_kit(kit_dir, hub) as r:
        yield r


def wait_for_segments(rig: KitRig, n: int, order_id: str = ORDER_ID) -> None:
    store = rig.store()
    try:
        for _ in range(600):
            if sum(f.kind == "video.segment" for f in store.files_for_order(order_id)) >= n:
                return
            time.sleep(0.05)
    finally:
        store.close()
    raise AssertionError("the recorder produced no segment")
