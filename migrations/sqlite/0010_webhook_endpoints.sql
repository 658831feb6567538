-- A webhook endpoint's circuit breaker, one row per client whose deliveries
-- are failing: how many failed in a row and, once that reaches the
-- deliverer's threshold, until when its events are not taken. A 2xx
-- answer deletes the row.
CREATE TABLE webhook_endpoints (
    client_id    TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    paused_until BIGINT
);

-- Taking an event counts the events of its client under a lease.
CREATE INDEX webhook_events_client_id ON webhook_events (client_id);
