from __future__ import annotations

import pytest

from hub.forwarding.sealer import wire
from hub.police.cases import CaseDesk
from hub.police.notifiers import LogNotifier, notifier_from_spec

from .conftest import HOUR, order_life

ORDER = "01KDVDNA00E8H72SAR7QA07TDA"


def _overdue(sealer, clock) -> bytes:
    clock.advance(72 * HOUR)
    return wire(sealer.record(ts=clock.now_ms(), kind="documents.overdue", entity_id=ORDER,
                              created_ms=clock.now_ms(), data={"order_id": ORDER, "due_ms": clock.now_ms()}))


def test_overdue_opens_exactly_one_case_with_the_whole_evidence(make_writer, sealer, clock):
    w = make_writer()
    w.append_many(order_life(sealer, clock, ORDER))
    note = LogNotifier()
    desk = CaseDesk(w.root, w.index, note, clock)
    w.append(_overdue(sealer, clock))
    w.append(_overdue(sealer, clock))  # the hub sent it twice (e.g. restarted around the deadline)
    assert desk.scan() == [ORDER]
    assert desk.scan() == []
    desk.close()
    desk = CaseDesk(w.root, w.index, note, clock)  # restart of the police side
    assert desk.scan() == []
    [case] = desk.cases()
    assert case["order_id"] == ORDER and len(note.sent) == 1
    kinds = [e["kind"] for e in case["evidence"]]
    assert kinds[:2] == ["order.requested", "order.formed"] and kinds.count("evidence.media") == 3
    assert sum(len(e["media"]) for e in case["evidence"]) == 3
    assert (w.root / "cases" / f"{ORDER}.json").exists()
    # documents arriving late are still recorded, forwarded, and attached to the case
    w.append(wire(sealer.record(ts=clock.now_ms(), kind="documents.submitted", entity_id="doc-1",
                                created_ms=clock.now_ms(), data={"order_id": ORDER})))
    desk.scan()
    assert [x["kind"] for x in desk.cases()[0]["late_documents"]] == ["documents.submitted"]
    assert desk.cases()[0]["decision"] is None
    # the police's own decision on the frozen deposit comes back through the export and closes the loop
    # (`holds` as hub/orders/police_decision.py forwards it: one outcome per resolved hold)
    held = [{"purpose": "deposit", "amount_fen": 20000, "state": "released", "account": "customer:c-1"}]
    w.append(wire(sealer.record(ts=clock.now_ms(), kind="police.decision", entity_id=ORDER, created_ms=clock.now_ms(),
                                data={"order_id": ORDER, "decision_id": "D-1", "case_ref": f"CASE-{ORDER}",
                                      "reason": "deed checked at the station", "holds": held})))
    desk.scan()
    decided = desk.cases()[0]["decision"]
    assert decided["decision_id"] == "D-1" and decided["holds"] == held
    assert '"D-1"' in (w.root / "cases" / f"{ORDER}.json").read_text()


def test_failed_notification_is_retried(make_writer, sealer, clock):
    class Flaky:
        def __init__(self):
            self.calls = 0

        def notify(self, case):
            self.calls += 1
            if self.calls == 1:
                raise OSError("pager down")

    w = make_writer()
    w.append_many(order_life(sealer, clock, ORDER))
    w.append(_overdue(sealer, clock))
    flaky = Flaky()
    desk = CaseDesk(w.root, w.index, flaky, clock)
    desk.scan()
    assert desk.cases()[0]["notified_ms"] is None
    desk.scan()
    assert desk.cases()[0]["notified_ms"] is not None and flaky.calls == 2


def test_notifier_specs(tmp_path):
    out = tmp_path / "case.json"
    n = notifier_from_spec(f"command:sh -c 'cat > {out}'")
    n.notify({"case_id": "C", "order_id": "O", "reason": "r"})
    assert '"case_id": "C"' in out.read_text()
    sent: list[str] = []
    notifier_from_spec("mqtt", lambda t, p, s: sent.append(t) is None).notify({"case_id": "C"})
    notifier_from_spec("mqtt:lw/v1/police/cases/dongcheng", lambda t, p, s: sent.append(t) is None).notify({})
    assert sent == ["lw/v1/police/cases", "lw/v1/police/cases/dongcheng"]
    # a topic the police account may not write would be dropped by the broker without a word: refused here
    with pytest.raises(ValueError, match="lw/v1/police/cases"):
        notifier_from_spec("mqtt:police/duty", lambda t, p, s: True)
    # no broker acknowledgement: the desk keeps the case pending and retries
    with pytest.raises(OSError):
        notifier_from_spec("mqtt", lambda t, p, s: False).notify({"case_id": "C"})


def test_webhook_notifier_posts_the_case():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    got: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    notifier_from_spec(f"webhook:http://127.0.0.1:{server.server_port}/cases").notify(
        {"case_id": "CASE-1", "order_id": "O", "reason": "r"})
    server.server_close()
    assert got == [{"case_id": "CASE-1", "order_id": "O", "reason": "r"}]


def test_an_older_cases_file_gains_the_decision_column(tmp_path):
    import sqlite3

    from hub.police.cases import open_cases_db

    old = sqlite3.connect(str(tmp_path / "cases.sqlite"))
    old.executescript("CREATE TABLE cases (order_id TEXT PRIMARY KEY, case_id TEXT NOT NULL UNIQUE, opened_ms INTEGER"
                      " NOT NULL, trigger_seq INTEGER NOT NULL, reason TEXT NOT NULL, evidence_json TEXT NOT NULL,"
                      " late_json TEXT NOT NULL DEFAULT '[]', notified_ms INTEGER, notify_error TEXT);"
                      "INSERT INTO cases(order_id, case_id, opened_ms, trigger_seq, reason, evidence_json)"
                      " VALUES ('O', 'CASE-O', 1, 1, 'r', '[]');")
    old.close()
    db = open_cases_db(tmp_path)
    assert db.execute("SELECT case_id, decision_json FROM cases").fetchone()[:] == ("CASE-O", None)
    db.close()
    open_cases_db(tmp_path).close()  # and opening it again changes nothing
