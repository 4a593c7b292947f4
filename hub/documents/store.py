"""R-11 document submissions' storage: the only module that reads or writes `document_submissions`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.db import Conn, Row


@dataclass(frozen=True)
class Submission:
    id: str
    order_id: str
    submitted_by: str
    doc_types: list[str]
    media: list[dict[str, str]]
    holder_name: str
    holder_id_number: str
    status: str  # submitted | verified | rejected
    reason: str
    decided_by: str | None
    decided_ms: int | None
    submitted_ms: int

    def as_dict(self) -> dict[str, Any]:
        """For operators' answers: the stored columns, the lists also as their JSON text."""
        return {"id": self.id, "order_id": self.order_id, "submitted_by": self.submitted_by,
                "doc_types_json": json.dumps(self.doc_types), "media_json": json.dumps(self.media),
                "holder_name": self.holder_name, "holder_id_number": self.holder_id_number, "status": self.status,
                "reason": self.reason, "decided_by": self.decided_by, "decided_ms": self.decided_ms,
                "submitted_ms": self.submitted_ms, "doc_types": list(self.doc_types), "media": list(self.media)}


def _row(r: Row) -> Submission:
    return Submission(r["id"], r["order_id"], r["submitted_by"], json.loads(r["doc_types_json"]),
                      json.loads(r["media_json"]), r["holder_name"], r["holder_id_number"], r["status"], r["reason"],
                      r["decided_by"], r["decided_ms"], int(r["submitted_ms"]))


def get(conn: Conn, submission_id: str) -> Submission | None:
    row = conn.execute("SELECT * FROM document_submissions WHERE id=?", (submission_id,)).fetchone()
    return None if row is None else _row(row)


def insert(conn: Conn, *, submission_id: str, order_id: str, submitted_by: str, doc_types: list[str],
           media: list[dict[str, str]], holder_name: str, holder_id_number: str, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO document_submissions(id, order_id, submitted_by, doc_types_json, media_json, holder_name,"
        " holder_id_number, status, submitted_ms) VALUES (?,?,?,?,?,?,?, 'submitted', ?)",
        (submission_id, order_id, submitted_by, json.dumps(doc_types), json.dumps(media), holder_name,
         holder_id_number, now_ms))


def decide(conn: Conn, submission_id: str, status: str, *, reason: str, operator: str,
           now_ms: int) -> None:
    assert status in ("verified", "rejected")
    conn.execute("UPDATE document_submissions SET status=?, reason=?, decided_by=?, decided_ms=? WHERE id=?",
                 (status, reason, operator, now_ms, submission_id))


def for_order(conn: Conn, order_id: str) -> list[Submission]:
    return [_row(r) for r in conn.execute(
        "SELECT * FROM document_submissions WHERE order_id=? ORDER BY submitted_ms", (order_id,))]


def for_orders(conn: Conn, order_ids: list[str]) -> list[Submission]:
    out: list[Submission] = []
    for chunk in range(0, len(order_ids), 500):
        ids = order_ids[chunk:chunk + 500]
        out += [_row(r) for r in conn.execute(
            f"SELECT * FROM document_submissions WHERE order_id IN ({','.join('?' * len(ids))})", ids)]
    return out


def verified(conn: Conn, order_id: str) -> bool:
    return conn.execute("SELECT 1 FROM document_submissions WHERE order_id=? AND status='verified'",
                        (order_id,)).fetchone() is not None
