"""A new customer provisioned while the broker runs outside systemd (`lockwarden broker run`, the demo, the
sandbox): `provision-principal` reloads that Mosquitto through its pid note, and the customer gets in; a pid
note naming some other process is never signalled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hub.broker.config import BrokerFiles
from hub.broker.process import PID_FILE, broker_pid, signal_reload, write_pid
from tests.broker.conftest import Client
from tests.conftest import Deployment

ROOT = Path(__file__).resolve().parents[2]


def _connects(port: int, user: str, password: str) -> bool:
    c = Client(user).password(user, password).start(port)
    try:
        return c.connected.wait(5)
    finally:
        c.stop()


def test_provisioning_reloads_the_broker_through_its_pid_note(deployment: Deployment, tmp_path: Path) -> None:
    files = deployment.broker.files
    assert broker_pid(files) == deployment.broker.proc.pid  # noted at start  # type: ignore[union-attr]
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    done = subprocess.run([sys.executable, "-m", "lockwarden", "provision-principal", "cu-new", "--role", "customer",
                           "--hub-dir", str(deployment.home.dir), "--out", str(tmp_path / "cu")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Broker reloaded (SIGHUP" in done.stdout, done.stdout + done.stderr
    password = (tmp_path / "cu" / "keys" / "cu-new.broker_password").read_text().strip()
    deadline = time.monotonic() + 20
    while not _connects(deployment.port, "cu-new", password):  # Mosquitto rereads its files on SIGHUP
        assert time.monotonic() < deadline, "the new customer was refused by the broker"


def test_a_stale_pid_note_signals_nothing(tmp_path: Path) -> None:
    files = BrokerFiles(tmp_path / "broker")
    files.dir.mkdir()
    assert broker_pid(files) is None and not signal_reload(files)  # no note
    write_pid(files, os.getpid())  # this test's own python: not a Mosquitto on that config
    assert (files.dir / PID_FILE).exists()
    assert broker_pid(files) is None and not signal_reload(files)
    (files.dir / PID_FILE).write_text("not a pid\n")
    assert broker_pid(files) is None
