"""Double-entry transfers in integer fen. Append-only (triggers refuse UPDATE/DELETE), balanced, and
idempotent by key: repeating a key with the same entries returns the first transfer; with different
entries it is refused. Balances are always derived from the entries."""

from __future__ import annotations

from hub.db import Conn, transaction
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _

# Accounts that stand for the outside world may go negative: money that came in from a provider.
NEGATIVE_ALLOWED_PREFIXES = ("external:",)


def customer_account(customer_id: str) -> str:
    return f"customer:{customer_id}"


def escrow_account(order_id: str) -> str:
    return f"escrow:{order_id}"


def locksmith_account(locksmith_id: str) -> str:
    return f"locksmith:{locksmith_id}"


def external_account(provider: str) -> str:
    return f"external:{provider}"


class Unbalanced(DomainError):
    def __init__(self) -> None:
        super().__init__("unbalanced", _("transfer entries do not sum to zero"))


class Overdrawn(DomainError):
    def __init__(self, account: str) -> None:
        super().__init__("insufficient_funds", _("account would go negative: ") + account)


class KeyConflict(DomainError):
    def __init__(self, key: str) -> None:
        super().__init__("idempotency_conflict", _("idempotency key reused for a different transfer: ") + key)


def ensure_account(conn: Conn, name: str) -> None:
    allow = 1 if name.startswith(NEGATIVE_ALLOWED_PREFIXES) else 0
    conn.execute("INSERT INTO ledger_accounts(name, allow_negative) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                 (name, allow))


def balance(conn: Conn, account: str) -> int:
    row = conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE account = ?", (account,)).fetchone()
    return int(row[0])


def transfer(conn: Conn, clock: Clock, *, key: str, kind: str, entries: list[tuple[str, int]],
             actor: str, order_id: str | None = None, memo: str = "") -> int:
    """Post one balanced transfer; returns its id. entries: (account, signed fen), credit positive."""
    merged: dict[str, int] = {}
    for account, amount in entries:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise DomainError("invalid", _("amounts are integer fen"))
        merged[account] = merged.get(account, 0) + amount
    merged = {a: x for a, x in merged.items() if x != 0}
    if sum(merged.values()) != 0 or not merged:
        raise Unbalanced()
    with transaction(conn):
        prior = conn.execute("SELECT id FROM ledger_transfers WHERE key = ?", (key,)).fetchone()
        if prior is not None:
            posted = {r["account"]: r["amount"] for r in conn.execute(
                "SELECT account, amount FROM ledger_entries WHERE transfer_id = ?", (prior["id"],))}
            if posted != merged:
                raise KeyConflict(key)
            return int(prior["id"])
        for account in merged:
            ensure_account(conn, account)
        cur = conn.execute("INSERT INTO ledger_transfers(key, kind, order_id, actor, memo, created_ms)"
                           " VALUES (?,?,?,?,?,?) RETURNING id", (key, kind, order_id, actor, memo, clock.now_ms()))
        tid = int(cur.fetchone()[0])
        conn.executemany("INSERT INTO ledger_entries(transfer_id, account, amount) VALUES (?,?,?)",
                         [(tid, a, x) for a, x in merged.items()])
        for account, amount in merged.items():
            if amount < 0 and not account.startswith(NEGATIVE_ALLOWED_PREFIXES) and balance(conn, account) < 0:
                raise Overdrawn(account)  # the transaction rolls back: nothing was posted
        return tid


def move(conn: Conn, clock: Clock, *, key: str, kind: str, source: str, dest: str, amount: int,
         actor: str, order_id: str | None = None, memo: str = "") -> int:
    if amount <= 0:
        raise DomainError("invalid", _("amount must be positive"))
    return transfer(conn, clock, key=key, kind=kind, entries=[(source, -amount), (dest, amount)], actor=actor,
                    order_id=order_id, memo=memo)


def check(conn: Conn) -> list[str]:
    """Problems found (empty when sound): unbalanced transfers, a non-zero grand total, overdrawn accounts."""
    problems = [f"transfer {r[0]} sums to {r[1]}" for r in conn.execute(
        "SELECT transfer_id, sum(amount) FROM ledger_entries GROUP BY transfer_id HAVING sum(amount) != 0")]
    total = conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_entries").fetchone()[0]
    if total != 0:
        problems.append(f"ledger total {total}")
    problems += [f"account {r[0]} is {r[1]}" for r in conn.execute(
        "SELECT e.account, sum(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.name = e.account"
        " WHERE a.allow_negative = 0 GROUP BY e.account HAVING sum(e.amount) < 0")]
    return problems
