"""Liveness: the hub and the police export tell systemd READY=1, then WATCHDOG=1 from the loop that does
the work, over the real notify protocol (a unix datagram socket this test binds as $NOTIFY_SOCKET); a
stuck loop stops the pings (so systemd's WatchdogSec restarts the service). `lockwarden hub status`, a
separate process, says when ingest last made progress."""

from __future__ import annotations

import configparser
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.app import make_kit
from hub.police.service import ExportService
from hub.police.writer import ExportWriter
from hub.service import PROGRESS_FILE, make_hub
from protocol.clock import FakeClock
from protocol.keys import SigningKey
from protocol.progress import read_progress
from protocol.transport.base import Inbound
from tests.spine.helpers import poll

ROOT = Path(__file__).resolve().parents[2]
PERIOD_USEC = 400_000  # pings every 0.1 s


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.got: list[str] = []

    def receive(self, timeout: float) -> list[str]:
        """Every notification that arrives within `timeout` seconds."""
        out: list[str] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                out.extend(self.sock.recv(4096).decode().splitlines())
            except TimeoutError:
                break
        self.got.extend(out)
        return out

    def wait_for(self, line: str, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if line in self.receive(0.2):
                return True
        return False

    def drain(self) -> None:
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(4096)
        except BlockingIOError:
            pass


@pytest.fixture
def notify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifySocket]:
    ns = NotifySocket(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify.sock"))
    monkeypatch.setenv("WATCHDOG_USEC", str(PERIOD_USEC))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield ns
    ns.sock.close()


def _quiet_while_stuck(ns: NotifySocket) -> list[str]:
    """What arrives over 15 watchdog ping intervals once the loop is stuck. The loop may finish the pass
    it was in (at most one more ping, before it blocks): a generous second is let go by first."""
    ns.receive(1.0)
    ns.drain()
    return ns.receive(15 * PERIOD_USEC / 4 / 1e6)


def test_hub_ready_and_watchdog_from_the_ingest_loop(deployment, notify: NotifySocket) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(deployment.home.dir, connect=False)
    kit = make_kit(deployment.kits["kit-a"], connect=False)
    try:
        hub.start()
        assert notify.wait_for("READY=1")
        assert notify.wait_for("WATCHDOG=1")
        assert notify.wait_for("WATCHDOG=1")

        # Progress, and the status command (its own process) reports it.
        rec = kit.store.add_record("job.photo_note", {"n": 1})
        _seq, _id, topic, wire = kit.store.pending_records()[0]
        hub.inbound(Inbound(topic=topic, payload=wire))
        assert poll(lambda: (read_progress(deployment.home.dir / PROGRESS_FILE) or {}).get("progress_ms"), 30)
        out = subprocess.run([sys.executable, "-m", "lockwarden.cli", "--lang", "en", "hub", "status", "--dir",
                              str(deployment.home.dir)], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "Ingest last made progress: 20" in out.stdout  # a date, not "never"
        assert "1 batches since start" in out.stdout
        assert rec.id  # stored by the loop that pings

        # A stuck loop (here: it waits for a lock held elsewhere, as a hung query would) stops the pings.
        with hub._lock:
            assert "WATCHDOG=1" not in _quiet_while_stuck(notify)
        assert notify.wait_for("WATCHDOG=1")  # and they resume once it turns again
    finally:
        kit.store.close()
        hub.stop()


def test_police_export_ready_and_watchdog_from_the_writer_loop(tmp_path: Path, notify: NotifySocket,
                                                              hub_key, sealer, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.police.conftest import order_life

    writer = ExportWriter(tmp_path / "export", hub_key.private.public_key(), clock=clock)
    service = ExportService(writer, ack_key=SigningKey.generate(), clock=FakeClock(),
                            publish=lambda topic, raw: None)
    acked: list[int] = []
    service.start()
    try:
        assert notify.wait_for("READY=1")
        assert notify.wait_for("WATCHDOG=1")
        msgs = order_life(sealer, clock)
        with service._lock:  # the writer is held up (a hung disk): the loop cannot finish its batch
            for raw in msgs:
                service.submit(Inbound(topic="lw/v1/police/records", payload=raw, ack=lambda: acked.append(1)))
            assert "WATCHDOG=1" not in _quiet_while_stuck(notify)
        assert notify.wait_for("WATCHDOG=1")
        assert poll(lambda: len(acked) == len(msgs), 30)
    finally:
        service.stop()
        writer.close()


def test_shipped_units_are_notify_services_with_a_watchdog() -> None:
    for name in ("lockwarden-hub.service", "lockwarden-police-export.service"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(ROOT / "firmware_config" / "systemd" / name)
        service = unit["Service"]
        assert service["Type"] == "notify", name
        assert int(service["WatchdogSec"].rstrip("s")) > 0, name
        assert service["NotifyAccess"] == "main", name
        assert service["Restart"] in ("always", "on-failure"), name


def test_hub_status_says_when_the_hub_is_not_running(deployment) -> None:  # type: ignore[no-untyped-def]
    from protocol.progress import ProgressFile

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    note = ProgressFile(deployment.home.dir / PROGRESS_FILE)
    note.write({"pid": int(gone.stdout), "loop_ms": 1_767_225_600_000, "progress_ms": None, "batches": 0,
                "queued": 0, "storage": "database: database or disk is full", "connected": False})
    note.close()
    out = subprocess.run([sys.executable, "-m", "lockwarden.cli", "--lang", "en", "hub", "status", "--dir",
                          str(deployment.home.dir)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "not running now" in out.stdout
    assert "Ingest last made progress: never" in out.stdout
    assert "Storage refusing writes: database: database or disk is full" in out.stdout
