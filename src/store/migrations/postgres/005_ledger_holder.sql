-- Which process holds an open reservation ("host:pid", store_holder()), so a
-- restarted server refunds at once what its crashed predecessor held.
ALTER TABLE credit_ledger ADD COLUMN holder TEXT NOT NULL DEFAULT '';
