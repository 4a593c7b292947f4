from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from edge.identity import KitIdentity
from edge.job.devices import MatchLike, Photo, Segment
from edge.job.flow import JobFlow
from edge.job.hardware import GnssPosition, SensorFingerprint
from edge.job.kitdir import hardware_config, make_job_flow
from edge.job.pin import hash_pin
from edge.store import KitStore
from protocol.clock import FakeClock
from protocol.keys import SealingKey, SigningKey
from protocol.service_code import hash_code

SITE = (39.9087, 116.3975)
CODE = "482913"
ORDER_ID = "01JGZ0000000000000000000AA"
# Where the GNSS emulator starts: about 22 m north of the site.
KIT_START = (SITE[0] + 0.0002, SITE[1])
LOCKSMITH_FINGER = "li-jianguo/right-index"
CUSTOMER_FINGER = "zhang-san/right-thumb"
OTHER_LOCKSMITH_FINGER = "zhao-liu/right-index"
CUSTOMER_ID = "110101199003077774"  # a valid resident ID number (checksum, birth date, region)


def order_body(order_id: str = ORDER_ID, locksmith_id: str = "ls-0001", code: str = CODE) -> dict[str, Any]:
    return {
        "order_id": order_id, "locksmith_id": locksmith_id, "customer_name": "张三",
        "customer_mobile": "13800138000", "customer_id_number": CUSTOMER_ID,
        "site_address": "北京市东城区东长安街1号", "site_lat": SITE[0], "site_lon": SITE[1],
        "lock_class": "B", "category": "open", "prepayment_fen": 5000, "deposit_fen": 20000,
        "code_hash": hash_code(code, n=2**10), "witness": {"name": "王五", "id_number": "110101198505052222"},
    }


class FingerprintProbe:
    """The real sensor driver (over the in-process emulator) as the flow sees it; it only counts the flow's
    calls and keeps the last template the driver captured. Every answer is the driver's own."""

    def __init__(self, real: SensorFingerprint) -> None:
        self.real = real
        self.verifies = 0
        self.template = b""

    @property
    def emulator(self) -> Any:
        return self.real.emulator

    def verify(self) -> MatchLike:
        self.verifies += 1
        return self.real.verify()

    def capture_template(self) -> bytes:
        self.template = self.real.capture_template()
        return self.template

    def enrolled_template(self, slot: int) -> bytes:
        return self.real.enrolled_template(slot)


class CameraProbe:
    """The real kit camera (pattern backend, segmented recorder) as the flow sees it; counts photos,
    remembers which folder is recording, and can make the real recorder close a segment (`rotate`)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.shots = 0
        self.folder: Path | None = None
        self.sink: Callable[[Segment], None] | None = None

    def photo(self) -> Photo:
        self.shots += 1
        return self.real.photo()  # type: ignore[no-any-return]

    def start_video(self, out_dir: Path, on_segment: Callable[[Segment], None]) -> None:
        self.real.start_video(out_dir, on_segment)
        self.folder, self.sink = out_dir, on_segment
        self._wait_for_frames()

    def stop_video(self, out_dir: Path) -> None:
        self.real.stop_video(out_dir)
        if out_dir == self.folder:
            self.folder = self.sink = None

    def is_recording(self, out_dir: Path | None = None) -> bool:
        folder = out_dir if out_dir is not None else self.folder
        return folder is not None and bool(self.real.is_recording(folder))

    def paused_for_space(self, out_dir: Path) -> bool:
        return bool(self.real.paused_for_space(out_dir))

    def rotate(self) -> None:
        """Close the open segment and open the next, as the recorder does every `segment_seconds` (set
        long here, so that the number of segments depends on the test's steps, not on the machine's speed):
        the real recorder stops (closing and handing over the segment) and starts again in the same folder,
        numbering on."""
        assert self.folder is not None and self.sink is not None
        folder, sink = self.folder, self.sink
        self.real.stop_video(folder)
        self.real.start_video(folder, sink)
        self._wait_for_frames()

    def _wait_for_frames(self) -> None:
        # A segment with no frame is no evidence (the flow drops it): let the recorder write a few first.
        source = self.real.camera().source
        start = source.count
        for _ in range(400):
            if source.count >= start + 3:
                return
            time.sleep(0.01)
        raise AssertionError("the camera gave no frames")


@dataclass
class Kit:
    dir: Path
    clock: FakeClock
    store: KitStore
    flow: JobFlow
    fp: FingerprintProbe
    pos: GnssPosition
    cam: CameraProbe
    hub_signing: SigningKey
    hub_sealing: SealingKey
    identity: KitIdentity
    conf: Path
    opened: list[Kit] = field(default_factory=list)

    @property
    def fp_emulator(self) -> Any:
        return self.fp.emulator

    @property
    def gnss(self) -> Any:
        return self.pos.emulator

    def move_to(self, lat: float, lon: float) -> None:
        """Move the GNSS emulator and wait until the receiver's reader has the new position."""
        self.gnss.move_to(lat, lon)
        reader = self.pos.reader()
        for _ in range(400):
            pos = reader.latest()
            if pos is not None and abs(pos.lat - lat) < 1e-5 and abs(pos.lon - lon) < 1e-5:
                return
            time.sleep(0.01)
        raise AssertionError("the GNSS reader never saw the new position")

    def lose_fix(self) -> None:
        """The GNSS emulator loses its fix; wait until the reader has a sentence saying so."""
        self.gnss.lose_fix()
        reader = self.pos.reader()
        for _ in range(400):
            if reader.latest() is None:
                return
            time.sleep(0.01)
        raise AssertionError("the GNSS reader kept its fix")

    def enroll(self, slot: int, finger: str) -> None:
        """Enrol a finger into the sensor's library through the real driver, as at registration."""
        emu = self.fp_emulator

        def prompt(step: Any) -> None:
            from edge.hardware.fingerprint.driver import EnrollStep

            emu.remove_finger() if step is EnrollStep.REMOVE else emu.place_finger(finger)

        self.fp.real.sensor().enroll(slot, prompt)
        emu.remove_finger()

    def reopen(self) -> Kit:
        """A reboot: close everything and open the same data dir again with fresh devices (new emulators;
        the sensor's library persists in its flash file, as on the real sensor)."""
        self.flow.close()
        self.store.close()
        store = KitStore(self.dir, self.identity, self.clock)
        k = _open(self.dir, self.clock, store, self.hub_signing, self.hub_sealing, self.identity, self.conf)
        k.opened = self.opened
        self.opened.append(k)
        return k


