"""Police export figures: write rate, verify time and query time on 1,000,000 records.

The 1M corpus is built in the export's own format (same chain, same signed envelopes, same index) by a
bulk path that skips the writer's per-message signature check and fsyncs once per day file; the writer
itself is timed separately on real signed messages. LOCKWARDEN_BENCH_POLICE_N overrides the size.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import msgspec

import protocol.messages  # noqa: F401
from hub.forwarding.sealer import ChainSealer, wire
from hub.police import index as idx
from hub.police import layout
from hub.police.chain import Entry, encode_line
from hub.police.query import Query, run_query
from hub.police.recovery import ChainState
from hub.police.verify import verify_export
from hub.police.writer import ExportWriter
from protocol.clock import FakeClock
from protocol.durable import atomic_write
from protocol.keys import SigningKey

Row = tuple[str, float, str, float, str]
N_BIG = int(os.environ.get("LOCKWARDEN_BENCH_POLICE_N", "1000000"))
N_WRITE = 20_000
BATCH = 500
AREAS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "顺义区"]
KINDS = ["order.requested", "order.formed", "order.arrived", "evidence.media", "order.completed", "followup.recorded"]


def _id_number(rng: random.Random) -> str:
    return f"110105{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"


def _data(i: int, rng: random.Random) -> tuple[str, str, dict[str, object]]:
    order = i // len(KINDS)
    kind = KINDS[i % len(KINDS)]
    cust = order % 200_000
    area = AREAS[cust % len(AREAS)]
    data: dict[str, object] = {
        "order_id": f"O{order:09d}", "locksmith_id": f"ls-{order % 5000}", "unit_id": f"unit-{order % 400}",
        "kit_id": f"kit-{order % 5000}",
    }
    if kind == "order.requested":
        data |= {"customer_name": f"客户{cust}", "customer_id_number": f"1101051980{cust:08d}",
                 "customer_mobile": f"139{cust:08d}", "site_address": f"北京市{area}某街道{cust % 997}号",
                 "area": area, "lock_type": "A", "category": "open"}
    return kind, f"O{order:09d}", data


def build_corpus(root: Path, key: SigningKey, n: int) -> float:
    """Returns seconds taken. Same bytes as the writer would produce for these messages."""
    rng = random.Random(1)
    sealer = ChainSealer(key)
    clock = FakeClock()
    t0 = time.perf_counter()
    (root / layout.RECORDS).mkdir(parents=True)
    conn = idx.open_index(root / layout.INDEX)
    conn.execute("PRAGMA synchronous=OFF")
    step = max(1, 86_400_000 * 30 // n)  # spread over about a month
    buf: list[bytes] = []
    rows: list[idx.IndexRow] = []
    day, line_no, offset = "", 0, 0
    fh = None
    for i in range(n):
        clock.advance(step)
        kind, entity, data = _data(i, rng)
        prev = sealer.head
        env = sealer.record(ts=clock.now_ms(), kind=kind, entity_id=entity, created_ms=clock.now_ms(), data=data)
        d = layout.day_of(env.ts)
        if d != day:
            if fh is not None:
                fh.write(b"".join(buf))
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            buf, day, line_no, offset = [], d, 0, 0
            fh = (root / layout.day_file(d)).open("ab")
        env_dict = msgspec.to_builtins(env)
        line = encode_line(Entry(seq=sealer.seq, prev=prev, hash=sealer.head, env=env_dict))
        buf.append(line)
        line_no += 1
        offset += len(line)
        rows.append(idx.IndexRow.from_entry(env_dict, seq=sealer.seq, hash=sealer.head, file=layout.day_file(d),
                                            line=line_no))
        if len(rows) >= 20_000:
            idx.add_rows(conn, rows)
            rows = []
    assert fh is not None
    fh.write(b"".join(buf))
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()
    idx.add_rows(conn, rows)
    conn.close()
    state = ChainState(seq=sealer.seq, hash=sealer.head, file=layout.day_file(day), offset=offset, line=line_no, day=day)
    atomic_write(root / layout.STATE, msgspec.json.encode(state))
    w = ExportWriter(root, key.private.public_key(), clock=clock)
    w.append(wire(sealer.checkpoint(clock.now_ms())))
    w.close()
    return time.perf_counter() - t0


def bench_write(tmp: Path, key: SigningKey) -> list[Row]:
    sealer = ChainSealer(key)
    clock = FakeClock()
    rng = random.Random(2)
    msgs = []
    for i in range(N_WRITE):
        clock.advance(1000)
        kind, entity, data = _data(i, rng)
        msgs.append(wire(sealer.record(ts=clock.now_ms(), kind=kind, entity_id=entity, created_ms=clock.now_ms(),
                                       data=data)))
    w = ExportWriter(tmp / "write", key.private.public_key(), clock=clock)
    t0 = time.perf_counter()
    for i in range(0, len(msgs), BATCH):
        w.append_many(msgs[i:i + BATCH])
    batch_rate = N_WRITE / (time.perf_counter() - t0)
    single = msgs[: 1000]
    w2 = ExportWriter(tmp / "write1", key.private.public_key(), clock=clock)
    t0 = time.perf_counter()
    for m in single:
        w2.append(m)
    single_rate = len(single) / (time.perf_counter() - t0)
    w.close()
    w2.close()
    # Baseline: the same line bytes, appended raw with the same fsync pattern.
    lines = (tmp / "write" / layout.RECORDS).iterdir().__next__().read_bytes().splitlines(keepends=True)
    raw = tmp / "raw.jsonl"
    fd = os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    t0 = time.perf_counter()
    for i in range(0, len(lines), BATCH):
        os.write(fd, b"".join(lines[i:i + BATCH]))
        os.fsync(fd)
    raw_batch = len(lines) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for line in lines[:1000]:
        os.write(fd, line)
        os.fsync(fd)
    raw_single = 1000 / (time.perf_counter() - t0)
    os.close(fd)
    return [
        (f"export write, batches of {BATCH} (verify sig + chain + fsync + index)", batch_rate, "records/s",
         raw_batch, f"raw fsync'd JSONL appends, batches of {BATCH}"),
        ("export write, one message per fsync (MQTT ack path)", single_rate, "records/s", raw_single,
         "raw fsync'd JSONL appends, one per fsync"),
    ]


def bench_verify(root: Path, key: SigningKey) -> list[Row]:
    t0 = time.perf_counter()
    rep = verify_export(root, key.private.public_key())
    took = time.perf_counter() - t0
    assert rep.ok and rep.entries == N_BIG, rep.problems[:3]
    t0 = time.perf_counter()
    for f in layout.record_files(root):
        hashlib.sha256(f.read_bytes()).hexdigest()
    raw = time.perf_counter() - t0
    return [(f"police-verify on {N_BIG:,} records", took, "s", raw, "raw sha256 over the same bytes")]


def bench_query(root: Path) -> list[Row]:
    conn = idx.open_index(root / layout.INDEX)
    rng = random.Random(3)
    queries = []
    for _ in range(50):
        c = rng.randrange(min(200_000, N_BIG // len(KINDS)))
        queries += [Query(resident_id=f"1101051980{c:08d}"), Query(phone=f"139{c:08d}"),
                    Query(order=f"O{c:09d}"), Query(address=f"北京市{AREAS[c % len(AREAS)]}某街道{c % 997}号", limit=50),
                    Query(locksmith=f"ls-{c % 5000}", since_ms=1_767_225_600_000 + 86_400_000 * 5,
                          until_ms=1_767_225_600_000 + 86_400_000 * 6)]
    worst = 0.0
    hits = 0
    t0 = time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        hits += bool(run_query(conn, q))
        worst = max(worst, time.perf_counter() - t)
    mean = (time.perf_counter() - t0) / len(queries)
    assert hits >= len(queries) * 0.75, f"only {hits} of {len(queries)} queries found anything"
    raw = sqlite3.connect(str(root / layout.INDEX))
    t0 = time.perf_counter()
    for q in queries:
        field, value = q.key_criteria()[0]
        raw.execute("SELECT seq FROM keys WHERE field=? AND value=?", (field, value)).fetchall()
    raw_mean = (time.perf_counter() - t0) / len(queries)
    return [
        (f"police-query mean on {N_BIG:,} records", mean * 1000, "ms", raw_mean * 1000, "raw SQLite indexed key lookup"),
        (f"police-query worst on {N_BIG:,} records", worst * 1000, "ms", 1000.0, "requirement: under 1 s"),
        *bench_person(conn, raw, rng),
    ]


def bench_person(conn: sqlite3.Connection, raw: sqlite3.Connection, rng: random.Random) -> list[Row]:
    """`police-query --person`: the number's entries, then every entry of that person's orders."""
    from hub.police.person import find_person

    numbers = [f"1101051980{rng.randrange(min(200_000, N_BIG // len(KINDS))):08d}" for _ in range(50)]
    t0 = time.perf_counter()
    found = sum(bool(find_person(conn, n).orders) for n in numbers)
    mean = (time.perf_counter() - t0) / len(numbers)
    assert found >= len(numbers) * 0.75, f"only {found} of {len(numbers)} people found"
    t0 = time.perf_counter()
    for n in numbers:
        raw.execute("SELECT seq FROM keys WHERE field='resident_id' AND value=?", (n,)).fetchall()
    raw_mean = (time.perf_counter() - t0) / len(numbers)
    return [(f"police-query --person mean on {N_BIG:,} records", mean * 1000, "ms", raw_mean * 1000,
             "raw SQLite lookup of the number alone")]


def run() -> list[Row]:
    key = SigningKey.generate()
    tmp = Path(tempfile.mkdtemp(prefix="lw-bench-police-"))
    try:
        rows = bench_write(tmp, key)
        build_corpus(tmp / "big", key, N_BIG)  # ~100 s for 1M: signing and indexing dominate
        rows += bench_verify(tmp / "big", key)
        rows += bench_query(tmp / "big")
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(row)
