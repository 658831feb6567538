// `sqlx::migrate!` embeds migrations/ at compile time: rebuild when a
// migration is added or changed, or a build would silently run old ones.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
