-- Lead Search recipes: named query templates applied with search.php's
-- `code` parameter; {query} in the template is replaced by the user's query.
-- Listed by recipes.php in `position` order. Seeded with templates that find
-- contact data; an operator may add rows with the sqlite3 shell.
CREATE TABLE recipes (
    code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 32),
    name        TEXT NOT NULL,
    template    TEXT NOT NULL CHECK (instr(template, '{query}') > 0),
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0
);

INSERT INTO recipes (code, name, template, description, position) VALUES
  ('gmail', 'Gmail addresses', '{query} "@gmail.com"',
   'Pages that mention the query next to a Gmail address.', 1),
  ('yahoo', 'Yahoo Mail addresses', '{query} "@yahoo.com"',
   'Pages that mention the query next to a Yahoo Mail address.', 2),
  ('outlook', 'Outlook and Hotmail addresses', '{query} ("@outlook.com" OR "@hotmail.com")',
   'Pages that mention the query next to an Outlook.com or Hotmail address.', 3),
  ('free_email', 'Any free email provider',
   '{query} ("@gmail.com" OR "@yahoo.com" OR "@hotmail.com" OR "@outlook.com" OR "@aol.com" OR "@icloud.com")',
   'Pages that mention the query next to an address at one of the big free providers.', 4),
  ('contact_page', 'Contact pages', '{query} (intitle:contact OR inurl:contact) ("email" OR "phone")',
   'Contact pages of businesses that match the query.', 5),
  ('phone', 'Phone numbers', '{query} ("phone" OR "call us" OR "tel")',
   'Pages that give a phone number for the query.', 6),
  ('linkedin', 'LinkedIn profiles', 'site:linkedin.com/in {query}',
   'Personal LinkedIn profiles matching the query (job title, company, city).', 7),
  ('linkedin_company', 'LinkedIn company pages', 'site:linkedin.com/company {query}',
   'LinkedIn company pages matching the query.', 8),
  ('instagram', 'Instagram profiles', 'site:instagram.com {query}',
   'Instagram profiles and pages matching the query.', 9),
  ('instagram_email', 'Instagram profiles with an email',
   'site:instagram.com {query} ("@gmail.com" OR "@yahoo.com" OR "@hotmail.com" OR "@outlook.com")',
   'Instagram profiles whose bio shows an email address.', 10),
  ('facebook', 'Facebook pages', 'site:facebook.com {query}',
   'Facebook pages and profiles matching the query.', 11),
  ('facebook_email', 'Facebook pages with an email',
   'site:facebook.com {query} ("@gmail.com" OR "@yahoo.com" OR "email")',
   'Facebook pages that show an email address.', 12),
  ('twitter', 'X (Twitter) profiles', 'site:x.com {query}',
   'X (formerly Twitter) profiles matching the query.', 13),
  ('youtube', 'YouTube channels', 'site:youtube.com {query} "business inquiries"',
   'YouTube channels that list a business contact.', 14);
