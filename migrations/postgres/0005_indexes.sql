-- Indexes for the periodic purge (expires_at) and for withdrawing a
-- consent (the codes of a user), which scanned whole tables (issue 12).
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_user_data_id ON authorization_codes (user_data_id);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);
