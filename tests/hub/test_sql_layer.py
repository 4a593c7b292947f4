"""Where is SQL? In the storage layer: hub/db.py and the store modules named in STORES, each the one home of
its aggregate's tables; on the kit, edge/store (KitStore) and the job database's module; in the app, the
customer web app's own database (KIT_AND_APP_STORES). Any other module in hub/, edge/ or lockwarden/ (the
CLI, the demo, the clients) that calls `.execute`/`.executemany`/`.executescript` or holds SQL text (a string
that reads as a statement) fails here: it calls a store function instead. The one exception,
TRANSACTION_ONLY, is modules that still open and close transactions themselves (BEGIN/COMMIT/ROLLBACK/
SAVEPOINT/RELEASE and nothing else: no data statement) until the unit-of-work helper replaces them; that
list may only shrink."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The storage layer: module -> what it keeps.
STORES = {
    "hub/db/__init__.py": "which database, the connection protocol, the unit of work, the migrations",
    "hub/db/core.py": "the connection protocol (Conn, Row, Tx)",
    "hub/db/sqlite.py": "the SQLite driver",
    "hub/db/postgresql.py": "the PostgreSQL driver",
    "hub/db/migrate.py": "migrations for both dialects",
    "hub/orders/store.py": "orders, their transition log, job evidence and verifications",
    "hub/dispatch/offers.py": "offers",
    "hub/dispatch/candidates.py": "the dispatch pool's candidate search (trigger-kept pool and its R*Trees)",
    "hub/dispatch/settings.py": "the operators' hub settings",
    "hub/timers/scheduler.py": "durable timers",
    "hub/ingest/media_index.py": "the media index, as the rest of the hub reads it",
    "hub/ingest/store.py": "envelopes, kit records, files in arrival, quarantine, ingest counters, kit link state",
    "hub/ingest/principals.py": "accounts' signing keys (`principals`), cached for the ingest",
    "hub/evidence/store.py": "evidence bundles' manifests, checks and forwarding",
    "hub/orders/outbox.py": "the domain outbox",
    "hub/police_feed.py": "the police feed",
    "hub/forwarding/store.py": "the sealed chain forwarded to the police export, its acks and state",
    "hub/notify/store.py": "SMS outbox, attempts, sandbox inbox, service codes, notify keys",
    "hub/metrics/store.py": "metrics",
    "hub/ledger/store.py": "the double-entry ledger: accounts, transfers, entries, holds, payments",
    "hub/registry/store.py": "units, locksmiths, their kits, fingerprints and presence, kit sessions, operators",
    "hub/documents/store.py": "R-11 document submissions",
    "hub/followup/store.py": "R-13 follow-up tasks and contacts",
    "hub/risk/store.py": "R-12 risk warnings and the sweep's cursor",
    "hub/ops/store.py": "operators' answered requests and the ID-opening log",
    "hub/payments/store.py": "payment intents and the webhook's notifications",
    "hub/police/index.py": "the police side's view of an export (views.sqlite, its own database)",
    "hub/police/case_store.py": "the police desk's cases, alerts and read position (cases.sqlite, its own database)",
    "hub/backup.py": "SQLite's online backup and integrity check of a copy",
}
# Outside the hub: the kit's storage layer and the app's own database. Nothing else in edge/ or lockwarden/
# holds SQL: the demo, the CLI and the kit's flow ask these (or the hub's stores above).
KIT_AND_APP_STORES = {
    "edge/store/kitstore.py": "the kit store (kit.db): records, files, the hub's downlink, refused downlink",
    "edge/store/opening.py": "opening a kit database: its pragmas and integrity check",
    "edge/store/personal.py": "the orders' sealing keys (order_keys)",
    "edge/store/schema_version.py": "the kit databases' migrations",
    # job.db is its own file with its own schema and migrations (edge/job/migrations); this module is its
    # whole storage layer, and it speaks the flow's types (Step), so it lives beside the flow.
    "edge/job/state.py": "job state that survives a reboot (job.db): jobs, steps, the session, meta",
    "lockwarden/customer_web/store.py": "the customer web app's own database: customers, sessions, OTPs, inbox",
}
SCANNED = ("hub", "edge", "lockwarden")
# Transaction control outside hub/db: none left, every transaction goes through its unit of work (db.Tx).
TRANSACTION_ONLY: frozenset[str] = frozenset()
TRANSACTION = re.compile(r"^(BEGIN( IMMEDIATE)?|COMMIT|ROLLBACK( TO \w+)?|SAVEPOINT \w+|RELEASE \w+)$")
EXECUTE = frozenset({"execute", "executemany", "executescript"})
STATEMENT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b"
    r"|\bSELECT\b.*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b", re.S)


def sql_in(source: str) -> tuple[int, int]:
    """(execute calls, string literals that read as SQL, docstrings aside) in one module's source."""
    tree = ast.parse(source)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    calls = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and n.func.attr in EXECUTE)
    text = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
               and id(n) not in docstrings and STATEMENT.search(n.value))
    return calls, text


