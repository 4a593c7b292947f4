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

from hub.police import layout
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

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    order_id TEXT PRIMARY KEY, case_id TEXT NOT NULL UNIQUE, opened_ms INTEGER NOT NULL,
    trigger_seq INTEGER NOT NULL, reason TEXT NOT NULL, evidence_json TEXT NOT NULL,
    late_json TEXT NOT NULL DEFAULT '[]', notified_ms INTEGER, notify_error TEXT
);
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY, opened_ms INTEGER NOT NULL, alert_json TEXT NOT NULL, notified_ms INTEGER,
    notify_error TEXT
);
CREATE TABLE IF NOT EXISTS desk_state (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
"""
# columns added after the first release: (name, declaration), added to an older cases.sqlite on open
_ADDED = (("decision_json", "TEXT"),)


def open_cases_db(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(root / "cases.sqlite"), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(SCHEMA)
    have = {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
    for name, decl in _ADDED:
        if name not in have:
            conn.execute(f"ALTER TABLE cases ADD COLUMN {name} {decl}")
    return conn


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
        row = self.db.execute("SELECT v FROM desk_state WHERE k='seq'").fetchone()
        after = int(row[0]) if row else 0
        opened: list[str] = []
        kinds = TRIGGER_KINDS + LATE_KINDS + DECISION_KINDS + WARNING_KINDS
        marks = ",".join("?" * len(kinds))
        last = after
        for r in self.index.execute(
            f"SELECT seq, kind, entity_id, order_id, data_json FROM entries WHERE seq > ? AND kind IN ({marks})"
            " ORDER BY seq", (after, *kinds)):
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
        top = self.index.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0]
        last = max(last, int(top))
        self.db.execute("INSERT INTO desk_state VALUES ('seq', ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v", (last,))
        self._notify_pending()
        return opened

    def alerts(self) -> list[dict[str, Any]]:
        return [json.loads(r["alert_json"]) | {"notified_ms": r["notified_ms"]}
                for r in self.db.execute("SELECT * FROM alerts ORDER BY seq")]

    def cases(self) -> list[dict[str, Any]]:
        return [self._as_dict(r) for r in self.db.execute("SELECT * FROM cases ORDER BY opened_ms")]

    def close(self) -> None:
        self.db.close()

    # -- internals ----------------------------------------------------------------------------------
    def _evidence(self, order_id: str) -> list[dict[str, Any]]:
        rows = self.index.execute(
            "SELECT seq, kind, created_ms, file, line, media_json FROM entries WHERE seq IN "
            "(SELECT seq FROM keys WHERE field='order' AND value=?) ORDER BY seq", (order_id.casefold(),))
        return [{"seq": r["seq"], "kind": r["kind"], "created_ms": r["created_ms"], "file": r["file"],
                 "line": r["line"], "media": [m["sha256"] for m in json.loads(r["media_json"])]} for r in rows]

    def _open(self, order_id: str, seq: int, data: dict[str, Any]) -> bool:
        now = self.clock.now_ms()
        reason = _("documents not verified within 3 days of the order")
        evidence = self._evidence(order_id)
        cur = self.db.execute(
            "INSERT INTO cases(order_id, case_id, opened_ms, trigger_seq, reason, evidence_json) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(order_id) DO NOTHING",
            (order_id, f"CASE-{order_id}", now, seq, reason, json.dumps(evidence)))
        if cur.rowcount == 0:
            return False
        self._write_file(order_id)
        return True

    def _late(self, order_id: str, seq: int, kind: str) -> None:
        row = self.db.execute("SELECT late_json FROM cases WHERE order_id=?", (order_id,)).fetchone()
        if row is None:
            return
        late = json.loads(row[0])
        if seq not in [x["seq"] for x in late]:
            late.append({"seq": seq, "kind": kind})
            self.db.execute("UPDATE cases SET late_json=? WHERE order_id=?", (json.dumps(late), order_id))
            self._write_file(order_id)

    def _decided(self, order_id: str, seq: int, data: dict[str, Any]) -> None:
        """A dispute has no case here (only a missed deadline opens one); its decision is in the export."""
        if self.db.execute("SELECT 1 FROM cases WHERE order_id=?", (order_id,)).fetchone() is None:
            return
        decision = {"seq": seq, "decision_id": data.get("decision_id"), "case_ref": data.get("case_ref"),
                    "reason": data.get("reason"), "holds": data.get("holds"), "at_ms": data.get("at_ms")}
        self.db.execute("UPDATE cases SET decision_json=? WHERE order_id=?", (json.dumps(decision), order_id))
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
        self.db.execute("INSERT INTO alerts(seq, opened_ms, alert_json) VALUES (?,?,?) ON CONFLICT(seq) DO NOTHING",
                        (seq, self.clock.now_ms(), json.dumps(alert, ensure_ascii=False)))

    def _notify_pending(self) -> None:
        for r in list(self.db.execute("SELECT * FROM alerts WHERE notified_ms IS NULL ORDER BY seq")):
            try:
                self.notifier.notify(json.loads(r["alert_json"]))
            except Exception as exc:  # as for cases: kept pending, retried on the next scan
                log.warning("notifying warning %s failed: %s", r["seq"], exc)
                self.db.execute("UPDATE alerts SET notify_error=? WHERE seq=?", (str(exc)[:300], r["seq"]))
                continue
            self.db.execute("UPDATE alerts SET notified_ms=?, notify_error=NULL WHERE seq=?",
                            (self.clock.now_ms(), r["seq"]))
        for r in list(self.db.execute("SELECT * FROM cases WHERE notified_ms IS NULL")):
            case = self._as_dict(r)
            try:
                self.notifier.notify(case)
            except Exception as exc:  # any delivery failure: keep it pending and retry on the next scan
                log.warning("notifying case %s failed: %s", case["case_id"], exc)
                self.db.execute("UPDATE cases SET notify_error=? WHERE order_id=?", (str(exc)[:300], r["order_id"]))
                continue
            self.db.execute("UPDATE cases SET notified_ms=?, notify_error=NULL WHERE order_id=?",
                            (self.clock.now_ms(), r["order_id"]))
            self._write_file(r["order_id"])

    def _as_dict(self, r: sqlite3.Row) -> dict[str, Any]:
        return {"case_id": r["case_id"], "order_id": r["order_id"], "opened_ms": r["opened_ms"],
                "trigger_seq": r["trigger_seq"], "reason": r["reason"], "evidence": json.loads(r["evidence_json"]),
                "late_documents": json.loads(r["late_json"]), "notified_ms": r["notified_ms"],
                "decision": json.loads(r["decision_json"]) if r["decision_json"] else None}

    def _write_file(self, order_id: str) -> None:
        r = self.db.execute("SELECT * FROM cases WHERE order_id=?", (order_id,)).fetchone()
        atomic_write(inside(self.root / layout.CASES, f"{order_id}.json"),
                     json.dumps(self._as_dict(r), ensure_ascii=False, indent=1).encode("utf-8"))
