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
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]
