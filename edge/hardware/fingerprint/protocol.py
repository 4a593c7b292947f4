"""The sensor's serial protocol: framing, instruction and confirmation codes, sizes.

Packet: EF 01 | address(4) | PID | LEN(2, BE) | payload | SUM(2); LEN = len(payload) + 2 and
SUM = low 16 bits of PID + LEN bytes + payload bytes.
"""

from __future__ import annotations

import struct
from enum import IntEnum

START = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
HEADER_LEN = 9  # start(2) + address(4) + PID(1) + LEN(2)


class Pid(IntEnum):
    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END_DATA = 0x08


class Ins(IntEnum):
    GEN_IMG = 0x01
    IMG2TZ = 0x02
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    UP_IMAGE = 0x0A
    DOWN_IMAGE = 0x0B
    DELETE_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    SET_ADDER = 0x15
    WRITE_NOTEPAD = 0x18
    READ_NOTEPAD = 0x19
    FAST_SEARCH = 0x1B
    TEMPLATE_NUM = 0x1D
    READ_INDEX_TABLE = 0x1F
    AURA_LED = 0x35
    SOFT_RST = 0x3D
    HANDSHAKE = 0x40
    GET_ECHO = 0x53


class Code(IntEnum):
    OK = 0x00
    RECEIVE_ERROR = 0x01
    NO_FINGER = 0x02
    IMAGE_FAIL = 0x03
    IMAGE_MESSY = 0x06
    FEATURE_FAIL = 0x07
    NO_MATCH = 0x08
    NOT_FOUND = 0x09
    ENROLL_MISMATCH = 0x0A
    BAD_LOCATION = 0x0B
    READ_TEMPLATE_ERROR = 0x0C
    UPLOAD_FEATURE_FAIL = 0x0D
    CANNOT_RECEIVE_DATA = 0x0E
    UPLOAD_IMAGE_FAIL = 0x0F
    DELETE_FAIL = 0x10
    CLEAR_FAIL = 0x11
    WRONG_PASSWORD = 0x13
    NO_VALID_IMAGE = 0x15
    FLASH_ERROR = 0x18
    BAD_REGISTER = 0x1A
    ADDRESS_ERROR = 0x20
    MUST_VERIFY_PASSWORD = 0x21
    MODULE_OK = 0x55


# Payload length of the ack to each instruction (confirmation code included). The sensor always sends
# this many bytes, on success and on error: clients such as adafruit_fingerprint read a fixed count.
ACK_PAYLOAD_LEN: dict[int, int] = {
    Ins.MATCH: 3,  # code, score(2)
    Ins.SEARCH: 5,  # code, page(2), score(2)
    Ins.FAST_SEARCH: 5,
    Ins.READ_SYS_PARA: 17,  # code + 16 bytes
    Ins.TEMPLATE_NUM: 3,  # code, count(2)
    Ins.READ_INDEX_TABLE: 33,  # code + 32-byte bitmap
    Ins.GET_RANDOM_CODE: 5,  # code + 4 bytes
    Ins.READ_NOTEPAD: 33,  # code + 32 bytes
}
DEFAULT_ACK_PAYLOAD_LEN = 1

PACKET_SIZES = (32, 64, 128, 256)  # ReadSysPara packet-size code 0..3
IMAGE_WIDTH = 256
IMAGE_HEIGHT = 288
IMAGE_BYTES = IMAGE_WIDTH * IMAGE_HEIGHT // 2  # 4 bits per pixel = 36,864 bytes
NOTEPAD_PAGES = 16
NOTEPAD_PAGE_BYTES = 32

# SetSysPara parameter numbers
PARAM_BAUD = 4
PARAM_SECURITY = 5
PARAM_PACKET_SIZE = 6


def checksum(pid: int, payload: bytes) -> int:
    length = len(payload) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def encode(pid: int, payload: bytes, address: int = DEFAULT_ADDRESS) -> bytes:
    length = len(payload) + 2
    return (
        START
        + struct.pack(">IBH", address, pid, length)
        + payload
        + struct.pack(">H", checksum(pid, payload))
    )


def ack_len(instruction: int) -> int:
    """Total bytes on the wire of the ack to `instruction`."""
    return HEADER_LEN + ACK_PAYLOAD_LEN.get(instruction, DEFAULT_ACK_PAYLOAD_LEN) + 2
