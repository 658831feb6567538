-- One-time upgrade steps, recorded when done so that they run once: the
-- first start of this version wraps client secret hashes stored in an
-- older form and re-seals values sealed before values were bound to their
-- row; from then on those older forms open or authenticate nothing.
CREATE TABLE maintenance (
    name    TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);
