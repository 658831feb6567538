-- Integrators registered with this deployment. Lists are JSON text.
CREATE TABLE clients (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    secret_hash    TEXT,
    callback_uris  TEXT NOT NULL,
    allowed_scopes TEXT NOT NULL,
    styles_origins TEXT NOT NULL,
    test_allowed   BOOLEAN NOT NULL,
    confidential   BOOLEAN NOT NULL,
    created_at     BIGINT NOT NULL
);

-- Server-wide values shared by every instance (e.g. the subject hash key).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One end user's way through Link. Keyed by the hash of its ID; the ID
-- itself lives only in the end user's URL.
CREATE TABLE link_sessions (
    id_hash        TEXT PRIMARY KEY,
    csrf_hash      TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_name    TEXT NOT NULL,
    entry          TEXT NOT NULL,
    callback_uri   TEXT NOT NULL,
    callback_given BOOLEAN NOT NULL,
    iframe         BOOLEAN NOT NULL,
    state          TEXT,
    scopes         TEXT NOT NULL,
    locale         TEXT NOT NULL,
    test           BOOLEAN NOT NULL,
    styles_uri     TEXT,
    code_challenge TEXT,
    step           TEXT NOT NULL,
    method         TEXT,
    subject_hash   TEXT,
    test_person    TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX link_sessions_expires_at ON link_sessions (expires_at);

-- One person's consent to one client: the pairwise user ID.
CREATE TABLE consents (
    user_data_id TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    test_person  TEXT,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    withdrawn_at BIGINT,
    UNIQUE (client_id, subject_hash)
);

-- Authorization codes of the OAuth2 entry, stored only as hashes.
CREATE TABLE authorization_codes (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    redirect_given BOOLEAN NOT NULL,
    code_challenge TEXT,
    user_data_id   TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
