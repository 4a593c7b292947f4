"""Demo part 1: store-and-forward. Each kit captures records and a multi-megabyte file while the link
is up or down; the hub stores everything once, verified, and the kits keep nothing the hub lacks."""

from __future__ import annotations

import hashlib
import os

from hub.ingest import store as ingest
from hub.metrics.store import ingest_counters
from hub.service import wait_until
from lockwarden.demo.city import LOCKSMITHS
from lockwarden.demo.story import megabytes
from lockwarden.demo.world import World
from protocol import CONTRACT_VERSION
from protocol.i18n import _


def run(world: World, say) -> bool:  # type: ignore[no-untyped-def]
    say(_("  Each kit stores 20 records and a 3 MB video at once, then sends them over the broker; the hub "
          "acknowledges only what it has stored, and the kit then forgets it"))
    sent: dict[str, tuple[str, str]] = {}
    for kit_id, kit in world.kits.items():
        for i in range(20):
            kit.store.add_record("kit.selftest", {"n": i, "note": "store-and-forward check"}, essential=False)
        blob = os.urandom(3 * 1024 * 1024)
        f = kit.store.add_file(kind="video.segment", content_type="video/mp4", data=blob)
        sent[kit_id] = (f.file_id, hashlib.sha256(blob).hexdigest())
    ok = wait_until(lambda: all(k.store.backlog() == (0, 0) for k in world.kits.values()), 60)
    assert world.hub is not None
    conn = world.hub.conn
    for kit_id, (file_id, digest) in sent.items():
        n = ingest.records_of_kind(conn, kit_id, "kit.selftest")
        row = ingest.file(conn, file_id)
        verified = row is not None and row.status == "complete" and row.sha256 == digest and \
            hashlib.sha256(world.hub.ingest.media.read(digest)).hexdigest() == digest
        ok = ok and verified
        say(_("  {name}'s kit: the hub holds its {n} records and its {size} video, checksum {state}").format(
            name=LOCKSMITHS[kit_id][0] if kit_id in LOCKSMITHS else kit_id, n=n, size=megabytes(row.size if row else 0),
            state=_("verified") if verified else _("MISSING")))
    chunks = sum(held.have_chunks for f, _d in sent.values()
                 if (held := ingest.file(conn, f, count_chunks=True)) is not None)
    counters = ingest_counters(conn)
    legacy = counters.get("legacy_chunks", 0)
    say(_("  {n} chunks arrived as binary frames (raw bytes behind a signed header, contract {v}); {legacy} as "
          "base64 from contract-1 kits").format(n=chunks, v=CONTRACT_VERSION, legacy=legacy))
    # the counters cover every file the hub has stored so far, not only the videos above
    say(_("  each byte hashed once at the hub: {by_file} chunks checked through their file's SHA-256, {alone} "
          "on their own (out of order), counting every file stored so far").format(by_file=counters.get("chunks_checked_by_file", 0),
                                                alone=counters.get("chunks_checked_alone", 0)))
    q = ingest.quarantine_kept(conn)
    say(_("  messages set aside as unreadable: {n} (`lockwarden hub quarantine --dir {dir}` lists them)").format(
        n=q, dir=world.home.dir))
    return ok
