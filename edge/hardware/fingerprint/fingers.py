"""Simulated fingers for the emulator: minutiae, sensor images, templates and the matcher.

A finger is named ("zhang-san/right-index"); its minutiae (x, y, direction in 16 steps) are a pure function
of the name, so the same person's finger is the same on every emulator and every run. Each capture adds
small noise (a shift of a few pixels, jitter, a dropped or spurious minutia) so two captures of one finger
match with a high score and different fingers do not.

Images are what a sensor uploads: 256 x 288 pixels, 4 bits each. The emulator's feature extraction reads
the minutiae back from the image pixels (a minutia is a 15-valued pixel followed by two pixels coding its
direction, over a ridge background that never reaches 10), so an image downloaded with DownImage is
processed exactly like one captured with GenImg, and a smeared image yields the "messy" error naturally.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from edge.hardware.fingerprint.protocol import IMAGE_BYTES, IMAGE_HEIGHT, IMAGE_WIDTH

Minutiae = np.ndarray  # shape (n, 3), int32 columns x, y, direction (0..15)

MIN_FEATURES = 10  # fewer valid minutiae than this: "too few feature points" (0x07)
MAX_SPURIOUS = 40  # more unreadable marks than this: "image too messy" (0x06)
MAX_TEMPLATE_MINUTIAE = 100
TEMPLATE_MAGIC = b"\x03\x4c"


class Placement(StrEnum):
    GOOD = "good"  # a normal, well-placed finger
    MESSY = "messy"  # smeared / wet: GenImg succeeds, Img2Tz fails with 0x06
    PARTIAL = "partial"  # only the fingertip touches: Img2Tz fails with 0x07
    FAIL = "fail"  # the sensor cannot take an image at all: GenImg fails with 0x03


@dataclass(frozen=True)
class Finger:
    name: str
    placement: Placement = Placement.GOOD


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def base_minutiae(name: str) -> Minutiae:
    """The finger's true minutiae: deterministic in the name, at least 8 px apart."""
    rng = random.Random(_seed("finger:" + name))
    count = rng.randint(42, 56)
    points: list[tuple[int, int, int]] = []
    while len(points) < count:
        x, y = rng.randint(12, IMAGE_WIDTH - 14), rng.randint(12, IMAGE_HEIGHT - 13)
        if all((x - px) ** 2 + (y - py) ** 2 >= 64 for px, py, _ in points):
            points.append((x, y, rng.randrange(16)))
    return np.array(points, dtype=np.int32)


def capture_minutiae(name: str, capture_seed: int) -> Minutiae:
    """One noisy capture of the finger."""
    base = base_minutiae(name)
    rng = random.Random(_seed(f"capture:{name}:{capture_seed}"))
    dx, dy = rng.randint(-3, 3), rng.randint(-3, 3)
    out: list[tuple[int, int, int]] = []
    for x, y, a in base.tolist():
        if rng.random() < 0.06:
            continue  # this minutia was not captured
        x += dx + rng.randint(-1, 1)
        y += dy + rng.randint(-1, 1)
        if rng.random() < 0.1:
            a = (a + rng.choice((-1, 1))) % 16
        out.append((x, y, a))
    for _ in range(rng.randint(0, 2)):  # spurious minutiae from dust or a scar
        out.append((rng.randint(12, IMAGE_WIDTH - 14), rng.randint(12, IMAGE_HEIGHT - 13), rng.randrange(16)))
    arr = np.array(out, dtype=np.int32)
    arr[:, 0] = np.clip(arr[:, 0], 2, IMAGE_WIDTH - 4)
    arr[:, 1] = np.clip(arr[:, 1], 2, IMAGE_HEIGHT - 3)
    return arr


# -- images ----------------------------------------------------------------------------------------------
def render_image(finger: Finger, capture_seed: int) -> bytes:
    """The 4-bit image the sensor would upload for this capture (IMAGE_BYTES long)."""
    rng = random.Random(_seed(f"image:{finger.name}:{capture_seed}"))
    theta = (_seed("ridge:" + finger.name) % 628) / 100.0
    ys, xs = np.mgrid[0:IMAGE_HEIGHT, 0:IMAGE_WIDTH]
    ridges = 5 + 4 * np.sin((xs * np.cos(theta) + ys * np.sin(theta)) / 2.5 + rng.random() * 6.28)
    img = np.clip(np.rint(ridges), 0, 9).astype(np.uint8)
    minutiae = capture_minutiae(finger.name, capture_seed)
    if finger.placement is Placement.PARTIAL:
        minutiae = minutiae[minutiae[:, 1] < 40][: MIN_FEATURES - 4]
    for x, y, a in minutiae.tolist():
        img[y, x] = 15
        img[y, x + 1] = 10 + (a >> 2)
        img[y, x + 2] = 10 + (a & 3)
    if finger.placement is Placement.MESSY:
        for _ in range(400):  # smears: bright marks that are no minutiae
            img[rng.randrange(IMAGE_HEIGHT), rng.randrange(IMAGE_WIDTH)] = 15
    return pack_image(img)


def pack_image(img: np.ndarray) -> bytes:
    flat = img.reshape(-1).astype(np.uint8)
    return ((flat[0::2] << 4) | (flat[1::2] & 0x0F)).astype(np.uint8).tobytes()


