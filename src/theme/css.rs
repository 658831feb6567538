//! A small CSS scanner: the declarations of a sheet's top-level `:root`
//! rules, and nothing else.
//!
//! It is not a CSS parser and need not agree with a browser on every odd
//! input: nothing of the sheet reaches a browser. What it returns is only a
//! list of `(name, raw value)` candidates that [`super::value`] then checks
//! against a strict grammar, and the stylesheet served is written afresh
//! from the values that pass. The scanner's duties are to be linear, never
//! to panic, and to keep strings, comments and escapes from hiding a `{`,
//! `}` or `;` (so that a declaration cannot swallow the rule after it).

/// The largest sheet read, in bytes.
pub const MAX_SHEET_BYTES: usize = 64 * 1024;

/// The `(name, raw value)` pairs of every top-level `:root { … }` rule, in
/// order. A declaration that holds a nested block, or a sheet over
/// [`MAX_SHEET_BYTES`], gives nothing.
pub(super) fn root_declarations(sheet: &str) -> Vec<(String, String)> {
    let s = sheet.as_bytes();
    if s.len() > MAX_SHEET_BYTES {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The current rule's prelude (selector or at-rule), comments left out.
    let mut prelude: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        i = match s[i] {
            b'{' => {
                let (inner_end, next) = skip_block(s, i + 1);
                if prelude.trim_ascii() == b":root" {
                    declarations(&s[i + 1..inner_end], &mut out);
                }
                prelude.clear();
                next
            }
            // The end of a statement (`@import …;`), or a stray `}`.
            b';' | b'}' => {
                prelude.clear();
                i + 1
            }
            _ => prelude_piece(s, i, &mut prelude),
        };
    }
    out
}

/// Adds the piece of a rule's prelude that starts at `i` (`i < s.len()`)
/// to `prelude`: a comment as a space, a string or an escape whole, else
/// one byte. Returns where the next piece starts.
fn prelude_piece(s: &[u8], i: usize, prelude: &mut Vec<u8>) -> usize {
    match s[i] {
        b'/' if s.get(i + 1) == Some(&b'*') => {
            prelude.push(b' ');
            skip_comment(s, i)
        }
        b'"' | b'\'' => {
            let end = skip_string(s, i);
            prelude.extend_from_slice(&s[i..end]);
            end
        }
        b'\\' => {
            let end = (i + 2).min(s.len());
            prelude.extend_from_slice(&s[i..end]);
            end
        }
        b => {
            prelude.push(b);
            i + 1
        }
    }
}

