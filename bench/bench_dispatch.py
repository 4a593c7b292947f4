"""Dispatch benchmarks (issue 3): request -> first offer with 100,000 filed and 10,000 in the area, and
orders per second through the whole lifecycle with 1,000 simulated kits, on each database backend with
the hub's durability settings, side by side (issue 9): SQLite in a file (WAL, synchronous=FULL) and
PostgreSQL in a cluster of the bench's own on the same disk (fsync on, synchronous_commit on). Each
backend's figures stand beside a raw baseline on that backend: its bare area query, its bare commit.

On PostgreSQL the R*Tree tables are plain tables of boxes with two B-tree indexes (hub/db/migrate.py)."""

from __future__ import annotations

import hashlib
import math
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hub.db import Database, open_hub_db, transaction
from hub.dispatch.kitjob import handle_kit_job
from hub.ops import handle
from hub.ops.customer import handle_customer
from hub.orders.kitrecords import apply_kit_record
from hub.registry.geo import bbox
from lockwarden.demo.city import resident_id
from lockwarden.demo.photos import document_photo
from protocol import jobrecords as jr
from protocol.clock import FakeClock
from protocol.ids import new_id
from protocol.service_code import PROOF_FIELD, arrival_proof

SITE = (39.9087, 116.3975)
ID_PHOTO = document_photo("ID card", (320, 200))
SHA = hashlib.sha256(ID_PHOTO).hexdigest()
ACTOR = "operator:bench"
GRADES = ("junior", "intermediate", "senior", "special")


def _ric(serial: int) -> str:
    return resident_id(serial, f"198001{serial % 28 + 1:02d}", region="110105")


def _populate(conn, clock: FakeClock, total: int, in_area: int) -> None:  # type: ignore[no-untyped-def]
    """Bulk-load filings straight into the registry tables (setup, not measured)."""
    handle(conn, clock, ACTOR, "operator.add", {"id": "bench", "name": "bench"}, txn="b0", bootstrap=True)
    handle(conn, clock, ACTOR, "unit.file", {"id": "U1", "name": "U", "address": "A", "uscc": "91110000600037341L",
                                             "legal_rep_name": "R", "legal_rep_id": _ric(1), "filing_receipt_no": "B"},
           txn="b1")
    rng = random.Random(7)
    now = clock.now_ms()
    smiths, areas, scopes = [], [], []
    for n in range(1, total + 1):
        if n <= in_area:  # areas that cover the site: centres within 5 km, radius 8-20 km
            ang, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, 5)
            lat = SITE[0] + d / 111.0 * math.cos(ang)
            lon = SITE[1] + d / 85.0 * math.sin(ang)
            radius = rng.uniform(8, 20)
        else:  # elsewhere in the country
            lat, lon, radius = SITE[0] + rng.uniform(-8, -1), SITE[1] + rng.uniform(-10, 10), rng.uniform(5, 20)
        grade = rng.choices(GRADES, weights=(30, 35, 25, 10))[0]
        smiths.append((n, f"L{n:06d}", f"L{n}", "male", "汉", f"ID{n:016d}", SHA, f"C{n}", SHA, grade,
                       GRADES.index(grade) + 1, SHA,
                       "13800138000", "U1", f"F{n}", lat, lon, radius, "[]", "on_duty", 1, 1, f"kit-{n}",
                       lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01), now, rng.randint(2500, 4800),
                       now, now))
        areas.append((n, *bbox(lat, lon, radius)))
        scopes.extend([(n, "B", "open"), (n, "B", "repair"), (n, "A", "open")])
    conn.execute("BEGIN")  # one bulk transaction (setup)
    conn.executemany(
        "INSERT INTO locksmiths(n, id, name, gender, ethnicity, resident_id, id_image_sha256, cert_no,"
        " cert_image_sha256, grade, grade_rank, photo_sha256, mobile, unit_id, filing_receipt_no, area_lat, area_lon,"
        " area_radius_km, equipment_json, status, unit_operating, kit_online, live_kit_id, pos_lat, pos_lon, pos_ms,"
        " quality, created_ms, updated_ms) VALUES (" + ",".join("?" * 29) + ")", smiths)
    conn.executemany("INSERT INTO locksmith_area VALUES (?,?,?,?,?)", areas)
    conn.executemany("INSERT INTO locksmith_scope VALUES (?,?,?)", scopes)
    conn.executemany("INSERT INTO locksmith_kits(locksmith_id, kit_id, linked_ms, actor) VALUES (?,?,?,?)",
                     [(f"L{n:06d}", f"kit-{n}", now, "bench") for n in range(1, total + 1)])
    conn.executemany("INSERT INTO locksmith_fingerprints VALUES (?,?,?,?,?,?)",
                     [(f"L{n:06d}", "right_index", _fp(n), f"kit-{n}", now, "bench") for n in range(1, total + 1)])
    # Login first (hub/registry/kitsession.py): each locksmith is logged in on their kit.
    conn.executemany("INSERT INTO kit_sessions(kit_id, locksmith_id, logged_in, at_ms, record_id) VALUES (?,?,1,?,?)",
                     [(f"kit-{n}", f"L{n:06d}", now, f"login-{n}") for n in range(1, total + 1)])
    conn.execute("COMMIT")
    conn.execute("ANALYZE")


