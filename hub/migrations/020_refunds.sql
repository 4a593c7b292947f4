-- Refunds (direction 'out' in ledger_payments): which incoming payment a refund returns, if the operator
-- named one, and why. Refunds against one payment never exceed it (hub/ledger/refunds.py).
ALTER TABLE ledger_payments ADD COLUMN refund_of INTEGER REFERENCES ledger_payments(id);
ALTER TABLE ledger_payments ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX ledger_payments_refund_of ON ledger_payments(refund_of) WHERE refund_of IS NOT NULL;
CREATE INDEX ledger_payments_customer ON ledger_payments(customer_id, direction);
