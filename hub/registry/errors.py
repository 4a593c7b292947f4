"""Errors the hub's domain raises; the ops and customer handlers turn them into responses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldIssue:
    field: str
    message: str


class DomainError(Exception):
    """A refused action with a stable `code` and a human-readable (translated) message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ValidationFailed(DomainError):
    """Input refused with every field-level problem found, not just the first."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        super().__init__("invalid", "; ".join(f"{i.field}: {i.message}" for i in issues))
        self.issues = issues


class NotFound(DomainError):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__("not_found", f"{what} {ident}")


class CommittedRefusal(DomainError):
    """A refusal whose side effects must stand (an offer expired by a late accept, a wrong code counted):
    the caller commits before answering with the refusal."""
