-- Hardening (issue 11).

-- Consent fixation (issue 11): at sign-in a link session gets a new ID that
-- only the signed-in browser learns. The hash of the ID it had before is
-- kept, so that the old link can say where the session went (and nothing
-- more: it reaches no step, no status and no result).
ALTER TABLE link_sessions ADD COLUMN prior_hash TEXT;
CREATE INDEX link_sessions_prior_hash ON link_sessions (prior_hash);

-- A consent given in a test flow (a test client's): its data says so.
ALTER TABLE consents ADD COLUMN test BOOLEAN NOT NULL DEFAULT FALSE;
