"""Render the shipped Mosquitto configuration (firmware_config/mosquitto) for one deployment.

The password file uses Mosquitto 2's `$7$` format (PBKDF2-SHA512, 101 iterations, 12-byte salt), written
here so provisioning needs no `mosquitto_passwd` binary; `tests/spine` proves the broker accepts it.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
import secrets
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

ITERATIONS = 101


def new_password() -> str:
    """A broker password: 192 random bits in letters and digits only.

    token_urlsafe may start with '-', which argparse (and many CLIs) then take for an option.
    """
    return secrets.token_hex(24)


def password_line(username: str, password: str) -> str:
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS, 64)
    return f"{username}:$7${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def firmware_dir() -> Traversable:
    """The shipped broker files: package data of `firmware_config`, in the wheel as in a checkout."""
    from firmware_config import resource

    return resource("mosquitto")


@dataclass
class BrokerFiles:
    """A broker's working folder: config, ACL, passwords and persistence."""

    dir: Path

    @property
    def conf(self) -> Path:
        return self.dir / "mosquitto.conf"

    @property
    def acl(self) -> Path:
        return self.dir / "acl"

    @property
    def passwd(self) -> Path:
        return self.dir / "passwd"

    @property
    def extra_acl(self) -> Path:
        return self.dir / "acl.d"

    def set_password(self, username: str, password: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = []
        if self.passwd.exists():
            lines = [ln for ln in self.passwd.read_text().splitlines() if ln and not ln.startswith(username + ":")]
        lines.append(password_line(username, password))
        tmp = self.passwd.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, self.passwd)

    def add_acl_block(self, name: str, text: str) -> None:
        self.extra_acl.mkdir(parents=True, exist_ok=True)
        (self.extra_acl / f"{name}.acl").write_text(text.rstrip() + "\n")

    def render(self, *, port: int, bind: str = "127.0.0.1", tls: dict[str, str] | None = None,
               user: str | None = None) -> Path:
        src = firmware_dir()
        self.dir.mkdir(parents=True, exist_ok=True)
        acl = (src / "acl").read_text()
        if self.extra_acl.is_dir():
            for extra in sorted(self.extra_acl.glob("*.acl")):
                acl += "\n" + extra.read_text()
        self.acl.write_text(acl)
        if not self.passwd.exists():
            self.passwd.write_text("")
            os.chmod(self.passwd, 0o600)
        tls_block = ""
        if tls:
            tls_block = (src / "tls-listener.conf.tmpl").read_text().format(**tls)
        conf = (src / "mosquitto.conf.tmpl").read_text().format(
            password_file=self.passwd, acl_file=self.acl, data_dir=self.dir, port=port, bind=bind,
            tls_block=tls_block, user=user or getpass.getuser(),
        )
        self.conf.write_text(conf)
        return self.conf

    def reload_signal(self) -> None:
        """Mosquitto rereads passwords and ACL on SIGHUP; the pid is in `mosquitto.pid` when we started it."""
        pid_file = self.dir / "mosquitto.pid"
        if pid_file.exists():
            import signal

            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)
            except (ProcessLookupError, ValueError):
                pass
