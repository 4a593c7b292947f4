"""Opening a masked ID number: consoles show resident ID numbers as their last 4 characters; an operator
who needs the whole number opens it with a reason, and the hub writes who, when, which and why to
`id_openings` before answering. A number is only given for a record that exists at the hub."""

from __future__ import annotations

from typing import Any

from hub.db import Conn, transaction
from hub.registry.errors import DomainError, NotFound
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
        column = "rowid" if a.ref.isdigit() and len(a.ref) < 15 else "subject_id"
        row = conn.execute(f"SELECT subject_id FROM risk_warnings WHERE subject = 'customer' AND {column} = ?",
                           (a.ref,)).fetchone()
        if row is None:
            raise NotFound("warning", masked(a.ref))
        number, ref = str(row["subject_id"]), masked(str(row["subject_id"]))
    elif a.subject == "document":
        row = conn.execute("SELECT holder_id_number FROM document_submissions WHERE id = ?", (a.ref,)).fetchone()
        if row is None:
            raise NotFound("document submission", a.ref)
        number, ref = str(row["holder_id_number"]), a.ref
    else:
        raise DomainError("invalid", _("subject: customer_warning or document"))
    with transaction(conn):
        conn.execute("INSERT INTO id_openings(actor, at_ms, subject, ref, reason) VALUES (?,?,?,?,?)",
                     (actor, clock.now_ms(), a.subject, ref, a.reason.strip()))
    return {"id_number": number}


def openings(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    return [dict(r) for r in conn.execute("SELECT actor, at_ms, subject, ref, reason FROM id_openings"
                                          " ORDER BY n DESC LIMIT 500")]