PIN = "2468"
_PIN_HASH = hash_pin(PIN)


def _hardware(conf: Path) -> dict[str, Any]:
    return {
        "fingerprint": {"backend": "emulator", "finger_wait_polls": 3, "poll_interval_s": 0.0,
                        "emulator_library": str(conf / "fp-flash.json")},
        "gnss": {"backend": "emulator", "emulator_lat": KIT_START[0], "emulator_lon": KIT_START[1],
                 "emulator_interval_s": 0.02},
        # Tiny frames, paced like a camera; segments long enough never to close on their own in a test.
        "camera": {"backend": "pattern", "width": 64, "height": 48, "fps": 100.0, "segment_seconds": 600.0},
    }


def _write_job_toml(conf: Path) -> None:
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "job.toml").write_text(
        # offline: these kits walk jobs with no hub to acknowledge the identity captures
        '[job]\narrival_max_distance_m = 100\nfix_wait_s = 1.0\nstart_requires_upload = false\n\n'
        '[[locksmiths]]\nlocksmith_id = "ls-0001"\nname = "李建国"\nwork_no = "BJ-KS-0001"\n'
        'id_number = "110105198001011234"\nunit = "北京安居开锁服务部"\nfingerprint_slots = [0, 1, 2]\n'
        f'pin_hash = "{_PIN_HASH}"\n\n'
        '[[locksmiths]]\nlocksmith_id = "ls-0002"\nname = "赵六"\nwork_no = "BJ-KS-0002"\n'
        'fingerprint_slots = [3]\n', encoding="utf-8")


def _open(kit_dir: Path, clock: FakeClock, store: KitStore, hub_signing: SigningKey, hub_sealing: SealingKey,
          identity: KitIdentity, conf: Path) -> Kit:
    flow = make_job_flow(store, conf, hardware_config(_hardware(conf)))
    real_fp = flow.devices.fingerprint
    real_pos = flow.devices.position
    assert isinstance(real_fp, SensorFingerprint) and isinstance(real_pos, GnssPosition)
    fp, cam = FingerprintProbe(real_fp), CameraProbe(flow.devices.camera)
    flow.devices.fingerprint = flow.sessions.fingerprint = fp
    flow.devices.camera = cam
    return Kit(kit_dir, clock, store, flow, fp, real_pos, cam, hub_signing, hub_sealing, identity, conf)


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Kit]:
    clock = FakeClock()
    hub_signing, hub_sealing = SigningKey.generate(), SealingKey.generate()
    identity = KitIdentity("kit-0001", SigningKey.generate(), hub_signing.private.public_key(),
                           hub_sealing.private.public_key())
    store = KitStore(tmp_path / "kit", identity, clock)
    conf = tmp_path / "kit-conf"
    _write_job_toml(conf)
    k = _open(tmp_path / "kit", clock, store, hub_signing, hub_sealing, identity, conf)
    k.opened.append(k)
    try:
        k.enroll(0, LOCKSMITH_FINGER)  # the locksmith's finger, at registration
        yield k
    finally:
        last = k.opened[-1]
        last.flow.close()
        last.store.close()


# The emulated-hardware kit (tests/job/rig.py); imported last: rig.py reads the constants above.
from tests.job.rig import rig  # noqa: E402, F401
