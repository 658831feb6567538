-- A webhook take counts the clients with events under a lease once (a
-- range of this index: only the leased rows), then walks the due events
-- in run_after order (webhook_events_run_after).
CREATE INDEX webhook_events_lease_until ON webhook_events (lease_until, client_id);

-- When an endpoint last failed: failures count as in a row only while each
-- follows the one before within the deliverer's window.
ALTER TABLE webhook_endpoints ADD COLUMN last_failure_at BIGINT;
