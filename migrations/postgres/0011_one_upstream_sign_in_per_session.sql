-- One live sign-in at a provider per link session: starting another
-- replaces it (its state then no longer works), so repeated starts cannot
-- pile up rows. Older duplicates go first; the newest of each session stays.
DELETE FROM upstream_auth
WHERE EXISTS (
    SELECT 1 FROM upstream_auth AS newer
    WHERE newer.session_hash = upstream_auth.session_hash
      AND (newer.created_at > upstream_auth.created_at
           OR (newer.created_at = upstream_auth.created_at
               AND newer.state_hash > upstream_auth.state_hash))
);
CREATE UNIQUE INDEX upstream_auth_session_hash ON upstream_auth (session_hash);
