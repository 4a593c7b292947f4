"""The broker of one hub directory: render its configuration from hub.toml, and make a running broker take
up a change (provisioning, revocation) the way it is run.

Under systemd (the shipped `lockwarden-broker.service`) that is `systemctl reload lockwarden-broker`, which
sends Mosquitto SIGHUP: it rereads the password file, the ACL and the CRL without dropping sessions. The
tests and the demo own their Mosquitto process and reload it themselves (`MosquittoProcess.reload`). A broker
started by `lockwarden broker run`, the demo or the sandbox notes its pid in the broker folder
(`mosquitto.pid`); it is signalled only while that pid is a Mosquitto running on this folder's config, so a
stale file never signals an unrelated process.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hub.broker.config import BrokerFiles, firmware_dir
from hub.home import HubHome, tls_listener
from protocol.i18n import _

UNIT = "lockwarden-broker"


def restore_acl_blocks(home: HubHome) -> list[str]:
    """Write the ACL block each principal should have and lacks: its role's block for an active operator or
    police system, a deny for a revoked id. Existing blocks are kept. Heals a hub provisioned before the
    police rights moved out of the shipped ACL (it would otherwise lock its police export out at the first
    render) and a hand-deleted block. The ids written."""
    from hub.db import open_hub_db
    from hub.ingest.principals import Principals
    from hub.provisioning import ACL_ROLES

    if home.database() == home.db_path() and not home.db_path().exists():
        return []
    conn = open_hub_db(home.database())
    try:
        everyone = Principals(conn).all()
    finally:
        conn.close()
    files = BrokerFiles(home.broker_dir)
    blocks = files.acl_blocks()
    written = []
    for pid, role, status in everyone:
        if pid in blocks:
            continue
        if status == "revoked":
            files.deny_block(pid)
        elif role in ACL_ROLES:
            files.add_acl_block(pid, (firmware_dir() / f"acl-{role}.tmpl").read_text().format(id=pid))
        else:
            continue
        written.append(pid)
    return written


# What Mosquitto, running as its own account in the hub account's group, must be able to read.
BROKER_READS = {"broker": 0o750, "broker/passwd": 0o640, "pki": 0o750, "pki/ca.crt": 0o644,
                "pki/broker.crt": 0o644, "pki/broker.key": 0o640, "pki/crl.pem": 0o644}


def broker_readable(home: HubHome) -> None:
    """Give the broker's group what it reads, whatever wrote the files last: a `hub restore` brings the
    password file and PKI back 0600 in 0700 folders, and Mosquitto then cannot even open its config."""
    for name, mode in BROKER_READS.items():
        path = home.dir / name
        try:
            if path.exists():
                path.chmod(mode)
        except PermissionError:  # not ours: the check reports what is wrong
            pass


def render_for(home: HubHome, *, port: int | None = None, user: str | None = None,
               persistence_dir: Path | None = None) -> Path:
    """Render mosquitto.conf, the ACL (shipped plus per-principal blocks) and an empty password file if none,
    and make what the broker reads readable by it."""
    restore_acl_blocks(home)
    b = home.settings().broker
    persistence = persistence_dir or (Path(b.persistence_dir) if b.persistence_dir else None)
    conf = BrokerFiles(home.broker_dir).render(
        port=port or b.port, bind=b.local_host, tls=tls_listener(home), user=user or b.run_as,
        persistence_dir=persistence, autosave_interval=b.autosave_interval_s,
        max_queued_messages=b.max_queued_messages, max_queued_bytes=b.max_queued_bytes)
    broker_readable(home)
    return conf


@dataclass(frozen=True)
class Reloaded:
    ok: bool
    message: str


def _systemd_active() -> bool:
    if not Path("/run/systemd/system").is_dir() or shutil.which("systemctl") is None:
        return False
    probe = subprocess.run(["systemctl", "is-active", "--quiet", UNIT], capture_output=True)
    return probe.returncode == 0


def reload_broker(home: HubHome) -> Reloaded:
    """Re-render the ACL for `home` (the password file and CRL are written as they change) and reload a
    broker running under systemd. A broker started by a test harness or the demo is reloaded by its owner;
    this then says so instead of guessing at a process."""
    files = BrokerFiles(home.broker_dir)
    files.render_acl()
    if not _systemd_active():
        from hub.broker.process import signal_reload

        if signal_reload(files):
            return Reloaded(True, _("Broker reloaded (SIGHUP to the Mosquitto running on {path}): accounts, ACL "
                                    "and revocation list are in effect.").format(path=files.conf))
        return Reloaded(False, _("Broker files updated in {path}, but no running {unit} service was found: reload "
                                 "the broker (SIGHUP) for the change to take effect.").format(
            path=home.broker_dir, unit=UNIT))
    done = subprocess.run(["systemctl", "reload", UNIT], capture_output=True, text=True)
    if done.returncode != 0:
        return Reloaded(False, _("Broker files updated, but `systemctl reload {unit}` failed: {error}").format(
            unit=UNIT, error=(done.stderr or done.stdout).strip()))
    return Reloaded(True, _("Broker reloaded (`systemctl reload {unit}`): accounts, ACL and revocation list are "
                            "in effect.").format(unit=UNIT))