def unpack_image(data: bytes) -> np.ndarray:
    if len(data) != IMAGE_BYTES:
        raise ValueError(f"image must be {IMAGE_BYTES} bytes, got {len(data)}")
    raw = np.frombuffer(data, dtype=np.uint8)
    img = np.empty(raw.size * 2, dtype=np.uint8)
    img[0::2] = raw >> 4
    img[1::2] = raw & 0x0F
    return img.reshape(IMAGE_HEIGHT, IMAGE_WIDTH)


@dataclass(frozen=True)
class Extraction:
    minutiae: Minutiae
    spurious: int


def extract(image: bytes) -> Extraction:
    """Read minutiae back from an image: a 15 followed by two direction pixels in 10..13."""
    img = unpack_image(image)
    ys, xs = np.nonzero(img[:, : IMAGE_WIDTH - 2] == 15)
    hi = img[ys, xs + 1].astype(np.int32)
    lo = img[ys, xs + 2].astype(np.int32)
    valid = (hi >= 10) & (hi <= 13) & (lo >= 10) & (lo <= 13)
    minutiae = np.stack([xs[valid], ys[valid], (hi[valid] - 10) * 4 + (lo[valid] - 10)], axis=1).astype(np.int32)
    return Extraction(minutiae=minutiae, spurious=int((~valid).sum()))


# -- templates -------------------------------------------------------------------------------------------
def encode_template(minutiae: Minutiae, size: int) -> bytes:
    """A characteristics file of exactly `size` bytes: magic, count, 4 bytes per minutia, CRC, padding."""
    pts = minutiae[:MAX_TEMPLATE_MINUTIAE]
    body = TEMPLATE_MAGIC + bytes([len(pts)])
    body += b"".join(struct.pack(">BHB", x, y, a) for x, y, a in pts.tolist())
    body += struct.pack(">H", zlib.crc32(body) & 0xFFFF)
    if len(body) > size:
        raise ValueError("template size too small for the minutiae")
    return body + bytes(size - len(body))


def decode_template(data: bytes) -> Minutiae | None:
    """The minutiae of a characteristics file, or None when it is not a valid one."""
    if len(data) < 5 or data[:2] != TEMPLATE_MAGIC:
        return None
    n = data[2]
    end = 3 + 4 * n
    if end + 2 > len(data):
        return None
    (crc,) = struct.unpack(">H", data[end : end + 2])
    if crc != zlib.crc32(data[:end]) & 0xFFFF:
        return None
    pts = [struct.unpack(">BHB", data[3 + 4 * i : 7 + 4 * i]) for i in range(n)]
    return np.array(pts, dtype=np.int32).reshape(-1, 3)


# -- matching --------------------------------------------------------------------------------------------
def _angle_close(a: np.ndarray, b: np.ndarray, tol: int) -> np.ndarray:
    d = np.abs(a - b) % 16
    return np.minimum(d, 16 - d) <= tol


def align(a: Minutiae, b: Minutiae) -> tuple[int, int]:
    """The translation (dx, dy) that moves b onto a, by voting over minutia pairs with the same direction."""
    if len(a) == 0 or len(b) == 0:
        return 0, 0
    dx = a[:, None, 0] - b[None, :, 0]
    dy = a[:, None, 1] - b[None, :, 1]
    ok = _angle_close(a[:, None, 2], b[None, :, 2], 0) & (np.abs(dx) <= 12) & (np.abs(dy) <= 12)
    if not ok.any():
        return 0, 0
    votes: dict[tuple[int, int], int] = {}
    for x, y in zip(dx[ok].tolist(), dy[ok].tolist(), strict=True):
        key = (x // 2, y // 2)
        votes[key] = votes.get(key, 0) + 1
    best = max(votes, key=lambda k: sum(votes.get((k[0] + i, k[1] + j), 0) for i in (-1, 0, 1) for j in (-1, 0, 1)))
    sel = ok & (np.abs(dx // 2 - best[0]) <= 1) & (np.abs(dy // 2 - best[1]) <= 1)
    return int(np.rint(dx[sel].mean())), int(np.rint(dy[sel].mean()))


def pair(a: Minutiae, b: Minutiae, tol: int = 3) -> list[tuple[int, int]]:
    """One-to-one pairs (index in a, index in b) after aligning b onto a."""
    if len(a) == 0 or len(b) == 0:
        return []
    sx, sy = align(a, b)
    dist = (a[:, None, 0] - b[None, :, 0] - sx) ** 2 + (a[:, None, 1] - b[None, :, 1] - sy) ** 2
    ok = (dist <= tol * tol) & _angle_close(a[:, None, 2], b[None, :, 2], 1)
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i in range(len(a)):
        cands = [j for j in np.nonzero(ok[i])[0].tolist() if j not in used]
        if cands:
            j = min(cands, key=lambda k: dist[i, k])
            used.add(j)
            pairs.append((i, j))
    return pairs


def score(a: Minutiae, b: Minutiae) -> int:
    """0..200: 200 for identical minutiae, well over 100 for two captures of one finger, near 0 otherwise."""
    if len(a) == 0 or len(b) == 0:
        return 0
    return len(pair(a, b)) * 400 // (len(a) + len(b))


def merge(a: Minutiae, b: Minutiae) -> Minutiae:
    """RegModel: the model of two captures: paired minutiae averaged, a's unpaired ones kept."""
    pairs = pair(a, b)
    sx, sy = align(a, b)
    out = a.copy()
    for i, j in pairs:
        out[i, 0] = (a[i, 0] + b[j, 0] + sx) // 2
        out[i, 1] = (a[i, 1] + b[j, 1] + sy) // 2
    return out
