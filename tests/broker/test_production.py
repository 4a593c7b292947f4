"""The broker as production runs it (issue 12, item 3): what `lockwarden broker --render-only` writes for a
hub made with `hub init --broker-host NAME --tls-port`, Mosquitto actually running as the `mosquitto` account
on it, the hub dialing its local address, and `lockwarden broker check`."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.broker.config import BrokerFiles
from hub.broker.process import MosquittoProcess, free_port
from hub.home import HubHome, tls_listener
from hub.provisioning import provision_kit, provision_principal
from hub.service import make_hub
from tests.broker.test_revocation import lockwarden
from tests.spine.helpers import poll

PUBLIC = "lockwarden-hub.example.invalid"  # never resolves: the hub must not dial it


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _init(root: Path) -> HubHome:
    port, tls_port = free_port(), free_port()
    done = lockwarden("hub", "init", "--dir", str(root / "hub"), "--broker-host", PUBLIC, "--broker-port",
                      str(port), "--tls-port", str(tls_port))
    assert done.returncode == 0, done.stderr
    return HubHome(root / "hub")


def test_rendered_config_is_a_production_one(tmp_path: Path) -> None:
    home = _init(tmp_path)
    done = lockwarden("broker", "--render-only", "--hub-dir", str(home.dir), "--persistence-dir", "/var/lib/lockwarden-broker")
    assert done.returncode == 0, done.stderr
    conf = (home.broker_dir / "mosquitto.conf").read_text()
    live = [ln for ln in conf.splitlines() if ln and not ln.startswith("#")]
    assert "user mosquitto" in live and not any(ln.startswith("user root") for ln in live)
    assert "autosave_interval 300" in live and "persistence_location /var/lib/lockwarden-broker/" in live
    assert "log_dest stderr" in live and not any(ln.startswith("log_dest file") for ln in live)
    assert "max_queued_messages 100000" in live and f"max_queued_bytes {256 * 1024 * 1024}" in live
    assert live.count("use_username_as_clientid true") == 2  # both listeners
    assert f"crlfile {home.pki / 'crl.pem'}" in live and "use_identity_as_username true" in live
    assert f"listener {home.settings().broker.port} 127.0.0.1" in live
    # Secrets: the hub's settings (its broker password) and keys for their owner; what Mosquitto reads,
    # for its group too; nothing for others.
    assert _mode(home.settings_file) == 0o600
    assert _mode(home.keys / "hub_signing.key") == 0o600 and _mode(home.pki / "ca.key") == 0o600
    for path in (home.broker_dir / "passwd", home.broker_dir / "acl", home.broker_dir / "mosquitto.conf",
                 home.pki / "broker.key"):
        assert _mode(path) == 0o640, path
    kit = provision_kit(home, "kit-a", tmp_path / "kit-a")
    assert _mode(kit / "kit.toml") == 0o600


def test_the_hub_dials_its_local_address_not_the_public_name(tmp_path: Path) -> None:
    home = _init(tmp_path)
    s = home.settings().broker
    assert s.host == PUBLIC and s.local_host == "127.0.0.1"
    broker = MosquittoProcess(BrokerFiles(home.broker_dir), s.port, tls=tls_listener(home))
    broker.start()
    hub = make_hub(home.dir)
    hub.start()
    try:
        assert poll(lambda: hub.transport is not None and hub.transport.connected, 30)
    finally:
        hub.stop()
        broker.stop()


@pytest.fixture
def world_readable_root() -> Iterator[Path]:
    """A folder the `mosquitto` account can traverse (pytest's own tmp folders are 0700)."""
    root = Path(tempfile.mkdtemp(prefix="lw-broker-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="starting Mosquitto as another account needs root (CI runs as root)")
def test_mosquitto_runs_as_the_mosquitto_account_on_group_readable_files(world_readable_root: Path) -> None:
    try:
        account = pwd.getpwnam("mosquitto")
    except KeyError:
        pytest.skip("no mosquitto account (Debian's mosquitto package creates it)")
    home = _init(world_readable_root)
    provision_kit(home, "kit-a", world_readable_root / "kit-a")
    s = home.settings().broker
    # As the unit arranges it: the hub directory is group-readable by a group Mosquitto is in (here its own
    # primary group stands for `lockwarden`), persistence in a folder of its own.
    state = world_readable_root / "state"
    state.mkdir(mode=0o700)
    os.chown(state, account.pw_uid, account.pw_gid)
    broker = MosquittoProcess(BrokerFiles(home.broker_dir), s.port, tls=tls_listener(home), user="mosquitto",
                              persistence_dir=state)
    broker.files.render(port=s.port, tls=tls_listener(home), user="mosquitto", persistence_dir=state)
    for folder in (home.dir, home.broker_dir, home.pki):
        folder.chmod(0o2750)  # setgid: files rendered later keep the group
        os.chown(folder, 0, account.pw_gid)
        for path in folder.iterdir():
            if path.is_file():
                os.chown(path, 0, account.pw_gid)
    broker.start()
    hub = make_hub(home.dir)
    hub.start()
    try:
        assert broker.proc is not None
        status = Path(f"/proc/{broker.proc.pid}/status").read_text()
        uid = re.search(r"^Uid:\s+(\d+)", status, re.M)
        assert uid is not None and int(uid.group(1)) == account.pw_uid, status
        assert poll(lambda: hub.transport is not None and hub.transport.connected, 30), broker.log_file.read_text()
        assert "Error" not in broker.log_file.read_text()
    finally:
        hub.stop()
        broker.stop()
    assert (state / "mosquitto.db").exists()  # written at shutdown, into its own folder


def test_broker_check(tmp_path: Path) -> None:
    home = _init(tmp_path)
    s = home.settings().broker
    provision_kit(home, "kit-a", tmp_path / "kit-a")
    provision_principal(home, "op-li", "operator", tmp_path / "op-li")
    provision_principal(home, "police", "police", tmp_path / "police")
    broker = MosquittoProcess(BrokerFiles(home.broker_dir), s.port, tls=tls_listener(home))
    broker.start()
    try:
        done = lockwarden("broker", "check", "--hub-dir", str(home.dir))
        assert done.returncode == 0, done.stdout + done.stderr
        out = done.stdout
        assert f"127.0.0.1:{s.port}  password; client id = account; open" in out
        assert f"*:{s.tls_port}  TLS, client certificates; client id = account; open" in out
        assert "certificate of kit-a: valid until" in out and "broker server certificate: valid until" in out
        assert "Principals with broker access: 3" in out and out.rstrip().endswith("Broker check: sound")
        # Break it the ways a hand edit or a half-done job would.
        (home.broker_dir / "acl.d" / "op-li.acl").unlink()
        BrokerFiles(home.broker_dir).set_password("op-ghost", "x")
        assert lockwarden("revoke-principal", "police", "--hub-dir", str(home.dir)).returncode == 0
        BrokerFiles(home.broker_dir).set_password("police", "x")
        done = lockwarden("broker", "check", "--hub-dir", str(home.dir))
        assert done.returncode == 1
        problems = [ln for ln in done.stdout.splitlines() if ln.startswith("problem: ")]
        assert problems == [
            "problem: op-li (operator console) has no ACL block (acl.d/op-li.acl)",
            "problem: stray broker account op-ghost (not a principal of this hub)",
            "problem: stray broker account police (revoked)",
        ], done.stdout
    finally:
        broker.stop()


def test_rendering_restores_the_blocks_principals_lack(tmp_path: Path) -> None:
    """A hub provisioned before police rights moved out of the shipped ACL has no block for its police
    account; the next render (every broker start and reload) writes it, and a revoked id's deny."""
    home = _init(tmp_path)
    provision_principal(home, "police", "police", tmp_path / "police")
    provision_principal(home, "op-li", "operator", tmp_path / "op-li")
    assert lockwarden("revoke-principal", "op-li", "--hub-dir", str(home.dir)).returncode == 0
    for name in ("police", "op-li"):
        (home.broker_dir / "acl.d" / f"{name}.acl").unlink()
    assert lockwarden("broker", "--render-only", "--hub-dir", str(home.dir)).returncode == 0
    acl = (home.broker_dir / "acl").read_text()
    assert "user police\ntopic read lw/v1/police/records" in acl
    assert "user op-li\ntopic deny lw/v1/#" in acl


def test_rendering_makes_what_the_broker_reads_readable_again(tmp_path: Path) -> None:
    """`hub restore` brings the password file and PKI back 0600 in 0700 folders; the broker, another account
    in the hub's group, could then not open its config. The render before every start puts it right."""
    home = _init(tmp_path)
    for name, mode in (("broker", 0o700), ("broker/passwd", 0o600), ("pki", 0o700), ("pki/broker.key", 0o600),
                       ("pki/crl.pem", 0o600), ("pki/ca.crt", 0o600)):
        (home.dir / name).chmod(mode)
    assert lockwarden("broker", "--render-only", "--hub-dir", str(home.dir)).returncode == 0
    modes = {name: _mode(home.dir / name) for name in ("broker", "broker/passwd", "pki", "pki/broker.key",
                                                        "pki/crl.pem", "pki/ca.crt", "pki/ca.key")}
    assert modes == {"broker": 0o750, "broker/passwd": 0o640, "pki": 0o750, "pki/broker.key": 0o640,
                     "pki/crl.pem": 0o644, "pki/ca.crt": 0o644, "pki/ca.key": 0o600}
