"""The kit's chunk window: the full `chunk_window` on a fast link, a few seconds of the acknowledged rate on a
slow one (so nothing waits in the queue longer than the resend timer and is sent twice)."""

from __future__ import annotations

from pathlib import Path

from edge.store.kitstore import PendingFile
from edge.sync.engine import MIN_WINDOW_BYTES, WINDOW_S, SyncSettings, _FileTx

CHUNK = 1016 * 1024


def _tx() -> _FileTx:
    pending = PendingFile(file_id="01JGZ0000000000000000000AB", seq=1, kind="video.segment", content_type="video/mp4",
                          order_id=None, size=500 * CHUNK, sha256="0" * 64, chunk_size=CHUNK, chunks=500,
                          sealed=False, captured_ms=1, meta={}, path=Path("/nonexistent"), have=[])
    return _FileTx(pending)


def _acks(tx: _FileTx, per_second: float, seconds: float, step: float = 0.5) -> None:
    """Acks every `step` seconds, the hub holding `per_second` more chunks each second."""
    t, held = 100.0, 0.0
    while t < 100.0 + seconds:
        t += step
        held += per_second * step
        tx.have = set(range(int(held)))
        tx.note_ack(t)


def test_before_any_ack_the_window_is_the_floor() -> None:
    assert _tx().window(32) == MIN_WINDOW_BYTES // CHUNK


def test_a_fast_link_gets_the_whole_window() -> None:
    tx = _tx()
    _acks(tx, per_second=100, seconds=2, step=0.05)
    assert tx.window(SyncSettings().chunk_window) == SyncSettings().chunk_window


def test_a_slow_link_holds_a_few_seconds_in_flight() -> None:
    tx = _tx()
    _acks(tx, per_second=0.6, seconds=30)  # ~5 Mbit/s: 0.6 chunks of ~1 MiB a second
    window = tx.window(32)
    assert MIN_WINDOW_BYTES // CHUNK <= window < 32
    # what is in flight drains well within the resend timer
    assert window / 0.6 <= max(WINDOW_S, MIN_WINDOW_BYTES / CHUNK / 0.6) + 1 < SyncSettings().resend_after_s


def test_the_rate_follows_the_link_when_it_changes() -> None:
    tx = _tx()
    _acks(tx, per_second=100, seconds=2, step=0.05)
    fast = tx.window(1000)
    t = 102.0
    held = len(tx.have)
    for _ in range(40):  # then 20 s at one chunk a second
        t += 0.5
        held += 0.5
        tx.have = set(range(int(held)))
        tx.note_ack(t)
    assert tx.window(1000) < fast and tx.window(1000) <= int(1.0 * WINDOW_S) + 1
