"""`hub backup` and `hub restore`: an online copy taken while the hub writes is one consistent state, secrets
keep 0600, media come back verified by their SHA-256, and a restore never overwrites or trusts blindly.
(The whole path on the demo's real data, with `ledger.check` and `police-verify` after the restore, runs on
the installed wheel in tests/packaging/test_wheel.py.)"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from hub.backup import BackupError, backup, restore
from hub.db import open_hub_db
from hub.home import HubHome, init_hub
from hub.ingest.mediastore import MediaStore
from hub.ledger.core import check, external_account, move
from protocol.clock import FakeClock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def hub(tmp_path: Path) -> HubHome:
    home = init_hub(tmp_path / "hub")
    conn = open_hub_db(home.db_path())
    conn.close()
    return home


def test_online_backup_while_the_ledger_is_written_restores_balanced(hub: HubHome, tmp_path: Path) -> None:
    conn = open_hub_db(hub.db_path())
    clock = FakeClock()
    stop = threading.Event()
    posted = [0]

    def writer() -> None:
        w = open_hub_db(hub.db_path())
        while not stop.is_set():
            n = posted[0]
            move(w, clock, key=f"t{n}", kind="test", source=external_account("sandbox"), dest=f"customer:c{n % 7}",
                 amount=100 + n, actor="test")
            posted[0] += 1
        w.close()

    for n in range(200):  # some pages before the copy starts
        move(conn, clock, key=f"seed{n}", kind="test", source=external_account("sandbox"), dest="customer:seed",
             amount=1, actor="test")
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results = [backup(hub, tmp_path / f"bk{i}", media=False) for i in range(3)]
    finally:
        stop.set()
        thread.join()
    assert posted[0] > 0 and all(r.db_bytes > 0 for r in results)
    for i in range(3):
        out = tmp_path / f"restored{i}"
        restore(tmp_path / f"bk{i}", out)
        restored = open_hub_db(HubHome(out).db_path())
        assert check(restored) == []  # every transfer whole: a consistent snapshot, not torn pages
        transfers = restored.execute("SELECT COUNT(*) FROM ledger_transfers").fetchone()[0]
        assert 200 <= transfers <= 200 + posted[0]
        restored.close()
    conn.close()


def test_secrets_and_media_round_trip_with_their_modes(hub: HubHome, tmp_path: Path) -> None:
    media = MediaStore(hub.media_path())
    blobs = [os.urandom(5000 + i) for i in range(5)]
    shas = [media.put(b) for b in blobs]
    r = backup(hub, tmp_path / "bk")
    assert (r.media_objects, r.media_copied) == (5, 5)
    assert backup(hub, tmp_path / "bk").media_copied == 0  # incremental: objects are content-addressed
    for secret in ("hub.toml", "keys/hub_signing.key", "keys/hub_sealing.key", "broker/passwd", "hub.db"):
        assert _mode(tmp_path / "bk" / secret) == 0o600, secret
    assert _mode(tmp_path / "bk") == 0o700
    manifest = json.loads((tmp_path / "bk" / "media-manifest.json").read_text())
    assert sorted(o["sha256"] for o in manifest["objects"]) == sorted(shas)

    result = restore(tmp_path / "bk", tmp_path / "new")
    assert result.complete and result.media_restored == 5
    new = HubHome(tmp_path / "new")
    assert new.signing_public() == hub.signing_public() and new.sealing_public() == hub.sealing_public()
    assert (new.broker_dir / "passwd").read_text() == (hub.broker_dir / "passwd").read_text()
    assert _mode(new.keys / "hub_signing.key") == 0o600 and _mode(new.db_path()) == 0o600
    restored_media = MediaStore(new.media_path())
    assert [restored_media.read(s) for s in shas] == blobs


def test_restore_reports_missing_and_corrupt_media_and_installs_neither(hub: HubHome, tmp_path: Path) -> None:
    media = MediaStore(hub.media_path())
    shas = [media.put(os.urandom(3000 + i)) for i in range(3)]
    backup(hub, tmp_path / "bk", media=False)
    # The manifest only: the objects come from the surviving media store, one damaged, one lost.
    obj = hub.media_path() / "sha256" / shas[0][:2] / shas[0]
    obj.write_bytes(b"x" + obj.read_bytes()[1:])
    (hub.media_path() / "sha256" / shas[1][:2] / shas[1]).unlink()
    result = restore(tmp_path / "bk", tmp_path / "new", media_from=hub.media_path())
    assert result.media_corrupt == [shas[0]] and result.media_missing == [shas[1]]
    assert result.media_restored == 1 and not result.complete
    assert not (tmp_path / "new" / "media" / "sha256" / shas[0][:2] / shas[0]).exists()


def test_restore_refuses_a_tampered_backup_and_a_hub_already_there(hub: HubHome, tmp_path: Path) -> None:
    backup(hub, tmp_path / "bk")
    with pytest.raises(BackupError, match="not empty"):
        restore(tmp_path / "bk", hub.dir)
    before = (hub.dir / "hub.toml").read_text()
    result = restore(tmp_path / "bk", hub.dir, force=True, now_ms=42)
    assert result.set_aside == hub.dir / "replaced-42"
    assert (hub.dir / "replaced-42" / "hub.toml").read_text() == before  # moved aside, never deleted
    assert (hub.dir / "replaced-42" / "hub.db").exists()

    db = tmp_path / "bk" / "hub.db"
    data = bytearray(db.read_bytes())
    data[-100] ^= 0xFF
    db.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="SHA-256"):
        restore(tmp_path / "bk", tmp_path / "other")
    with pytest.raises(BackupError, match="not a Lockwarden hub backup"):
        restore(tmp_path / "nothing", tmp_path / "other2")
