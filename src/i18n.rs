//! Every user-visible string comes from `locales/<lang>/*.ftl`. Adding a
//! language is adding its folder: the list of languages is read from it.

use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would end up in HTML.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const DEFAULT_LOCALE: &str = "en";

static SUPPORTED: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut langs: Vec<String> = LOCALES.locales().map(|l| l.to_string()).collect();
    langs.sort();
    langs
});

/// The languages this deployment speaks.
pub fn supported() -> Vec<&'static str> {
    SUPPORTED.iter().map(String::as_str).collect()
}

/// The language to speak: the `locale` parameter if supported, then the
/// first supported language of `Accept-Language` (by quality; `no` and `nn`
/// read as `nb`), then English.
pub fn negotiate(param: Option<&str>, accept_language: Option<&str>) -> String {
    let supported = supported();
    if let Some(p) = param.filter(|p| supported.contains(p)) {
        return p.to_owned();
    }
    for requested in fluent_langneg::accepted_languages::parse(accept_language.unwrap_or("")) {
        let lang = match requested.language.as_str() {
            "no" | "nn" => "nb",
            other => other,
        };
        if let Some(found) = supported.iter().find(|s| **s == lang) {
            return (*found).to_owned();
        }
    }
    DEFAULT_LOCALE.to_owned()
}

/// A translator for one language.
#[derive(Clone, Debug)]
pub struct Tr {
    lang: LanguageIdentifier,
    code: String,
}

