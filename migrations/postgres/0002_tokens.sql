-- API tokens, stored only as hashes. A client token has no user_data_id
-- and reads any of its client's users; a token from a code exchange reads
-- only its user, and is revoked if that code is ever presented again.
CREATE TABLE access_tokens (
    token_hash   TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    user_data_id TEXT,
    scopes       TEXT,
    code_hash    TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX access_tokens_code_hash ON access_tokens (code_hash);
CREATE INDEX access_tokens_user_data_id ON access_tokens (user_data_id);
