"""The sandbox's child processes: each started in a process group of its own (so a terminal's Ctrl+C reaches
only the sandbox, which then stops them in order) and stopped by group, so nothing they started is left."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    reported: bool = False  # its unexpected exit was said once

    @property
    def pgid(self) -> int:
        return self.proc.pid  # process_group=0: the child leads its own group


@dataclass
class Children:
    logs: Path
    pids_file: Path
    env: dict[str, str]
    running: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str]) -> Child:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=self.env,
                                    process_group=0,
                                    preexec_fn=partial(die_with_parent, os.getpid()))
        child = Child(name, proc, log)
        self.running.append(child)
        self._write_pids()
        return child

    def adopt(self, name: str, proc: subprocess.Popen[bytes], log: Path) -> Child:
        """A child started elsewhere (the broker's own launcher) that this sandbox stops with the rest."""
        child = Child(name, proc, log)
        self.running.append(child)
        self._write_pids()
        return child

    def exited(self) -> list[Child]:
        """Children that stopped on their own since the last look (each told once)."""
        gone = [c for c in self.running if not c.reported and c.proc.poll() is not None]
        for c in gone:
            c.reported = True
        return gone

    def stop(self, timeout_s: float = 15.0) -> None:
        """Last started, first stopped (the kits before the hub, the broker last): SIGTERM to each group, then
        SIGKILL to whatever of a group is left after `timeout_s`."""
        for child in reversed(self.running):
            _signal_group(child.pgid, signal.SIGTERM)
            try:
                child.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(child.pgid, signal.SIGKILL)
            if child.proc.poll() is None:
                child.proc.wait(5)
            _reap_group(child.pgid)
        self.running.clear()
        self.pids_file.unlink(missing_ok=True)

    def _write_pids(self) -> None:
        doc = {"sandbox": os.getpid(), "children": {c.name: {"pid": c.proc.pid, "pgid": c.pgid}
                                                    for c in self.running}}
        tmp = self.pids_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        tmp.replace(self.pids_file)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """In the child, before exec: SIGTERM when the sandbox dies, even by SIGKILL (which runs no stop()), so
    no hub, kit or broker outlives it holding its ports and stores. Linux only; elsewhere Ctrl+C's orderly
    stop is all there is. The signal follows the thread that started the child: the sandbox starts them
    all from its main thread, which lives as long as the sandbox. Each child stops its own helpers on
    SIGTERM (the broker its Mosquitto)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the sandbox died before prctl took effect: nobody would signal us
            os.kill(os.getpid(), signal.SIGTERM)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap_group(pgid: int, timeout_s: float = 5.0) -> None:
    """Grandchildren in the group (a detached recorder) get SIGKILL too; wait until the group is empty."""
    deadline = time.monotonic() + timeout_s
    while group_members(pgid) and time.monotonic() < deadline:
        _signal_group(pgid, signal.SIGKILL)
        time.sleep(0.05)


def group_members(pgid: int) -> list[int]:
    """Live processes in process group `pgid` (zombies excluded: they are only waiting to be reaped)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found