impl Tr {
    /// `code` should come from [`negotiate`]; anything else falls back to English.
    pub fn new(code: &str) -> Tr {
        let code = if supported().contains(&code) {
            code
        } else {
            DEFAULT_LOCALE
        };
        let lang = code.parse().unwrap_or_else(|_| LOCALES.fallback().clone());
        Tr {
            lang,
            code: code.to_owned(),
        }
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.lang, key)
    }

    /// Whether this language has `key` itself, without falling back to
    /// English. Placeholder values stand in for the messages' arguments,
    /// since a message formatted without its arguments counts as missing.
    pub fn has_own(&self, key: &str) -> bool {
        let args: std::collections::HashMap<&str, FluentValue> = [
            "client",
            "id",
            "method",
            "date",
            "amount",
            "day",
            "month",
            "year",
            "description",
            "number",
        ]
        .into_iter()
        .map(|a| (a, FluentValue::from("x")))
        .collect();
        LOCALES
            .lookup_single_language(&self.lang, key, Some(&args))
            .is_ok()
    }

    pub fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        self.t_args(key, &[(name, value)])
    }

    pub fn t_args(&self, key: &str, args: &[(&'static str, &str)]) -> String {
        self.lookup(
            key,
            args.iter()
                .map(|(name, value)| (*name, FluentValue::from((*value).to_owned()))),
        )
    }

    fn lookup(
        &self,
        key: &str,
        args: impl IntoIterator<Item = (&'static str, FluentValue<'static>)>,
    ) -> String {
        let args: std::collections::HashMap<_, _> = args
            .into_iter()
            .map(|(name, value)| (std::borrow::Cow::Borrowed(name), value))
            .collect();
        LOCALES.lookup_with_args(&self.lang, key, &args)
    }

    /// A calendar date (`YYYY-MM-DD`) as this language writes it, by its
    /// `format-date` message (which also names the months); `None` when
    /// `iso` is not such a date.
    pub fn date(&self, iso: &str) -> Option<String> {
        use chrono::Datelike;
        let date = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()?;
        Some(self.lookup(
            "format-date",
            [
                ("day", FluentValue::from(date.day().to_string())),
                // A number, so that the message can select the month's name.
                ("month", FluentValue::from(date.month())),
                ("year", FluentValue::from(date.year().to_string())),
            ],
        ))
    }

    /// An amount of Norwegian kroner as this language writes it: digits
    /// grouped by `format-group`, øre (only when there are any) after
    /// `format-decimal`, and the currency placed by `format-amount-nok`.
    pub fn amount_nok(&self, kroner: f64) -> String {
        let cents = (kroner.abs() * 100.0).round();
        // Beyond 2^53 øre an f64 holds no exact amount anyway.
        let cents = if cents.is_finite() && cents < 9.0e15 {
            cents as u64
        } else {
            0
        };
        let mut number = group_digits(cents / 100, &self.t("format-group"));
        if cents % 100 != 0 {
            number = format!("{number}{}{:02}", self.t("format-decimal"), cents % 100);
        }
        if kroner < 0.0 && cents != 0 {
            number = format!("\u{2212}{number}");
        }
        self.t1("format-amount-nok", "amount", &number)
    }
}

/// `n` with `separator` between each group of three digits.
fn group_digits(n: u64, separator: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_order() {
        assert_eq!(negotiate(Some("nb"), Some("en")), "nb");
        assert_eq!(negotiate(Some("fr"), Some("nb-NO,en;q=0.5")), "nb");
        assert_eq!(negotiate(None, Some("no")), "nb");
        assert_eq!(negotiate(None, Some("de, en;q=0.1")), "en");
        assert_eq!(negotiate(None, None), "en");
    }

    #[test]
    fn swedish_and_danish_negotiate_by_primary_subtag() {
        assert_eq!(negotiate(None, Some("sv-SE,sv;q=0.9")), "sv");
        assert_eq!(negotiate(None, Some("sv-FI")), "sv");
        assert_eq!(negotiate(None, Some("fi-FI, sv-FI;q=0.8, en;q=0.5")), "sv");
        assert_eq!(negotiate(None, Some("da-DK")), "da");
        assert_eq!(negotiate(None, Some("da-DK,da;q=0.9,en;q=0.8")), "da");
        assert_eq!(negotiate(Some("da"), None), "da");
        assert_eq!(negotiate(Some("sv"), Some("nb")), "sv");
        // `no`/`nn` still read as Norwegian Bokmål, not as a Nordic neighbour.
        assert_eq!(negotiate(None, Some("nn-NO, sv;q=0.5")), "nb");
    }

    /// Every key of the English files, read from the files themselves.
    fn english_keys() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en");
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                if let Some((key, _)) = line.split_once(" =") {
                    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !key.is_empty()
                    {
                        keys.push(key.to_owned());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let cases = [
            ("en", "15 July 1985"),
            ("nb", "15. juli 1985"),
            ("sv", "15 juli 1985"),
            ("da", "15. juli 1985"),
        ];
        for (lang, want) in cases {
            assert_eq!(Tr::new(lang).date("1985-07-15").as_deref(), Some(want));
        }
        assert_eq!(
            Tr::new("nb").date("2026-01-03").as_deref(),
            Some("3. januar 2026")
        );
        assert_eq!(
            Tr::new("en").date("2026-12-31").as_deref(),
            Some("31 December 2026")
        );
        assert_eq!(Tr::new("en").date("1985-13-01"), None);
        assert_eq!(Tr::new("en").date("soon"), None);
    }

    #[test]
    fn every_language_names_all_twelve_months() {
        for lang in supported() {
            let tr = Tr::new(lang);
            let names: std::collections::BTreeSet<String> = (1..=12)
                .map(|m| tr.date(&format!("2026-{m:02}-01")).unwrap())
                .collect();
            assert_eq!(names.len(), 12, "{lang}: {names:?}");
        }
    }

    #[test]
    fn amounts_are_written_as_each_language_writes_them() {
        let nbsp = '\u{a0}';
        let cases = [
            ("en", 1234567.5, "NOK 1,234,567.50".to_owned()),
            ("nb", 1234567.5, format!("1{nbsp}234{nbsp}567,50 kr")),
            ("sv", 1234567.5, format!("1{nbsp}234{nbsp}567,50 NOK")),
            ("da", 1234567.5, "1.234.567,50 NOK".to_owned()),
            ("en", 950.0, "NOK 950".to_owned()),
            ("nb", 12345.0, format!("12{nbsp}345 kr")),
            ("nb", -1500.0, format!("\u{2212}1{nbsp}500 kr")),
            ("en", 0.004, "NOK 0".to_owned()),
        ];
        for (lang, amount, want) in cases {
            assert_eq!(Tr::new(lang).amount_nok(amount), want, "{lang} {amount}");
        }
    }

    #[test]
    fn every_language_has_every_key() {
        let keys = english_keys();
        assert!(keys.len() > 20, "found only {} keys", keys.len());
        for lang in ["en", "nb", "sv", "da"] {
            assert!(supported().contains(&lang), "{lang} is not served");
        }
        for lang in supported() {
            let tr = Tr::new(lang);
            for key in &keys {
                assert!(tr.has_own(key), "{lang} lacks {key}");
            }
        }
    }
}
