-- Escrow ledger: double-entry, integer fen, append-only. Balances are sums of entries.
CREATE TABLE ledger_accounts (
    name TEXT PRIMARY KEY,
    allow_negative INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ledger_transfers (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    order_id TEXT,
    actor TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL
);
CREATE INDEX ledger_transfers_order ON ledger_transfers(order_id);

CREATE TABLE ledger_entries (
    transfer_id INTEGER NOT NULL REFERENCES ledger_transfers(id),
    account TEXT NOT NULL REFERENCES ledger_accounts(name),
    amount INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, account)
);
CREATE INDEX ledger_entries_account ON ledger_entries(account);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

-- A hold is money frozen in an order's escrow for one purpose; it resolves exactly once.
CREATE TABLE ledger_holds (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('prepayment', 'deposit')),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    owner_account TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'frozen_police', 'released', 'paid')),
    freeze_transfer_id INTEGER NOT NULL REFERENCES ledger_transfers(id),
    resolve_transfer_id INTEGER REFERENCES ledger_transfers(id),
    created_ms INTEGER NOT NULL,
    resolved_ms INTEGER,
    UNIQUE (order_id, purpose)
);

-- Money that entered or left through a payment provider, with the provider's own reference.
CREATE TABLE ledger_payments (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    customer_id TEXT NOT NULL,
    order_id TEXT,
    amount INTEGER NOT NULL CHECK (amount > 0),
    transfer_id INTEGER NOT NULL REFERENCES ledger_transfers(id),
    actor TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (provider, external_ref, direction)
);
