"""Which video codec the recorder writes, and the writer that writes it.

`codec` in hardware.toml is "auto", "h264", "mp4v" or "MJPG". H.264 takes about half the bytes of MPEG-4
part 2 (`mp4v`) for the same picture (`make bench`, hardware rows), and every byte goes over a metered 4G
uplink, so "auto" takes H.264 wherever there is an encoder for it:

- the picamera2 backend: the Pi's own encoder through picamera2's `H264Encoder` (the VideoCore encoder on
  a Pi 4; a Pi 5 has none, and picamera2 encodes in software through libav there), see `picamera2_h264`;
- other backends: OpenCV's FFmpeg when it was built with an H.264 encoder (fourcc `avc1`; `H264` is the
  same encoder, which OpenCV itself retags as `avc1` for .mp4, so it is not asked twice:
  Raspberry Pi OS's and Debian's python3-opencv are; the opencv-python wheels are not), else PyAV's
  libx264 when the `av` package is installed (the `h264` extra; on Raspberry Pi OS python3-av);
- otherwise `mp4v`.

An explicit "h264" where no encoder exists is refused with one clear reason instead of quietly writing
something else. Every H.264 segment is an .mp4 like the `mp4v` ones, so the store, the hub and the police
export see no difference but the size.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

# FFmpeg writes its own complaints (a Pi's missing V4L2 encoder device, say) straight to stderr whatever
# OpenCV's log level; OpenCV reads this before its first use of FFmpeg. A deployment that wants them can
# set the variable itself.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET

from protocol.i18n import _

EXT = {"h264": ".mp4", "mp4v": ".mp4", "MJPG": ".avi"}
CONTENT_TYPE = {".mp4": "video/mp4", ".avi": "video/x-msvideo"}


class NoEncoder(RuntimeError):
    """The configured codec has no encoder on this machine."""


@dataclass(frozen=True)
class Choice:
    """setting: what hardware.toml says; codec: what is written; encoder: who writes it."""

    setting: str
    codec: str
    encoder: str

    @property
    def ext(self) -> str:
        return EXT[self.codec]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPE[self.ext]


class FrameWriter(Protocol):
    def isOpened(self) -> bool: ...  # noqa: N802 - cv2.VideoWriter's name

    def write(self, frame: np.ndarray, /) -> object: ...

    def release(self) -> object: ...


def _opencv_writes(fourcc: str) -> bool:
    """OpenCV can really encode `fourcc` into an .mp4 here: a writer opens and two frames come out as a
    non-empty file (FFmpeg opens some writers whose encoder then fails on the first frame)."""
    log = cv2.utils.logging
    level = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_SILENT)  # a missing encoder is an answer here, not an error to print
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.mp4")
        try:
            writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*fourcc), 15.0, (64, 64))
        finally:
            log.setLogLevel(level)
        try:
            if not writer.isOpened():
                return False
            for shade in (0, 128):
                writer.write(np.full((64, 64, 3), shade, np.uint8))
        finally:
            writer.release()
        return os.path.exists(path) and os.path.getsize(path) > 0


def _pyav_h264() -> bool:
    try:
        import av  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return False
    try:
        av.codec.Codec("libx264", "w")
    except Exception:  # this FFmpeg build has no libx264
        return False
    return True


@functools.cache
def h264_encoder() -> str | None:
    """The H.264 encoder the frame recorder can use here ("opencv:avc1", "pyav:libx264"), or None. Probed
    once per process."""
    if _opencv_writes("avc1"):
        return "opencv:avc1"
    return "pyav:libx264" if _pyav_h264() else None


def choose(setting: str, *, backend: str = "opencv") -> Choice:
    """The codec `setting` means on this machine for `backend`. Raises NoEncoder for "h264" without one."""
    if setting not in ("auto", *EXT):
        raise ValueError(f"codec must be auto or one of {', '.join(EXT)}")
    if setting in ("mp4v", "MJPG"):
        return Choice(setting, setting, f"opencv:{setting}")
    if backend == "picamera2":
        return Choice(setting, "h264", "picamera2:H264Encoder")
    encoder = h264_encoder()
    if encoder is not None:
        return Choice(setting, "h264", encoder)
    if setting == "h264":
        raise NoEncoder(_("hardware.toml asks for codec = \"h264\", but this machine has no H.264 encoder "
                          "(OpenCV without one, and no PyAV with libx264): set codec = \"auto\" or \"mp4v\""))
    return Choice(setting, "mp4v", "opencv:mp4v")


class PyavWriter:
    """libx264 into .mp4 through PyAV, with cv2.VideoWriter's three methods. `veryfast` with CRF 23 and no
    look-ahead (`zerolatency`) keeps a Pi's core free enough for the kit; the bench prints its bytes per
    minute beside mp4v's."""

    def __init__(self, path: Path | str, fps: float, size: tuple[int, int], *, preset: str = "veryfast",
                 crf: int = 23) -> None:
        import av

        # The file exists from the first frame on, like cv2.VideoWriter's (PyAV opens it at the first mux),
        # and each frame is encoded as it comes (no look-ahead held in memory): what a crash leaves behind
        # is what the recorder's recovery expects.
        self._file = open(path, "wb")  # noqa: SIM115 - closed in release()
        self._container: Any = av.open(self._file, "w", format="mp4")
        self._stream: Any = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"preset": preset, "crf": str(crf), "tune": "zerolatency"}
        self._frame_cls: Any = av.VideoFrame
        self._open = True

    def isOpened(self) -> bool:  # noqa: N802
        return self._open

    def write(self, frame: np.ndarray) -> None:
        for packet in self._stream.encode(self._frame_cls.from_ndarray(frame, format="bgr24")):
            self._container.mux(packet)

    def release(self) -> None:
        if self._open:
            self._open = False
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._container.close()
            self._file.close()


def open_writer(choice: Choice, path: Path, fps: float, size: tuple[int, int]) -> FrameWriter:
    """A writer for frames from a FrameSource (not for picamera2's own encoder)."""
    kind, _sep, name = choice.encoder.partition(":")
    if kind == "pyav":
        return PyavWriter(path, fps, size)
    if kind != "opencv":
        raise ValueError(f"{choice.encoder} does not take frames")
    return cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*name), fps, size)
