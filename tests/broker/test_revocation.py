"""`lockwarden revoke-kit` locks a kit out everywhere at once, and only provisioning anew lets it back in
(issue 8, names and revocation). Real Mosquitto on the shipped config with both listeners, the real hub
service, the commands run as an installer would run them."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge.app import make_kit
from hub.broker.check import check_broker
from hub.broker.config import new_password
from hub.provisioning import provision_kit
from hub.service import make_hub
from protocol import topics
from tests.broker.conftest import Client, Field
from tests.spine.helpers import poll

ROOT = Path(__file__).resolve().parents[2]


def lockwarden(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    return subprocess.run([sys.executable, "-m", "lockwarden", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def _wire(kit, kind: str) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    rec = kit.store.add_record(kind, {})
    return rec.id, bytes(kit.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec.id,)).fetchone()[0])


def _reason(hub, msg_id: str) -> str | None:  # type: ignore[no-untyped-def]
    row = hub.conn.execute("SELECT reason FROM quarantine WHERE msg_id=?", (msg_id,)).fetchone()
    return None if row is None else str(row[0])


def _stored(hub, msg_id: str) -> bool:  # type: ignore[no-untyped-def]
    return hub.conn.execute("SELECT 1 FROM kit_records WHERE id=?", (msg_id,)).fetchone() is not None


def _refused_tls(f: Field, kit_dir: Path) -> bool:
    """The field listener refuses the certificate: the TLS handshake fails or the connection is closed."""
    c = Client("probe-tls").cert(kit_dir)
    try:
        c.c.connect("127.0.0.1", f.tls_port, keepalive=30)
        for _ in range(30):
            c.c.loop(0.1)
    except (ssl.SSLError, OSError, ConnectionError):
        return True
    return not c.connected.is_set()


def _login(f: Field, account: str) -> bool | None:
    """True: the broker accepted the account's password; False: refused it; None: no answer."""
    c = Client(account).password(account, f.passwords[account]).start(f.port)
    try:
        if not poll(lambda: any(e[0] == "connect" for e in c.events), 10):
            return None
        return c.connected.is_set()
    finally:
        c.stop()


def _refused_password(f: Field, account: str) -> bool:
    return _login(f, account) is False


def _accepted_password(f: Field, account: str) -> bool:
    return _login(f, account) is True


def test_revoked_kit_is_locked_out_and_a_new_provisioning_lets_it_back(field_hub: Field, tmp_path: Path) -> None:
    f = field_hub
    hub = make_hub(f.home.dir)
    hub.start()
    kit_b = make_kit(f.kits["kit-b"], connect=False)
    link = Client("kit-b").cert(f.kits["kit-b"]).start(f.tls_port)
    probe = Client("probe").password("probe", f.probes["probe"]).start(f.port)
    up = topics.KIT_UP_RECORD.build(kit_id="kit-b")
    try:
        assert link.connected.wait(10) and probe.connected.wait(10)
        first, wire = _wire(kit_b, "before.revocation")
        link.c.publish(up, wire, qos=1).wait_for_publish(10)
        assert poll(lambda: _stored(hub, first), 30)  # the hub has kit-b's key in its cache now
        late, late_wire = _wire(kit_b, "signed.before.revocation")  # signed now, delivered after

        done = lockwarden("revoke-kit", "kit-b", "--hub-dir", str(f.home.dir))
        assert done.returncode == 0, done.stderr
        assert "key revoked" in done.stdout and "broker account removed" in done.stdout
        assert "added to the revocation list" in done.stdout
        # No systemd unit here: the command reloads the harness's Mosquitto through its pid note (mosquitto.pid)
        assert "Broker reloaded (SIGHUP" in done.stdout, done.stdout + done.stderr
        # A marker account added with the revocation tells when the broker has taken the reload up.
        f.passwords["probe-marker"] = new_password()
        f.broker.files.set_password("probe-marker", f.passwords["probe-marker"])
        f.broker.reload()  # what `systemctl reload lockwarden-broker` does under systemd
        assert poll(lambda: _accepted_password(f, "probe-marker"), 20)
        # The broker refuses its password and its certificate.
        assert _refused_password(f, "kit-b")
        assert _refused_tls(f, f.kits["kit-b"])

        # Its connection, open since before the revocation (a certificate is checked at the handshake only),
        # has lost every right: what it publishes now goes nowhere.
        gone, gone_wire = _wire(kit_b, "sent.on.the.open.connection")
        link.c.publish(up, gone_wire, qos=1).wait_for_publish(10)
        # The running hub refuses it at once, though the message was signed while the key was good.
        probe.c.publish(up, late_wire, qos=1).wait_for_publish(10)
        assert poll(lambda: _reason(hub, late) == "revoked", 30), _reason(hub, late)
        assert not _stored(hub, late)
        time.sleep(1.0)  # had the broker passed the open connection's message on, it would be in by now
        assert not _stored(hub, gone) and _reason(hub, gone) is None
        # Revoking again changes nothing and says so; a kit that never existed is refused.
        again = lockwarden("revoke-kit", "kit-b", "--hub-dir", str(f.home.dir))
        assert again.returncode == 0 and "revoked already" in again.stdout
        unknown = lockwarden("revoke-kit", "kit-zz", "--hub-dir", str(f.home.dir))
        assert unknown.returncode == 2 and "ever provisioned" in unknown.stderr
        assert lockwarden("revoke-kit", "police", "--hub-dir", str(f.home.dir)).returncode == 2  # not a kit

        # Provisioning anew (a replacement kit: new key, new certificate, an empty store) lets it back in,
        # without restarting the hub.
        fresh_dir = provision_kit(f.home, "kit-b", tmp_path / "kit-b-new")
        f.broker.reload()
        fresh = make_kit(fresh_dir)
        back = fresh.store.add_record("after.reprovisioning", {})
        fresh.start()
        assert poll(lambda: _stored(hub, back.id), 30), hub.conn.execute(
            "SELECT reason, detail FROM quarantine").fetchall()
        assert _refused_tls(f, f.kits["kit-b"])  # the old certificate stays revoked
        fresh.stop()
        # The broker check agrees: kit-b is back in both files; the only strays are this test's probes.
        problems = check_broker(f.home).problems
        assert [p for p in problems if "probe" not in p] == [], problems
        assert len(problems) == 7  # probe, probe-watch, probe-2: an account and an ACL block each; probe-marker
    finally:
        link.stop()
        probe.stop()
        kit_b.store.close()
        hub.stop()


