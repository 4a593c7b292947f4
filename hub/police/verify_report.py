"""What police-verify found: problems (each naming file, line and seq where it can) and the figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.police.chain import GENESIS


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str = ""
    line: int = 0
    seq: int | None = None


@dataclass
class VerifyReport:
    entries: int = 0
    files: int = 0
    media_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoint_seq: int | None = None
    checkpoints: int = 0  # valid hub checkpoints in checkpoints.jsonl
    unconfirmed: int = 0  # entries after the last valid checkpoint (each checked by its own signature)
    acked_seq: int | None = None  # the police's own acknowledgement record, when given
    access_entries: int = 0  # lines of the access log (access.jsonl: who queried or opened what)
    access_head: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


# Every code police-verify reports, with what it means (rendered into docs/police.md by `make docs`;
# tests/police/test_verify_trust.py checks every code the verifier emits is listed here).
PROBLEM_CODES: dict[str, str] = {
    "no_key": "No hub key was pinned (`--hub-key` or `--hub-fingerprint`): no verdict, exit 3.",
    "hub_key_mismatch": "The manifest's hub key does not have the pinned fingerprint: re-signed or another hub's.",
    "unreadable": "A line of a daily file is not a valid entry (edited or truncated).",
    "bad_seq": "An entry's seq is below 1 or absurdly large.",
    "edited": "An entry's content no longer matches its own `hash`.",
    "chain_broken": "An entry's `prev` is not the hash of the entry before it.",
    "reordered": "An entry is out of seq order (moved or inserted).",
    "duplicate": "The same seq appears twice (copied or inserted).",
    "missing": "A range of seqs is absent (deleted).",
    "file_name": "A file in `records/` is not named `YYYY-MM-DD.jsonl`.",
    "wrong_day": "An entry is not in the daily file the daily-file rule puts it in (moved between files).",
    "signature": "An entry no checkpoint covers (or any, with `--all-signatures`) is not signed by the hub key.",
    "checkpoint_signature": "A line of `checkpoints.jsonl` is not a `police.checkpoint` signed by the hub key.",
    "checkpoint_order": "A checkpoint's seq is lower than the one before it.",
    "checkpoint_fork": "Two checkpoints for one seq name different heads.",
    "checkpoint_mismatch": "The entry at a checkpoint's seq does not have the hash the hub signed (re-hashed chain).",
    "no_checkpoint": "The export holds entries but no valid hub checkpoint (checkpoints stripped).",
    "truncated": "A checkpoint, the manifest or `chain.json` covers more entries than the export holds (tail cut).",
    "manifest": "`manifest.json` is absent, not JSON, or disagrees with the export: format, hub key, head, file "
                "list, media count or checkpoint.",
    "file_missing": "A daily file the manifest lists is absent.",
    "chain_state": "`chain.json` is missing, unreadable, or does not name the head entry's seq, hash, file, line "
                   "and byte offset.",
    "rolled_back": "The export holds less than the police's own signed acknowledgement record says it held "
                   "(entries or checkpoints removed, or the acknowledged entry replaced).",
    "acked": "The acknowledgement record given with `--acked` is unreadable or not signed by the police key.",
    "media_missing": "A media file an entry references is absent.",
    "media_altered": "A media file's SHA-256 is not its name.",
    "access_unreadable": "A line of the access log `access.jsonl` is not a valid access line.",
    "access_order": "An access log line's seq is not the one after the line before (a line removed or inserted).",
    "access_chain": "An access log line's `prev` is not the hash of the line before it.",
    "access_edited": "An access log line's content no longer matches its own `hash` (who, when or what edited).",
}
