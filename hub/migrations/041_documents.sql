-- R-11 document submissions: photos of the customer's ID and of a property deed, house purchase contract
-- or vehicle licence, by media hash; an operator verifies or rejects each submission with a reason.
CREATE TABLE document_submissions (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    submitted_by TEXT NOT NULL,          -- customer:<id> or operator:<id>
    doc_types_json TEXT NOT NULL,        -- ["id_card", "property_deed" | "purchase_contract" | "vehicle_licence"]
    media_json TEXT NOT NULL,            -- [{"sha256", "kind"}]
    holder_name TEXT NOT NULL DEFAULT '',
    holder_id_number TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('submitted', 'verified', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_ms INTEGER,
    submitted_ms INTEGER NOT NULL
);
CREATE INDEX document_submissions_order ON document_submissions(order_id, submitted_ms);
