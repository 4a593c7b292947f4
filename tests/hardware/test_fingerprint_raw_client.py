"""A second, independent client: raw bytes written and parsed here, from the datasheet, not from the
emulator's own helpers. If the emulator only worked with adafruit's quirks, these tests would fail."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator

import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.hardware.fingerprint.emulator import FingerprintEmulator

ADDR = b"\xff\xff\xff\xff"


class RawClient:
    def __init__(self, path: str, address: bytes = ADDR) -> None:
        self.port = serial.Serial(path, 57600, timeout=1)
        self.address = address

    def frame(self, pid: int, payload: bytes, *, bad_sum: bool = False) -> bytes:
        length = len(payload) + 2
        total = pid + (length >> 8) + (length & 0xFF) + sum(payload)
        if bad_sum:
            total += 1
        return b"\xef\x01" + self.address + bytes([pid]) + length.to_bytes(2, "big") + payload + (total & 0xFFFF).to_bytes(2, "big")

    def read_packet(self) -> tuple[int, bytes]:
        head = self.port.read(9)
        assert len(head) == 9 and head[:2] == b"\xef\x01", head
        self.last_address = head[2:6]
        pid, length = head[6], int.from_bytes(head[7:9], "big")
        body = self.port.read(length)
        payload, got = body[:-2], int.from_bytes(body[-2:], "big")
        assert got == (pid + head[7] + head[8] + sum(payload)) & 0xFFFF, "bad checksum from the sensor"
        return pid, payload

    def cmd(self, *payload: int, bad_sum: bool = False, raw: bytes = b"") -> bytes:
        self.port.write(self.frame(0x01, bytes(payload) + raw, bad_sum=bad_sum))
        pid, reply = self.read_packet()
        assert pid == 0x07
        return reply

    def read_bulk(self) -> tuple[bytes, list[int]]:
        data, sizes = b"", []
        while True:
            pid, payload = self.read_packet()
            assert pid in (0x02, 0x08)
            data += payload
            sizes.append(len(payload))
            if pid == 0x08:
                return data, sizes

    def send_bulk(self, data: bytes, size: int) -> None:
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        for i, chunk in enumerate(chunks):
            self.port.write(self.frame(0x08 if i == len(chunks) - 1 else 0x02, chunk))


@pytest.fixture
def r503() -> Iterator[tuple[FingerprintEmulator, RawClient]]:
    emu = FingerprintEmulator("r503").start()
    client = RawClient(emu.path)
    yield emu, client
    client.port.close()
    emu.stop()


def test_sysparams_layout_and_setting(r503: tuple[FingerprintEmulator, RawClient]) -> None:
    emu, c = r503
    reply = c.cmd(0x0F)
    assert len(reply) == 17 and reply[0] == 0
    status, sysid, cap, level, addr, pkt, baud = struct.unpack(">HHHHIHH", reply[1:])
    assert (sysid, cap, level, addr, pkt, baud) == (9, 200, 3, 0xFFFFFFFF, 2, 6)
    assert c.cmd(0x0E, 6, 3) == b"\x00"  # packet size 256
    assert c.cmd(0x0E, 5, 5) == b"\x00"  # security level 5
    assert c.cmd(0x0E, 9, 1) == b"\x1a"  # no such register
    assert c.cmd(0x0E, 6, 4) == b"\x1a"  # no such packet size
    _, _, _, level, _, pkt, _ = struct.unpack(">HHHHIHH", c.cmd(0x0F)[1:])
    assert (level, pkt) == (5, 3)


def test_enroll_upload_download_match_search_by_hand(r503: tuple[FingerprintEmulator, RawClient]) -> None:
    emu, c = r503
    assert c.cmd(0x01) == b"\x02"  # no finger yet
    emu.place_finger("wang-wu/left-thumb")
    assert c.cmd(0x01) == b"\x00" and c.cmd(0x02, 1) == b"\x00"
    assert c.cmd(0x01) == b"\x00" and c.cmd(0x02, 2) == b"\x00"
    assert c.cmd(0x05) == b"\x00"  # RegModel
    assert c.cmd(0x06, 1, 0, 42) == b"\x00"  # Store at page 42
    assert c.cmd(0x1D) == b"\x00\x00\x01"  # TemplateNum
    table = c.cmd(0x1F, 0)
    assert len(table) == 33 and table[1 + 42 // 8] == 1 << (42 % 8)
    assert c.cmd(0x08, 1) == b"\x00"  # UpChar
    template, sizes = c.read_bulk()
    assert len(template) == 1536 and sizes == [128] * 12
    # Download the template into a fresh buffer 2 and compare it with a new capture in buffer 1.
    assert c.cmd(0x09, 2) == b"\x00"
    c.send_bulk(template, 128)
    assert c.cmd(0x01) == b"\x00" and c.cmd(0x02, 1) == b"\x00"
    match = c.cmd(0x03)
    assert match[0] == 0 and int.from_bytes(match[1:3], "big") > 100
    found = c.cmd(0x04, 1, 0, 0, 0, 200)
    assert found[0] == 0 and int.from_bytes(found[1:3], "big") == 42
    assert c.cmd(0x1B, 1, 0, 0, 0, 200)[:3] == b"\x00\x00\x2a"  # fast search agrees
    assert c.cmd(0x04, 1, 0, 43, 0, 10)[0] == 0x09  # page 42 is outside the searched range
    emu.place_finger("stranger/left-thumb")
    assert c.cmd(0x01) == b"\x00" and c.cmd(0x02, 1) == b"\x00"
    assert c.cmd(0x03)[0] == 0x08
    assert c.cmd(0x04, 1, 0, 0, 0, 200) == b"\x09\x00\x00\x00\x00"  # full-size ack on error
    assert c.cmd(0x07, 1, 0, 42) == b"\x00"  # LoadChar
    assert c.cmd(0x07, 1, 0, 41) == b"\x0c"
    assert c.cmd(0x07, 1, 0, 200) == b"\x0b"
    assert c.cmd(0x0C, 0, 42, 0, 1) == b"\x00"  # DeleteChar
    assert c.cmd(0x1D) == b"\x00\x00\x00"
    assert c.cmd(0x0D) == b"\x00"


def test_image_upload_and_download(r503: tuple[FingerprintEmulator, RawClient]) -> None:
    emu, c = r503
    assert c.cmd(0x0A) == b"\x0f"  # no image yet
    assert c.cmd(0x02, 1) == b"\x15"  # Img2Tz without an image
    emu.place_finger("li-si/right-ring")
    assert c.cmd(0x01) == b"\x00"
    assert c.cmd(0x0A) == b"\x00"
    image, sizes = c.read_bulk()
    assert len(image) == 36864 and len(sizes) == 288
    emu.remove_finger()
    assert c.cmd(0x0B) == b"\x00"  # DownImage: the same picture, back in
    c.send_bulk(image, 128)
    assert c.cmd(0x02, 1) == b"\x00"  # features come from the downloaded pixels
    emu.place_finger("li-si/right-ring")
    assert c.cmd(0x01) == b"\x00" and c.cmd(0x02, 2) == b"\x00"
    assert c.cmd(0x03)[0] == 0


def test_checksum_address_and_garbage(r503: tuple[FingerprintEmulator, RawClient]) -> None:
    emu, c = r503
    assert c.cmd(0x04, 1, 0, 0, 0, 200, bad_sum=True) == b"\x01\x00\x00\x00\x00"  # full-size error ack
    assert emu.checksum_errors == 1
    c.port.write(b"\x00\x13\x37garbage\xef")  # line noise, then a valid command
    assert c.cmd(0x1D) == b"\x00\x00\x00"
    other = RawClient.__new__(RawClient)
    other.port, other.address = c.port, b"\x00\x00\x00\x01"
    assert other.cmd(0x1D) == b"\x20\x00\x00"
    # A corrupted data packet leaves the char buffer invalid: nothing half-received is used.
    assert c.cmd(0x09, 1) == b"\x00"
    c.port.write(c.frame(0x02, bytes(128), bad_sum=True))
    c.send_bulk(bytes(1536 - 128), 128)
    assert c.cmd(0x08, 1) == b"\x0d"


def test_password_address_notepad_random(r503: tuple[FingerprintEmulator, RawClient]) -> None:
    emu, c = r503
    assert c.cmd(0x12, 0xCA, 0xFE, 0xBA, 0xBE) == b"\x00"  # SetPwd
    assert c.cmd(0x3D) == b"\x00" and c.port.read(1) == b"\x55"  # SoftRst, then the 0x55 handshake
    assert c.cmd(0x1D) == b"\x21\x00\x00"  # must verify the password now
    assert c.cmd(0x13, 0, 0, 0, 0) == b"\x13"
    assert c.cmd(0x13, 0xCA, 0xFE, 0xBA, 0xBE) == b"\x00"
    assert c.cmd(0x0F)[1:3] == b"\x00\x04"  # status register: password verified
    page = os.urandom(32)
    assert c.cmd(0x18, 3, raw=page) == b"\x00"
    assert c.cmd(0x19, 3) == b"\x00" + page
    r1, r2 = c.cmd(0x14), c.cmd(0x14)
    assert len(r1) == 5 and r1[0] == 0 and r1 != r2
    assert c.cmd(0x35, 1, 0x80, 2, 0) == b"\x00" and emu.led.color == 2
    assert c.cmd(0x35, 9, 0, 2, 0) == b"\x1a"
    assert c.cmd(0x15, 0, 0, 0, 7) == b"\x00"  # SetAdder: the ack already comes from the new address
    assert c.last_address == b"\x00\x00\x00\x07"
    c.address = b"\x00\x00\x00\x07"
    assert c.cmd(0x1D) == b"\x00\x00\x00"
    assert c.cmd(0x53) == b"\x55" and c.cmd(0x40) == b"\x00"
    assert c.cmd(0x99) == b"\x01"  # unknown instruction


def test_r307_has_no_led_and_32_byte_packets(tmp_path) -> None:
    with FingerprintEmulator("r307", packet_size=32, template_size=768) as emu:
        c = RawClient(emu.path)
        assert c.cmd(0x35, 1, 0x80, 2, 0) == b"\x01"
        emu.place_finger("a/b")
        assert c.cmd(0x01) == b"\x00" and c.cmd(0x02, 1) == b"\x00"
        assert c.cmd(0x08, 1) == b"\x00"
        template, sizes = c.read_bulk()
        assert len(template) == 768 and sizes == [32] * 24
        c.port.close()


def test_line_rate_model() -> None:
    emu = FingerprintEmulator("r307", line_rate=True)
    try:
        assert emu.baud == 57600
        assert emu.line_time(5760) == pytest.approx(1.0)
    finally:
        emu.stop()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=200).filter(lambda b: 0xEF not in b))
def test_resynchronises_after_line_noise(r503: tuple[FingerprintEmulator, RawClient], garbage: bytes) -> None:
    _emu, c = r503
    c.port.write(garbage)
    assert c.cmd(0x1D) == b"\x00\x00\x00"  # the next valid command is answered, exactly once
    assert c.port.in_waiting == 0
