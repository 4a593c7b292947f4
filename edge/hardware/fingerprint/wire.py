"""A serial port wrapper that records what the sensor sent, so the driver can check the checksums the
adafruit library ignores (it never verifies a received checksum), and read the confirmation code of an ack
the library swallowed (its constructor turns every failure into "check wiring")."""

from __future__ import annotations

import struct
from typing import Any, Protocol

from edge.hardware.fingerprint.protocol import HEADER_LEN, START, Pid, checksum


class SerialLike(Protocol):
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: Any) -> int | None: ...
    def close(self) -> None: ...


class TapSerial:
    """Passes read/write/close through; keeps a copy of every byte read since `clear()`."""

    def __init__(self, port: SerialLike) -> None:
        self.port = port
        self.received = bytearray()

    def read(self, size: int = 1) -> bytes:
        data = self.port.read(size)
        self.received += data
        return data

    def write(self, data: Any) -> int | None:
        return self.port.write(bytes(bytearray(data)))

    def close(self) -> None:
        self.port.close()

    def clear(self) -> None:
        self.received.clear()


class Packet(tuple[int, bytes, bool]):
    """(pid, payload, checksum_ok)."""

    @property
    def pid(self) -> int:
        return self[0]

    @property
    def payload(self) -> bytes:
        return self[1]

    @property
    def ok(self) -> bool:
        return self[2]


def parse(stream: bytes) -> tuple[list[Packet], int]:
    """Packets in `stream` and the number of bytes that were not part of any packet (handshake bytes
    such as the 0x55 after a soft reset are counted there)."""
    packets: list[Packet] = []
    stray = 0
    i = 0
    while i < len(stream):
        if stream[i : i + 2] != START or i + HEADER_LEN > len(stream):
            stray += 1
            i += 1
            continue
        _addr, pid, length = struct.unpack(">IBH", stream[i + 2 : i + HEADER_LEN])
        end = i + HEADER_LEN + length
        if length < 2 or end > len(stream):
            stray += 1
            i += 1
            continue
        payload = bytes(stream[i + HEADER_LEN : end - 2])
        (got,) = struct.unpack(">H", stream[end - 2 : end])
        packets.append(Packet((pid, payload, got == checksum(pid, payload))))
        i = end
    return packets, stray


def last_ack_code(stream: bytes) -> int | None:
    acks = [p for p in parse(stream)[0] if p.pid == Pid.ACK and p.payload]
    return acks[-1].payload[0] if acks else None
