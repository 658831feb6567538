//! An integrator's theme: the documented `--cl-*` custom properties of its
//! `styles_uri` sheet, checked, and written afresh as a stylesheet we
//! serve ourselves. Nothing else of the sheet reaches a browser, so no
//! selector, `display`, `content` or `@import` of theirs can hide or
//! relabel what the end user consents to.
//!
//! Pure: [`sanitize`] takes the sheet's text; [`fetch`] gets it.

mod budget;
mod css;
pub mod fetch;
mod value;

use std::collections::BTreeMap;

pub use budget::FetchRate;
pub use css::MAX_SHEET_BYTES;
pub use fetch::{ThemeLimits, Themes};
use value::Rgb;

/// The theming custom properties (README "Theming").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prop {
    Primary,
    PrimaryText,
    Text,
    Muted,
    Background,
    Surface,
    Border,
    Radius,
    Font,
}

impl Prop {
    pub const ALL: [Prop; 9] = [
        Prop::Primary,
        Prop::PrimaryText,
        Prop::Text,
        Prop::Muted,
        Prop::Background,
        Prop::Surface,
        Prop::Border,
        Prop::Radius,
        Prop::Font,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Prop::Primary => "--cl-primary",
            Prop::PrimaryText => "--cl-primary-text",
            Prop::Text => "--cl-text",
            Prop::Muted => "--cl-muted",
            Prop::Background => "--cl-background",
            Prop::Surface => "--cl-surface",
            Prop::Border => "--cl-border",
            Prop::Radius => "--cl-radius",
            Prop::Font => "--cl-font",
        }
    }

    fn parse(name: &str) -> Option<Prop> {
        Prop::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The default colour (static/style.css), for a colour property.
    fn default_color(self) -> Option<Rgb> {
        let hex = |v: u32| {
            Some(Rgb(
                f64::from((v >> 16) & 0xff),
                f64::from((v >> 8) & 0xff),
                f64::from(v & 0xff),
            ))
        };
        match self {
            Prop::Primary => hex(0x0b5cab),
            Prop::PrimaryText => hex(0xffffff),
            Prop::Text => hex(0x1b1f24),
            Prop::Muted => hex(0x4a5560),
            Prop::Background => hex(0xf4f6f8),
            Prop::Surface => hex(0xffffff),
            Prop::Border => hex(0xc9d1d9),
            Prop::Radius | Prop::Font => None,
        }
    }
}

/// Text and what it is drawn on, as the standard styles pair them: each
/// must keep [`MIN_CONTRAST`].
pub const TEXT_PAIRS: [(Prop, Prop); 6] = [
    (Prop::Text, Prop::Surface),
    (Prop::Text, Prop::Background),
    (Prop::Muted, Prop::Surface),
    (Prop::Muted, Prop::Background),
    (Prop::PrimaryText, Prop::Primary),
    // The Decline button's label and border, links and the focus ring.
    (Prop::Primary, Prop::Surface),
];

/// WCAG 2.x AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

/// A checked value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Color(Rgb),
    Text(String),
}

impl Value {
    fn css(&self) -> String {
        match self {
            Value::Color(c) => c.css(),
            Value::Text(t) => t.clone(),
        }
    }
}

/// What survived of a sheet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Theme {
    values: BTreeMap<Prop, Value>,
    /// Declarations seen on `:root` and left out (unknown, bad value, or
    /// too little contrast).
    pub dropped: usize,
}

impl Theme {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The properties kept, in [`Prop::ALL`] order.
    pub fn props(&self) -> Vec<Prop> {
        self.values.keys().copied().collect()
    }

    /// The stylesheet: one `:root` rule with the kept properties.
    pub fn css(&self) -> String {
        if self.values.is_empty() {
            return String::new();
        }
        let mut out = String::from(":root {\n");
        for (p, v) in &self.values {
            out.push_str(&format!("  {}: {};\n", p.name(), v.css()));
        }
        out.push_str("}\n");
        out
    }

    fn color(&self, p: Prop) -> Option<Rgb> {
        match self.values.get(&p) {
            Some(Value::Color(c)) => Some(*c),
            _ => p.default_color(),
        }
    }

    /// Drops overridden colours until every pair in [`TEXT_PAIRS`] has
    /// enough contrast. The defaults pass, so each round that finds a
    /// failing pair removes at least one override, and it ends.
    fn enforce_contrast(&mut self) {
        loop {
            let failing =
                TEXT_PAIRS
                    .iter()
                    .find(|(fg, bg)| match (self.color(*fg), self.color(*bg)) {
                        (Some(a), Some(b)) => a.contrast(b) < MIN_CONTRAST,
                        _ => false,
                    });
            let Some((fg, bg)) = failing.copied() else {
                return;
            };
            let before = self.values.len();
            for p in [fg, bg] {
                if self.values.remove(&p).is_some() {
                    self.dropped += 1;
                }
            }
            if self.values.len() == before {
                // Only if the defaults themselves failed (a test proves
                // they do not); stop rather than loop.
                return;
            }
        }
    }
}

/// The theme a sheet declares: the last valid value of each documented
/// property on a top-level `:root` rule, with contrast enforced.
pub fn sanitize(sheet: &str) -> Theme {
    let mut theme = Theme::default();
    for (name, raw) in css::root_declarations(sheet) {
        let checked = Prop::parse(&name).and_then(|p| {
            let v = match p {
                Prop::Radius => value::length(&raw).map(Value::Text),
                Prop::Font => value::font(&raw).map(Value::Text),
                _ => value::color(&raw).map(Value::Color),
            };
            v.map(|v| (p, v))
        });
        match checked {
            // A later declaration wins, as in the cascade.
            Some((p, v)) => {
                theme.values.insert(p, v);
            }
            None => theme.dropped += 1,
        }
    }
    theme.enforce_contrast();
    theme
}

#[cfg(test)]
mod tests;
