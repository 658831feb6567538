//! The grammars a theming value must match, and how a value that matched
//! is written again. Nothing of the input text is copied into the output
//! except font names made of letters, digits, spaces and `-_.`.

/// An opaque colour, channels 0–255.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rgb(pub f64, pub f64, pub f64);

impl Rgb {
    /// `#rrggbb`.
    pub(super) fn css(self) -> String {
        let c = |v: f64| v.round().clamp(0.0, 255.0) as u8;
        format!("#{:02x}{:02x}{:02x}", c(self.0), c(self.1), c(self.2))
    }

    /// Relative luminance (WCAG 2.x).
    pub(super) fn luminance(self) -> f64 {
        let lin = |v: f64| {
            let c = v.round().clamp(0.0, 255.0) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// The WCAG contrast ratio of two colours, 1 to 21.
    pub(super) fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// The longest value looked at, in bytes.
const MAX_VALUE_BYTES: usize = 256;

/// What no value may hold, whatever its grammar says (lowercase).
const FORBIDDEN: &[&str] = &[
    "\\",
    ";",
    "{",
    "}",
    "<",
    ">",
    "@",
    "!",
    "&",
    "/*",
    "*/",
    "url(",
    "image(",
    "image-set(",
    "var(",
    "env(",
    "attr(",
    "expression",
    "javascript:",
];

/// The value, trimmed, if it is short, printable and holds nothing from
/// [`FORBIDDEN`].
fn screened(raw: &str) -> Option<&str> {
    let v = raw.trim();
    if v.is_empty() || v.len() > MAX_VALUE_BYTES || v.chars().any(|c| c.is_control()) {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    if FORBIDDEN.iter().any(|f| lower.contains(f)) {
        return None;
    }
    Some(v)
}

/// A number without sign or exponent: `12`, `0.5`, `.5`.
fn number(s: &str) -> Option<f64> {
    let ok = !s.is_empty()
        && s.len() <= 12
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|&b| b == b'.').count() <= 1
        && s.bytes().any(|b| b.is_ascii_digit())
        && !s.ends_with('.');
    if !ok {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `#rgb`, `#rrggbb`, `rgb(r g b)` / `rgb(r, g, b)` (numbers 0–255 or
/// percentages), `hsl(h s% l%)` / `hsl(h, s%, l%)`. No alpha: a translucent
/// colour's contrast depends on what is behind it.
pub(super) fn color(raw: &str) -> Option<Rgb> {
    let v = screened(raw)?.to_ascii_lowercase();
    if let Some(hex) = v.strip_prefix('#') {
        return hex_color(hex);
    }
    let (name, args) = v.split_once('(')?;
    let args = args.strip_suffix(')')?;
    if args.contains(['(', ')', '/']) {
        return None;
    }
    let parts: Vec<&str> = if args.contains(',') {
        args.split(',').map(str::trim).collect()
    } else {
        args.split_ascii_whitespace().collect()
    };
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    match name.trim_end() {
        "rgb" => Some(Rgb(channel(a)?, channel(b)?, channel(c)?)),
        "hsl" => Some(hsl(hue(a)?, percent(b)?, percent(c)?)),
        _ => None,
    }
}

fn hex_color(hex: &str) -> Option<Rgb> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
    let pair = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    match hex.len() {
        3 => Some(Rgb(
            f64::from(digit(0)? * 17),
            f64::from(digit(1)? * 17),
            f64::from(digit(2)? * 17),
        )),
        6 => Some(Rgb(
            f64::from(pair(0)?),
            f64::from(pair(2)?),
            f64::from(pair(4)?),
        )),
        _ => None,
    }
}

/// An rgb() channel: 0–255, or 0%–100%.
fn channel(s: &str) -> Option<f64> {
    match s.strip_suffix('%') {
        Some(p) => number(p).filter(|n| *n <= 100.0).map(|n| n * 255.0 / 100.0),
        None => number(s).filter(|n| *n <= 255.0),
    }
}

fn percent(s: &str) -> Option<f64> {
    number(s.strip_suffix('%')?).filter(|n| *n <= 100.0)
}

/// A hue in degrees, `deg` optional, 0–360.
fn hue(s: &str) -> Option<f64> {
    number(s.strip_suffix("deg").unwrap_or(s)).filter(|n| *n <= 360.0)
}

/// HSL (degrees, percentages) to RGB (CSS Color 4 §7.1).
fn hsl(h: f64, s: f64, l: f64) -> Rgb {
    let (s, l) = (s / 100.0, l / 100.0);
    let f = |n: f64| {
        let k = (n + h / 30.0) % 12.0;
        let a = s * l.min(1.0 - l);
        255.0 * (l - a * (k - 3.0).min(9.0 - k).clamp(-1.0, 1.0))
    };
    Rgb(f(0.0), f(8.0), f(4.0))
}

/// A length for corners: `0`, or a number with `px` (at most 64), `rem` or
/// `em` (at most 4) or `%` (at most 50). Written again as number and unit.
pub(super) fn length(raw: &str) -> Option<String> {
    let v = screened(raw)?.to_ascii_lowercase();
    if v == "0" {
        return Some("0".into());
    }
    for (unit, max) in [("px", 64.0), ("rem", 4.0), ("em", 4.0), ("%", 50.0)] {
        if let Some(n) = v.strip_suffix(unit) {
            // `rem` also ends in `em`: a number before `em` has no `r`.
            let n = number(n).filter(|n| *n <= max)?;
            return Some(format!("{n}{unit}"));
        }
    }
    None
}

/// Keywords that mean something other than a font where a family is read.
const NOT_FAMILIES: &[&str] = &[
    "inherit",
    "initial",
    "unset",
    "revert",
    "revert-layer",
    "default",
];

/// A list of font families: quoted names (`"Acme Sans"`) or names made of
/// identifiers (`Acme Sans`, `system-ui`, `-apple-system`), comma
/// separated, at most 8. Written again with `"` quotes and single spaces.
pub(super) fn font(raw: &str) -> Option<String> {
    let v = screened(raw)?;
    let families: Vec<&str> = v.split(',').map(str::trim).collect();
    if families.len() > 8 {
        return None;
    }
    let written = families
        .into_iter()
        .map(family)
        .collect::<Option<Vec<_>>>()?;
    Some(written.join(", "))
}

fn family(s: &str) -> Option<String> {
    let name_char = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.');
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            let inner = inner.trim();
            let ok =
                !inner.is_empty() && inner.chars().count() <= 64 && inner.chars().all(name_char);
            return ok.then(|| format!("\"{inner}\""));
        }
    }
    let idents: Vec<&str> = s.split_ascii_whitespace().collect();
    if idents.is_empty() || idents.len() > 6 {
        return None;
    }
    for id in &idents {
        if !ident(id) || NOT_FAMILIES.iter().any(|k| id.eq_ignore_ascii_case(k)) {
            return None;
        }
    }
    Some(idents.join(" "))
}

/// A CSS identifier without escapes: letters, digits, `-`, `_`; not starting
/// with a digit, `--` or `-` and a digit.
fn ident(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let first_ok = body
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    first_ok
        && s.chars().count() <= 64
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(v: &str) -> Option<String> {
        color(v).map(Rgb::css)
    }

    #[test]
    fn colours_in_the_accepted_forms() {
        assert_eq!(hex("#0B5CAB").as_deref(), Some("#0b5cab"));
        assert_eq!(hex("#fff").as_deref(), Some("#ffffff"));
        assert_eq!(hex("rgb(120, 20, 90)").as_deref(), Some("#78145a"));
        assert_eq!(hex("rgb(120 20 90)").as_deref(), Some("#78145a"));
        assert_eq!(hex("RGB(100%, 0%, 50%)").as_deref(), Some("#ff0080"));
        assert_eq!(hex("hsl(0, 100%, 50%)").as_deref(), Some("#ff0000"));
        assert_eq!(hex("hsl(120deg 100% 25%)").as_deref(), Some("#008000"));
        assert_eq!(hex("hsl(240, 100%, 50%)").as_deref(), Some("#0000ff"));
    }

    #[test]
    fn colours_refused() {
        for v in [
            "red",
            "transparent",
            "currentcolor",
            "#0000",
            "#00000000",
            "#12345",
            "#ggg",
            "rgba(0, 0, 0, 0)",
            "rgb(0 0 0 / 0)",
            "rgb(0, 0, 0, 0.1)",
            "rgb(256, 0, 0)",
            "rgb(-1, 0, 0)",
            "rgb(1e2, 0, 0)",
            "rgb(calc(1), 0, 0)",
            "rgb(0,0,0) #fff",
            "hsl(0, 0, 0)",
            "var(--cl-surface)",
            "#000;display:none",
            "#000}",
            "#0\\30 0",
            "#000 !important",
            "url(https://evil.example/x)",
            "expression(alert(1))",
            "",
        ] {
            assert_eq!(color(v), None, "{v}");
        }
    }

    #[test]
    fn lengths() {
        assert_eq!(length("2px").as_deref(), Some("2px"));
        assert_eq!(length("0.5rem").as_deref(), Some("0.5rem"));
        assert_eq!(length(".25em").as_deref(), Some("0.25em"));
        assert_eq!(length("10%").as_deref(), Some("10%"));
        assert_eq!(length("0").as_deref(), Some("0"));
        for v in [
            "-2px",
            "2",
            "2pt",
            "1e3px",
            "9999px",
            "calc(2px)",
            "2px 4px",
            "var(--x)",
            "2px;",
            "px",
            "5rem",
            ".px",
        ] {
            assert_eq!(length(v), None, "{v}");
        }
    }

    #[test]
    fn fonts() {
        assert_eq!(
            font("\"Acme Sans\", system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif")
                .as_deref(),
            Some("\"Acme Sans\", system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif")
        );
        assert_eq!(font("Acme  Sans").as_deref(), Some("Acme Sans"));
        assert_eq!(font("\"Blåbær\"").as_deref(), Some("\"Blåbær\""));
        for v in [
            "url(x)",
            "\"a\\\"b\"",
            "\"a;b\"",
            "\"a\" b",
            "\"a\"\"b\"",
            "\"<b>\"",
            "inherit",
            "INITIAL",
            "1font",
            "--x",
            "-1x",
            "a,,b",
            "\"\"",
            "a, b, c, d, e, f, g, h, i",
            "\"a\nb\"",
            "x\u{202e}y",
            "var(--cl-font)",
        ] {
            assert_eq!(font(v), None, "{v:?}");
        }
    }

    #[test]
    fn contrast_ratios_match_wcag() {
        let black = Rgb(0.0, 0.0, 0.0);
        let white = Rgb(255.0, 255.0, 255.0);
        assert!((black.contrast(white) - 21.0).abs() < 0.01);
        assert!((white.contrast(white) - 1.0).abs() < 0.01);
        // #767676 on white is the classic 4.54:1.
        let grey = Rgb(118.0, 118.0, 118.0);
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
    }
}
