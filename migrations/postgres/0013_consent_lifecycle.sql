-- The consent lifecycle: a duration per client, each consent's term and
-- how it ended, and an append-only history of its events.
ALTER TABLE clients ADD COLUMN consent_days INTEGER NOT NULL DEFAULT 90;

ALTER TABLE consents RENAME COLUMN withdrawn_at TO ended_at;
ALTER TABLE consents ADD COLUMN granted_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE consents ADD COLUMN ended_by TEXT;
-- When `consent.expiring` was recorded for the current term (once).
ALTER TABLE consents ADD COLUMN expiring_sent_at BIGINT;

-- Consents given before terms existed: granted when last given, for the
-- default 90 days (28 with the processing purpose scope), counted from
-- then; withdrawn ones were withdrawn by their integrator.
UPDATE consents SET granted_at = updated_at,
    expires_at = updated_at + CASE
        WHEN (',' || scopes || ',') LIKE '%,unsecured_loans_processing,%' THEN 28 * 86400
        ELSE 90 * 86400 END;
UPDATE consents SET status = 'withdrawn', ended_by = 'integrator' WHERE ended_at IS NOT NULL;

CREATE INDEX consents_active_expires_at ON consents (status, expires_at);
CREATE INDEX consents_subject_hash ON consents (subject_hash);

-- What happened to a consent, append-only: no national ID, no data.
CREATE TABLE consent_events (
    id           BIGSERIAL PRIMARY KEY,
    user_data_id TEXT NOT NULL REFERENCES consents (user_data_id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    detail       TEXT,
    at           BIGINT NOT NULL
);
CREATE INDEX consent_events_user_data_id ON consent_events (user_data_id, at);
CREATE INDEX consent_events_at ON consent_events (at);
