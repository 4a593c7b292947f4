"""Where SQL lives: each aggregate's tables are read and written by its one store module (hub/db.py runs
the migrations). For the aggregates issue 9 moved (orders, offers, timers, ledger) no other module's
SQL names their tables (tests/hub/test_sql_layer.py holds every module outside the stores to no SQL at
all). A new module that writes `FROM orders` fails here and belongs in hub/orders/store.py (or a store function called from it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOMES = {
    "hub/orders/store.py": ("orders", "order_transitions", "job_evidence", "job_verifications", "order_arrival",
                            "order_tracking", "police_decisions"),
    "hub/ledger/store.py": ("ledger_accounts", "ledger_transfers", "ledger_entries", "ledger_holds", "ledger_payments"),
    "hub/dispatch/offers.py": ("offers",),
    "hub/timers/scheduler.py": ("timers",),
}
TABLES = tuple(t for tables in HOMES.values() for t in tables)
SQL = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+(" + "|".join(TABLES) + r")\b", re.IGNORECASE)
# Other aggregates' readers that still query these tables themselves (risk scoring, documents, follow-up,
# uploads, candidate search). Each should call a store function instead; remove it from this
# list when it does.
NOT_YET: set[str] = set()


def reaching_in() -> dict[str, set[str]]:
    """module -> the home tables its string literals name in SQL (outside the table's own store)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "hub").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for table in SQL.findall(node.value):
                    if table.lower() not in HOMES.get(rel, ()):
                        found.setdefault(rel, set()).add(table.lower())
    return found


def test_only_the_store_modules_touch_their_tables() -> None:
    found = reaching_in()
    assert set(found) - NOT_YET == set(), {m: t for m, t in found.items() if m not in NOT_YET}


def test_the_list_of_exceptions_only_shrinks() -> None:
    stale = NOT_YET - set(reaching_in())
    assert not stale, f"{sorted(stale)} no longer reach into the stores' tables: remove them from NOT_YET"
