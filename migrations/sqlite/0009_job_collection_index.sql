-- Finishing a job counts its collection's other jobs, and a new consent,
-- a withdrawal or a client's deletion deletes a collection's jobs: both by
-- collection_id, which had no index.
CREATE INDEX collection_jobs_collection_id ON collection_jobs (collection_id);
