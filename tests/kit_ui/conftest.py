"""A provisioned kit with EMULATED hardware in-process (fingerprint sensor and GNSS emulator backends, the
camera pattern with tiny frames), built exactly as `lockwarden kit-ui` builds it: `build_kit_service`.
No broker: the service is never started, offers and orders are handed to its downlink handlers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from edge.hardware.fingerprint.driver import EnrollStep
from edge.job.hardware import SensorFingerprint
from edge.job.pin import hash_pin
from edge.service import KitService, build_kit_service
from hub.home import init_hub
from hub.provisioning import provision_kit
from protocol.clock import FakeClock
from protocol.i18n import language, set_language
from tests.job.conftest import SITE
from tests.job.rig import LOCKSMITH_FINGER

PIN = "2468"


@dataclass
class UiKit:
    dir: Path
    service: KitService
    clock: FakeClock | None
    emu: Any  # edge.hardware.fingerprint.emulator.FingerprintEmulator


@pytest.fixture
def english() -> Iterator[None]:
    before = language()
    set_language("en")
    yield
    set_language(before)


def _provision(tmp_path: Path) -> Path:
    kit_dir = tmp_path / "kit"
    provision_kit(init_hub(tmp_path / "hub"), "kit-0042", kit_dir)
    return add_hardware(kit_dir)


def add_hardware(kit_dir: Path) -> Path:
    """Emulated devices in kit.toml and one locksmith (finger in slot 0, PIN) in job.toml."""
    with open(kit_dir / "kit.toml", "a", encoding="utf-8") as fh:
        # 300 polls of 10 ms: a finger placed up to 3 s after the prompt still counts.
        fh.write('\n[hardware.fingerprint]\nbackend = "emulator"\nfinger_wait_polls = 300\npoll_interval_s = 0.01\n'
                 f'\n[hardware.gnss]\nbackend = "emulator"\nemulator_lat = {SITE[0]}\nemulator_lon = {SITE[1]}\n'
                 'emulator_interval_s = 0.1\n'
                 '\n[hardware.camera]\nbackend = "pattern"\nwidth = 64\nheight = 48\nfps = 10.0\n'
                 'segment_seconds = 0.2\n')
    (kit_dir / "job.toml").write_text(
        '[job]\nstart_requires_upload = false\n\n'  # offline: no hub acknowledges the captures
        '[[locksmiths]]\nlocksmith_id = "ls-0001"\nname = "李建国"\nwork_no = "BJ-KS-0001"\n'
        f'fingerprint_slots = [0]\npin_hash = "{hash_pin(PIN)}"\n', encoding="utf-8")
    return kit_dir


def _make(tmp_path: Path, clock: FakeClock | None) -> Iterator[UiKit]:
    yield from make_ui_kit(_provision(tmp_path), clock)


def make_ui_kit(kit_dir: Path, clock: FakeClock | None, broker_port: int | None = None) -> Iterator[UiKit]:
    """The kit service built as `lockwarden kit run` builds it, with the locksmith's finger enrolled."""
    service = build_kit_service(kit_dir, clock=clock, broker_port=broker_port)
    emu = None
    if service.flow is not None:
        fp = cast(SensorFingerprint, service.flow.devices.fingerprint)
        emu = fp.emulator

        def prompt(step: EnrollStep) -> None:
            emu.remove_finger() if step is EnrollStep.REMOVE else emu.place_finger(LOCKSMITH_FINGER)

        fp.sensor().enroll(0, prompt)  # at registration, on this kit's sensor
        emu.remove_finger()
    try:
        yield UiKit(kit_dir, service, clock, emu)
    finally:
        service.stop()


@pytest.fixture
def ui_kit(tmp_path: Path, english: None) -> Iterator[UiKit]:
    yield from _make(tmp_path, None)


@pytest.fixture
def ui_kit_fake_clock(tmp_path: Path, english: None) -> Iterator[UiKit]:
    yield from _make(tmp_path, FakeClock())


PASSWORD = "Wang7Key"  # capitals and a digit: Caps and the digit row on the on-screen keyboard
SECOND = "ls-0002"


def add_second_locksmith(kit_dir: Path) -> Path:
    """A shared kit: a second locksmith who has a password and no PIN, pattern or finger."""
    from edge.job.pin import hash_password

    with open(kit_dir / "job.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[[locksmiths]]\nlocksmith_id = "{SECOND}"\nname = "王小红"\nwork_no = "BJ-KS-0002"\n'
                 f'password_hash = "{hash_password(PASSWORD)}"\n')
    return kit_dir


@pytest.fixture
def shared_kit(tmp_path: Path, english: None) -> Iterator[UiKit]:
    yield from make_ui_kit(add_second_locksmith(_provision(tmp_path)), FakeClock())
