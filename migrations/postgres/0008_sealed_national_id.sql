-- Data collection (issue 14): from a sign-in at a provider until the
-- session ends, the national identity number is kept sealed on the link
-- session, so that consenting can hand it to the collection; cleared
-- when the session completes or fails.
ALTER TABLE link_sessions ADD COLUMN national_id_sealed TEXT;
