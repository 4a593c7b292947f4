"""Cases on the police side (R-11): when the hub forwards that an order's documents are overdue, the
police side opens exactly one case for that order, with the order's whole evidence from the export,
and notifies the duty officer.

Cases live in `cases.sqlite` (full sync: police-side state, not derived) and, for people, in
`cases/<order_id>.json`. Idempotent by order id: a repeated trigger (hub restart, redelivery) finds the
case already there. The desk scans the export's index from the last seq it saw, so a crash between
appending the trigger and opening the case is caught up on the next start. A notification that fails is
retried on the next scan (at least once). When the police's own decision on the order's frozen money comes
back through the export (`police.decision`), the case records it (`decision`, with its seq in the export).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from hub.police import case_store, layout
from hub.police import index as idx
from hub.police.notifiers import Notifier
from protocol.clock import Clock
from protocol.durable import atomic_write
from protocol.i18n import _
from protocol.safepath import inside

log = logging.getLogger(__name__)

TRIGGER_KINDS = ("documents.overdue",)
LATE_KINDS = ("documents.submitted", "documents.verified", "documents.rejected")
DECISION_KINDS = ("police.decision",)

open_cases_db = case_store.open_cases_db


class CaseDesk:
    def __init__(self, root: Path, index: sqlite3.Connection, notifier: Notifier, clock: Clock) -> None:
        self.root = Path(root)
        self.index = index
        self.notifier = notifier
        self.clock = clock
        self.db = open_cases_db(self.root)

    def scan(self) -> list[str]:
        """Open cases for every trigger not yet handled, record late documents, retry notifications.
        Returns the order ids of cases opened now."""
        after = case_store.desk_seq(self.db)
        opened: list[str] = []
        last = after
        for r in idx.entries_of_kinds(self.index, after, TRIGGER_KINDS + LATE_KINDS + DECISION_KINDS):
            order_id = r["order_id"] or r["entity_id"]
            if r["kind"] in TRIGGER_KINDS:
                if self._open(order_id, int(r["seq"]), json.loads(r["data_json"])):
                    opened.append(order_id)
            elif r["kind"] in DECISION_KINDS:
                self._decided(order_id, int(r["seq"]), json.loads(r["data_json"]))
            else:
                self._late(order_id, int(r["seq"]), r["kind"])
            last = int(r["seq"])
        last = max(last, idx.max_seq(self.index))
        case_store.set_desk_seq(self.db, last)
        self._notify_pending()
        return opened

    def cases(self) -> list[dict[str, Any]]:
        return [self._as_dict(r) for r in case_store.all_cases(self.db)]

    def close(self) -> None:
        self.db.close()

    # -- internals ----------------------------------------------------------------------------------
    def _evidence(self, order_id: str) -> list[dict[str, Any]]:
        rows = idx.entries_of_order(self.index, order_id)
        return [{"seq": r["seq"], "kind": r["kind"], "created_ms": r["created_ms"], "file": r["file"],
                 "line": r["line"], "media": [m["sha256"] for m in json.loads(r["media_json"])]} for r in rows]

    def _open(self, order_id: str, seq: int, data: dict[str, Any]) -> bool:
        now = self.clock.now_ms()
        reason = _("documents not verified within 3 days of the order")
        evidence = self._evidence(order_id)
        if not case_store.open_case(self.db, order_id, f"CASE-{order_id}", now, seq, reason, json.dumps(evidence)):
            return False
        self._write_file(order_id)
        return True

    def _late(self, order_id: str, seq: int, kind: str) -> None:
        row = case_store.case(self.db, order_id)
        if row is None:
            return
        late = json.loads(row["late_json"])
        if seq not in [x["seq"] for x in late]:
            late.append({"seq": seq, "kind": kind})
            case_store.set_late(self.db, order_id, json.dumps(late))
            self._write_file(order_id)

    def _decided(self, order_id: str, seq: int, data: dict[str, Any]) -> None:
        """A dispute has no case here (only a missed deadline opens one); its decision is in the export."""
        if case_store.case(self.db, order_id) is None:
            return
        decision = {"seq": seq, "decision_id": data.get("decision_id"), "case_ref": data.get("case_ref"),
                    "reason": data.get("reason"), "holds": data.get("holds"), "at_ms": data.get("at_ms")}
        case_store.set_decision(self.db, order_id, json.dumps(decision))
        self._write_file(order_id)

    def _notify_pending(self) -> None:
        for r in case_store.unnotified(self.db):
            case = self._as_dict(r)
            try:
                self.notifier.notify(case)
            except Exception as exc:  # any delivery failure: keep it pending and retry on the next scan
                log.warning("notifying case %s failed: %s", case["case_id"], exc)
                case_store.notify_failed(self.db, r["order_id"], str(exc)[:300])
                continue
            case_store.notified(self.db, r["order_id"], self.clock.now_ms())
            self._write_file(r["order_id"])

    def _as_dict(self, r: dict[str, Any] | sqlite3.Row) -> dict[str, Any]:
        return {"case_id": r["case_id"], "order_id": r["order_id"], "opened_ms": r["opened_ms"],
                "trigger_seq": r["trigger_seq"], "reason": r["reason"], "evidence": json.loads(r["evidence_json"]),
                "late_documents": json.loads(r["late_json"]), "notified_ms": r["notified_ms"],
                "decision": json.loads(r["decision_json"]) if r["decision_json"] else None}

    def _write_file(self, order_id: str) -> None:
        r = case_store.case(self.db, order_id)
        assert r is not None
        atomic_write(inside(self.root / layout.CASES, f"{order_id}.json"),
                     json.dumps(self._as_dict(r), ensure_ascii=False, indent=1).encode("utf-8"))
