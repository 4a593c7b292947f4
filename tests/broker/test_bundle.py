"""Credentials for strangers (issue 15, item 4): `lockwarden provision-principal` writes a complete client
bundle, and a customer app connects over the TLS field listener from a separate process with nothing but
that folder, sends its ID photos and a request, and gets the hub's answer."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from hub.service import make_hub
from protocol.bundle import ClientBundle
from protocol.settings import load_settings
from tests.broker.conftest import Field
from tests.broker.test_revocation import ROOT, lockwarden
from tests.e2e.test_hub_killed_during_offer import _file_city
from tests.spine.helpers import poll

CUSTOMER = textwrap.dedent('''
    import json, sys
    from lockwarden.clients.bundle import open_customer
    from lockwarden.demo.city import request_body
    from lockwarden.demo.photos import request_photos

    app = open_customer(sys.argv[1], timeout=30)
    try:
        sent = [app.upload_id_photo(photo) for photo in request_photos(1).values()]
        answer = app.request(request_body(1, "eta"))
        print(json.dumps({"photos": sent, "result": {k: getattr(answer.body, k) for k in answer.body.__struct_fields__}},
                         ensure_ascii=False, default=str))
    finally:
        app.stop()
''')


def test_a_customer_connects_over_tls_with_only_its_bundle(field_hub: Field, tmp_path: Path) -> None:
    f = field_hub
    _file_city(f.home.db_path())
    made = tmp_path / "made"
    done = lockwarden("provision-principal", "cu-vendor", "--role", "customer", "--hub-dir", str(f.home.dir),
                      "--out", str(made))
    assert done.returncode == 0, done.stderr
    assert "customer app cu-vendor provisioned" in done.stdout
    f.broker.reload()  # the command said it could not: no lockwarden-broker service here
    # The bundle: its settings, its key and certificate for the field listener, the hub's key.
    bundle = load_settings(made / "client.toml", ClientBundle)
    assert (bundle.principal_id, bundle.role, bundle.hub_id) == ("cu-vendor", "customer", "hub")
    assert (bundle.broker.port, bundle.broker.tls_cert, bundle.broker.password_file) == (
        f.tls_port, "tls/cu-vendor.crt", None)
    assert bundle.local is not None and bundle.local.port == f.port
    assert (made / bundle.hub_verify_key_file).read_text().strip() == f.home.signing_public()
    for secret in ("keys/cu-vendor.key", "tls/cu-vendor.key", "keys/cu-vendor.broker_password"):
        assert stat.S_IMODE((made / secret).stat().st_mode) == 0o600, secret
    # Handed over: the vendor has the folder and nothing else.
    handed = tmp_path / "vendor" / "bundle"
    shutil.copytree(made, handed)
    shutil.rmtree(made)
    hub = make_hub(f.home.dir)
    hub.start()
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    try:
        check = lockwarden("bundle-check", str(handed))
        assert check.returncode == 0, check.stdout + check.stderr
        assert f"connecting to 127.0.0.1:{f.tls_port} (TLS with client certificate)" in check.stdout
        script = tmp_path / "vendor" / "customer.py"
        script.write_text(CUSTOMER)
        run = subprocess.run([sys.executable, str(script), str(handed)], cwd=tmp_path / "vendor", env=env,
                             capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stdout + run.stderr
        out = json.loads(run.stdout.strip().splitlines()[-1])
        assert out["result"]["ok"] is True, out
        order_id = out["result"]["order_id"]
        with hub._lock:
            row = hub.conn.execute("SELECT customer_id FROM orders WHERE id=?", (order_id,)).fetchone()
            assert row is not None and row[0] == "cu-vendor"
            stored = {r[0] for r in hub.conn.execute(
                "SELECT sha256 FROM media_files WHERE sender='cu-vendor' AND status='complete'")}
        assert set(out["photos"]) <= stored and len(out["photos"]) == 2  # the customer's and the witness's ID
        # The broker logged it in under its own account over the field listener.
        assert "as cu-vendor (" in f.log()
    finally:
        hub.stop()


def test_bundle_check_says_no_when_the_hub_is_not_there(field_hub: Field, tmp_path: Path) -> None:
    f = field_hub
    done = lockwarden("provision-principal", "cu-early", "--role", "customer", "--hub-dir", str(f.home.dir),
                      "--out", str(tmp_path / "b"))
    assert done.returncode == 0
    f.broker.reload()
    check = lockwarden("bundle-check", str(tmp_path / "b"), "--timeout", "3")
    assert check.returncode == 1 and "never been online" in check.stderr
    assert lockwarden("bundle-check", str(tmp_path / "nothing")).returncode == 2


def test_the_police_export_runs_on_its_bundle_over_tls(field_hub: Field, tmp_path: Path) -> None:
    """`police-export --bundle DIR`: account, certificate, its signing key and the pinned hub key all come
    from the bundle; the hub's forwarder sees the export's signed acknowledgements come back."""
    import signal

    from hub import police_feed

    f = field_hub
    station = f.root / "police"  # the fixture provisioned `police` there
    assert (station / "client.toml").exists() and (station / "tls" / "police.crt").exists()
    log = (tmp_path / "export.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockwarden", "police-export", "--out", str(tmp_path / "export"), "--bundle",
         str(station)], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log, stderr=subprocess.STDOUT)
    app = make_hub(f.home.dir)
    fwd = app.plugins["police"].forwarder
    fwd.retry_ms = 1500
    app.start()
    try:
        with app._lock:
            for i in range(5):
                police_feed.emit(app.conn, "order.step", {"id": f"O{i}", "i": i}, now_ms=app.clock.now_ms())
        assert poll(lambda: fwd.acked_seq() >= 5, 60), (tmp_path / "export.log").read_text(errors="replace")
        assert re.search(r"New client connected from \S+ as police \(", f.log())
    finally:
        app.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