def _fp(n: int) -> str:
    return hashlib.sha256(f"fp{n}".encode()).hexdigest()


def _request(rule: str = "eta") -> dict[str, object]:
    return {"customer_name": "张三", "customer_mobile": "13912345678", "customer_id_number": "11010519491231002X",
            "customer_id_image_sha256": SHA, "witness": {"name": "李四", "id_number": _ric(5),
                                                         "id_image_sha256": SHA},
            "site_address": "北京市东城区东长安街1号", "site_lat": SITE[0], "site_lon": SITE[1], "category": "open",
            "lock_class": "B", "rule": rule}


def _photos(conn, clock: FakeClock, tmp: Path, customers: int) -> None:  # type: ignore[no-untyped-def]
    """Each customer's app uploaded the ID photo its request names (not timed: it happens before the request)."""
    from hub.documents.scans import store_scan
    from hub.ingest.mediastore import MediaStore

    media = MediaStore(tmp / "media")
    for i in range(customers):
        store_scan(conn, media, clock, ID_PHOTO, sender=f"c-{i}", order_id=None, kind="identity")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


BACKENDS = ("sqlite", "postgresql")
_cluster: Any = None


@contextmanager
def _database(backend: str) -> Iterator[tuple[Database, Path]]:
    """A fresh hub database on `backend` and a scratch folder beside it."""
    global _cluster
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            yield Path(tmp) / "hub.db", Path(tmp)
            return
        if _cluster is None:
            from tests.pgcluster import start_cluster

            _cluster = start_cluster(durable=True)
        db = _cluster.new_database()
        try:
            yield db, Path(tmp)
        finally:
            _cluster.drop(db)


def stop_cluster() -> None:
    global _cluster
    if _cluster is not None:
        from tests.pgcluster import remove

        remove(_cluster)
        _cluster = None


def bench_first_offer(samples: int = 300, backend: str = "sqlite") -> tuple[dict[str, list[float]], list[float]]:
    with _database(backend) as (db, tmp):
        clock = FakeClock()
        conn = open_hub_db(db)
        _populate(conn, clock, 100_000, 10_000)
        _photos(conn, clock, tmp, samples)
        timings: dict[str, list[float]] = {"eta": [], "quality": [], "grade": []}
        for i in range(samples):
            rule = ("eta", "quality", "grade")[i % 3]
            mid = new_id(clock.now_ms())
            t0 = time.perf_counter()
            result = handle_customer(conn, clock, f"c-{i}", "customer.request", _request(rule), msg_id=mid)
            timings[rule].append((time.perf_counter() - t0) * 1000)
            assert result.ok and result.order_id
            assert conn.execute("SELECT 1 FROM offers WHERE order_id = ? AND state = 'open'",
                                (result.order_id,)).fetchone(), "no offer"
            handle_customer(conn, clock, f"c-{i}", "customer.abandon", {"order_id": result.order_id},
                            msg_id=new_id(clock.now_ms()))
            clock.advance(1000)
        raw: list[float] = []
        sql = ("SELECT l.n FROM locksmith_area a JOIN locksmiths l ON l.n = a.n WHERE a.min_lat <= :lat"
               " AND a.max_lat >= :lat AND a.min_lon <= :lon AND a.max_lon >= :lon"
               " ORDER BY (l.pos_lat - :lat) * (l.pos_lat - :lat) + (l.pos_lon - :lon) * (l.pos_lon - :lon) LIMIT 1")
        for _ in range(samples):
            t0 = time.perf_counter()
            conn.execute(sql, {"lat": SITE[0], "lon": SITE[1]}).fetchone()
            raw.append((time.perf_counter() - t0) * 1000)
        conn.close()
        return timings, raw


