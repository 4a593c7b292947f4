"""The ingest pipeline: one batch of inbound messages -> one transaction -> acknowledgements.

Order of checks (each refusal is quarantined with its exact reason, the raw bytes kept):
size and JSON shape -> topic known -> sender registered -> signature -> sender matches topic ->
type known and allowed on the topic -> body schema -> duplicate / replay -> type-specific checks.
A batch is committed (and chunk files fsynced) before any MQTT PUBACK or application ack goes out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.db import Conn, OperationalError, Tx, rollback_quietly
from hub.ingest import store as ingest_store
from hub.ingest.mediastore import MediaStore
from hub.ingest.principals import Principals
from hub.ingest.ratelimit import SenderRates, account_of
from hub.ingest.uploads import UPLOAD_ROLES, check_begin, file_problem
from hub.ingest.verifier import Job, Verifier, check_one
from protocol import topics
from protocol.clock import Clock
from protocol.envelope import Envelope, decode, typed_body, unknown_type_rejected
from protocol.errors import Reason, Rejected
from protocol.frame import decode_frame, is_frame
from protocol.keys import unb64
from protocol.limits import (
    MAX_CHUNK_BYTES,
    MAX_OPEN_UPLOADS,
    QUARANTINE_MAX_ENTRIES,
    QUARANTINE_RAW_PREFIX,
    STALE_UPLOAD_MS,
    SWEEP_EVERY_MS,
    media_limit,
)
from protocol.messages.kit import KitRecord, KitState
from protocol.messages.media import MediaBegin, MediaCancel, MediaChunk
from protocol.registry import MESSAGES
from protocol.safepath import check_id
from protocol.storage import is_storage_problem
from protocol.transport.base import Inbound

log = logging.getLogger(__name__)

_json = msgspec.json.Encoder()

# Messages decoded and signature-checked one block ahead of the block being stored (see verifier.py); a
# block bounds the decoded chunk bytes held at once (2 blocks x 32 x 256 KiB).
BLOCK = 32

# (envelope, a chunk frame's bytes, the refusal if the bytes are not an envelope, the key checked)
_Decoded = tuple[Envelope | None, memoryview | None, Rejected | None, Ed25519PublicKey | None]

# role -> the topic parameter that must equal the signed sender
_TOPIC_OWNER = {"kit_id": "kit", "operator_id": "operator", "customer_id": "customer"}
_MEDIA_TYPES = ("media.begin", "media.chunk", "media.cancel")
# ts is milliseconds since 1970-01-01 UTC (docs/mqtt.md). Anything before 2001-09-09 (1e12 ms) is a
# sender writing seconds (or nothing): refused, so its records do not land in 1970.
MIN_TS_MS = 1_000_000_000_000


@dataclass(frozen=True)
class Outgoing:
    """A message the hub must sign and publish once the batch is committed."""

    topic: str
    type: str
    body: dict[str, Any]
    retain: bool = False


@dataclass(frozen=True)
class Accepted:
    topic: str
    params: dict[str, str]
    env: Envelope
    body: msgspec.Struct


Handler = Callable[[Conn, Accepted], list[Outgoing]]


@dataclass
class BatchResult:
    outgoing: list[Outgoing] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)
    quarantined: int = 0
    duplicates: int = 0


class Ingest:
    def __init__(self, conn: Conn, media: MediaStore, clock: Clock) -> None:
        self.conn = conn
        self.media = media
        self.clock = clock
        self.principals = Principals(conn)
        self.handlers: dict[str, list[Handler]] = defaultdict(list)
        self.on_media_complete: list[Callable[[Conn, str], None]] = []
        self.verifier = Verifier()
        self.rates = SenderRates(clock)
        self._next_sweep = 0
        self._activity: dict[str, int] = {}  # file id -> when a chunk of it was last stored (this run)
        self._stat_counts: dict[str, int] = {}  # this batch's counters, added to ingest_stats with it

    def on(self, type_name: str, handler: Handler) -> None:
        """Domain code registers here; it runs inside the ingest transaction, exactly once per message."""
        self.handlers[type_name].append(handler)

    # -- the batch ------------------------------------------------------------------------------------
    def process(self, batch: list[Inbound]) -> BatchResult:
        result = BatchResult()
        acks: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"stored": [], "quarantined": []})
        touched_files: dict[str, str] = {}  # file_id -> sender
        now = self.clock.now_ms()
        self._stat_counts = {}
        # One unit of work for the whole batch (group commit); a failed COMMIT (disk full) is rolled back.
        with Tx(self.conn):
            self.principals.refresh()  # keys provisioned or revoked by another process since the last batch
            blocks = [batch[i : i + BLOCK] for i in range(0, len(batch), BLOCK)]
            ahead = self._prepare(blocks[0]) if blocks else None
            for k, block in enumerate(blocks):
                assert ahead is not None
                decoded, verdicts = ahead
                if k + 1 < len(blocks):
                    ahead = self._prepare(blocks[k + 1])  # decoded here, checked on the helper meanwhile
                for msg, dec, signed in zip(block, decoded, verdicts.result(), strict=True):
                    self._one(msg, dec, signed, now, result, acks, touched_files)
            self.media.sync()  # chunk bytes on disk before their rows commit
            self._bump("received", len(batch))
            # how each stored chunk was checked: through its file's SHA-256 (each byte hashed once), or alone
            for name in ("chunks_checked_by_file", "chunks_checked_alone", "heartbeats"):
                if self._stat_counts.get(name):
                    self._bump(name, self._stat_counts[name])
        completed = self._complete(touched_files, now)
        for kit_id, lists in acks.items():
            result.outgoing.append(Outgoing(topics.KIT_DOWN_ACK.build(kit_id=kit_id), "hub.ack", lists))
        for file_id, sender in touched_files.items():
            result.outgoing.append(self._media_ack(file_id, sender, completed.get(file_id)))
        return result

    def _prepare(self, block: list[Inbound]) -> tuple[list[_Decoded], Future[list[bool]]]:
        """Decode a block and start checking its signatures (against the registered keys)."""
        decoded: list[_Decoded] = []
        jobs: list[Job] = []
        for msg in block:
            try:
                if not self.rates.allow(msg.topic):
                    raise Rejected(Reason.RATE_LIMITED, f"more messages than this account's rate on {msg.topic}")
                if is_frame(msg.payload):
                    env, data = decode_frame(msg.payload, msg.topic)
                else:
                    env, data = decode(msg.payload, msg.topic), None
            except Rejected as rej:
                decoded.append((None, None, rej, None))
                jobs.append(None)
                continue
            except Exception as exc:  # noqa: BLE001 - a decoder fault is this message's refusal, never the batch's
                log.exception("decoding a message on %s failed", msg.topic)
                decoded.append((None, None, Rejected(Reason.PROCESSING_FAULT, f"decoding: {exc!r}"[:500]), None))
                jobs.append(None)
                continue
            key = self.principals.key_for(env.sender)
            decoded.append((env, data, None, key))
            jobs.append(_job(key, env) if key is not None else None)
        return decoded, self.verifier.submit(jobs)

    def _one(
        self,
        msg: Inbound,
        dec: _Decoded,
        signature_ok: bool,
        now: int,
        result: BatchResult,
        acks: dict[str, dict[str, list[str]]],
        touched: dict[str, str],
    ) -> None:
        env, data, refused, checked_key = dec  # data: a chunk frame's bytes (a view of the payload)
        verified = False
        try:
            if refused is not None:
                raise refused
            assert env is not None
            parsed = topics.parse(msg.topic)
            if parsed is None:
                raise Rejected(Reason.UNKNOWN_TOPIC, msg.topic)
            spec, params = parsed
            # the same checks, reasons and wording as `protocol.envelope.verify`
            principal = self.principals.get(env.sender)
            if principal is None:
                raise self.principals.refusal(env.sender)
            if principal.key is not checked_key:  # registered or re-keyed by an earlier message of this batch
                signature_ok = check_one(_job(principal.key, env))
            if not signature_ok:
                raise Rejected(Reason.BAD_SIGNATURE, f"signature of {env.id} from {env.sender!r} does not verify")
            verified = True
            if env.ts < MIN_TS_MS:
                raise Rejected(Reason.MALFORMED, f"ts {env.ts} is not milliseconds since 1970 (seconds?)")
            for param, role in _TOPIC_OWNER.items():
                if param in params and (params[param] != env.sender or principal.role != role):
                    raise Rejected(Reason.WRONG_SENDER_FOR_TOPIC,
                                   f"{principal.role} {env.sender!r} signed a message on {msg.topic}")
            mspec = MESSAGES.get(env.type)
            if mspec is None:
                raise unknown_type_rejected(env.type)
            if principal.role not in mspec.roles or (spec.types and env.type not in spec.types):
                raise Rejected(Reason.WRONG_TYPE_FOR_TOPIC, f"{env.type} from a {principal.role} on {msg.topic}")
            if principal.role != "kit" and env.type not in _MEDIA_TYPES and not self.handlers.get(env.type):
                # A kit's record is evidence whatever reads it; a request nobody acts on would be lost.
                raise Rejected(Reason.UNKNOWN_TYPE, f"nothing at this hub handles {env.type} from a {principal.role}")
            if data is not None:
                b = env.body  # decode_frame typed these fields already; the bytes travel beside
                body: msgspec.Struct = MediaChunk(file_id=b["file_id"], index=b["index"], size=b["size"],
                                                  sha256=b["sha256"], data="")
            else:
                body = typed_body(env)
                if isinstance(body, MediaChunk):
                    self._bump("legacy_chunks", 1)  # a contract-1 sender (base64): see protocol.CONTRACT_VERSION
            if isinstance(body, MediaBegin | MediaChunk):
                check_id(body.file_id, "ulid", "file_id")  # it names a file on the hub's disk
                if isinstance(body, MediaBegin):
                    check_id(body.sha256, "sha256", "sha256")
            if self._seen(env, result):
                if principal.role == "kit" and env.type not in ("media.chunk", "media.begin"):
                    acks[env.sender]["stored"].append(env.id)
                if isinstance(body, MediaBegin | MediaChunk | MediaCancel):
                    touched[body.file_id] = env.sender
                return
            accepted = Accepted(msg.topic, params, env, body)
            self._store(accepted, principal.role, msg.payload, now, touched, data)
            result.accepted.append(accepted)
            if principal.role == "kit" and env.type not in ("media.chunk", "media.begin"):
                acks[env.sender]["stored"].append(env.id)
            for handler in self.handlers.get(env.type, []):
                result.outgoing.extend(handler(self.conn, accepted))
        except Rejected as rej:
            self.quarantine(msg.topic, env, rej, msg.payload, now)
            result.quarantined += 1
            if verified and env is not None and env.type == "media.begin" and self._role(env.sender) in UPLOAD_ROLES:
                file_id = env.body.get("file_id") if isinstance(env.body, dict) else None
                if isinstance(file_id, str):  # an app has no quarantine list: it learns from the file's ack
                    result.outgoing.append(Outgoing(self._ack_topic(env.sender), "hub.media_ack", {
                        "file_id": file_id, "have": [], "status": "rejected", "detail": rej.detail}))
            if verified and env is not None and env.sender == _kit_of(msg.topic):
                if env.type == "media.chunk":
                    return  # the media ack will still show the chunk missing; the kit resends it
                acks[env.sender]["quarantined"].append(env.id)

    def _seen(self, env: Envelope, result: BatchResult) -> bool:
        rows = ingest_store.seen(self.conn, env.id, env.sender, env.seq)
        if not rows:
            return False
        for row_id, sig in rows:
            if row_id == env.id:
                if sig == env.sig:
                    result.duplicates += 1
                    self._bump("duplicates", 1)
                    return True
                raise Rejected(Reason.REPLAY, f"message id {env.id} reused with different content")
        raise Rejected(Reason.REPLAY, f"sequence {env.seq} of {env.sender} already used by message {rows[0][0]}")

    # -- storing by type ---------------------------------------------------------------------------------
    def _store(self, acc: Accepted, role: str, raw: bytes, now: int, touched: dict[str, str],
               data: memoryview | None) -> None:
        env = acc.env
        body = acc.body
        if isinstance(body, MediaChunk):
            self._chunk(env, body, data)  # raises before the envelope row if the chunk is bad
            touched[body.file_id] = env.sender
            self._activity[body.file_id] = now
        elif isinstance(body, MediaBegin):
            self._begin(env, body, now, role)
            touched[body.file_id] = env.sender
        elif isinstance(body, MediaCancel):
            self._cancel(env, body, now)
            touched[body.file_id] = env.sender
        ingest_store.put_envelope(self.conn, env.id, env.sender, env.seq, env.type, env.sig, now)
        if isinstance(body, MediaChunk | MediaBegin | MediaCancel):
            return
        if isinstance(body, KitState):
            before = ingest_store.link_status(self.conn, env.sender)
            ingest_store.put_link_state(self.conn, env.sender, body.status, body.since, body.backlog_records,
                                        body.backlog_files, now)
            if before == (body.status, body.since):
                # A heartbeat: the same connection, still there. What it says (alive now, its backlog) is in
                # kit_link_state and its id and signature in `envelopes`; keeping each whole as a record cost
                # 1,440 rows a kit a day. Births and wills, which change the state, are kept whole.
                self._stat_counts["heartbeats"] = self._stat_counts.get("heartbeats", 0) + 1
                return
        kind = body.kind if isinstance(body, KitRecord) else env.type
        order_id = getattr(body, "order_id", None)
        captured = body.captured_at if isinstance(body, KitRecord) else env.ts
        ingest_store.put_record(self.conn, ingest_store.StoredRecord(
            env.id, env.sender, env.seq, env.type, kind, order_id, captured, now,
            _json.encode(env.body).decode(), raw, hashlib.sha256(raw).hexdigest()))

    def _begin(self, env: Envelope, b: MediaBegin, now: int, role: str) -> None:
        row = ingest_store.file(self.conn, b.file_id)
        if row is not None:
            if (row.sender, row.sha256, row.size, row.chunk_size) != (env.sender, b.sha256, b.size, b.chunk_size):
                raise Rejected(Reason.BAD_FILE, f"file {b.file_id} announced again with different content")
            return
        if b.chunk_size <= 0 or b.size < 0 or b.chunks != max(1, -(-b.size // b.chunk_size)):
            raise Rejected(Reason.BAD_FILE, f"file {b.file_id}: inconsistent size/chunking")
        if role in UPLOAD_ROLES:
            check_begin(self.conn, role, env.sender, b)  # an app's narrower rules, with their own wording
        cap = media_limit(b.kind)
        if b.size > cap:  # refused before a byte is written: no announce makes a huge sparse .part file
            raise Rejected(Reason.OVERSIZED, f"file {b.file_id}: {b.size} bytes > {cap} for kind {b.kind[:40]!r}")
        if b.chunk_size > MAX_CHUNK_BYTES:
            raise Rejected(Reason.BAD_FILE, f"file {b.file_id}: chunks of {b.chunk_size} bytes cannot fit a message")
        if role not in UPLOAD_ROLES:
            limit = MAX_OPEN_UPLOADS.get(role, MAX_OPEN_UPLOADS["kit"])
            open_now = ingest_store.open_files(self.conn, env.sender)
            if open_now >= limit:
                raise Rejected(Reason.UPLOAD_LIMIT, f"{open_now} files of {env.sender} are still incomplete "
                                                    f"(at most {limit}); finish those first")
        ingest_store.begin_file(self.conn, ingest_store.NewFile(
            b.file_id, env.sender, b.kind, b.content_type, b.order_id, b.size, b.sha256, b.chunk_size, b.chunks,
            b.sealed, b.captured_at, _json.encode(b.meta).decode(), env.id), now)

    def _cancel(self, env: Envelope, c: MediaCancel, now: int) -> None:
        row = ingest_store.file(self.conn, c.file_id)
        if row is None or row.sender != env.sender:
            raise Rejected(Reason.BAD_FILE, f"no upload {c.file_id} of {env.sender} to cancel")
        if row.status != "partial":
            return  # complete, refused or cancelled already: the media ack tells the sender which
        ingest_store.end_file(self.conn, c.file_id, "cancelled", c.reason[:200] or "cancelled by the sender", now)

    def _chunk(self, env: Envelope, c: MediaChunk, data: bytes | memoryview | None) -> None:
        f = ingest_store.file(self.conn, c.file_id)
        if f is None or f.sender != env.sender:
            raise Rejected(Reason.BAD_CHUNK, f"chunk {c.index} of unannounced file {c.file_id}")
        chunk_size, chunks, size, status = f.chunk_size, f.chunks, f.size, f.status
        if not 0 <= c.index < chunks:
            raise Rejected(Reason.BAD_CHUNK, f"chunk index {c.index} outside 0..{chunks - 1}")
        if data is None:
            try:
                data = base64.b64decode(c.data, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise Rejected(Reason.BAD_CHUNK, f"chunk {c.index}: data is not base64") from exc
        expected = min(chunk_size, size - c.index * chunk_size) if size else 0
        if len(data) != c.size or len(data) != expected:
            raise Rejected(Reason.BAD_CHUNK, f"chunk {c.index}: {len(data)} bytes, expected {expected}")

        def check(chunk: bytes | memoryview) -> None:
            if hashlib.sha256(chunk).hexdigest() != c.sha256:
                raise Rejected(Reason.BAD_CHUNK, f"chunk {c.index} of {c.file_id}: SHA-256 does not match")

        if status != "partial" or ingest_store.has_chunk(self.conn, c.file_id, c.index):
            check(data)  # a copy not stored: still refused if it is not what its header signs
            return
        # Hashed here only if it cannot join the file's running hash (mediastore.py, "each byte is hashed once")
        alone = self.media.write_chunk(c.file_id, c.index * chunk_size, data, check)
        name = "chunks_checked_alone" if alone else "chunks_checked_by_file"
        self._stat_counts[name] = self._stat_counts.get(name, 0) + 1
        ingest_store.put_chunk(self.conn, c.file_id, c.index, len(data), c.sha256)

    def _complete(self, touched: dict[str, str], now: int) -> dict[str, tuple[str, str]]:
        done: dict[str, tuple[str, str]] = {}
        for file_id in touched:
            try:
                self._complete_one(file_id, touched, now, done)
            except Exception as exc:  # noqa: BLE001 - one file's fault must not stop the others or ingest
                self._rollback()
                if isinstance(exc, OperationalError) or is_storage_problem(exc):
                    raise  # storage trouble: the caller retries the batch (its rows are duplicates by then)
                log.exception("completing file %s failed", file_id)
                with Tx(self.conn):
                    ingest_store.end_file(self.conn, file_id, "rejected", f"processing fault: {exc!r}"[:500], now)
                    self._quarantine_row("", touched[file_id], file_id, Reason.PROCESSING_FAULT,
                                         f"completing the file: {exc!r}", b"", now)
                done[file_id] = ("rejected", "processing fault")
        return done

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            rollback_quietly(self.conn)

    def _complete_one(self, file_id: str, touched: dict[str, str], now: int,
                      done: dict[str, tuple[str, str]]) -> None:
        row = ingest_store.file(self.conn, file_id, count_chunks=True)
        if row is None or row.status != "partial" or row.have_chunks < row.chunks:
            return
        if row.size == 0:
            self.media.write_chunk(file_id, 0, b"")
            self.media.sync()
        found = self.media.finish(file_id, row.size, row.sha256, row.chunk_size,
                                  lambda: ingest_store.chunk_hashes(self.conn, file_id))
        if found.bad_chunks:
            self._drop_bad_chunks(file_id, touched[file_id], found.bad_chunks, now)
            return
        ok, detail = found.ok, found.detail
        if ok and self._role(touched[file_id]) in UPLOAD_ROLES:
            problem = file_problem(self.media.object_path(row.sha256), row.content_type)
            if problem is not None and not ingest_store.stored_elsewhere(self.conn, file_id, row.sha256):
                self.media.set_aside(row.sha256, file_id)
            if problem is not None:
                ok, detail = False, problem
        status = "complete" if ok else "rejected"
        with Tx(self.conn):
            ingest_store.end_file(self.conn, file_id, status, detail, now)
            if not ok:
                self._quarantine_row("", touched[file_id], file_id, Reason.BAD_FILE, detail, b"", now)
            if ok:
                for hook in self.on_media_complete:
                    hook(self.conn, file_id)
        done[file_id] = (status, detail)
        self._activity.pop(file_id, None)

    def _drop_bad_chunks(self, file_id: str, sender: str, bad: tuple[int, ...], now: int) -> None:
        """The file's hash failed and these chunks differ from the hashes signed in their frames: they were
        stored unchecked as part of the running hash. They are forgotten (the file's media ack then shows
        them missing, and the sender sends them again); the rest of the file is kept."""
        with Tx(self.conn):
            ingest_store.drop_chunks(self.conn, file_id, bad)
            for index in bad:
                self._quarantine_row("", sender, file_id, Reason.BAD_CHUNK,
                                     f"chunk {index} of {file_id}: SHA-256 does not match the hash its frame signed; "
                                     "dropped, to be sent again", b"", now)

    def _role(self, sender: str) -> str:
        principal = self.principals.get(sender)
        return principal.role if principal is not None else ""

    def _ack_topic(self, sender: str) -> str:
        role = self._role(sender)
        if role == "customer":
            return topics.CUSTOMER_DOWN.build(customer_id=sender)
        if role == "operator":
            return topics.OPS_RESP.build(operator_id=sender)
        return topics.KIT_DOWN_ACK.build(kit_id=sender)

    def _media_ack(self, file_id: str, sender: str, done: tuple[str, str] | None) -> Outgoing:
        row = ingest_store.file(self.conn, file_id)
        status, detail = (row.status, row.detail) if row else ("rejected", "unknown file")
        if done:
            status, detail = done
        have = ingest_store.chunk_ranges(self.conn, file_id)
        return Outgoing(
            self._ack_topic(sender), "hub.media_ack",
            {"file_id": file_id, "have": have, "status": status, "detail": detail},
        )

    # -- bookkeeping -------------------------------------------------------------------------------------
    def quarantine(self, topic: str, env: Envelope | None, rej: Rejected, raw: bytes, now: int) -> None:
        # Refused before a signed sender was read (unparsable, rate limited): name the account whose topic it
        # came on (the broker's ACL lets an account write only its own), so a flood shows under its sender.
        account = account_of(topic) if env is None and topic else None
        sender = env.sender if env else account[1] if account else None
        self._quarantine_row(topic, sender, env.id if env else None, rej.reason, rej.detail, raw, now)

    def _quarantine_row(self, topic: str, sender: str | None, msg_id: str | None, reason: Reason, detail: str,
                        raw: bytes, now: int) -> None:
        """Keep a refusal for inspection, bounded: a prefix of its bytes, and at most QUARANTINE_MAX_ENTRIES
        entries (the oldest dropped first, counted as `quarantine_dropped`)."""
        dropped = ingest_store.quarantine(
            self.conn, now_ms=now, topic=topic[:256], sender=sender[:128] if sender else sender,
            msg_id=msg_id[:64] if msg_id else msg_id, reason=reason.value, detail=detail[:2000],
            raw=raw[:QUARANTINE_RAW_PREFIX], raw_size=len(raw), keep=QUARANTINE_MAX_ENTRIES)
        self._bump("quarantined", 1)
        if dropped > 0:
            self._bump("quarantine_dropped", dropped)

    # -- stale uploads -------------------------------------------------------------------------------------
    def sweep(self, *, force: bool = False) -> int:
        """Drop uploads left unfinished longer than their sender role's STALE_UPLOAD_MS (at most every
        SWEEP_EVERY_MS). The sender still holds the file: announced again, it starts from nothing. Returns how
        many were dropped; each is noted in quarantine (`upload_limit`)."""
        now = self.clock.now_ms()
        if not force and now < self._next_sweep:
            return 0
        self._next_sweep = now + SWEEP_EVERY_MS
        rows = ingest_store.partial_files(self.conn)
        stale = []
        for file_id, sender, role, begun_ms in rows:
            # the last chunk stored this run, else the announce (after a restart a live upload gets a full period)
            last_ms = max(begun_ms, self._activity.get(file_id, 0))
            if now - last_ms > STALE_UPLOAD_MS.get(role, STALE_UPLOAD_MS["kit"]):
                stale.append((file_id, sender, now - last_ms))
        for file_id, sender, age in stale:
            self._activity.pop(file_id, None)
            self.media.close(file_id)
            with Tx(self.conn):
                ingest_store.drop_partial(self.conn, file_id)
                self._quarantine_row("", sender, file_id, Reason.UPLOAD_LIMIT,
                                     f"upload left unfinished for {age // 60000} min; its partial bytes dropped", b"", now)
                self._bump("uploads_expired", 1)
            try:
                self.media.part_path(file_id).unlink(missing_ok=True)
            except (OSError, Rejected):
                log.warning("could not remove the partial file of %s", file_id)
        return len(stale)

    def _bump(self, name: str, n: int) -> None:
        ingest_store.bump(self.conn, name, n)


def _job(key: Ed25519PublicKey, env: Envelope) -> Job:
    try:
        sig = unb64(env.sig)
    except ValueError:
        sig = b""  # refused as a bad signature, as `protocol.envelope.verify` does
    return key, sig, env.signing_bytes()


def _kit_of(topic: str) -> str | None:
    parsed = topics.parse(topic)
    return parsed[1].get("kit_id") if parsed else None

