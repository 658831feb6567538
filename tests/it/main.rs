//! The integration suite: the real router against a real database. SQLite
//! (a fresh file per test) by default; PostgreSQL when `TEST_DATABASE_URL`
//! is set (`.ci/run` creates and drops that database).

mod support;

mod api;
mod authorize;
mod cli;
mod collect;
mod consents;
mod contract;
mod demo;
mod faults;
mod fixation;
mod flow;
mod headers;
mod introspect;
mod job_metrics;
mod jobs_contract;
mod limits;
mod logs;
mod oauth2_client;
mod receipts;
mod rules;
mod scopes;
mod secrets;
mod security_md;
mod serve;
mod store_contract;
mod test_mode;
mod test_source;
mod theme;
mod tokens;
mod unserved_scopes;
mod upstream;
mod webhooks;
