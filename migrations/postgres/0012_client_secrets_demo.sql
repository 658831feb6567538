-- The demo client is marked as the demo's own: `serve --demo` creates,
-- updates and uses only a client so marked, never an operator's client
-- that happens to be called `demo`. (Client secrets need no change here:
-- an unkeyed SHA-256 hash is told from a keyed one by its `hmac-sha256:`
-- prefix, and is stored keyed at its next use.)
ALTER TABLE clients ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
