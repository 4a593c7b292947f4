"""Video recorded by a background process, for the step-by-step command line.

Each `lockwarden kit job ...` command is a short process, but the video must keep running from
`video-start` to `video-stop`. `DetachedCamera.start_video` therefore starts a recorder process (the hidden
`record-video` command) that owns the camera and adds each closed segment to the kit store itself;
`stop_video` asks it to close the last segment and waits until it has. Its state is a small JSON file beside
the order's work folder (never inside it: everything inside is a segment).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from edge.job.devices import Camera, Photo, Segment
from protocol.i18n import _

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 60.0


class RecorderError(RuntimeError):
    pass


def state_file(work_dir: Path) -> Path:
    return work_dir.parent / f"{work_dir.name}.recorder.json"


def log_file(work_dir: Path) -> Path:
    """The recorder's stderr: why it did not start, when it did not."""
    return work_dir.parent / f"{work_dir.name}.recorder.log"


def write_state(work_dir: Path, state: str, pid: int) -> None:
    path = state_file(work_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"state": state, "pid": pid, "start": process_start(pid)}))
    os.replace(tmp, path)


def read_state(work_dir: Path) -> dict[str, object] | None:
    try:
        return dict(json.loads(state_file(work_dir).read_text()))
    except (OSError, ValueError):
        return None


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state is [0], start time is [19])."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_start(pid: int) -> str:
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else ""


def process_alive(pid: int, start: str = "") -> bool:
    """The process lives (not a zombie) and, when `start` is given, is the same process that wrote the
    state file: after a reboot the pid may belong to something else, which must never be signalled."""
    fields = _stat(pid)
    if fields is None:
        if start:
            return False
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False
    return fields[0] not in ("Z", "X") and (not start or fields[19] == start)


class DetachedCamera:
    def __init__(self, photo_camera: Callable[[], Camera], recorder_argv: Callable[[str], list[str]]) -> None:
        """`photo_camera` opens the camera for a still in this process; `recorder_argv(order_id)` is the
        command line of the recorder process."""
        self._photo_camera = photo_camera
        self._argv = recorder_argv

    def photo(self) -> Photo:
        return self._photo_camera().photo()

    def start_video(self, out_dir: Path, on_segment: Callable[[Segment], None]) -> None:
        if self.is_recording(out_dir):
            return
        state_file(out_dir).unlink(missing_ok=True)
        log = open(log_file(out_dir), "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            proc = subprocess.Popen(self._argv(out_dir.name), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            st = read_state(out_dir)
            if st and st.get("state") == "recording":
                return
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        raise RecorderError(_("The video recorder did not start (see {log})").format(log=log_file(out_dir)))

    def stop_video(self, out_dir: Path) -> None:
        stop_recorder(out_dir)

    def is_recording(self, out_dir: Path) -> bool:
        return recorder_alive(out_dir)


def recorder_alive(out_dir: Path) -> bool:
    """A recorder process is recording into out_dir (its state file says so and the process lives)."""
    st = read_state(out_dir)
    return bool(st and st.get("state") == "recording" and process_alive(int(str(st["pid"])), str(st.get("start", ""))))


def stop_recorder(out_dir: Path) -> None:
    """Stop the recorder process of this work folder, if one runs; returns once it closed its last segment.
    Also used by the kit service's flow, so a recording started from the CLI is never left running."""
    st = read_state(out_dir)
    if not st or st.get("state") != "recording":
        return
    pid, start = int(str(st["pid"])), str(st.get("start", ""))
    if not process_alive(pid, start):
        return  # died with a reboot: the flow adopts what it left
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        st = read_state(out_dir)
        if (st and st.get("state") == "stopped") or not process_alive(pid, start):
            return
        time.sleep(0.05)
    raise RecorderError(_("The video recorder did not stop"))
