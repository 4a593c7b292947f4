"""The hub-side check of a sealed bundle: complete, missing parts, altered parts, forged manifests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import msgspec
import pytest

from edge.job.steps import Step
from hub.evidence import check_bundle
from protocol.evidence import EvidenceManifest, build_manifest, sign_manifest
from protocol.keys import SigningKey
from tests.job.conftest import ORDER_ID, Kit
from tests.job.walk import walk


@dataclass
class HubStub:
    """What a hub stored: record envelope hashes by id, media by content hash (and by file id)."""

    records: dict[str, str] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)  # file_id -> sha256 of the bytes held

    def has_record(self, msg_id: str, sha256: str) -> bool:
        return self.records.get(msg_id) == sha256

    def has_media(self, sha256: str) -> bool:
        return sha256 in self.media.values()

    def record_sha256(self, msg_id: str) -> str | None:
        return self.records.get(msg_id)

    def file_sha256(self, file_id: str) -> str | None:
        return self.media.get(file_id)


def _synced(kit: Kit) -> HubStub:
    """Everything the kit holds, as the hub would after a full sync (hashes of the actual bytes)."""
    hub = HubStub()
    for _seq, rid, _topic, wire in kit.store.pending_records(limit=10_000):
        hub.records[rid] = hashlib.sha256(wire).hexdigest()
    for pending in kit.store.pending_files(limit=10_000):
        hub.media[pending.file_id] = hashlib.sha256(pending.path.read_bytes()).hexdigest()
    return hub


@pytest.fixture
def sealed(kit: Kit) -> tuple[Kit, EvidenceManifest]:
    walk(kit.flow, kit.cam)
    return kit, _bundle(kit)


def _bundle(kit: Kit) -> EvidenceManifest:
    for _seq, _rid, _topic, wire in kit.store.pending_records(limit=10_000):
        env = msgspec.json.decode(wire)
        if env["body"]["kind"] == "job.evidence_bundle":
            return msgspec.convert(env["body"]["data"]["manifest"], EvidenceManifest)
    raise AssertionError("no bundle record")


def _key(kit: Kit):  # type: ignore[no-untyped-def]
    return kit.identity.key.private.public_key()


def test_complete_when_everything_arrived(sealed: tuple[Kit, EvidenceManifest]) -> None:
    kit, manifest = sealed
    result = check_bundle(msgspec.to_builtins(manifest), kit_key=_key(kit), lookup=_synced(kit),
                          sender="kit-0001", order_id=ORDER_ID)
    assert result.status == "complete", result
    assert result.complete and result.manifest_sha256


def test_missing_record_and_file_make_it_incomplete(sealed: tuple[Kit, EvidenceManifest]) -> None:
    kit, manifest = sealed
    hub = _synced(kit)
    lost_record = manifest.records[3].id
    lost_file = manifest.video[-1]
    del hub.records[lost_record]
    del hub.media[lost_file]
    result = check_bundle(manifest, kit_key=_key(kit), lookup=hub)
    assert result.status == "incomplete"
    assert result.missing_records == [lost_record] and result.missing_files == [lost_file]


def test_altered_part_is_a_mismatch(sealed: tuple[Kit, EvidenceManifest]) -> None:
    kit, manifest = sealed
    hub = _synced(kit)
    photo = next(f for f in manifest.files if f.kind == "photo.lock_after")
    hub.media[photo.file_id] = hashlib.sha256(b"another photo").hexdigest()
    rec = manifest.records[5]
    hub.records[rec.id] = hashlib.sha256(b"edited envelope").hexdigest()
    result = check_bundle(manifest, kit_key=_key(kit), lookup=hub)
    assert result.status == "mismatch"
    assert {m.ref for m in result.mismatched} == {photo.file_id, rec.id}


def test_tampered_manifest_is_invalid(sealed: tuple[Kit, EvidenceManifest]) -> None:
    kit, manifest = sealed
    data = msgspec.to_builtins(manifest)
    data["files"][0]["sha256"] = "0" * 64  # someone swaps a hash to cover a swapped file
    result = check_bundle(data, kit_key=_key(kit), lookup=_synced(kit))
    assert result.status == "invalid" and "does not verify" in result.problems[0]
    dropped = msgspec.to_builtins(manifest)
    dropped["records"].pop()  # or drops a record from the list
    assert check_bundle(dropped, kit_key=_key(kit), lookup=_synced(kit)).status == "invalid"


def test_another_kits_key_or_sender_is_invalid(sealed: tuple[Kit, EvidenceManifest]) -> None:
    kit, manifest = sealed
    other = SigningKey.generate().private.public_key()
    assert check_bundle(manifest, kit_key=other, lookup=_synced(kit)).status == "invalid"
    result = check_bundle(manifest, kit_key=_key(kit), lookup=_synced(kit), sender="kit-0002")
    assert result.status == "invalid"


def test_completed_job_without_a_required_step_is_invalid(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.VIDEO_STOPPED)
    # A kit (or a forger with its key) claiming completion without the lock photos and the form.
    manifest = build_manifest(order_id=ORDER_ID, kit_id="kit-0001", locksmith_id="ls-0001", outcome="completed",
                              sealed_ms=1, records=[], files=[], key=kit.identity.key)
    result = check_bundle(manifest, kit_key=_key(kit), lookup=_synced(kit))
    assert result.status == "invalid"
    assert any("job.completed" in p for p in result.problems)


def test_malformed_manifest_is_invalid(kit: Kit) -> None:
    assert check_bundle({"order_id": 5}, kit_key=_key(kit), lookup=HubStub()).status == "invalid"
    unsigned = sign_manifest(
        build_manifest(order_id="o", kit_id="k", locksmith_id="l", outcome="aborted", sealed_ms=1, records=[],
                       files=[], key=kit.identity.key), kit.identity.key)
    assert check_bundle(unsigned, kit_key=_key(kit), lookup=HubStub()).status == "complete"  # empty abort
