//! The integration suite: the real router against a real database. SQLite
//! (a fresh file per test) by default; PostgreSQL when `TEST_DATABASE_URL`
//! is set (`.ci/run` creates and drops that database).

mod support;

mod api;
mod authorize;
mod cli;
mod contract;
mod demo;
mod fixation;
mod flow;
mod headers;
mod limits;
mod logs;
mod oauth2_client;
mod scopes;
mod serve;
mod store_contract;
mod test_mode;
mod theme;
mod tokens;
mod upstream;