def executed(source: str) -> list[object]:
    """What each execute* call in the source runs: the statement text when it is a constant (either branch
    of a conditional), else the expression's source."""
    out: list[object] = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in EXECUTE:
            arg = n.args[0] if n.args else None
            branches = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            out += [b.value if isinstance(b, ast.Constant) else ast.unparse(b) if b else None for b in branches]
    return out


def scanned_modules() -> list[Path]:
    """Every Python module of the hub, the kit and the app (the CLI, the demo, the clients)."""
    return sorted(path for top in SCANNED for path in (ROOT / top).rglob("*.py"))


def modules_with_sql() -> dict[str, tuple[int, int]]:
    found = {}
    for path in scanned_modules():
        calls, text = sql_in(path.read_text(encoding="utf-8"))
        if calls or text:
            found[str(path.relative_to(ROOT))] = (calls, text)
    return found


def test_sql_lives_only_in_the_storage_layer() -> None:
    outside = {m: n for m, n in modules_with_sql().items()
               if m not in STORES and m not in KIT_AND_APP_STORES and m not in TRANSACTION_ONLY}
    assert not outside, f"SQL outside the store modules (calls, SQL strings): {outside}; call a store function"


def test_outside_the_stores_only_transactions_are_opened_and_closed() -> None:
    for module in sorted(TRANSACTION_ONLY):
        statements = executed((ROOT / module).read_text(encoding="utf-8"))
        data = [s for s in statements if not (isinstance(s, str) and TRANSACTION.match(s))]
        assert not data, f"{module} runs {data}: data statements belong in a store module"


def test_the_exceptions_only_shrink() -> None:
    found = modules_with_sql()
    stale = sorted(TRANSACTION_ONLY - set(found))
    assert not stale, f"{stale} issue no SQL any more: remove them from TRANSACTION_ONLY"
    assert not TRANSACTION_ONLY & (set(STORES) | set(KIT_AND_APP_STORES))
    assert all((ROOT / m).is_file() for m in {**STORES, **KIT_AND_APP_STORES}), "a declared store module is gone"
    assert all(m in found for m in KIT_AND_APP_STORES), "a declared store holds no SQL: drop it from the list"


def test_the_check_reads_the_kit_and_the_app_too() -> None:
    """The demo's acts and the CLI once queried hub and kit tables themselves: they are scanned."""
    scanned = {str(p.relative_to(ROOT)) for p in scanned_modules()}
    assert {"lockwarden/demo/spine.py", "lockwarden/demo/hostile.py", "lockwarden/commands/_kit_run.py",
            "edge/offers.py", "edge/enroll.py", "hub/service.py"} <= scanned


WRITE = re.compile(r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|(?<!DO )UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)


def writers() -> dict[str, set[str]]:
    """table -> the modules whose SQL text inserts into, updates or deletes from it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "hub").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and STATEMENT.search(n.value):
                for table in WRITE.findall(n.value):
                    found.setdefault(table.lower(), set()).add(rel)
    return found


def test_every_table_is_written_by_one_store() -> None:
    """Reads may join across aggregates inside a store (a read model); each table has one writer."""
    shared = {t: sorted(m) for t, m in writers().items() if len(m) > 1 or not m <= set(STORES)}
    assert not shared, f"tables written from more than one module, or outside the stores: {shared}"
    assert {"orders", "ledger_entries", "timers", "quarantine", "police_feed", "locksmiths"} <= set(writers())


def test_the_check_sees_sql_however_it_is_written() -> None:
    """The detector itself: a call, an f-string, a statement in a constant; not prose in a docstring."""
    assert sql_in("def f(c):\n    c.execute(q)\n") == (1, 0)
    assert sql_in("def f(c, t):\n    return f'SELECT a FROM {t}'\n") == (0, 1)
    assert sql_in("Q = ' UPDATE orders SET state = ?'\n") == (0, 1)
    assert sql_in("Q = 'INSERT OR IGNORE INTO t(a) VALUES (?)'\n") == (0, 1)
    assert sql_in('def f():\n    """SELECT the best FROM the pool."""\n') == (0, 0)
    assert sql_in("MSG = 'select a locksmith from the list'\n") == (0, 0)
    assert executed("c.execute('BEGIN IMMEDIATE' if o else 'SAVEPOINT m')\nc.execute(q)\n") == [
        "BEGIN IMMEDIATE", "SAVEPOINT m", "q"]
    assert TRANSACTION.match("ROLLBACK TO message") and not TRANSACTION.match("DELETE FROM orders")
    assert WRITE.findall("INSERT INTO t(k) VALUES (?) ON CONFLICT(k) DO UPDATE SET v = 1") == ["t"]
    assert WRITE.findall("INSERT OR IGNORE INTO a VALUES (1); UPDATE b SET x = 1; DELETE FROM c") == ["a", "b", "c"]
