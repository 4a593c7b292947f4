"""The figures themselves, on a hub database with known rows: timers due, outbox depth, police lag, the
ingest rate window, and the Prometheus text (escaping of label values a kit id could carry)."""

from __future__ import annotations

from hub.db import Database, open_hub_db
from hub.metrics.figures import collect, prometheus

NOW = 1_800_000_000_000


def test_figures_count_what_is_due_waiting_and_lagging(hub_database: Database) -> None:
    conn = open_hub_db(hub_database)
    ins = conn.execute
    for i, (due, state) in enumerate([(NOW - 5000, "pending"), (NOW - 1000, "pending"), (NOW + 60_000, "pending"),
                                      (NOW - 9000, "fired")]):
        ins("INSERT INTO timers(kind, key, due_ms, payload_json, state, created_ms) VALUES ('t', ?, ?, '{}', ?, 0)",
            (f"k{i}", due, state))
    for i, sent in enumerate([None, None, NOW]):
        ins("INSERT INTO domain_outbox(audience, recipient, type, body_json, created_ms, sent_ms) "
            "VALUES ('kit', 'kit-a', 'x', '{}', ?, ?)", (NOW - 30_000 + i, sent))
    for seq in range(1, 5):
        ins("INSERT INTO police_feed(seq, kind, entity_id, body_json, created_ms) VALUES (?, 'k', 'e', '{}', 0)", (seq,))
    for seq, acked in [(1, NOW), (2, None), (3, None)]:
        ins("INSERT INTO police_outbox(seq, feed_seq, msg_id, kind, wire, hash, media_json, created_ms, acked_ms) "
            "VALUES (?, ?, ?, 'k', ?, 'h', '[]', ?, ?)", (seq, seq, f"m{seq}", b"\0", NOW - 120_000 + seq * 1000, acked))
    for i, received in enumerate([NOW - 90_000, NOW - 30_000, NOW - 10_000, NOW]):
        ins("INSERT INTO envelopes(id, sender, seq, type, sig, received_ms) VALUES (?, 'kit-a', ?, 't', 's', ?)",
            (f"e{i}", i, received))
    ins("INSERT INTO quarantine(received_ms, topic, reason, detail, raw) VALUES (0, 't', 'bad_signature', '', ?)", (b"\0",))
    ins("INSERT INTO quarantine(received_ms, topic, reason, detail, raw) VALUES (0, 't', 'bad_signature', '', ?)", (b"\0",))
    ins("INSERT INTO quarantine(received_ms, topic, reason, detail, raw) VALUES (0, 't', 'replay', '', ?)", (b"\0",))
    ins("INSERT INTO kit_link_state(kit_id, status, since_ms, backlog_records, backlog_files, updated_ms) "
        "VALUES ('kit-\"q\"', 'offline', 5, 12, 3, 5)")

    f = collect(conn, NOW)
    assert (f.timers_pending, f.timers_due, f.timers_oldest_due_age_s) == (3, 2, 5.0)
    assert (f.outbox_unsent, f.outbox_oldest_age_s) == (2, 30.0)
    assert (f.police_unacked, f.police_forwarding_lag_s, f.police_feed_unqueued) == (2, 118.0, 1)
    assert f.ingest_rate_per_s == 3 / 60  # the last minute holds three of the four envelopes
    assert f.quarantine_by_reason == {"bad_signature": 2, "replay": 1}

    text = prometheus(f, version="9.9", broker_connected=False)
    assert 'lockwarden_kit_backlog_records{kit="kit-\\"q\\""} 12' in text
    assert 'lockwarden_kit_online{kit="kit-\\"q\\""} 0' in text
    assert 'lockwarden_quarantine_entries{reason="bad_signature"} 2' in text
    assert "lockwarden_broker_connected 0" in text and 'lockwarden_build_info{version="9.9"} 1' in text
    assert "lockwarden_police_forwarding_lag_seconds 118" in text
    names = [ln.split()[2] for ln in text.splitlines() if ln.startswith("# TYPE")]
    assert len(names) == len(set(names))  # one HELP/TYPE per family
    conn.close()
