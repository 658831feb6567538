-- Data collection (issue 14). A collection is one consent's gathering of
-- data (its ID is the request_id sources see); it has one job per source
-- it asks. A job row lives until that source's part ends; a worker takes
-- it by a lease (lease_until, leased_by) that another worker may take over
-- once it runs out. Collected data is kept sealed, one row per scope.
CREATE TABLE collections (
    id                 TEXT PRIMARY KEY,
    user_data_id       TEXT NOT NULL,
    client_id          TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    tax_entities       TEXT NOT NULL,
    national_id_sealed TEXT,
    status             TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    finished_at        BIGINT
);
CREATE INDEX collections_user_data_id ON collections (user_data_id);

CREATE TABLE collection_jobs (
    id            TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    run_after     BIGINT NOT NULL,
    lease_until   BIGINT,
    leased_by     TEXT,
    UNIQUE (collection_id, source_id)
);
CREATE INDEX collection_jobs_due ON collection_jobs (source_id, run_after);

CREATE TABLE collected_data (
    collection_id TEXT NOT NULL,
    user_data_id  TEXT NOT NULL,
    scope         TEXT NOT NULL,
    body_sealed   TEXT NOT NULL,
    collected_at  BIGINT NOT NULL,
    PRIMARY KEY (collection_id, scope)
);
CREATE INDEX collected_data_user_data_id ON collected_data (user_data_id);
CREATE INDEX collected_data_collected_at ON collected_data (collected_at);

-- Webhooks: a client's URL and its signing secret (sealed under the
-- server key: it must be read back to sign), and the outbox. An event row
-- is written in the same transaction as what it reports, and lives until
-- a delivery is answered 2xx or its retries (24 hours) are over.
ALTER TABLE clients ADD COLUMN webhook_url TEXT;
ALTER TABLE clients ADD COLUMN webhook_secret_sealed TEXT;

CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    body        TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    run_after   BIGINT NOT NULL,
    lease_until BIGINT,
    leased_by   TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhook_events_run_after ON webhook_events (run_after);
