-- The key an arrival's proof of the service code is checked with (protocol/service_code.py `issue`): the
-- second half of the code's scrypt output, which the kit derives from the code the customer types. Hex;
-- NULL for orders formed before this migration (their arrivals cannot be proven and are refused).
ALTER TABLE orders ADD COLUMN code_proof_key TEXT;
