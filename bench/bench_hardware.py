"""Hardware benchmarks: video recording at 1280x720 and the fingerprint verify round trip at 57600 baud.

Rows: (figure, value, unit, baseline value, baseline name).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import serial

from edge.hardware.camera import PatternSource, SegmentRecorder
from edge.hardware.config import FingerprintConfig
from edge.hardware.fingerprint.driver import EnrollStep, FingerprintSensor
from edge.hardware.fingerprint.emulator import FingerprintEmulator
from protocol.clock import FakeClock

Row = tuple[str, float, str, float, str]
W, H = 1280, 720


def _raw_writer(path: Path, frames: list, n: int, fps: float, paced: bool) -> tuple[float, float]:
    """(fps achieved, CPU share) writing `n` prepared frames with a bare cv2.VideoWriter."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (W, H))
    t0, c0 = time.perf_counter(), time.process_time()
    nxt = t0
    for i in range(n):
        if paced:
            nxt += 1 / fps
            delay = nxt - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        w.write(frames[i % len(frames)])
    w.release()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return n / wall, cpu / wall


def _recorder(directory: Path, n: int, fps: float, paced: bool) -> tuple[float, float]:
    source = PatternSource(W, H, fps, realtime=paced)
    # 5-second segments: the shipped default (firmware_config/kit/hardware.toml)
    rec = SegmentRecorder(source, directory, segment_seconds=5.0, codec="mp4v", max_frames=n)
    t0, c0 = time.perf_counter(), time.process_time()
    rec.run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return n / wall, cpu / wall


def video_rows() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = PatternSource(W, H, 15)
        frames = [src.read() for _ in range(75)]  # distinct frames, so the encoder does the same work
        raw_fps, _ = _raw_writer(root / "raw.mp4", frames, 300, 15, paced=False)
        rec_fps, _ = _recorder(root / "rec", 300, 15, paced=False)
        _, raw_cpu = _raw_writer(root / "raw2.mp4", frames, 45, 15, paced=True)
        _, rec_cpu = _recorder(root / "rec2", 45, 15, paced=True)
    return [
        ("video 1280x720 mp4v: segmented recorder (5 s segments, fsync + SHA-256 each) from generated source",
         rec_fps, "fps", raw_fps,
         "raw cv2.VideoWriter, prepared frames, same codec"),
        ("video 1280x720 @15 fps: CPU share while recording", rec_cpu * 100, "% of one core", raw_cpu * 100,
         "raw cv2.VideoWriter @15 fps, prepared frames"),
    ]


class _SteadyPattern(PatternSource):
    """The pattern with its clock stepped one frame per read: every codec gets the very same frames."""

    def __init__(self) -> None:
        super().__init__(W, H, 15, clock=FakeClock())

    def read(self):  # type: ignore[no-untyped-def]
        frame = super().read()
        self.clock.advance(67)  # type: ignore[attr-defined]
        return frame


def codec_rows(seconds: int = 60) -> list[Row]:
    """Bytes per minute of 1280x720 @15 fps for each codec this machine can write, the same moving pattern
    for each, through the kit's own recorder (5 s segments); and the CPU seconds each spends per minute."""
    from edge.hardware.camera.codecs import h264_encoder

    available = ["mp4v", "MJPG"] + (["h264"] if h264_encoder() else [])
    size: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for codec in available:
            rec = SegmentRecorder(_SteadyPattern(), Path(tmp) / codec, segment_seconds=5.0, codec=codec,
                                  max_frames=15 * seconds)
            c0 = time.process_time()
            segments = rec.run()
            cpu[codec] = (time.process_time() - c0) * 60 / seconds
            size[codec] = sum(s.bytes for s in segments) * 60 / seconds / 1e6
    if "h264" not in available:
        print("  no H.264 encoder here (OpenCV without one, no PyAV with libx264): h264 row left out", flush=True)
    rows: list[Row] = []
    for codec in available:
        base = "MJPG" if codec == "mp4v" else "mp4v"
        name = h264_encoder() if codec == "h264" else codec
        rows.append((f"video 720p15 {codec} ({name}): bytes per minute", size[codec], "MB/min", size[base],
                     f"{base}, same frames"))
        rows.append((f"video 720p15 {codec}: CPU per minute of video", cpu[codec], "s/min", cpu[base],
                     f"{base}, same frames"))
    return rows


def fingerprint_rows(rounds: int = 5) -> list[Row]:
    with FingerprintEmulator("r307", line_rate=True) as emu:
        sensor = FingerprintSensor(serial.Serial(emu.path, 57600, timeout=2),
                                   FingerprintConfig(finger_wait_polls=3, poll_interval_s=0.0, led=False))

        def prompt(step: EnrollStep) -> None:
            (emu.remove_finger if step is EnrollStep.REMOVE else lambda: emu.place_finger("bench/right-index"))()

        sensor.enroll(1, prompt)
        emu.place_finger("bench/right-index")
        sensor.verify()  # warm up
        b0 = emu.bytes_in + emu.bytes_out
        t0 = time.perf_counter()
        for _ in range(rounds):
            sensor.verify()
        verify_s = (time.perf_counter() - t0) / rounds
        verify_line = emu.line_time((emu.bytes_in + emu.bytes_out - b0) // rounds)
        b0 = emu.bytes_in + emu.bytes_out
        t0 = time.perf_counter()
        for _ in range(rounds):
            sensor.upload_char(1)
        up_s = (time.perf_counter() - t0) / rounds
        up_line = emu.line_time((emu.bytes_in + emu.bytes_out - b0) // rounds)
        sensor.close()
    return [
        ("fingerprint verify round trip over emulator @57600 baud", verify_s * 1000, "ms", verify_line * 1000,
         "line time of the same bytes at 57600 8N1"),
        ("fingerprint template upload (UpChar, 512 B) @57600 baud", up_s * 1000, "ms", up_line * 1000,
         "line time of the same bytes at 57600 8N1"),
    ]


def run() -> list[Row]:
    return video_rows() + codec_rows() + fingerprint_rows()


if __name__ == "__main__":
    for name, value, unit, base, base_name in run():
        print(f"{name}: {value:.1f} {unit} (baseline {base:.1f}: {base_name}; ratio {value / base:.2f})")
