-- Sign-in at configured OpenID Connect providers (issue 5).

-- At step 'failed': the RFC 6749 error code the session page delivers.
ALTER TABLE link_sessions ADD COLUMN error TEXT;

-- One sign-in at a provider, keyed by the hash of the `state` sent there;
-- single use (used_at), bound to one link session and to the browser that
-- started it (browser_hash: the hash of a cookie's secret).
CREATE TABLE upstream_auth (
    state_hash     TEXT PRIMARY KEY,
    session_hash   TEXT NOT NULL,
    session_masked TEXT NOT NULL,
    method         TEXT NOT NULL,
    browser_hash   TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX upstream_auth_expires_at ON upstream_auth (expires_at);
