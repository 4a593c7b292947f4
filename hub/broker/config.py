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
DENY_ALL = "topic deny lw/v1/#"


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
        self._write_passwd([*self._passwd_lines(without=username), password_line(username, password)])

    def remove_password(self, username: str) -> bool:
        """Remove an account; True if it was there."""
        before = self._passwd_lines()
        after = self._passwd_lines(without=username)
        if len(after) != len(before):
            self._write_passwd(after)
        return len(after) != len(before)

    def usernames(self) -> list[str]:
        return [ln.split(":", 1)[0] for ln in self._passwd_lines()]

    def _passwd_lines(self, without: str | None = None) -> list[str]:
        if not self.passwd.exists():
            return []
        return [ln for ln in self.passwd.read_text().splitlines()
                if ln and (without is None or not ln.startswith(without + ":"))]

    def _write_passwd(self, lines: list[str]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        write_group_readable(self.passwd, "\n".join(lines) + "\n" if lines else "")

    def add_acl_block(self, name: str, text: str) -> None:
        self.extra_acl.mkdir(parents=True, exist_ok=True)
        write_group_readable(self.extra_acl / f"{name}.acl", text.rstrip() + "\n")

    def deny_block(self, name: str) -> None:
        """Replace `name`'s block with one that denies it the whole tree. Mosquitto applies a user's
        `deny` before every `pattern` and rechecks connected clients' ACL on reload, so a revoked kit whose
        connection was open at revocation (its certificate is checked only at the handshake) can neither
        publish nor receive from then on."""
        self.add_acl_block(name, f"# revoked: denied everything\nuser {name}\n{DENY_ALL}")

    def is_deny_block(self, name: str) -> bool:
        return DENY_ALL in self.acl_blocks().get(name, "")

    def remove_acl_block(self, name: str) -> bool:
        path = self.extra_acl / f"{name}.acl"
        if path.exists():
            path.unlink()
            return True
        return False

    def acl_blocks(self) -> dict[str, str]:
        if not self.extra_acl.is_dir():
            return {}
        return {p.stem: p.read_text() for p in sorted(self.extra_acl.glob("*.acl"))}

    def render_acl(self) -> Path:
        """The ACL Mosquitto reads: the shipped file, then each principal's block (`acl.d/ID.acl`)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        acl = (firmware_dir() / "acl").read_text()
        for text in self.acl_blocks().values():
            acl += "\n" + text
        write_group_readable(self.acl, acl)
        return self.acl

    def render(self, *, port: int, bind: str = "127.0.0.1", tls: dict[str, str] | None = None,
               user: str | None = None, persistence_dir: Path | None = None, autosave_interval: int = 300,
               max_queued_messages: int = 100_000, max_queued_bytes: int = 256 * 1024 * 1024) -> Path:
        src = firmware_dir()
        self.render_acl()
        if not self.passwd.exists():
            self._write_passwd([])
        tls_block = ""
        if tls:
            tls_block = (src / "tls-listener.conf.tmpl").read_text().format(**tls)
        conf = (src / "mosquitto.conf.tmpl").read_text().format(
            password_file=self.passwd, acl_file=self.acl, persistence_dir=persistence_dir or self.dir, port=port,
            bind=bind, tls_block=tls_block, user=user or getpass.getuser(), autosave_interval=autosave_interval,
            max_queued_messages=max_queued_messages, max_queued_bytes=max_queued_bytes,
        )
        write_group_readable(self.conf, conf)
        return self.conf


def write_group_readable(path: Path, text: str) -> None:
    """Atomically write a file Mosquitto reads: 0640, so the broker (in the hub account's group, see
    firmware_config/systemd/lockwarden-broker.service) reads it and nobody else does."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o640)  # O_CREAT's mode is masked by the umask; an existing tmp kept its old mode
    os.replace(tmp, path)
