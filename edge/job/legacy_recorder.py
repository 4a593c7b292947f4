"""Recorder processes left by an older release, found and stopped so that a job's video is never recorded
twice and no segment is lost.

Before the kit service owned the camera, the step-by-step CLI recorded video in a background process (the
former hidden `kit job record-video` command), whose state was a small JSON file beside the order's work
folder: `{"state": "recording" | "stopped", "pid": N, "start": <its /proc start time>}`. A kit updated while
such a recording ran may still have one: the flow stops it before it stops the video and does not start a
second recorder beside it on resume; what it closed is adopted from the work folder (edge/job/video.py).
Nothing starts such a process any more.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from protocol.i18n import _

STOP_TIMEOUT_S = 60.0


class RecorderError(RuntimeError):
    pass


def state_file(work_dir: Path) -> Path:
    return work_dir.parent / f"{work_dir.name}.recorder.json"


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


def recorder_alive(out_dir: Path) -> bool:
    """A recorder process is recording into out_dir (its state file says so and the process lives)."""
    st = read_state(out_dir)
    return bool(st and st.get("state") == "recording" and process_alive(int(str(st["pid"])), str(st.get("start", ""))))


def stop_recorder(out_dir: Path) -> None:
    """Stop an older release's recorder process of this work folder, if one runs; returns once it closed its
    last segment."""
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
