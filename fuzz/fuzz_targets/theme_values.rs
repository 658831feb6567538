//! The value grammars of the theming properties (colours, a length,
//! fonts), each fed the input as a declaration's value. What passes is
//! written again by us; it must still be a value that passes.
#![no_main]

use consent_link::theme::{sanitize, Prop};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    for prop in [Prop::Primary, Prop::Radius, Prop::Font] {
        let theme = sanitize(&format!(":root {{ {}: {value} }}", prop.name()));
        let css = theme.css();
        if theme.is_empty() {
            continue;
        }
        let again = sanitize(&css);
        assert_eq!(again.props(), theme.props(), "{css}");
        assert_eq!(again.css(), css);
    }
});
