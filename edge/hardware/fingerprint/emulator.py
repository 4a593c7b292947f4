"""A faithful R30x / AS608 / R503 fingerprint sensor on a pseudo-terminal.

Any client that speaks the sensor's protocol works against it: the unmodified adafruit_fingerprint library
on pyserial, or raw bytes. The emulator checks every checksum it receives (a bad one is answered with
confirmation code 0x01), checks the address (0x20), enforces the password when one is set (0x21 until
VfyPwd), and always sends the instruction's full-size ack, on errors too, because clients read a fixed
number of bytes. Bulk data (UpChar/UpImage, DownChar/DownImage) moves in data packets (PID 02, last 08)
of the configured packet size.

    emu = FingerprintEmulator(model="r503", library="/var/tmp/fp.json").start()
    emu.place_finger("zhang-san/right-index")      # what a test or the demo does instead of a hand
    serial.Serial(emu.path, 57600, timeout=1)      # what the driver does
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edge.hardware.fingerprint import fingers
from edge.hardware.fingerprint.fingers import Finger, Placement
from edge.hardware.fingerprint.library import Flash
from edge.hardware.fingerprint.models import SensorModel
from edge.hardware.fingerprint.models import model as lookup_model
from edge.hardware.fingerprint.protocol import (
    ACK_PAYLOAD_LEN,
    DEFAULT_ACK_PAYLOAD_LEN,
    HEADER_LEN,
    IMAGE_BYTES,
    NOTEPAD_PAGE_BYTES,
    NOTEPAD_PAGES,
    PACKET_SIZES,
    PARAM_BAUD,
    PARAM_PACKET_SIZE,
    PARAM_SECURITY,
    START,
    Code,
    Ins,
    Pid,
    checksum,
    encode,
)
from edge.hardware.pty import PtyDevice

MAX_LEN = 2 + 256 + 64  # longest LEN field accepted before the stream is treated as garbage
STALE_PARTIAL_S = 0.5  # an incomplete packet older than this is dropped (the client has timed out)
# Status register bits (ReadSysPara): busy, finger matched, password verified, image buffer valid.
ST_BUSY, ST_PASS, ST_PWD, ST_IMG = 1, 2, 4, 8


@dataclass
class LedState:
    control: int = 4  # 1 breathing, 2 flashing, 3 on, 4 off, 5 fade in, 6 fade out
    speed: int = 0
    color: int = 0  # 1 red, 2 blue, 3 purple, 4 green, 5 yellow, 6 cyan, 7 white
    cycles: int = 0


@dataclass
class _Download:
    target: str  # "char" or "image"
    buffer: int
    expected: int
    chunks: list[bytes] = field(default_factory=list)
    error: bool = False


Reply = tuple[int, bytes]  # confirmation code, rest of the ack payload (padded to full size)


class FingerprintEmulator(PtyDevice):
    def __init__(
        self,
        model: str | SensorModel = "r307",
        *,
        library: str | os.PathLike[str] | None = None,
        template_size: int | None = None,
        capacity: int | None = None,
        packet_size: int | None = None,
        baud: int | None = None,
        line_rate: bool = False,
        seed: int = 0,
    ) -> None:
        m = lookup_model(model) if isinstance(model, str) else model
        if template_size is not None or capacity is not None:
            m = SensorModel(
                m.name, capacity=capacity or m.capacity, template_size=template_size or m.template_size,
                packet_size_code=m.packet_size_code, baud_n=m.baud_n, system_id=m.system_id,
                security_level=m.security_level, has_led=m.has_led,
            )
        self.model = m
        self.flash = Flash.open(m, library)
        if packet_size is not None:
            self.flash.packet_size_code = PACKET_SIZES.index(packet_size)
        if baud is not None:
            if baud % 9600 or not 1 <= baud // 9600 <= 12:
                raise ValueError("baud must be 9600 x N, N = 1..12")
            self.flash.baud_n = baud // 9600
        self.line_rate = line_rate
        super().__init__(baud=self.flash.baud_n * 9600 if line_rate else None)
        self._lock = threading.RLock()
        self._seed = seed
        self._captures = 0
        self._rx = bytearray()
        self._rx_at = 0.0
        self._download: _Download | None = None
        self._char: dict[int, bytes | None] = {1: None, 2: None}
        self._image: bytes | None = None
        self._verified = False
        self._matched = False
        self._faults: dict[int, tuple[int, int]] = {}
        self._corrupt_ack = False
        self._corrupt_data = False
        self.finger: Finger | None = None
        self.led = LedState()
        self.checksum_errors = 0
        self.commands: list[int] = []  # instruction codes received, in order (for tests and diagnostics)
        self.acks: list[int] = []  # confirmation codes sent, in order
        self._reset_volatile()

    # -- what a test or the demo does to the emulated hardware -----------------------------------
    def place_finger(self, name: str, placement: Placement | str = Placement.GOOD) -> None:
        with self._lock:
            self.finger = Finger(name, Placement(placement))

    def remove_finger(self) -> None:
        with self._lock:
            self.finger = None

    def fail_next(self, instruction: int, code: int, times: int = 1) -> None:
        """Answer the next `times` `instruction`s with `code` and no effect (flash errors, faults)."""
        with self._lock:
            self._faults[int(instruction)] = (int(code), times)

    def corrupt_next_ack(self) -> None:
        """Flip a bit in the next ack's payload, keeping the old checksum (line noise)."""
        with self._lock:
            self._corrupt_ack = True

    def corrupt_next_data(self) -> None:
        """Flip a bit in the middle of the next bulk upload, keeping the old checksum (line noise)."""
        with self._lock:
            self._corrupt_data = True

    @property
    def templates(self) -> dict[int, bytes]:
        with self._lock:
            return dict(self.flash.templates)

    # -- framing ---------------------------------------------------------------------------------
    @property
    def packet_size(self) -> int:
        return PACKET_SIZES[self.flash.packet_size_code]

    def on_bytes(self, data: bytes) -> None:
        with self._lock:
            self._rx += data
            self._rx_at = time.monotonic()
            self._drain()

    def on_idle(self) -> None:
        with self._lock:
            if self._rx and time.monotonic() - self._rx_at > STALE_PARTIAL_S:
                self._rx.clear()

    def _drain(self) -> None:
        while True:
            start = self._rx.find(START)
            if start < 0:
                del self._rx[: max(0, len(self._rx) - 1)]  # keep a possible first byte of a start code
                return
            del self._rx[:start]
            if len(self._rx) < HEADER_LEN:
                return
            address, pid, length = struct.unpack(">IBH", self._rx[2:9])
            if length < 2 or length > MAX_LEN:
                del self._rx[:2]  # not a packet header: resynchronise on the next start code
                continue
            total = HEADER_LEN + length
            if len(self._rx) < total:
                return
            payload = bytes(self._rx[HEADER_LEN : total - 2])
            (received_sum,) = struct.unpack(">H", self._rx[total - 2 : total])
            del self._rx[:total]
            self._packet(address, pid, payload, received_sum == checksum(pid, payload))

    def _packet(self, address: int, pid: int, payload: bytes, sum_ok: bool) -> None:
        if pid in (Pid.DATA, Pid.END_DATA):
            self._data_packet(address, pid, payload, sum_ok)
            return
        if self._download is not None:
            self._download = None  # a command interrupts an unfinished download: the buffer stays invalid
        if pid != Pid.COMMAND:
            return  # the module only takes commands and data; anything else is ignored
        ins = payload[0] if payload else -1
        self.commands.append(ins)
        if not sum_ok:
            self.checksum_errors += 1
            self._ack(ins, Code.RECEIVE_ERROR)
            return
        if address != self.flash.address:
            self._ack(ins, Code.ADDRESS_ERROR)
            return
        if ins in self._faults:
            code, times = self._faults.pop(ins)
            if times > 1:
                self._faults[ins] = (code, times - 1)
            self._ack(ins, code)
            return
        if self.flash.password and not self._verified and ins not in (Ins.VFY_PWD, Ins.HANDSHAKE, Ins.GET_ECHO):
            self._ack(ins, Code.MUST_VERIFY_PASSWORD)
            return
        handler = _HANDLERS.get(ins)
        if handler is None:
            self._ack(ins, Code.RECEIVE_ERROR)
            return
        try:
            code, rest = handler(self, payload[1:])
        except (IndexError, struct.error):
            code, rest = Code.RECEIVE_ERROR, b""  # parameters missing: the packet was not understood
        self._ack(ins, code, rest)
        self._after(ins, code, payload[1:])

    def _ack(self, ins: int, code: int, rest: bytes = b"") -> None:
        size = ACK_PAYLOAD_LEN.get(ins, DEFAULT_ACK_PAYLOAD_LEN)
        payload = (bytes([code]) + rest)[:size].ljust(size, b"\x00")
        self.acks.append(int(code))
        self._send(Pid.ACK, payload)

    def _send(self, pid: int, payload: bytes) -> None:
        packet = bytearray(encode(pid, payload, self.flash.address))
        if self._corrupt_ack:
            self._corrupt_ack = False
            packet[HEADER_LEN] ^= 0x10
        self.write(bytes(packet))

    def _send_bulk(self, data: bytes) -> None:
        size = self.packet_size
        out = bytearray()
        for off in range(0, len(data), size):
            last = off + size >= len(data)
            out += encode(Pid.END_DATA if last else Pid.DATA, data[off : off + size], self.flash.address)
        if self._corrupt_data and data:
            self._corrupt_data = False
            out[HEADER_LEN + min(size, len(data)) // 2] ^= 0x10  # inside the first packet's payload
        self.write(bytes(out))

    def _data_packet(self, address: int, pid: int, payload: bytes, sum_ok: bool) -> None:
        dl = self._download
        if dl is None:
            return  # unsolicited data is dropped, as by the module
        if not sum_ok or address != self.flash.address or len(payload) > self.packet_size:
            self.checksum_errors += 0 if sum_ok else 1
            dl.error = True
        dl.chunks.append(payload)
        if pid == Pid.END_DATA:
            self._download = None
            data = b"".join(dl.chunks)
            ok = not dl.error and len(data) == dl.expected
            if dl.target == "char":
                self._char[dl.buffer] = data if ok else None
            else:
                self._image = data if ok else None

    # -- state -------------------------------------------------------------------------------------
    def _reset_volatile(self) -> None:
        self._char = {1: None, 2: None}
        self._image = None
        self._verified = False
        self._matched = False
        self._download = None

    def _threshold(self) -> int:
        return 20 * self.flash.security_level

    def _after(self, ins: int, code: int, args: bytes) -> None:
        if code != Code.OK:
            return
        if ins == Ins.UP_CHAR:
            self._send_bulk(self._char[args[0]] or b"")
        elif ins == Ins.UP_IMAGE:
            self._send_bulk(self._image or b"")
        elif ins == Ins.DOWN_CHAR:
            self._char[args[0]] = None
            self._download = _Download("char", args[0], self.model.template_size)
        elif ins == Ins.DOWN_IMAGE:
            self._image = None
            self._download = _Download("image", 0, IMAGE_BYTES)
        elif ins == Ins.SOFT_RST:
            self._reset_volatile()
            self.led = LedState()
            self.write(bytes([Code.MODULE_OK]))  # the module says hello after its reset

    @staticmethod
    def _buffer(args: bytes) -> int:
        if args[0] not in (1, 2):
            raise IndexError("char buffer id")
        return args[0]

    def _minutiae(self, buf: int) -> fingers.Minutiae | None:
        data = self._char[buf]
        return fingers.decode_template(data) if data is not None else None

    # -- instructions ------------------------------------------------------------------------------
    def _gen_img(self, args: bytes) -> Reply:
        if self.finger is None:
            return Code.NO_FINGER, b""
        if self.finger.placement is Placement.FAIL:
            return Code.IMAGE_FAIL, b""
        self._captures += 1
        self._image = fingers.render_image(self.finger, self._seed * 1_000_003 + self._captures)
        return Code.OK, b""

    def _img2tz(self, args: bytes) -> Reply:
        buf = self._buffer(args)
        if self._image is None:
            return Code.NO_VALID_IMAGE, b""
        found = fingers.extract(self._image)
        if found.spurious > fingers.MAX_SPURIOUS:
            return Code.IMAGE_MESSY, b""
        if len(found.minutiae) < fingers.MIN_FEATURES:
            return Code.FEATURE_FAIL, b""
        self._char[buf] = fingers.encode_template(found.minutiae, self.model.template_size)
        return Code.OK, b""

    def _match(self, args: bytes) -> Reply:
        a, b = self._minutiae(1), self._minutiae(2)
        s = fingers.score(a, b) if a is not None and b is not None else 0
        ok = s >= self._threshold()
        self._matched = ok
        return (Code.OK if ok else Code.NO_MATCH), struct.pack(">H", s)

    def _search(self, args: bytes) -> Reply:
        buf = self._buffer(args)
        start, count = struct.unpack(">HH", args[1:5])
        probe = self._minutiae(buf)
        if start >= self.model.capacity:
            return Code.BAD_LOCATION, b""
        best_page, best = 0, 0
        if probe is not None:
            end = min(start + count, self.model.capacity)
            for page in sorted(p for p in self.flash.templates if start <= p < end):
                stored = fingers.decode_template(self.flash.templates[page])
                s = fingers.score(probe, stored) if stored is not None else 0
                if s > best:
                    best_page, best = page, s
        self._matched = best >= self._threshold()
        if not self._matched:
            return Code.NOT_FOUND, b""
        return Code.OK, struct.pack(">HH", best_page, best)

    def _reg_model(self, args: bytes) -> Reply:
        a, b = self._minutiae(1), self._minutiae(2)
        if a is None or b is None or fingers.score(a, b) < self._threshold():
            return Code.ENROLL_MISMATCH, b""
        model = fingers.encode_template(fingers.merge(a, b), self.model.template_size)
        self._char[1] = self._char[2] = model
        return Code.OK, b""

    def _store(self, args: bytes) -> Reply:
        buf = self._buffer(args)
        (page,) = struct.unpack(">H", args[1:3])
        if page >= self.model.capacity:
            return Code.BAD_LOCATION, b""
        # The module stores whatever the buffer holds (zeros if nothing was ever put there).
        self.flash.templates[page] = self._char[buf] or bytes(self.model.template_size)
        self.flash.save()
        return Code.OK, b""

    def _load_char(self, args: bytes) -> Reply:
        buf = self._buffer(args)
        (page,) = struct.unpack(">H", args[1:3])
        if page >= self.model.capacity:
            return Code.BAD_LOCATION, b""
        if page not in self.flash.templates:
            return Code.READ_TEMPLATE_ERROR, b""
        self._char[buf] = self.flash.templates[page]
        return Code.OK, b""

    def _up_char(self, args: bytes) -> Reply:
        return (Code.OK if self._char[self._buffer(args)] is not None else Code.UPLOAD_FEATURE_FAIL), b""

    def _down_char(self, args: bytes) -> Reply:
        self._buffer(args)
        return Code.OK, b""

    def _up_image(self, args: bytes) -> Reply:
        return (Code.OK if self._image is not None else Code.UPLOAD_IMAGE_FAIL), b""

    def _down_image(self, args: bytes) -> Reply:
        return Code.OK, b""

    def _delete_char(self, args: bytes) -> Reply:
        page, count = struct.unpack(">HH", args[:4])
        if count == 0 or page + count > self.model.capacity:
            return Code.DELETE_FAIL, b""
        for p in range(page, page + count):
            self.flash.templates.pop(p, None)
        self.flash.save()
        return Code.OK, b""

    def _empty(self, args: bytes) -> Reply:
        self.flash.templates.clear()
        self.flash.save()
        return Code.OK, b""

    def _set_sys_para(self, args: bytes) -> Reply:
        param, value = args[0], args[1]
        if param == PARAM_BAUD and 1 <= value <= 12:
            self.flash.baud_n = value
            if self.line_rate:
                self.baud = value * 9600
        elif param == PARAM_SECURITY and 1 <= value <= 5:
            self.flash.security_level = value
        elif param == PARAM_PACKET_SIZE and 0 <= value <= 3:
            self.flash.packet_size_code = value
        else:
            return Code.BAD_REGISTER, b""
        self.flash.save()
        return Code.OK, b""

    def _read_sys_para(self, args: bytes) -> Reply:
        status = (ST_PASS if self._matched else 0) | (ST_PWD if self._verified else 0)
        status |= ST_IMG if self._image is not None else 0
        f = self.flash
        return Code.OK, struct.pack(
            ">HHHHIHH", status, self.model.system_id, self.model.capacity, f.security_level, f.address,
            f.packet_size_code, f.baud_n,
        )

    def _set_pwd(self, args: bytes) -> Reply:
        (self.flash.password,) = struct.unpack(">I", args[:4])
        self._verified = True  # whoever set it knows it; a reset or power cut ends this session
        self.flash.save()
        return Code.OK, b""

    def _vfy_pwd(self, args: bytes) -> Reply:
        (pwd,) = struct.unpack(">I", args[:4])
        self._verified = pwd == self.flash.password
        return (Code.OK if self._verified else Code.WRONG_PASSWORD), b""

    def _get_random_code(self, args: bytes) -> Reply:
        return Code.OK, os.urandom(4)

    def _set_adder(self, args: bytes) -> Reply:
        (self.flash.address,) = struct.unpack(">I", args[:4])  # the ack already comes from the new address
        self.flash.save()
        return Code.OK, b""

    def _write_notepad(self, args: bytes) -> Reply:
        page = args[0]
        if page >= NOTEPAD_PAGES or len(args) != 1 + NOTEPAD_PAGE_BYTES:
            return Code.BAD_REGISTER, b""
        self.flash.notepad[page] = bytes(args[1:])
        self.flash.save()
        return Code.OK, b""

    def _read_notepad(self, args: bytes) -> Reply:
        if args[0] >= NOTEPAD_PAGES:
            return Code.BAD_REGISTER, b""
        return Code.OK, self.flash.notepad.get(args[0], bytes(NOTEPAD_PAGE_BYTES))

    def _template_num(self, args: bytes) -> Reply:
        return Code.OK, struct.pack(">H", len(self.flash.templates))

    def _read_index_table(self, args: bytes) -> Reply:
        base = args[0] * 256
        table = bytearray(32)
        for page in self.flash.templates:
            if base <= page < base + 256:
                bit = page - base
                table[bit // 8] |= 1 << (bit % 8)
        return Code.OK, bytes(table)

    def _aura_led(self, args: bytes) -> Reply:
        control, speed, color, cycles = args[0], args[1], args[2], args[3]
        if not self.model.has_led:
            return Code.RECEIVE_ERROR, b""  # modules without the ring do not know the instruction
        if not 1 <= control <= 6 or not 1 <= color <= 7:
            return Code.BAD_REGISTER, b""
        self.led = LedState(control, speed, color, cycles)
        return Code.OK, b""

    def _soft_rst(self, args: bytes) -> Reply:
        return Code.OK, b""

    def _handshake(self, args: bytes) -> Reply:
        return Code.OK, b""

    def _get_echo(self, args: bytes) -> Reply:
        return Code.MODULE_OK, b""


_HANDLERS: dict[int, Callable[[FingerprintEmulator, bytes], Reply]] = {
    Ins.GEN_IMG: FingerprintEmulator._gen_img,
    Ins.IMG2TZ: FingerprintEmulator._img2tz,
    Ins.MATCH: FingerprintEmulator._match,
    Ins.SEARCH: FingerprintEmulator._search,
    Ins.FAST_SEARCH: FingerprintEmulator._search,
    Ins.REG_MODEL: FingerprintEmulator._reg_model,
    Ins.STORE: FingerprintEmulator._store,
    Ins.LOAD_CHAR: FingerprintEmulator._load_char,
    Ins.UP_CHAR: FingerprintEmulator._up_char,
    Ins.DOWN_CHAR: FingerprintEmulator._down_char,
    Ins.UP_IMAGE: FingerprintEmulator._up_image,
    Ins.DOWN_IMAGE: FingerprintEmulator._down_image,
    Ins.DELETE_CHAR: FingerprintEmulator._delete_char,
    Ins.EMPTY: FingerprintEmulator._empty,
    Ins.SET_SYS_PARA: FingerprintEmulator._set_sys_para,
    Ins.READ_SYS_PARA: FingerprintEmulator._read_sys_para,
    Ins.SET_PWD: FingerprintEmulator._set_pwd,
    Ins.VFY_PWD: FingerprintEmulator._vfy_pwd,
    Ins.GET_RANDOM_CODE: FingerprintEmulator._get_random_code,
    Ins.SET_ADDER: FingerprintEmulator._set_adder,
    Ins.WRITE_NOTEPAD: FingerprintEmulator._write_notepad,
    Ins.READ_NOTEPAD: FingerprintEmulator._read_notepad,
    Ins.TEMPLATE_NUM: FingerprintEmulator._template_num,
    Ins.READ_INDEX_TABLE: FingerprintEmulator._read_index_table,
    Ins.AURA_LED: FingerprintEmulator._aura_led,
    Ins.SOFT_RST: FingerprintEmulator._soft_rst,
    Ins.HANDSHAKE: FingerprintEmulator._handshake,
    Ins.GET_ECHO: FingerprintEmulator._get_echo,
}


def serve_forever(emulator: FingerprintEmulator) -> None:  # pragma: no cover - used by the CLI
    emulator.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        emulator.stop()


__all__ = ["FingerprintEmulator", "LedState", "Path", "Placement"]
