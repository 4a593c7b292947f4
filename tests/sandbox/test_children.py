"""A sandbox killed outright (SIGKILL: no Ctrl+C, no orderly stop) leaves no child behind: each child asked
the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), so no hub or kit keeps its ports and
stores. The parent here is a small process using the sandbox's own Children, as `lockwarden sandbox` does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lockwarden.sandbox.children import group_members

PARENT = """
import sys, time
from pathlib import Path
from lockwarden.sandbox.children import Children

folder = Path(sys.argv[1])
children = Children(logs=folder / "logs", pids_file=folder / "pids.json", env=dict(__import__("os").environ))
child = children.start("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"])
print(child.proc.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_stop_when_the_sandbox_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child) and group_members(child) == [child]  # in a group of its own: Ctrl+C misses it
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        for _ in range(200):  # bounded wait, no timing asserted: the kernel signals at the parent's exit
            if not _alive(child):
                break
            time.sleep(0.05)
        assert not _alive(child), "the sandbox's child outlived it"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in group_members(child) if child else []:
            os.kill(pid, signal.SIGKILL)