def test_a_rekeyed_kit_is_accepted_without_a_hub_restart(field_hub: Field, tmp_path: Path) -> None:
    """Provisioning a kit anew with a new key while the hub runs: the hub drops its cached key (it
    watches the database's data_version), so the first message signed with the new key is stored, not
    quarantined bad_signature as before."""
    f = field_hub
    hub = make_hub(f.home.dir)
    hub.start()
    old = make_kit(f.kits["kit-a"])
    first = old.store.add_record("old.key", {})
    old.start()
    try:
        assert poll(lambda: _stored(hub, first.id), 30)
        old.stop()
        done = lockwarden("provision-kit", "kit-a", "--hub-dir", str(f.home.dir), "--out", str(tmp_path / "a2"))
        assert done.returncode == 0, done.stderr
        f.broker.reload()
        new = make_kit(tmp_path / "a2")
        rec = new.store.add_record("new.key", {})
        new.start()
        assert poll(lambda: _stored(hub, rec.id), 30), hub.conn.execute("SELECT reason, detail FROM quarantine").fetchall()
        new.stop()
    finally:
        hub.stop()


@pytest.mark.parametrize("args", [
    ["provision-kit", "hub"], ["provision-kit", "police"], ["provision-kit", "ops"], ["provision-kit", "op-li"],
    ["provision-kit", "../kit-x"], ["provision-principal", "hub", "--role", "operator"],
    ["provision-principal", "ops", "--role", "police"], ["provision-principal", "kit-a", "--role", "customer"],
    ["provision-principal", "police", "--role", "customer"], ["provision-principal", "mosquitto", "--role", "police"],
])
def test_reserved_and_wrong_role_names_are_refused(tmp_path: Path, args: list[str]) -> None:
    from hub.home import init_hub

    home = init_hub(tmp_path / "hub", tls_port=8883)
    assert lockwarden("provision-kit", "kit-a", "--hub-dir", str(home.dir), "--out", str(tmp_path / "k")).returncode == 0
    passwd_before = (home.broker_dir / "passwd").read_text()
    done = lockwarden(*args, "--hub-dir", str(home.dir), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, (done.stdout, done.stderr)
    line = done.stderr.strip()
    assert line.startswith("refused: ") and "\n" not in line and "Traceback" not in line
    assert (home.broker_dir / "passwd").read_text() == passwd_before  # nothing was written
    assert not (tmp_path / "out").exists()
    assert not list((home.pki / "issued").glob(f"{args[1]}.*")) or args[1] == "kit-a"