/// Splits a block's content at its top-level `;` and keeps each
/// `name: value` that holds no nested block.
fn declarations(block: &[u8], out: &mut Vec<(String, String)>) {
    let mut start = 0;
    let mut nested = false;
    let mut i = 0;
    while i <= block.len() {
        let Some(&b) = block.get(i) else {
            declaration(&block[start..], nested, out);
            break;
        };
        match b {
            b'/' if block.get(i + 1) == Some(&b'*') => i = skip_comment(block, i),
            b'"' | b'\'' => i = skip_string(block, i),
            b'\\' => i = (i + 2).min(block.len()),
            b'{' => {
                nested = true;
                i = skip_block(block, i + 1).1;
            }
            b';' => {
                declaration(&block[start..i], nested, out);
                nested = false;
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
}

fn declaration(raw: &[u8], nested: bool, out: &mut Vec<(String, String)>) {
    if nested {
        return;
    }
    // Comments before the name are allowed; anywhere else the value
    // checks refuse them.
    let mut i = 0;
    loop {
        while raw.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if raw.get(i) == Some(&b'/') && raw.get(i + 1) == Some(&b'*') {
            i = skip_comment(raw, i);
        } else {
            break;
        }
    }
    let rest = &raw[i.min(raw.len())..];
    let Some(colon) = rest.iter().position(|&b| b == b':') else {
        return;
    };
    let (Ok(name), Ok(value)) = (
        std::str::from_utf8(rest[..colon].trim_ascii()),
        std::str::from_utf8(rest[colon + 1..].trim_ascii()),
    ) else {
        return;
    };
    out.push((name.to_owned(), value.to_owned()));
}

/// From the `/` of `/*`, the index after the closing `*/` (or the end).
fn skip_comment(s: &[u8], at: usize) -> usize {
    let mut i = at + 2;
    while i + 1 < s.len() {
        if s[i] == b'*' && s[i + 1] == b'/' {
            return i + 2;
        }
        i += 1;
    }
    s.len()
}

/// From an opening quote, the index after the string: its closing quote, a
/// newline (CSS ends a bad string there) or the end. `\` escapes one byte.
fn skip_string(s: &[u8], at: usize) -> usize {
    let quote = s[at];
    let mut i = at + 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// From just after a `{`: the index of its matching `}` (or the end) and
/// the index after it. Nested blocks, strings, comments and escapes are
/// stepped over.
fn skip_block(s: &[u8], from: usize) -> (usize, usize) {
    let mut depth = 1usize;
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'/' if s.get(i + 1) == Some(&b'*') => i = skip_comment(s, i),
            b'"' | b'\'' => i = skip_string(s, i),
            b'\\' => i += 2,
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return (i, i + 1);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    (s.len(), s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(sheet: &str) -> Vec<(String, String)> {
        root_declarations(sheet)
    }

    fn pair(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    #[test]
    fn reads_root_rules_only() {
        let sheet =
            "/* Acme */\n:root {\n  /* brand */\n  --cl-primary: #123456;\n  --cl-radius:2px\n}\n\
                     .scopes { display: none }\nhtml { --cl-text: #000 }\n:root{--cl-text:#111}";
        assert_eq!(
            decls(sheet),
            vec![
                pair("--cl-primary", "#123456"),
                pair("--cl-radius", "2px"),
                pair("--cl-text", "#111"),
            ]
        );
    }

    #[test]
    fn at_rules_and_nested_rules_are_skipped() {
        let sheet = "@import url(https://evil.example/x.css);\n\
                     @media print { :root { --cl-text: #000 } }\n\
                     @supports (x: y) { :root { --cl-text: #000 } }\n\
                     :root { --cl-primary: #123456 }";
        assert_eq!(decls(sheet), vec![pair("--cl-primary", "#123456")]);
    }

    #[test]
    fn strings_comments_and_escapes_do_not_end_a_rule() {
        // A `}` in a string or comment does not close the :root rule, so
        // what follows stays inside it (as one declaration, later refused).
        let d = decls(":root { --cl-font: \"a}\" ; } .scopes { display: none }");
        assert_eq!(d, vec![pair("--cl-font", "\"a}\"")]);
        let d = decls(":root { --cl-text: #000 /* } .scopes { display:none } */ }");
        assert_eq!(d.len(), 1);
        assert!(d[0].1.contains("/*"), "the value keeps its comment: {d:?}");
        let d = decls(":root { --cl-text: \\} .scopes { display: none } }");
        assert!(d.is_empty(), "{d:?}");
        // A commented-out or escaped selector is not `:root`.
        assert!(decls("/* :root { */ .x { --cl-text: #000 }").is_empty());
        assert!(decls("\\3a root { --cl-text: #000 }").is_empty());
        assert!(decls(":root, .scopes { --cl-text: #000 }").is_empty());
    }

    #[test]
    fn a_declaration_with_a_nested_block_is_dropped() {
        let d = decls(":root { --cl-text: #000; .scopes { display: none } --cl-primary: #123456; --cl-radius: 2px }");
        assert_eq!(
            d,
            vec![pair("--cl-text", "#000"), pair("--cl-radius", "2px")]
        );
    }

    #[test]
    fn a_stray_closing_brace_ends_nothing_it_should_not() {
        let d =
            decls(":root { --cl-text: #000 } } .scopes { display: none } :root { --cl-radius: 1px");
        assert_eq!(
            d,
            vec![pair("--cl-text", "#000"), pair("--cl-radius", "1px")]
        );
    }

    #[test]
    fn unterminated_input_and_huge_input_are_safe() {
        for s in [
            ":root {",
            ":root { --cl-text: \"",
            ":root { /*",
            ":root { \\",
            "\"",
            "/*",
            "{{{{{{{{",
            "}}}}}}}}",
            ":root { --cl-text",
        ] {
            let _ = decls(s);
        }
        let deep = "{".repeat(MAX_SHEET_BYTES);
        assert!(decls(&deep).is_empty());
        let over = format!(":root {{ --cl-text: #000 }}{}", " ".repeat(MAX_SHEET_BYTES));
        assert!(
            decls(&over).is_empty(),
            "a sheet over the limit gives nothing"
        );
    }

    #[test]
    fn non_ascii_text_does_not_confuse_the_scanner() {
        let d = decls("ø { x: y } :root { --cl-font: \"Blåbær Sans\" }");
        assert_eq!(d, vec![pair("--cl-font", "\"Blåbær Sans\"")]);
    }
}