def bench_lifecycle(orders: int = 150, scrypt_n: int | None = None, batch: int = 1,
                    backend: str = "sqlite") -> tuple[float, float]:
    """Orders through the whole lifecycle. `batch` orders run side by side, and each step of the batch is
    one group commit (the hub service draining its queue), as when many kits talk at once."""
    with _database(backend) as (db, tmp):
        clock = FakeClock()
        conn = open_hub_db(db)
        _populate(conn, clock, 1_000, 1_000)
        _photos(conn, clock, tmp, orders)
        if scrypt_n is not None:
            handle(conn, clock, ACTOR, "settings.set", {"key": "code_scrypt_n", "value": str(scrypt_n)}, txn="n")
        done = 0
        t0 = time.perf_counter()
        for start in range(0, orders, batch):
            jobs = [{"cust": f"c-{i}"} for i in range(start, min(orders, start + batch))]
            for phase in _PHASES:
                with transaction(conn):
                    for job in jobs:
                        phase(conn, clock, job)
            done += len(jobs)
        rate = done / (time.perf_counter() - t0)
        conn.execute("CREATE TABLE raw(x INTEGER)")
        t0 = time.perf_counter()
        for i in range(300):
            with transaction(conn):
                conn.execute("INSERT INTO raw VALUES (?)", (i,))
        commits = 300 / (time.perf_counter() - t0)
        conn.close()
        return rate, commits


def _kit(conn, clock, job, t, body):  # type: ignore[no-untyped-def]
    res = handle_kit_job(conn, clock, job["kit"], t, body, msg_id=new_id(clock.now_ms()))
    assert res.ok, res


def _cust(conn, clock, job, t, body):  # type: ignore[no-untyped-def]
    res = handle_customer(conn, clock, job["cust"], t, body, msg_id=new_id(clock.now_ms()))
    assert res.ok, res
    return res


def _p_request(conn, clock, job):  # type: ignore[no-untyped-def]
    job["order"] = _cust(conn, clock, job, "customer.request", _request()).order_id
    offer = conn.execute("SELECT * FROM offers WHERE order_id = ? AND state = 'open'", (job["order"],)).fetchone()
    job.update(kit=offer["kit_id"], lid=offer["locksmith_id"], offer=offer["id"])


def _rec(conn, clock, job, rec, *, prove: bool = False):  # type: ignore[no-untyped-def]
    """One job record as the kit sends it, handled as the hub handles a stored `kit.record`."""
    data = jr.encode(rec)
    if prove:  # the kit derives the key from the typed code (scrypt, kit-side work): read the hub's copy here
        key = conn.execute("SELECT code_proof_key FROM orders WHERE id = ?", (job["order"],)).fetchone()[0]
        data[PROOF_FIELD] = arrival_proof(bytes.fromhex(key), job["order"], data)
    apply_kit_record(conn, clock, job["kit"], jr.kind_of(rec).value, job["order"], data,
                     msg_id=new_id(clock.now_ms()))


def _base(job):  # type: ignore[no-untyped-def]
    return {"kit_id": job["kit"], "locksmith_id": job["lid"], "position": jr.Position(SITE[0], SITE[1])}


def _p_verify(conn, clock, job):  # type: ignore[no-untyped-def]
    _rec(conn, clock, job, jr.LocksmithVerified(**_base(job), slot=0, score=200, finger="right_index",
                                                template_sha256=_fp(int(job["lid"][1:]))))
    _rec(conn, clock, job, jr.Consented(**_base(job), given=True))
    for kind, file_kind in ((jr.RecordKind.CUSTOMER_PHOTO, "photo.customer"), (jr.RecordKind.ID_PHOTO, "photo.id_card"),
                            (jr.RecordKind.CUSTOMER_FINGERPRINT, "fingerprint.customer")):
        sha = hashlib.sha256(f"{job['order']}:{file_kind}".encode()).hexdigest()
        now = clock.now_ms()
        file_id = new_id(now)
        conn.execute(  # the capture's file, as ingest records a complete upload (the blob itself is not written)
            "INSERT INTO media_files(file_id, sender, kind, content_type, order_id, size, sha256, chunk_size, chunks,"
            " sealed, captured_ms, meta, begin_id, status, received_ms, completed_ms)"
            " VALUES (?,?,?,?,?,?,?,1,1,1,?,'{}',?,'complete',?,?)",
            (file_id, job["kit"], file_kind, "application/octet-stream", job["order"], 1, sha, now, file_id, now, now))
        _rec(conn, clock, job, jr.TYPES[kind](**_base(job), file_id=file_id, sha256=sha, kind=file_kind))


