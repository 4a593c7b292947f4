"""Cases on the police side (R-11): when the hub forwards that an order's documents are overdue, the
police side opens exactly one case for that order, with the order's whole evidence from the export,
and notifies the duty officer. A risk warning (R-12) that rises to the alert level (`--alert-level`,
red by default) notifies the duty officer through the same notifier, once per forwarded warning
(`alerts` table; the notification carries `"kind": "risk.warning"` and a `case_id` of `WARN-<seq>`).

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
from hub.police import index as export_index
from hub.police.case_store import open_cases_db
from hub.police.notifiers import Notifier
from protocol import labels
from protocol.clock import Clock
from protocol.durable import atomic_write
from protocol.i18n import _
from protocol.safepath import inside

log = logging.getLogger(__name__)

TRIGGER_KINDS = ("documents.overdue",)
LATE_KINDS = ("documents.submitted", "documents.verified", "documents.rejected")
DECISION_KINDS = ("police.decision",)
WARNING_KINDS = ("risk.warning",)
LEVELS = ("none", "blue", "yellow", "red")  # rising

class CaseDesk:
    def __init__(self, root: Path, index: sqlite3.Connection, notifier: Notifier, clock: Clock, *,
                 alert_level: str = "red") -> None:
        if alert_level not in LEVELS:
            raise ValueError(f"alert level {alert_level!r} is not one of {', '.join(LEVELS)}")
        self.alert_level = alert_level
        self.root = Path(root)
        self.index = index
        self.notifier = notifier
        self.clock = clock
        self.db = open_cases_db(self.root)

    def scan(self) -> list[str]:
        """Open cases for every trigger not yet handled, record late documents, retry notifications.
        Returns the order ids of cases opened now."""
        after = case_store.read_upto(self.db)
        opened: list[str] = []
        kinds = TRIGGER_KINDS + LATE_KINDS + DECISION_KINDS + WARNING_KINDS
        last = after
        for r in export_index.entries_of_kinds(self.index, after, kinds):
            order_id = r["order_id"] or r["entity_id"]
            if r["kind"] in TRIGGER_KINDS:
                if self._open(order_id, int(r["seq"]), json.loads(r["data_json"])):
                    opened.append(order_id)
            elif r["kind"] in DECISION_KINDS:
                self._decided(order_id, int(r["seq"]), json.loads(r["data_json"]))
            elif r["kind"] in WARNING_KINDS:
                self._warning(int(r["seq"]), json.loads(r["data_json"]))
            else:
                self._late(order_id, int(r["seq"]), r["kind"])
            last = int(r["seq"])
        last = max(last, export_index.max_seq(self.index))
        case_store.set_read_upto(self.db, last)
        self._notify_pending()
        return opened

    def alerts(self) -> list[dict[str, Any]]:
        return [json.loads(r["alert_json"]) | {"notified_ms": r["notified_ms"]}
                for r in case_store.alerts(self.db)]

    def cases(self) -> list[dict[str, Any]]:
        return [self._as_dict(r) for r in case_store.cases(self.db)]

    def close(self) -> None:
        self.db.close()

    # -- internals ----------------------------------------------------------------------------------
    def _evidence(self, order_id: str) -> list[dict[str, Any]]:
        rows = export_index.entries_of_order(self.index, order_id)
        return [{"seq": r["seq"], "kind": r["kind"], "created_ms": r["created_ms"], "file": r["file"],
                 "line": r["line"], "media": [m["sha256"] for m in json.loads(r["media_json"])]} for r in rows]

    def _open(self, order_id: str, seq: int, data: dict[str, Any]) -> bool:
        now = self.clock.now_ms()
        reason = _("documents not verified within 3 days of the order")
        evidence = self._evidence(order_id)
        if not case_store.open_case(self.db, order_id=order_id, case_id=f"CASE-{order_id}", opened_ms=now,
                                    trigger_seq=seq, reason=reason, evidence_json=json.dumps(evidence)):
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

    def _warning(self, seq: int, data: dict[str, Any]) -> None:
        """A warning rising to the alert level (from below it) alerts the duty officer; once per seq."""
        level, before = str(data.get("level")), str(data.get("previous_level") or "none")
        rank = {name: i for i, name in enumerate(LEVELS)}
        if rank.get(level, 0) < rank[self.alert_level] or rank.get(before, 0) >= rank[self.alert_level]:
            return
        subject = str(data.get("subject") or "")
        who = data.get("customer_id_number") if subject == "customer" else data.get("locksmith_id")
        alert = {"case_id": f"WARN-{seq}", "kind": "risk.warning", "seq": seq, "level": level,
                 "previous_level": before, "subject": subject, "subject_id": who,
                 "order_id": data.get("order_id") or "", "score": data.get("score"),
                 "reasons": data.get("reasons") or [], "at_ms": data.get("at_ms"),
                 "reason": _("{level} risk warning for a {subject}: {reasons}").format(
                     level=labels.label(labels.WARNING_LEVELS, level),
                     subject=_("customer") if subject == "customer" else _("locksmith"),
                     reasons=_("; ").join(labels.risk_reason(r) for r in data.get("reasons") or []
                                          if isinstance(r, dict)))}
        case_store.add_alert(self.db, seq, self.clock.now_ms(), json.dumps(alert, ensure_ascii=False))

    def _notify_pending(self) -> None:
        for r in case_store.unnotified_alerts(self.db):
            try:
                self.notifier.notify(json.loads(r["alert_json"]))
            except Exception as exc:  # as for cases: kept pending, retried on the next scan
                log.warning("notifying warning %s failed: %s", r["seq"], exc)
                case_store.alert_notify_failed(self.db, r["seq"], str(exc)[:300])
                continue
            case_store.alert_notified(self.db, r["seq"], self.clock.now_ms())
        for r in case_store.unnotified_cases(self.db):
            case = self._as_dict(r)
            try:
                self.notifier.notify(case)
            except Exception as exc:  # any delivery failure: keep it pending and retry on the next scan
                log.warning("notifying case %s failed: %s", case["case_id"], exc)
                case_store.case_notify_failed(self.db, r["order_id"], str(exc)[:300])
                continue
            case_store.case_notified(self.db, r["order_id"], self.clock.now_ms())
            self._write_file(r["order_id"])

    def _as_dict(self, r: sqlite3.Row) -> dict[str, Any]:
        return {"case_id": r["case_id"], "order_id": r["order_id"], "opened_ms": r["opened_ms"],
                "trigger_seq": r["trigger_seq"], "reason": r["reason"], "evidence": json.loads(r["evidence_json"]),
                "late_documents": json.loads(r["late_json"]), "notified_ms": r["notified_ms"],
                "decision": json.loads(r["decision_json"]) if r["decision_json"] else None}

    def _write_file(self, order_id: str) -> None:
        r = case_store.case(self.db, order_id)
        if r is None:
            return  # only called once the case's row is there
        atomic_write(inside(self.root / layout.CASES, f"{order_id}.json"),
                     json.dumps(self._as_dict(r), ensure_ascii=False, indent=1).encode("utf-8"))
