//! A styles sheet from an integrator's `styles_uri`: the scanner and the
//! value grammars must never panic, and what they let through must not
//! be able to leave the one `:root` rule written afresh.
#![no_main]

use consent_link::theme::sanitize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sheet) = std::str::from_utf8(data) else {
        return;
    };
    let theme = sanitize(sheet);
    let css = theme.css();
    if theme.is_empty() {
        assert!(css.is_empty());
        return;
    }
    assert!(
        css.starts_with(":root {\n") && css.ends_with("}\n"),
        "{css}"
    );
    assert_eq!(css.matches('{').count(), 1, "{css}");
    assert_eq!(css.matches('}').count(), 1, "{css}");
    let lower = css.to_ascii_lowercase();
    for bad in ["<", "@", "\\", "url(", "/*", "!"] {
        assert!(!lower.contains(bad), "{bad} in {css}");
    }
    assert_eq!(css.lines().count(), theme.props().len() + 2, "{css}");
});
