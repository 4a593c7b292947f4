"""Opening a masked ID number: consoles show resident ID numbers as their last 4 characters; an operator
who needs the whole number opens it with a reason, and the hub writes who, when, which and why to
`id_openings` before answering. A number is only given for a record that exists at the hub."""

from __future__ import annotations

from typing import Any

from hub.db import Conn, transaction
from hub.documents import store as documents_store
from hub.ops import store
from hub.registry.errors import DomainError, NotFound
from hub.risk import store as risk_store
from protocol.clock import Clock
from protocol.i18n import _


def masked(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


def open_id(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    if not a.reason.strip():
        raise DomainError("invalid", _("say why the whole ID number is needed"))
    if a.subject == "customer_warning":
        # `ref` is the warning's `ref` from risk.list (the hub never sends the number unopened); a console
        # of an older release sends the number itself
        found = risk_store.customer_warning_number(conn, a.ref)
        if found is None:
            raise NotFound("warning", masked(a.ref))
        number, ref = found, masked(found)
    elif a.subject == "document":
        submission = documents_store.get(conn, a.ref)
        if submission is None:
            raise NotFound("document submission", a.ref)
        number, ref = submission.holder_id_number, a.ref
    else:
        raise DomainError("invalid", _("subject: customer_warning or document"))
    with transaction(conn):
        store.log_opening(conn, actor=actor, at_ms=clock.now_ms(), subject=a.subject, ref=ref, reason=a.reason.strip())
    return {"id_number": number}


def openings(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    return store.openings(conn)
