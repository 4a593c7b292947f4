"""The ledger's storage: the only module that reads or writes `ledger_accounts`, `ledger_transfers`,
`ledger_entries`, `ledger_holds` and `ledger_payments` (tests/hub/test_sql_layer.py). Rules (balanced,
idempotent by key, no overdraft, a hold resolves once) are in core.py, holds.py, payments.py, refunds.py."""

from __future__ import annotations

from dataclasses import dataclass

from hub.db import Conn, Row


@dataclass(frozen=True)
class Hold:
    id: str
    order_id: str
    purpose: str
    amount: int
    owner_account: str
    state: str
    freeze_transfer_id: int
    resolve_transfer_id: int | None
    created_ms: int
    resolved_ms: int | None


@dataclass(frozen=True)
class Payment:
    """Money in (`in`) or out (`out`, a refund) through a provider, under the provider's reference."""

    id: int
    provider: str
    external_ref: str
    direction: str
    customer_id: str
    order_id: str | None
    amount: int
    transfer_id: int
    actor: str
    created_ms: int
    refund_of: int | None
    reason: str


def _hold(r: Row) -> Hold:
    return Hold(r["id"], r["order_id"], r["purpose"], int(r["amount"]), r["owner_account"], r["state"],
                int(r["freeze_transfer_id"]), r["resolve_transfer_id"], int(r["created_ms"]), r["resolved_ms"])


def _payment(r: Row) -> Payment:
    return Payment(int(r["id"]), r["provider"], r["external_ref"], r["direction"], r["customer_id"], r["order_id"],
                   int(r["amount"]), int(r["transfer_id"]), r["actor"], int(r["created_ms"]), r["refund_of"],
                   r["reason"])