def _p_docs(conn, clock, job):  # type: ignore[no-untyped-def]
    assert handle(conn, clock, ACTOR, "order.documents_verified", {"order_id": job["order"]},
                  txn=new_id(clock.now_ms()))["ok"]


def _p_pay(conn, clock, job):  # type: ignore[no-untyped-def]
    """Paid at the counter: only the operator on duty records a manual payment (customers pay through a
    provider, whose signed notification the bench would only add HTTP to)."""
    assert handle(conn, clock, ACTOR, "order.pay", {"order_id": job["order"], "amount_fen": 25_000,
                                                    "provider": "manual", "external_ref": job["order"]},
                  txn=new_id(clock.now_ms()))["ok"]


_PHASES = [
    _p_request,
    lambda conn, clock, job: _kit(conn, clock, job, "job.accept", {"offer_id": job["offer"]}),
    lambda conn, clock, job: _cust(conn, clock, job, "customer.decision", {"order_id": job["order"], "accept": True}),
    _p_pay,
    lambda conn, clock, job: _rec(conn, clock, job, jr.SetOut(**_base(job))),
    lambda conn, clock, job: _rec(conn, clock, job, jr.Arrived(**_base(job), code_checked=True, distance_m=10.0),
                                  prove=True),
    _p_verify,
    lambda conn, clock, job: _rec(conn, clock, job, jr.VideoStarted(**_base(job))),
    lambda conn, clock, job: _rec(conn, clock, job, jr.Completed(**_base(job), fee_fen=10_000, payment_received=True)),
    _p_docs,
]


def run() -> list[tuple[str, float, str, float, str]]:
    try:
        per_backend = [_rows(backend) for backend in BACKENDS]
    finally:
        stop_cluster()
    return [row for same_figure in zip(*per_backend, strict=True) for row in same_figure]  # side by side


def _rows(backend: str) -> list[tuple[str, float, str, float, str]]:
    by_rule, raw = bench_first_offer(600, backend)
    everything = [t for ts in by_rule.values() for t in ts]
    index = "R*Tree" if backend == "sqlite" else "bounding-box B-tree"
    base = f"raw: one {index} query for the nearest locksmith whose area covers the site"
    b = f"[{backend}] "
    rows = [
        (b + "request to first offer, all rules, median (100k filed, 10k in area)", statistics.median(everything),
         "ms", statistics.median(raw), base + ", median"),
        (b + "request to first offer, all rules, p99 (goal < 20 ms)", _pct(everything, 0.99), "ms", _pct(raw, 0.99),
         base + ", p99"),
    ]
    for rule, ts in by_rule.items():
        rows.append((b + f"request to first offer, rule {rule}, p99", _pct(ts, 0.99), "ms", _pct(raw, 0.99),
                     base + ", p99"))
    commits_name = ("raw SQLite commits/s (same file, synchronous=FULL)" if backend == "sqlite" else
                    "raw PostgreSQL commits/s (same cluster, fsync on)")
    rate, commits = bench_lifecycle(orders=100, scrypt_n=None, backend=backend)
    rows.append((b + "whole lifecycle, 1,000 kits, one commit per message, scrypt n=2^14 (default)", rate,
                 "orders/s", commits, commits_name))
    rate, commits = bench_lifecycle(orders=300, scrypt_n=None, batch=50, backend=backend)
    rows.append((b + "whole lifecycle, 1,000 kits, group commit of 50 messages, scrypt n=2^14 (default)", rate,
                 "orders/s", commits, commits_name))
    rate, commits = bench_lifecycle(orders=300, scrypt_n=1024, batch=50, backend=backend)
    rows.append((b + "whole lifecycle, 1,000 kits, group commit of 50 messages, scrypt n=2^10", rate, "orders/s",
                 commits, commits_name))
    return rows


if __name__ == "__main__":
    for name, value, unit, base, base_name in run():
        print(f"{name}: {value:.2f} {unit}  (baseline {base:.2f}: {base_name})")
