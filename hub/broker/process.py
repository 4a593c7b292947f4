"""Start and stop a Mosquitto process on a configuration rendered by `hub.broker.config`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from hub.broker.config import BrokerFiles


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


PID_FILE = "mosquitto.pid"


def write_pid(files: BrokerFiles, pid: int) -> Path:
    """Note which process serves this broker folder, so a provisioning run elsewhere can reload it."""
    path = files.dir / PID_FILE
    tmp = path.with_name(PID_FILE + ".tmp")
    tmp.write_text(f"{pid}\n")
    os.replace(tmp, path)
    return path


def broker_pid(files: BrokerFiles) -> int | None:
    """The pid in the broker folder's pid file, if that process is a Mosquitto running on this folder's
    config: a stale file (the broker died, its pid reused) names some other process, never signalled."""
    try:
        pid = int((files.dir / PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if not cmdline or b"mosquitto" not in Path(os.fsdecode(cmdline[0])).name.encode():
        return None
    return pid if os.fsencode(files.conf) in cmdline else None


def signal_reload(files: BrokerFiles) -> bool:
    """SIGHUP the Mosquitto running on this folder (it rereads passwords, ACL, CRL); False if none is."""
    pid = broker_pid(files)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError:
        return False
    return True


class MosquittoProcess:
    def __init__(self, files: BrokerFiles, port: int, tls: dict[str, str] | None = None, *,
                 user: str | None = None, persistence_dir: Path | None = None) -> None:
        """`user`: the account Mosquitto drops to when started as root (default: the invoking user)."""
        self.files = files
        self.port = port
        self.tls = tls
        self.user = user
        self.persistence_dir = persistence_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.files.dir / "mosquitto.log"

    def start(self, timeout: float = 10.0) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise FileNotFoundError("mosquitto is not installed (Debian package `mosquitto`)")
        self.files.render(port=self.port, tls=self.tls, user=self.user, persistence_dir=self.persistence_dir)
        # The shipped config logs to stderr (journald under systemd); here the harness keeps it in a file.
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen([binary, "-c", str(self.files.conf)], stdout=log, stderr=log)
        write_pid(self.files, self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: see {self.log_file}")
            if port_open(self.port):
                return
            time.sleep(0.05)
        raise TimeoutError("mosquitto did not open its port")

    def reload(self) -> None:
        """Reread passwords and ACL (after provisioning) without dropping sessions."""
        if self.proc is not None and self.proc.poll() is None:
            self.files.render(port=self.port, tls=self.tls, user=self.user, persistence_dir=self.persistence_dir)
            self.proc.send_signal(1)  # SIGHUP

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        (self.files.dir / PID_FILE).unlink(missing_ok=True)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
