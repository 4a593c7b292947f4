"""The recorder's codec choice (edge/hardware/camera/codecs.py): hardware.toml's `codec`, what "auto" picks
on this machine, H.264 segments where an encoder exists, and the picamera2 encoder path failing clearly
where picamera2 is missing (it cannot run without a Pi and its camera; nothing here pretends it does)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge.hardware.camera import PatternSource, SegmentRecorder
from edge.hardware.camera.codecs import NoEncoder, choose, h264_encoder
from edge.hardware.camera.recorder import count_frames, export, sha256_file
from edge.hardware.config import from_dict
from protocol.clock import FakeClock
from protocol.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]
needs_h264 = pytest.mark.skipif(h264_encoder() is None, reason="no H.264 encoder on this machine")


def test_codec_setting_is_typed() -> None:
    assert from_dict({}).camera.codec == "auto"
    for value in ("auto", "h264", "mp4v", "MJPG"):
        assert from_dict({"camera": {"codec": value}}).camera.codec == value
    with pytest.raises(SettingsError, match="codec"):
        from_dict({"camera": {"codec": "avc1"}})


def test_auto_takes_h264_exactly_where_an_encoder_exists() -> None:
    auto = choose("auto")
    assert auto.codec == ("h264" if h264_encoder() else "mp4v")
    assert auto.ext == ".mp4" and auto.content_type == "video/mp4"
    assert choose("mp4v").codec == "mp4v" and choose("MJPG").ext == ".avi"
    # On the Pi the camera's own encoder is used, whatever this machine has.
    assert choose("auto", backend="picamera2").encoder == "picamera2:H264Encoder"


def test_h264_without_an_encoder_is_refused_with_the_reason() -> None:
    """In a process where PyAV cannot be imported (OpenCV's wheel here has no H.264 encoder of its own)."""
    code = ("import sys; sys.modules['av'] = None\n"
            "from edge.hardware.camera.codecs import NoEncoder, choose, h264_encoder\n"
            "print(h264_encoder())\n"
            "print(choose('auto').codec)\n"
            "try:\n    choose('h264')\nexcept NoEncoder as exc:\n    print('refused:', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "LANGUAGE": "en", "PATH": "/usr/bin:/bin"})
    lines = out.stdout.splitlines()
    if lines and lines[0].startswith("opencv:"):
        pytest.skip(f"OpenCV here encodes H.264 itself ({lines[0]})")
    assert lines[:2] == ["None", "mp4v"], out.stderr
    assert lines[2].startswith("refused:") and "h264" in lines[2] and "mp4v" in lines[2]


@needs_h264
def test_h264_segments_play_and_are_smaller_than_mp4v(tmp_path: Path) -> None:
    sizes = {}
    for codec in ("h264", "mp4v"):
        clock = FakeClock()
        rec = SegmentRecorder(PatternSource(320, 240, 10, clock=clock), tmp_path / codec, segment_seconds=1.0,
                              codec=codec, clock=clock, max_frames=25)
        segments = rec.run()
        assert [s.frames for s in segments] == [10, 10, 5]
        for seg in segments:
            path = tmp_path / codec / seg.file
            assert path.suffix == ".mp4" and sha256_file(path) == seg.sha256
            assert count_frames(path) == seg.frames  # OpenCV decodes what the H.264 writer wrote
        sizes[codec] = sum(s.bytes for s in segments)
    assert sizes["h264"] < sizes["mp4v"]
    assert export(tmp_path / "h264", tmp_path / "job.mp4", "h264") == 25


def test_picamera2_encoder_path_says_what_to_install(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    try:
        import picamera2  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        pass
    else:  # pragma: no cover - only on a Pi
        pytest.skip("picamera2 is installed: the encoder path needs the camera itself")
    from edge.hardware.camera import CameraUnavailable
    from edge.hardware.camera.picamera2_h264 import Picamera2SegmentRecorder

    with pytest.raises(CameraUnavailable, match="python3-picamera2"):
        Picamera2SegmentRecorder(object(), PatternSource(64, 48, 10), tmp_path, segment_seconds=1.0)
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_kit_status_reports_the_codec(tmp_path: Path) -> None:
    from edge.app import change_kit_settings
    from hub.home import init_hub
    from hub.provisioning import provision_kit

    kit_dir = provision_kit(init_hub(tmp_path / "hub"), "kit-codec", tmp_path / "kit")
    change_kit_settings(kit_dir, hardware={"camera": {"backend": "pattern", "codec": "auto"}})
    out = subprocess.run([sys.executable, "-m", "lockwarden", "kit", "status", "--dir", str(kit_dir)],
                         capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    video = json.loads(out.stdout)["video"]
    expected = choose("auto")
    assert video == {"setting": "auto", "codec": expected.codec, "encoder": expected.encoder}


def test_explicit_h264_without_encoder_is_not_silently_mp4v() -> None:
    with pytest.raises(ValueError):
        choose("x264")
    if h264_encoder() is None:
        with pytest.raises(NoEncoder):
            choose("h264")
    else:
        assert choose("h264").codec == "h264"


def test_a_bad_codec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from edge.app import change_kit_settings
    from hub.home import init_hub
    from hub.provisioning import provision_kit

    kit_dir = provision_kit(init_hub(tmp_path / "hub"), "kit-codec", tmp_path / "kit")
    change_kit_settings(kit_dir, hardware={"camera": {"backend": "pattern", "codec": "h265"}})
    out = subprocess.run([sys.executable, "-m", "lockwarden", "kit", "status", "--dir", str(kit_dir)],
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANGUAGE": "en"})
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "codec" in lines[0] and "h265" in lines[0]
