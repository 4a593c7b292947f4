"""Ed25519 checks for an ingest batch, run on a helper thread one block ahead of the SQL.

Verification is about half of the hub's work per record (~85 us with `cryptography`, which holds the GIL).
libsodium (PyNaCl) verifies the same signatures in ~65 us and releases the GIL, so while the ingest thread
stores block k, the helper verifies block k+1. Chunk bytes are not hashed here: most are checked by their
file's running hash (hub/ingest/mediastore.py), so hashing each one ahead would hash every byte twice. The
verdict is the same Ed25519 verification (libsodium
is the stricter of the two: it also refuses non-canonical and small-order points, which only a forger
produces). Without PyNaCl, or for a tiny batch, checks run inline with `cryptography`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

try:
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError
except ImportError:  # pragma: no cover - PyNaCl is a dependency; this keeps a broken install working
    crypto_sign_open = None  # type: ignore[assignment]

# (public key, signature, signed bytes); None: nothing to check (the message is refused before its check)
Job = tuple[Ed25519PublicKey, bytes, bytes] | None


def check_one(job: Job) -> bool:
    if job is None:
        return False
    key, sig, message = job
    if len(sig) != 64:
        return False
    if crypto_sign_open is not None:
        try:
            crypto_sign_open(sig + message, key.public_bytes_raw())
            return True
        except BadSignatureError:
            return False
    try:
        key.verify(sig, message)
        return True
    except InvalidSignature:
        return False


def check_all(jobs: list[Job]) -> list[bool]:
    return [check_one(j) for j in jobs]


class Verifier:
    """`submit(jobs)` returns a future of the verdicts; inline when a thread would not help."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, jobs: list[Job]) -> Future[list[bool]]:
        if crypto_sign_open is None or len(jobs) < 4:
            done: Future[list[bool]] = Future()
            done.set_result(check_all(jobs))
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="ingest-verify")
        return self._pool.submit(check_all, jobs)
