"""A video recorder process left running by an older release (the former `kit job record-video`): the flow
stops it before it stops the video, does not record beside it on resume, and never signals a process that
only reuses its pid. The recorder here is a real child process speaking the old state-file format."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.job import video
from edge.job.legacy_recorder import process_start, read_state, recorder_alive, state_file, stop_recorder
from edge.job.steps import Step
from tests.job.conftest import ORDER_ID, Kit
from tests.job.walk import walk

# What the old recorder did on SIGTERM: close its segment, say "stopped" in its state file, exit.
_OLD_RECORDER = """
import json, os, signal, sys, time
path = sys.argv[1]
def stop(*_a):
    with open(path) as fh:
        st = json.load(fh)
    st["state"] = "stopped"
    with open(path + ".tmp", "w") as fh:
        json.dump(st, fh)
    os.replace(path + ".tmp", path)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    time.sleep(1)
"""


@pytest.fixture
def old_recorder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    work = tmp_path / "video-work" / ORDER_ID
    work.mkdir(parents=True)
    yield from _start(work)


def _start(work: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    proc = subprocess.Popen([sys.executable, "-c", _OLD_RECORDER, str(state_file(work))], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        state_file(work).write_text(json.dumps({"state": "recording", "pid": proc.pid,
                                                "start": process_start(proc.pid)}))
        yield work, proc
    finally:
        proc.kill()
        proc.wait()


def test_a_live_old_recorder_is_stopped(old_recorder: tuple[Path, subprocess.Popen[str]]) -> None:
    work, proc = old_recorder
    assert recorder_alive(work)
    stop_recorder(work)
    assert proc.wait(timeout=30) == 0
    st = read_state(work)
    assert st is not None and st["state"] == "stopped" and st["pid"] == proc.pid
    assert not recorder_alive(work)
    stop_recorder(work)  # nothing left to stop: returns at once


def test_a_reused_pid_is_never_signalled(tmp_path: Path) -> None:
    """After a reboot the state file's pid may be another process (here: a live one with another start time)."""
    work = tmp_path / "video-work" / ORDER_ID
    work.mkdir(parents=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        state_file(work).write_text(json.dumps({"state": "recording", "pid": bystander.pid, "start": "1"}))
        assert not recorder_alive(work)
        stop_recorder(work)
        assert bystander.poll() is None  # still running: not signalled
    finally:
        bystander.kill()
        bystander.wait()


def test_the_flow_stops_an_old_recorder_with_the_video(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOCK_AFTER)
    work = video.work_dir(kit.store, ORDER_ID)
    started = _start(work)
    _work, proc = next(started)
    try:
        kit.cam.stop_video(work)  # as after an update: the service's own recorder is not running
        assert kit.flow.resume() == []  # the old recorder still records: no second recorder beside it
        assert not kit.cam.is_recording(work)
        kit.flow.stop_video()
        assert proc.wait(timeout=30) == 0
        st = read_state(work)
        assert st is not None and st["state"] == "stopped"
        assert kit.flow.job(ORDER_ID).step == Step.VIDEO_STOPPED
    finally:
        started.close()
