"""edge/enroll.py over the real driver and the in-process emulator (the `kit` fixture's sensor): what is kept,
replaced, refused and retried, and what reaches the kit store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.enroll import TEMPLATE_KIND, EnrollRefused, FingerSlot, enroll_fingers, plan
from edge.hardware.fingerprint.driver import EnrollStep
from edge.hardware.fingerprint.errors import DuplicateFinger, FingerprintError, LibraryError
from edge.hardware.fingerprint.protocol import Code, Ins
from edge.job.config import LocksmithProfile
from protocol.i18n import set_language
from tests.job.conftest import LOCKSMITH_FINGER, Kit

PROFILE = LocksmithProfile(locksmith_id="ls-0001", name="李建国", work_no="BJ-KS-0001", fingerprint_slots=[0, 1, 2])
NAMES = {0: LOCKSMITH_FINGER, 1: "li-jianguo/right-middle", 2: "li-jianguo/left-index"}


def _hand(kit: Kit, names: dict[int, str], again: dict[int, str] | None = None) -> Callable[[FingerSlot, EnrollStep],
                                                                                         None]:
    """The person at the sensor: places the finger the prompt asks for (`again`: a different one the
    second time, once), lifts it when asked."""
    emu = kit.fp_emulator
    swaps = dict(again or {})

    def prompt(f: FingerSlot, step: EnrollStep) -> None:
        if step is EnrollStep.REMOVE:
            emu.remove_finger()
        elif step is EnrollStep.PLACE_AGAIN and f.slot in swaps:
            emu.place_finger(swaps.pop(f.slot))
        else:
            emu.place_finger(names[f.slot])

    return prompt


def _templates(kit: Kit) -> list[tuple[str, int]]:
    rows = kit.store.conn.execute("SELECT plain_sha256, json_extract(meta, '$.slot') FROM files WHERE kind=?",
                                  (TEMPLATE_KIND,)).fetchall()
    return [(r[0], r[1]) for r in rows]


@pytest.fixture(autouse=True)
def _english() -> None:
    """The assertions read the English msgids (the root conftest restores the language after the test)."""
    set_language("en")


def test_kept_uploaded_duplicate_refused_then_continued(kit: Kit) -> None:
    sensor = kit.fp.real.sensor()
    fingers = plan(PROFILE, "ls-0001", [PROFILE], ["right_index", "right_middle", "left_index"])
    assert [(f.finger, f.slot) for f in fingers] == [("right_index", 0), ("right_middle", 1), ("left_index", 2)]
    # Slot 0 was enrolled at registration (the fixture) without a copy in the store: kept, and stored now.
    # The person then offers the right index finger again for slot 1: refused, it is already at slot 0.
    with pytest.raises(DuplicateFinger, match=r"already enrolled \(slot 0\)"):
        enroll_fingers(sensor, kit.store, "ls-0001", fingers, prompt=_hand(kit, {**NAMES, 1: LOCKSMITH_FINGER}))
    assert [slot for _sha, slot in _templates(kit)] == [0]
    assert sensor.used_slots() == [0]

    done = enroll_fingers(sensor, kit.store, "ls-0001", fingers, prompt=_hand(kit, NAMES))
    assert [(e.slot, e.outcome) for e in done] == [(0, "kept"), (1, "enrolled"), (2, "enrolled")]
    assert sorted(slot for _sha, slot in _templates(kit)) == [0, 1, 2]
    assert {e.template_sha256 for e in done} == {sha for sha, _slot in _templates(kit)}
    records = kit.store.conn.execute("SELECT id FROM records WHERE kind='locksmith.fingerprint_enrolled'").fetchall()
    assert len(records) == 3

    # --replace: the same finger again at its own slot is allowed, with a new template.
    again = enroll_fingers(sensor, kit.store, "ls-0001", plan(PROFILE, "ls-0001", [PROFILE],
                                                               ["right_index", "right_middle"], ["right_middle"]),
                           prompt=_hand(kit, NAMES), replace=True)
    assert [(e.finger, e.slot, e.outcome) for e in again] == [("right_middle", 1, "replaced")]
    assert again[0].template_sha256 != done[1].template_sha256


def test_a_second_image_of_another_finger_is_retried(kit: Kit) -> None:
    sensor = kit.fp.real.sensor()
    retries: list[tuple[int, str]] = []
    done = enroll_fingers(sensor, kit.store, "ls-0001", [FingerSlot("right_middle", 1)],
                          prompt=_hand(kit, NAMES, again={1: "zhao-liu/right-index"}),
                          on_retry=lambda f, exc, n: retries.append((n, exc.message)))
    assert retries == [(2, "The two images are not of the same finger; start the enrolment again")]
    assert done[0].outcome == "enrolled"


def test_flash_failure_and_library_limits(kit: Kit) -> None:
    sensor = kit.fp.real.sensor()
    kit.fp_emulator.fail_next(Ins.STORE, Code.FLASH_ERROR)
    with pytest.raises(LibraryError) as failed:
        enroll_fingers(sensor, kit.store, "ls-0001", [FingerSlot("right_middle", 1)], prompt=_hand(kit, NAMES))
    assert failed.value.message == "The fingerprint sensor's flash memory failed"
    assert _templates(kit) == [] and 1 not in sensor.used_slots()

    outside = LocksmithProfile(locksmith_id="ls-0003", name="x", work_no="x", fingerprint_slots=[998, 999, 1000])
    with pytest.raises(EnrollRefused, match=r"Slot 1000 is outside the sensor's library \(1000 fingerprints\)"):
        enroll_fingers(sensor, kit.store, "ls-0003", plan(outside, "ls-0003", [outside], ["right_index", "left_index",
                                                                                         "right_thumb"]),
                       prompt=_hand(kit, NAMES))
    other = LocksmithProfile(locksmith_id="ls-0004", name="y", work_no="y", fingerprint_slots=[2])
    with pytest.raises(EnrollRefused, match="Slot 2 is also given to locksmith ls-0004"):
        plan(PROFILE, "ls-0001", [PROFILE, other], ["right_index", "right_middle", "left_index"])
    with pytest.raises(EnrollRefused, match="left_thumb is not among the fingers"):
        plan(PROFILE, "ls-0001", [PROFILE], ["right_index"], ["left_thumb"])


def test_errors_are_fingerprint_errors_with_translated_text(kit: Kit) -> None:
    set_language("zh_CN")
    with pytest.raises(FingerprintError) as nothing:
        kit.fp.real.sensor().wait_finger()
    assert str(nothing.value).endswith("传感器上没有手指") or "手指" in nothing.value.message
    with pytest.raises(EnrollRefused) as refused:
        plan(None, "ls-0009", [], ["right_index"])
    assert str(refused.value) == "开锁师傅 ls-0009 不在本工具箱的 job.toml 中"