# -- accounts, transfers, entries --------------------------------------------------------------------------
def ensure_account(conn: Conn, name: str, allow_negative: bool) -> None:
    conn.execute("INSERT INTO ledger_accounts(name, allow_negative) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                 (name, 1 if allow_negative else 0))


def balance(conn: Conn, account: str) -> int:
    row = conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE account = ?", (account,)).fetchone()
    return int(row[0])


def transfer_by_key(conn: Conn, key: str) -> int | None:
    row = conn.execute("SELECT id FROM ledger_transfers WHERE key = ?", (key,)).fetchone()
    return None if row is None else int(row["id"])


def entries_of(conn: Conn, transfer_id: int) -> dict[str, int]:
    return {r["account"]: int(r["amount"]) for r in conn.execute(
        "SELECT account, amount FROM ledger_entries WHERE transfer_id = ?", (transfer_id,))}


def post(conn: Conn, *, key: str, kind: str, order_id: str | None, actor: str, memo: str,
         created_ms: int, entries: dict[str, int]) -> int:
    """One transfer and its entries; returns the transfer's id (the caller checked balance and the key)."""
    cur = conn.execute("INSERT INTO ledger_transfers(key, kind, order_id, actor, memo, created_ms)"
                       " VALUES (?,?,?,?,?,?) RETURNING id", (key, kind, order_id, actor, memo, created_ms))
    tid = int(cur.fetchone()[0])
    conn.executemany("INSERT INTO ledger_entries(transfer_id, account, amount) VALUES (?,?,?)",
                     [(tid, a, x) for a, x in entries.items()])
    return tid


@dataclass(frozen=True)
class Soundness:
    unbalanced: list[tuple[int, int]]  # (transfer id, its sum)
    total: int
    overdrawn: list[tuple[str, int]]  # (account that may not go negative, its balance)


def soundness(conn: Conn) -> Soundness:
    unbalanced = [(int(r[0]), int(r[1])) for r in conn.execute(
        "SELECT transfer_id, sum(amount) FROM ledger_entries GROUP BY transfer_id HAVING sum(amount) != 0")]
    total = int(conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_entries").fetchone()[0])
    overdrawn = [(str(r[0]), int(r[1])) for r in conn.execute(
        "SELECT e.account, sum(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.name = e.account"
        " WHERE a.allow_negative = 0 GROUP BY e.account HAVING sum(e.amount) < 0")]
    return Soundness(unbalanced, total, overdrawn)


def positive_balances(conn: Conn, prefix: str, account: str | None = None) -> list[tuple[str, int]]:
    """(account, balance) of every account named `prefix...` (or only `account`) holding money, by name."""
    sql = ("SELECT account, sum(amount) AS balance FROM ledger_entries WHERE account LIKE ?"
           + (" AND account = ?" if account else "") + " GROUP BY account HAVING sum(amount) > 0 ORDER BY account")
    args: tuple[str, ...] = (prefix + "%", account) if account else (prefix + "%",)
    return [(str(r["account"]), int(r["balance"])) for r in conn.execute(sql, args)]


# -- holds ---------------------------------------------------------------------------------------------------
def hold(conn: Conn, hold_id: str) -> Hold | None:
    row = conn.execute("SELECT * FROM ledger_holds WHERE id = ?", (hold_id,)).fetchone()
    return None if row is None else _hold(row)


def insert_hold(conn: Conn, h: Hold) -> None:
    conn.execute("INSERT INTO ledger_holds(id, order_id, purpose, amount, owner_account, state,"
                 " freeze_transfer_id, created_ms) VALUES (?,?,?,?,?,?,?,?)",
                 (h.id, h.order_id, h.purpose, h.amount, h.owner_account, h.state, h.freeze_transfer_id,
                  h.created_ms))


def set_hold_state(conn: Conn, hold_id: str, state: str, resolve_transfer_id: int | None,
                   resolved_ms: int | None) -> None:
    conn.execute("UPDATE ledger_holds SET state = ?, resolve_transfer_id = ?, resolved_ms = ? WHERE id = ?",
                 (state, resolve_transfer_id, resolved_ms, hold_id))


def holds_of(conn: Conn, order_id: str) -> list[Hold]:
    return [_hold(r) for r in conn.execute("SELECT * FROM ledger_holds WHERE order_id = ? ORDER BY purpose",
                                           (order_id,))]


# -- payments and refunds ----------------------------------------------------------------------------------
def payment(conn: Conn, payment_id: int) -> Payment | None:
    row = conn.execute("SELECT * FROM ledger_payments WHERE id = ?", (payment_id,)).fetchone()
    return None if row is None else _payment(row)


def payment_by_ref(conn: Conn, provider: str, external_ref: str, direction: str) -> Payment | None:
    row = conn.execute("SELECT * FROM ledger_payments WHERE provider = ? AND external_ref = ? AND direction = ?",
                       (provider, external_ref, direction)).fetchone()
    return None if row is None else _payment(row)


def insert_payment(conn: Conn, *, provider: str, external_ref: str, direction: str, customer_id: str,
                   order_id: str | None, amount: int, transfer_id: int, actor: str, created_ms: int,
                   refund_of: int | None = None, reason: str = "") -> int:
    cur = conn.execute(
        "INSERT INTO ledger_payments(provider, external_ref, direction, customer_id, order_id, amount, transfer_id,"
        " actor, created_ms, refund_of, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        (provider, external_ref, direction, customer_id, order_id, amount, transfer_id, actor, created_ms, refund_of,
         reason))
    return int(cur.fetchone()[0])


def refunded(conn: Conn, payment_id: int) -> int:
    """Fen refunded so far against one incoming payment."""
    row = conn.execute("SELECT coalesce(sum(amount), 0) FROM ledger_payments WHERE refund_of = ? AND direction = 'out'",
                       (payment_id,)).fetchone()
    return int(row[0])


def payments_of(conn: Conn, customer_id: str, direction: str) -> list[Payment]:
    return [_payment(r) for r in conn.execute(
        "SELECT * FROM ledger_payments WHERE customer_id = ? AND direction = ? ORDER BY id", (customer_id, direction))]

