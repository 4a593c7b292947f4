"""The real driver stack (pyserial + unmodified adafruit_fingerprint) against the emulator."""

from __future__ import annotations

from pathlib import Path

import adafruit_fingerprint as af
import pytest
import serial

from edge.hardware.fingerprint import errors
from edge.hardware.fingerprint.driver import EnrollStep, FingerprintSensor, Led
from edge.hardware.fingerprint.emulator import FingerprintEmulator
from edge.hardware.fingerprint.protocol import Code, Ins
from protocol.i18n import set_language

from .conftest import connect

FINGERS = ("zhang-san/right-index", "zhang-san/right-middle", "zhang-san/left-index")


def prompter(emu: FingerprintEmulator, first: str, second: str | None = None):
    def prompt(step: EnrollStep) -> None:
        if step is EnrollStep.REMOVE:
            emu.remove_finger()
        else:
            emu.place_finger(first if step is EnrollStep.PLACE else (second or first))

    return prompt


def test_enroll_three_fingers_verify_and_upload(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    enrolled = [sensor.enroll(slot, prompter(emulator, name)) for slot, name in enumerate(FINGERS)]
    assert [e.slot for e in enrolled] == [0, 1, 2]
    # The hub holds exactly what the sensor stored: the uploaded template equals the library entry.
    for e in enrolled:
        assert len(e.template) == 512
        assert emulator.templates[e.slot] == e.template
    assert len({e.sha256 for e in enrolled}) == 3
    assert sensor.used_slots() == [0, 1, 2]
    assert sensor.info().template_count == 3
    for slot, name in enumerate(FINGERS):
        emulator.place_finger(name)
        match = sensor.verify(slots=[0, 1, 2])
        assert match.slot == slot
        assert match.score >= sensor.config.match_threshold


def test_wrong_finger_rejected(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    sensor.enroll(0, prompter(emulator, FINGERS[0]))
    sensor.enroll(1, prompter(emulator, "li-si/right-index"))
    emulator.place_finger("wang-wu/right-index")
    with pytest.raises(errors.NoMatch) as info:
        sensor.verify()
    assert info.value.code == Code.NOT_FOUND
    # Another enrolled person's finger is found, but is not this locksmith's.
    emulator.place_finger("li-si/right-index")
    assert sensor.verify().slot == 1
    with pytest.raises(errors.NoMatch, match="someone else"):
        sensor.verify(slots=[0])


def test_the_same_finger_cannot_be_enrolled_twice(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    sensor.enroll(0, prompter(emulator, FINGERS[0]))
    with pytest.raises(errors.DuplicateFinger, match="slot 0"):
        sensor.enroll(1, prompter(emulator, FINGERS[0]))
    assert sorted(emulator.templates) == [0]
    again = sensor.enroll(0, prompter(emulator, FINGERS[0]))  # re-enrolling the same slot is allowed
    assert emulator.templates[0] == again.template


def test_score_threshold_from_config(emulator: FingerprintEmulator) -> None:
    strict = connect(emulator, match_threshold=250)  # above the best score the matcher gives (200)
    strict.enroll(4, prompter(emulator, FINGERS[0]))
    emulator.place_finger(FINGERS[0])
    with pytest.raises(errors.NoMatch, match="too weak"):
        strict.verify()


def test_customer_template_capture_and_1to1_match(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    emulator.place_finger("customer-zhao/right-thumb")
    first = sensor.capture_template()
    emulator.place_finger("customer-zhao/right-thumb")
    assert sensor.match_template(first) >= sensor.config.match_threshold
    emulator.place_finger("someone-else/right-thumb")
    with pytest.raises(errors.NoMatch) as info:
        sensor.match_template(first)
    assert info.value.code == Code.NO_MATCH
    assert emulator.templates == {}  # evidence capture never writes to the sensor's library


def test_restore_template_from_hub_into_a_new_sensor(tmp_path: Path) -> None:
    with FingerprintEmulator("r503") as old:
        s = connect(old)
        enrolled = s.enroll(7, prompter(old, FINGERS[0]))
        assert len(enrolled.template) == 1536
    with FingerprintEmulator("r503") as new:
        s = connect(new)
        s.restore(7, enrolled.template)
        assert s.export_template(7) == enrolled.template
        new.place_finger(FINGERS[0])
        assert s.verify().slot == 7


def test_library_survives_a_reboot(tmp_path: Path) -> None:
    lib = tmp_path / "fp.json"
    with FingerprintEmulator("zfm20", library=lib) as emu:
        s = connect(emu)
        e = s.enroll(3, prompter(emu, FINGERS[1]))
    with FingerprintEmulator("zfm20", library=lib) as emu:
        s = connect(emu)
        assert s.used_slots() == [3]
        assert s.export_template(3) == e.template
        emu.place_finger(FINGERS[1])
        assert s.verify().slot == 3


# -- every error surfaces as a typed error with a clear message ------------------------------------------
def test_no_finger(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    with pytest.raises(errors.NoFinger, match="No finger"):
        sensor.verify()


@pytest.mark.parametrize(("placement", "code"), [("fail", 0x03), ("messy", 0x06), ("partial", 0x07)])
def test_bad_placements(emulator: FingerprintEmulator, sensor: FingerprintSensor, placement: str, code: int) -> None:
    emulator.place_finger(FINGERS[0], placement)
    with pytest.raises(errors.BadImage) as info:
        sensor.capture_template()
    assert info.value.code == code


def test_enroll_mismatch_and_bad_slot(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    with pytest.raises(errors.EnrollMismatch):
        sensor.enroll(0, prompter(emulator, FINGERS[0], "li-si/right-index"))
    with pytest.raises(errors.LibraryError) as info:
        sensor.enroll(5000, prompter(emulator, FINGERS[0]))
    assert info.value.code == Code.BAD_LOCATION
    assert emulator.templates == {}


def test_library_errors(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    with pytest.raises(errors.LibraryError) as info:
        sensor.export_template(9)  # empty slot
    assert info.value.code == Code.READ_TEMPLATE_ERROR
    with pytest.raises(errors.LibraryError) as info:
        sensor.delete(998, count=5)  # runs past the end of the 1000-template library
    assert info.value.code == Code.DELETE_FAIL
    emulator.fail_next(Ins.EMPTY, Code.CLEAR_FAIL)
    with pytest.raises(errors.LibraryError) as info:
        sensor.clear()
    assert info.value.code == Code.CLEAR_FAIL
    emulator.fail_next(Ins.STORE, Code.FLASH_ERROR)
    with pytest.raises(errors.LibraryError) as info:
        sensor.enroll(1, prompter(emulator, FINGERS[0]))
    assert info.value.code == Code.FLASH_ERROR


def test_transfer_errors(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    emulator.place_finger(FINGERS[0])
    emulator.fail_next(Ins.UP_CHAR, Code.UPLOAD_FEATURE_FAIL)
    with pytest.raises(errors.TransferError) as info:
        sensor.capture_template()
    assert info.value.code == Code.UPLOAD_FEATURE_FAIL
    emulator.fail_next(Ins.DOWN_CHAR, Code.CANNOT_RECEIVE_DATA)
    with pytest.raises(errors.TransferError) as info:
        sensor.restore(1, bytes(512))
    assert info.value.code == Code.CANNOT_RECEIVE_DATA
    sensor.soft_reset()  # the image buffer is empty after a reset
    with pytest.raises(errors.TransferError) as info:
        sensor.upload_image()
    assert info.value.code == Code.UPLOAD_IMAGE_FAIL


def test_wrong_password_and_reverify_after_power_loss() -> None:
    with FingerprintEmulator("r307") as emu:
        emu.flash.password = 0x1234ABCD
        with pytest.raises(errors.PasswordError) as info:
            connect(emu)
        assert info.value.code == Code.WRONG_PASSWORD
        s = connect(emu, password=0x1234ABCD)
        emu.place_finger(FINGERS[0])
        s.soft_reset()  # the sensor forgets the verified password, as after a power cut
        assert len(s.capture_template()) == 512  # the driver saw 0x21, verified again and went on
        assert Code.MUST_VERIFY_PASSWORD in emu.acks


def test_foreign_address_is_a_configuration_error(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    emulator.flash.address = 0x01020304
    with pytest.raises(errors.ConfigurationError) as info:
        sensor.info()
    assert info.value.code == Code.ADDRESS_ERROR


def test_receive_error_is_retried_then_reported(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    emulator.place_finger(FINGERS[0])
    emulator.fail_next(Ins.IMG2TZ, Code.RECEIVE_ERROR)
    assert len(sensor.capture_template()) == 512  # one garbled command: sent again
    emulator.fail_next(Ins.IMG2TZ, Code.RECEIVE_ERROR, times=3)
    with pytest.raises(errors.TransferError) as info:
        sensor.capture_template()
    assert info.value.code == Code.RECEIVE_ERROR


# 0x01 and 0x21 are recovered from by the driver (tests above); every other code is reported.
@pytest.mark.parametrize("code", sorted(set(errors._CLASSES) - {0x01, 0x21}))
def test_every_confirmation_code_is_a_typed_translated_error(
    emulator: FingerprintEmulator, sensor: FingerprintSensor, code: int
) -> None:
    emulator.place_finger(FINGERS[0])
    emulator.fail_next(Ins.IMG2TZ, code)
    with pytest.raises(errors.FingerprintError) as info:
        sensor.capture_template()
    err = info.value
    assert err.code == code and type(err) is errors._CLASSES[code]
    assert err.message and "Unknown" not in err.message
    set_language("zh_CN")
    translated = errors.message_for(code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in translated), translated


# -- checksums: the library ignores them, the driver does not ----------------------------------------------
def test_corrupted_upload_is_caught_by_the_driver_not_by_the_library(emulator: FingerprintEmulator) -> None:
    raw = af.Adafruit_Fingerprint(serial.Serial(emulator.path, 57600, timeout=1))
    emulator.place_finger(FINGERS[0])
    assert raw.get_image() == 0 and raw.image_2_tz(1) == 0
    good = raw.get_fpdata("char", 1)
    emulator.corrupt_next_data()
    bad = raw.get_fpdata("char", 1)
    assert bad != good  # the library silently accepted a corrupted template
    raw.close_uart()
    sensor = connect(emulator)
    emulator.corrupt_next_data()
    with pytest.raises(errors.TransferError, match="Checksum"):
        sensor.capture_template()


def test_corrupted_ack_is_retried_for_idempotent_commands(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    before = emulator.commands.count(Ins.EMPTY)
    emulator.corrupt_next_ack()
    sensor.clear()
    assert emulator.commands.count(Ins.EMPTY) == before + 2


# -- the library's limits, and how the driver works within them -------------------------------------------
def test_32_byte_packets_are_reconfigured() -> None:
    with FingerprintEmulator("r307", packet_size=32) as emu:
        raw = af.Adafruit_Fingerprint(serial.Serial(emu.path, 57600, timeout=1))
        emu.place_finger(FINGERS[0])
        assert raw.get_image() == 0
        raw._uart.timeout = 0.2
        with pytest.raises(RecursionError):
            raw.get_fpdata("image")  # 1,152 packets, one recursion each
        raw.close_uart()
        with FingerprintEmulator("r307", packet_size=32) as emu2:
            s = connect(emu2)
            assert s.info().packet_size == 128
            emu2.place_finger(FINGERS[0])
            s.wait_finger()
            assert len(s.upload_image()) == 36864


def test_partial_trailing_packet_is_refused(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    raw = af.Adafruit_Fingerprint(serial.Serial(emulator.path, 57600, timeout=1))
    raw.send_fpdata(list(bytes(500)), "char", 1)  # 3 full packets sent, the last 116 bytes dropped
    raw._send_packet([Ins.UP_CHAR, 1])
    assert raw._get_packet(12)[0] == Code.UPLOAD_FEATURE_FAIL  # the sensor never got a whole template
    raw.close_uart()
    with pytest.raises(errors.ConfigurationError, match="whole number"):
        sensor.restore(0, bytes(500))


def test_r503_ring_led(tmp_path: Path) -> None:
    with FingerprintEmulator("r503") as emu:
        s = connect(emu)
        assert s.led(Led.READY)
        assert (emu.led.control, emu.led.color) == (1, 2)
        s.enroll(0, prompter(emu, FINGERS[0]))
        assert (emu.led.control, emu.led.color) == (3, 2)
        emu.place_finger("stranger/thumb")
        with pytest.raises(errors.NoMatch):
            s.verify()
        assert (emu.led.control, emu.led.color) == (2, 1)


def test_led_absent_on_r307(emulator: FingerprintEmulator, sensor: FingerprintSensor) -> None:
    assert sensor.led(Led.READY) is False
    assert sensor.led(Led.OK) is False  # probed once, then not asked again
    assert emulator.commands.count(Ins.AURA_LED) == 1
