"""The kit store on its own: durability rules, disk floor, corrupt file set aside, sealing at rest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from edge.identity import KitIdentity
from edge.store import KitStore, StoreFull
from protocol.clock import FakeClock
from protocol.envelope import open_envelope
from protocol.keys import SealingKey, SigningKey
from protocol.sealed import open_sealed


@pytest.fixture
def keys():  # type: ignore[no-untyped-def]
    return SigningKey.generate(), SigningKey.generate(), SealingKey.generate()


def _store(tmp: Path, keys, free: int = 10**12) -> KitStore:  # type: ignore[no-untyped-def]
    kit_key, hub_key, hub_seal = keys
    ident = KitIdentity("kit-x", kit_key, hub_key.private.public_key(), hub_seal.private.public_key())
    return KitStore(tmp / "data", ident, FakeClock(), disk_floor_bytes=1000, disk_reserve_bytes=100,
                    free_bytes=lambda _p: free)


def test_record_is_signed_committed_and_survives_reopen(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    s = _store(tmp_path, keys)
    rec = s.add_record("job.arrival", {"distance_m": 3.0}, order_id="o1")
    wire = s.pending_records()[0][3]
    assert hashlib.sha256(wire).hexdigest() == rec.sha256
    env, body = open_envelope(wire, lambda sender: keys[0].private.public_key() if sender == "kit-x" else None)
    assert env.seq == rec.seq and body.data == {"distance_m": 3.0}  # type: ignore[attr-defined]
    s.close()
    s2 = _store(tmp_path, keys)
    assert [r.id for r in s2.records_for_order("o1")] == [rec.id]
    nxt = s2.add_record("job.next", {})
    assert nxt.seq > rec.seq  # sequence numbers never repeat across a restart


def test_disk_floor_refuses_nonessential_then_everything(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    s = _store(tmp_path, keys, free=900 + 4096)
    s.add_record("job.step", {}, essential=True)
    with pytest.raises(StoreFull) as exc:
        s.add_record("gnss.position", {}, essential=False)
    assert str(exc.value)
    s2 = _store(tmp_path / "b", keys, free=50 + 4096)
    with pytest.raises(StoreFull):
        s2.add_record("job.step", {}, essential=True)
    assert s.backlog() == (1, 0)  # nothing already stored was touched


def test_sensitive_file_is_sealed_at_rest(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    s = _store(tmp_path, keys)
    template = b"\x03\x01" + bytes(range(256)) * 2
    f = s.add_file(kind="fingerprint.customer", content_type="application/octet-stream", data=template, sensitive=True)
    on_disk = (s.media_dir / f"{f.file_id}.bin").read_bytes()
    assert template not in on_disk and f.sealed
    assert f.plain_sha256 == hashlib.sha256(template).hexdigest()
    assert hashlib.sha256(on_disk).hexdigest() == f.sha256
    assert open_sealed(on_disk, keys[2].private, aad=f.file_id.encode()) == template


def test_corrupt_database_is_set_aside_reported_and_never_deleted(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    s = _store(tmp_path, keys)
    s.add_record("job.step", {"n": 1})
    s.close()
    db = tmp_path / "data" / "kit.db"
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    garbage = b"this is not a database" * 500
    db.write_bytes(garbage)
    s2 = _store(tmp_path, keys)
    aside = list((tmp_path / "data" / "corrupt").glob("kit.db.*"))
    kept = [p for p in aside if not p.name.endswith(".report.json")]
    assert kept and kept[0].read_bytes() == garbage
    report = json.loads(next(p for p in aside if p.name.endswith(".report.json")).read_text())
    assert report["file"] == kept[0].name
    # the fresh store tells the hub what happened, as its first record
    assert s2.pending_records()[0][2].endswith("/up/record")
    assert s2.conn.execute("SELECT kind FROM records").fetchone()[0] == "store.corrupt_set_aside"


def test_file_bytes_deleted_only_after_hub_ack(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    s = _store(tmp_path, keys)
    f = s.add_file(kind="photo.lock_before", content_type="image/jpeg", data=b"jpeg" * 10)
    path = s.media_dir / f"{f.file_id}.bin"
    assert path.exists()
    s.update_file_progress(f.file_id, [[0, 0]])
    assert path.exists()  # progress is not an ack of the whole file
    assert s.mark_file(f.file_id, "stored")
    assert not path.exists() and s.backlog() == (0, 0)


def test_a_segment_hashed_by_its_recorder_is_adopted_without_reading_it(tmp_path: Path, keys,  # type: ignore[no-untyped-def]
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import edge.store.kitstore as kitstore

    s = _store(tmp_path, keys)
    seg = tmp_path / "seg-0001.mp4"
    seg.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    digest = hashlib.sha256(seg.read_bytes()).hexdigest()

    def no_reading(_path: Path) -> None:
        raise AssertionError("the store read a file whose hash it was given")

    monkeypatch.setattr(kitstore, "_blocks", no_reading)
    f = s.add_file(kind="video.segment", content_type="video/mp4", path=seg, move=True, sha256=digest)
    assert (f.sha256, f.plain_sha256) == (digest, digest) and not seg.exists()
    assert s.pending_files()[0].sha256 == digest
    with pytest.raises(ValueError):  # only for a file handed over by a rename: bytes are hashed as stored
        s.add_file(kind="photo", content_type="image/jpeg", data=b"x", sha256=digest)
