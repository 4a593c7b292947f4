"""The kit's fingerprint driver: adafruit_fingerprint (unmodified) on a pyserial port.

What the driver adds on top of the library, and why:
- every confirmation code becomes a typed FingerprintError with a translated message;
- the library never checks a received checksum: the port is wrapped in a TapSerial and the driver checks
  every packet the sensor sent during an operation (TransferError on a mismatch);
- the library's get_fpdata/send_fpdata swallow the ack code of UpChar/DownChar (an error ack ends in an
  UnboundLocalError or is ignored), so those two use the library's own packet helpers and check the code;
- 32-byte data packets make the library recurse once per packet (an image is 1,152 packets: past
  Python's recursion limit), so a sensor set to 32 is reconfigured to the configured size;
- the library drops a trailing partial packet on download (and never sends the end packet), so a
  template whose length is not a multiple of the packet size is refused instead of being sent short.
"""

from __future__ import annotations

import hashlib
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import adafruit_fingerprint as af

from edge.hardware.config import FingerprintConfig
from edge.hardware.fingerprint import wire
from edge.hardware.fingerprint.errors import (
    ConfigurationError,
    DuplicateFinger,
    FingerprintError,
    NoFinger,
    NoMatch,
    SensorUnavailable,
    TransferError,
    check,
    error_for,
)
from edge.hardware.fingerprint.protocol import PACKET_SIZES, PARAM_PACKET_SIZE, Code, Ins
from protocol.i18n import _


class EnrollStep(StrEnum):
    PLACE = "place"  # place the finger
    REMOVE = "remove"  # lift it
    PLACE_AGAIN = "place_again"  # place the same finger again


class Led(StrEnum):
    READY = "ready"  # blue breathing: waiting for a finger
    BUSY = "busy"  # purple on
    OK = "ok"  # blue on briefly
    FAIL = "fail"  # red flashing
    OFF = "off"


# R503 Aura: (control, speed, color, cycles); control 1 breathe, 2 flash, 3 on, 4 off; color 1 red,
# 2 blue, 3 purple.
_LED_CODES: dict[Led, tuple[int, int, int, int]] = {
    Led.READY: (1, 0x80, 2, 0),
    Led.BUSY: (3, 0, 3, 0),
    Led.OK: (3, 0, 2, 0),
    Led.FAIL: (2, 0x40, 1, 3),
    Led.OFF: (4, 0, 1, 0),
}


@dataclass(frozen=True)
class SensorInfo:
    capacity: int
    security_level: int
    packet_size: int
    baud: int
    system_id: int
    address: bytes
    template_count: int


@dataclass(frozen=True)
class Enrollment:
    slot: int
    template: bytes  # the characteristics file as uploaded by the sensor (the caller encrypts it)
    sha256: str


@dataclass(frozen=True)
class Match:
    slot: int
    score: int


