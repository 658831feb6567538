//! The value grammars of the theming properties (colours, a length,
//! fonts), each fed the input as a declaration's value. What passes is
//! written again by us: one declaration that cannot leave its rule, and a
//! colour written as `#rrggbb` that passes again unchanged.
//!
//! A length or font written again need not pass again (`.00000000001px`
//! is written `0.00000000001px`, longer than a number we read; eight
//! families get a space after each comma): harmless, as what we write is
//! served, never read back.
#![no_main]

use consent_link::theme::{sanitize, Prop};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    // One declaration's value: these would end it or its rule.
    if value.contains([';', '{', '}']) {
        return;
    }
    for prop in [Prop::Primary, Prop::Radius, Prop::Font] {
        let theme = sanitize(&format!(":root {{ {}: {value} }}", prop.name()));
        if theme.is_empty() {
            continue;
        }
        let css = theme.css();
        assert_eq!(theme.props(), [prop]);
        assert_eq!(css.lines().count(), 3, "{css}");
        assert_eq!(css.matches(['{', '}', ';']).count(), 3, "{css}");
        let lower = css.to_ascii_lowercase();
        for bad in ["<", "@", "\\", "url(", "/*", "!"] {
            assert!(!lower.contains(bad), "{bad} in {css}");
        }
        if prop == Prop::Primary {
            assert_eq!(sanitize(&css).css(), css);
        }
    }
});
