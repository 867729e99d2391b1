-- The name a page showed next to an address it lists ("Jane Doe — jane.doe@acme.com",
-- a mailto link whose text is the name, schema.org Person markup): the email
-- finder reads the address pattern from it for certain. NULL for a bare address.
ALTER TABLE email_sightings ADD COLUMN person TEXT;
