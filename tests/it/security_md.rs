//! SECURITY.md names, for every rule, the tests that prove it. This keeps
//! it true: every test it names exists. A name is read as the file gives
//! it, `tests/it/<file>.rs::<test>`, `src/<file>.rs::tests::<test>` (or a
//! bare file, `src/<dir>/tests.rs`), or a browser suite title in quotes
//! after "in a browser:". A test is found as `fn <test>` in its file or
//! in that file's submodule files (`tests/it/<file>/*.rs`,
//! `src/<file>/tests.rs`, …); every module between the file and the test
//! must be declared (`mod tests`). Every missing name is reported at once.
//! `.ci/run` runs this first, with the lints.

use std::path::{Path, PathBuf};

/// Where the browser suite's titles are.
const BROWSER_SUITE: &str = "tests/browser/suite.test.mjs";

#[test]
fn every_test_security_md_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let refs = code_references(&text);
    assert!(refs.len() > 100, "SECURITY.md names tests: {}", refs.len());
    assert!(!browser_titles(&text).is_empty(), "and browser titles");
    let missing = missing_names(root, &text);
    assert!(
        missing.is_empty(),
        "SECURITY.md names {} test(s) that do not exist:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

/// The checker finds what is missing, each name once, and passes what
/// exists: a wrong name, a wrong file, a module not declared, a browser
/// title not in the suite.
#[test]
fn the_check_reports_every_missing_name_and_passes_existing_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = "- A rule — `tests/it/security_md.rs::every_test_security_md_names_exists`, \
        `tests/it/upstream.rs::the_upstream_state_is_stored_only_as_a_hash`, \
        `src/time.rs::tests::a_clock_before_1970_fails_closed`, `src/collect/shape/tests.rs`; \
        in a browser: \"an error page is accessible too\".\n\
        - Another — `tests/it/api.rs::no_such_test`, `tests/it/nowhere.rs::x`, \
        `src/time.rs::nothing::a_clock_before_1970_fails_closed`, \
        `tests/it/api.rs::every_test_security_md_names_exists`, `tests/it/api.rs::no_such_test`; \
        in a browser: \"no such title\" and \"fixation: a stranger's link signed in with x cannot be finished by the stranger\".\n";
    assert_eq!(
        missing_names(root, text),
        [
            "tests/it/api.rs::no_such_test",
            "tests/it/nowhere.rs::x",
            "src/time.rs::nothing::a_clock_before_1970_fails_closed",
            "tests/it/api.rs::every_test_security_md_names_exists",
            "browser suite: \"no such title\"",
        ]
    );
}

/// Every name in `text` that does not exist under `root`, in order, once.
fn missing_names(root: &Path, text: &str) -> Vec<String> {
    let suite = std::fs::read_to_string(root.join(BROWSER_SUITE)).unwrap_or_default();
    let titles = suite_titles(&suite);
    let mut missing: Vec<String> = Vec::new();
    let code = code_references(text)
        .into_iter()
        .filter(|r| !exists(root, r))
        .map(str::to_owned);
    let browser = browser_titles(text)
        .into_iter()
        .filter(|t| !titles.iter().any(|pattern| matches_title(pattern, t)))
        .map(|t| format!("browser suite: \"{t}\""));
    for name in code.chain(browser) {
        if !missing.contains(&name) {
            missing.push(name);
        }
    }
    missing
}

/// The backquoted names of Rust test files or tests: `tests/…rs::…`,
/// `src/…rs::…`, or a file alone.
fn code_references(text: &str) -> Vec<&str> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| {
            (span.starts_with("tests/") || span.starts_with("src/"))
                && span.split("::").next().is_some_and(|f| f.ends_with(".rs"))
                && span
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_/.:-".contains(c))
        })
        .collect()
}

/// Whether `reference` (`path.rs`, `path.rs::name`, `path.rs::mods::name`)
/// exists under `root`.
fn exists(root: &Path, reference: &str) -> bool {
    let mut parts = reference.split("::");
    let file = root.join(parts.next().unwrap_or_default());
    let path: Vec<&str> = parts.collect();
    let Some((name, modules)) = path.split_last() else {
        return file.is_file();
    };
    let sources: Vec<String> = module_files(&file)
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let declares = |what: &str| sources.iter().any(|s| declares(s, what));
    file.is_file()
        && modules.iter().all(|m| declares(&format!("mod {m}")))
        && declares(&format!("fn {name}"))
}

/// Whether `source` has `what` (`fn name`, `mod tests`) followed by
/// something that ends a name.
fn declares(source: &str, what: &str) -> bool {
    source.match_indices(what).any(|(at, _)| {
        let before = source[..at].chars().next_back();
        let after = source[at + what.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && after.is_some_and(|c| "(<; {".contains(c))
    })
}

/// A Rust file and the files of its submodules: `x.rs` and everything
/// under `x/` (for `mod.rs`, `main.rs`, `lib.rs`: under its directory).
fn module_files(file: &Path) -> Vec<PathBuf> {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let dir = match stem {
        "mod" | "main" | "lib" => file.parent().map(Path::to_path_buf),
        _ => Some(file.with_extension("")),
    };
    let mut files = vec![file.to_path_buf()];
    let mut dirs: Vec<PathBuf> = dir.into_iter().collect();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && path != file {
                files.push(path);
            }
        }
    }
    files
}

/// The titles named after "in a browser:", each in double quotes, up to
/// the next backquoted name or the end of the line.
fn browser_titles(text: &str) -> Vec<&str> {
    let mut titles = Vec::new();
    for line in text.lines() {
        for (at, marker) in line.match_indices("in a browser:") {
            let rest = &line[at + marker.len()..];
            let rest = rest.split('`').next().unwrap_or_default();
            titles.extend(rest.split('"').skip(1).step_by(2));
        }
    }
    titles
}

/// The suite's test titles: `test("…"` and ``test(`…` `` (a template's
/// `${…}` matches anything).
fn suite_titles(suite: &str) -> Vec<&str> {
    let mut titles = Vec::new();
    for (at, _) in suite.match_indices("test(") {
        let rest = &suite[at + "test(".len()..];
        let Some(quote) = rest.chars().next().filter(|c| "\"'`".contains(*c)) else {
            continue;
        };
        if let Some(title) = rest[1..].split(quote).next() {
            titles.push(title);
        }
    }
    titles
}

/// Whether `title` is one `pattern` gives, a `${…}` standing for any text.
fn matches_title(pattern: &str, title: &str) -> bool {
    let mut literal: Vec<&str> = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        literal.push(&rest[..start]);
        rest = rest[start..]
            .find('}')
            .map_or("", |end| &rest[start + end + 1..]);
    }
    literal.push(rest);
    let (first, last) = (literal[0], literal[literal.len() - 1]);
    if literal.len() == 1 {
        return title == first;
    }
    if title.len() < first.len() + last.len() || !title.starts_with(first) || !title.ends_with(last)
    {
        return false;
    }
    let mut middle = &title[first.len()..title.len() - last.len()];
    for part in &literal[1..literal.len() - 1] {
        match middle.find(part) {
            Some(at) => middle = &middle[at + part.len()..],
            None => return false,
        }
    }
    true
}