class FingerprintSensor:
    """One sensor. Not thread-safe: the kit service owns it and serialises calls."""

    def __init__(
        self,
        port: wire.SerialLike,
        config: FingerprintConfig | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or FingerprintConfig()
        self._sleep = sleep
        self._port = wire.TapSerial(port)
        self.emulator: Any = None  # set by the emulator plugin so a test or the demo can place fingers
        pwd = self.config.password
        try:
            self._fp = af.Adafruit_Fingerprint(self._port, passwd=tuple(pwd.to_bytes(4, "big")))  # type: ignore[arg-type]
        except RuntimeError as exc:
            code = wire.last_ack_code(bytes(self._port.received))
            if code not in (None, Code.OK):
                raise error_for(code) from exc
            raise SensorUnavailable(-1, _("The fingerprint sensor does not answer; check wiring, port and baud rate")) from exc
        self._verify_wire()
        self._fix_packet_size()
        self._led_ok: bool | None = self.config.led

    @classmethod
    def open(cls, config: FingerprintConfig) -> FingerprintSensor:
        import serial

        try:
            port = serial.Serial(config.port, config.baud, timeout=config.serial_timeout_s)
        except (OSError, serial.SerialException) as exc:
            raise SensorUnavailable(-1, _("Cannot open the fingerprint sensor's serial port {port}").format(port=config.port)) from exc
        try:
            return cls(port, config)
        except BaseException:
            port.close()
            raise

    def close(self) -> None:
        self._fp.close_uart()
        if self.emulator is not None:
            self.emulator.stop()

    # -- plumbing ----------------------------------------------------------------------------------
    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run one library operation; map its RuntimeErrors; verify every checksum it ignored."""
        self._port.clear()
        try:
            result = fn()
        except (RuntimeError, TypeError, IndexError, struct.error) as exc:
            # The library raises RuntimeError for an error ack ("Command failed."), a foreign address and
            # a short read alike; the ack it read tells them apart.
            self._verify_wire()
            code = wire.last_ack_code(bytes(self._port.received))
            if code not in (None, Code.OK):
                raise error_for(code) from exc
            raise SensorUnavailable(-1, _("The fingerprint sensor gave no valid answer: {detail}").format(detail=exc)) from exc
        self._verify_wire()
        return result

    def _verify_wire(self) -> None:
        packets, _stray = wire.parse(bytes(self._port.received))
        if any(not p.ok for p in packets):
            raise TransferError(0x01, _("Checksum error in data from the fingerprint sensor; try again"))

    def _code(self, fn: Callable[[], int]) -> int:
        """One command's confirmation code. A sensor that lost power forgets that the password was
        verified and answers 0x21: verify again (as the library's constructor did) and repeat once."""
        code = self._call(fn)
        if code == Code.MUST_VERIFY_PASSWORD:
            check(self._call(self._fp.verify_password))
            code = self._call(fn)
        return int(code)

    def _op(self, fn: Callable[[], int], retries: int = 2) -> None:
        """An idempotent command: retried when the sensor reports it did not receive it correctly, or
        its answer arrived corrupted."""
        for attempt in range(retries + 1):
            try:
                code = self._code(fn)
            except TransferError:
                if attempt == retries:
                    raise
                continue
            if code == Code.RECEIVE_ERROR and attempt < retries:
                continue
            check(code)
            return

    def _fix_packet_size(self) -> None:
        size = PACKET_SIZES[self._fp.data_packet_size]
        if size == 32 or size != self.config.packet_size:
            want = PACKET_SIZES.index(self.config.packet_size)
            self._op(lambda: self._fp.set_sysparam(PARAM_PACKET_SIZE, want))
            self._call(self._fp.read_sysparam)
            if PACKET_SIZES[self._fp.data_packet_size] != self.config.packet_size:
                raise ConfigurationError(-1, _("The fingerprint sensor refused the data packet size"))

    # -- information -------------------------------------------------------------------------------
    def info(self) -> SensorInfo:
        self._call(self._fp.read_sysparam)
        self._op(self._fp.count_templates)
        return SensorInfo(
            capacity=self._fp.library_size, security_level=self._fp.security_level,
            packet_size=PACKET_SIZES[self._fp.data_packet_size], baud=self._fp.baudrate * 9600,
            system_id=self._fp.system_id, address=bytes(self._fp.device_address),
            template_count=self._fp.template_count,
        )

    def used_slots(self) -> list[int]:
        self._op(self._fp.read_templates)
        return sorted(self._fp.templates)

    # -- images and templates ----------------------------------------------------------------------
    def wait_finger(self) -> None:
        """Poll GenImg until a finger gives an image; NoFinger after finger_wait_polls polls."""
        for _i in range(max(1, self.config.finger_wait_polls)):
            code = self._code(self._fp.get_image)
            if code != Code.NO_FINGER:
                check(code)
                return
            self._sleep(self.config.poll_interval_s)
        raise NoFinger(Code.NO_FINGER)

    def wait_removed(self) -> None:
        for _i in range(max(1, self.config.finger_wait_polls)):
            if self._code(self._fp.get_image) == Code.NO_FINGER:
                return
            self._sleep(self.config.poll_interval_s)
        raise FingerprintError(-1, _("Lift the finger from the sensor"))

    def capture(self, buffer: int = 1) -> None:
        """GenImg (waiting for a finger), then Img2Tz into char buffer 1 or 2."""
        self.wait_finger()
        self._op(lambda: self._fp.image_2_tz(buffer))

    def upload_char(self, buffer: int = 1) -> bytes:
        """UpChar: the characteristics file in `buffer`, checked packet by packet."""
        fp = self._fp

        def run() -> list[int]:
            fp._send_packet([Ins.UP_CHAR, buffer])
            check(fp._get_packet(12)[0])
            return fp._get_data(9)

        data = bytes(self._call(run))
        packets, _stray = wire.parse(bytes(self._port.received))
        if not packets or packets[-1].pid != 0x08:
            raise TransferError(Code.UPLOAD_FEATURE_FAIL)
        return data

    def download_char(self, template: bytes, buffer: int = 1) -> None:
        """DownChar: put a template (e.g. one the hub holds) into a char buffer."""
        size = PACKET_SIZES[self._fp.data_packet_size]
        if not template or len(template) % size:
            raise ConfigurationError(-1, _("A template must be a whole number of {size}-byte packets; refusing to send it short").format(size=size))
        fp = self._fp

        def run() -> None:
            fp._send_packet([Ins.DOWN_CHAR, buffer])
            check(fp._get_packet(12)[0])
            fp._send_data(list(template))

        self._call(run)

    def capture_template(self) -> bytes:
        """A customer's fingerprint for the evidence record: one image, Img2Tz, UpChar.
        The bytes are biometric data: the caller encrypts them before they touch the disk."""
        self.capture(1)
        return self.upload_char(1)

    # -- enrolment and verification -------------------------------------------------------------------
    def enroll(self, slot: int, prompt: Callable[[EnrollStep], None] = lambda step: None, *,
               reject_duplicate: bool = True) -> Enrollment:
        """Two images of one finger -> RegModel -> Store at `slot` -> UpChar so the hub can hold it.

        With reject_duplicate, a finger already stored in another slot is refused (DuplicateFinger), so
        one finger cannot be enrolled as two of a locksmith's three, nor as someone else's."""
        self.led(Led.READY)
        try:
            prompt(EnrollStep.PLACE)
            self.capture(1)
            if reject_duplicate:
                code = self._code(self._fp.finger_search)
                if code == Code.OK and self._fp.confidence >= self.config.match_threshold and self._fp.finger_id != slot:
                    raise DuplicateFinger(-1, _("This finger is already enrolled (slot {slot})").format(slot=self._fp.finger_id))
                if code not in (Code.OK, Code.NOT_FOUND):
                    check(code)
            prompt(EnrollStep.REMOVE)
            self.wait_removed()
            prompt(EnrollStep.PLACE_AGAIN)
            self.capture(2)
            self._op(self._fp.create_model)
            self._op(lambda: self._fp.store_model(slot, 1))
            template = self.upload_char(1)
        except FingerprintError:
            self.led(Led.FAIL)
            raise
        self.led(Led.OK)
        return Enrollment(slot=slot, template=template, sha256=hashlib.sha256(template).hexdigest())

    def verify(self, slots: Iterable[int] | None = None) -> Match:
        """Search the library for the finger on the sensor. NoMatch when nothing scores at least
        match_threshold, or when the finger found is not one of `slots` (another person's)."""
        self.led(Led.READY)
        try:
            self.capture(1)
            check(self._code(self._fp.finger_search))
            found = Match(slot=self._fp.finger_id, score=self._fp.confidence)
            if found.score < self.config.match_threshold:
                raise NoMatch(Code.NOT_FOUND, _("The fingerprint match is too weak (score {score}); place the finger again").format(score=found.score))
            if slots is not None and found.slot not in set(slots):
                raise NoMatch(Code.NOT_FOUND, _("This fingerprint belongs to someone else"))
        except FingerprintError:
            self.led(Led.FAIL)
            raise
        self.led(Led.OK)
        return found

    def match_template(self, template: bytes) -> int:
        """1:1 check of the finger on the sensor against a template held elsewhere; returns the score,
        NoMatch below match_threshold."""
        self.download_char(template, 2)
        self.capture(1)
        code = self._code(self._fp.compare_templates)
        score = int(self._fp.confidence[0])
        if code == Code.NO_MATCH or (code == Code.OK and score < self.config.match_threshold):
            raise NoMatch(Code.NO_MATCH)
        check(code)
        return score

    def restore(self, slot: int, template: bytes) -> None:
        """Put a template the hub holds back into the sensor library (a replaced sensor), and read it back
        to prove it arrived whole (the library cannot tell when a download was corrupted)."""
        self.download_char(template, 1)
        self._op(lambda: self._fp.store_model(slot, 1))
        self._op(lambda: self._fp.load_model(slot, 1))
        if self.upload_char(1) != template:
            raise TransferError(Code.CANNOT_RECEIVE_DATA)

    def export_template(self, slot: int) -> bytes:
        """LoadChar + UpChar: the template stored at `slot` (e.g. to send the hub again)."""
        self._op(lambda: self._fp.load_model(slot, 1))
        return self.upload_char(1)

    def upload_image(self) -> bytes:
        """UpImage: the last image (256 x 288, 4 bits per pixel), for diagnostics."""
        fp = self._fp

        def run() -> list[int]:
            fp._send_packet([Ins.UP_IMAGE])
            check(fp._get_packet(12)[0])
            return fp._get_data(9)

        return bytes(self._call(run))

    def soft_reset(self) -> None:
        """SoftRst; the sensor answers 0x55 when it is back. Buffers are empty afterwards."""
        self._call(self._fp.soft_reset)

    def delete(self, slot: int, count: int = 1) -> None:
        fp = self._fp
        if count == 1:
            self._op(lambda: fp.delete_model(slot))
            return

        def run() -> int:
            fp._send_packet([Ins.DELETE_CHAR, slot >> 8, slot & 0xFF, count >> 8, count & 0xFF])
            return fp._get_packet(12)[0]

        self._op(run)

    def clear(self) -> None:
        self._op(self._fp.empty_library)

    # -- R503 ring LED -----------------------------------------------------------------------------
    def led(self, signal: Led) -> bool:
        """Show `signal` on the ring LED when the sensor has one; False (and no error) when not."""
        if self._led_ok is False:
            return False
        control, speed, color, cycles = _LED_CODES[signal]
        code = self._code(lambda: self._fp.set_led(color=color, mode=control, speed=speed, cycles=cycles))
        if self._led_ok is None:
            self._led_ok = code == Code.OK
        elif code != Code.OK:
            check(code)
        return code == Code.OK


