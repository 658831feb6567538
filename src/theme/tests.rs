//! The sanitizer against sheets written to hide or relabel the consent
//! page (issue 11): only `:root { --cl-*: <checked value> }` comes out.

use super::*;

/// The whole output for `sheet`.
fn out(sheet: &str) -> String {
    sanitize(sheet).css()
}

/// Every line of an output is `:root {`, `}` or one allowed declaration.
fn assert_only_allowed(css: &str) {
    for line in css.lines() {
        let ok = line == ":root {"
            || line == "}"
            || Prop::ALL
                .iter()
                .any(|p| line.starts_with(&format!("  {}: ", p.name())) && line.ends_with(';'));
        assert!(ok, "unexpected line {line:?} in\n{css}");
    }
}

#[test]
fn a_plain_theme_is_kept_and_written_afresh() {
    let css = out(":root { --cl-primary: #7A1F5C; --cl-radius: 2px; \
                   --cl-font: \"Acme Sans\", system-ui, sans-serif; }");
    assert_eq!(
        css,
        ":root {\n  --cl-primary: #7a1f5c;\n  --cl-radius: 2px;\n  \
         --cl-font: \"Acme Sans\", system-ui, sans-serif;\n}\n"
    );
}

#[test]
fn rules_that_hide_or_relabel_consent_are_dropped() {
    let hostile = r#"
        .scopes, .scopes li { display: none !important; }
        .scopes { visibility: hidden; opacity: 0; height: 0; overflow: hidden }
        button[value=accept] { font-size: 0 }
        button[value=accept]::after { content: "Decline"; font-size: 1rem }
        button[value=decline] { position: absolute; left: -9999px }
        :root { display: none; content: "x"; color: #fff; --cl-primary: #7a1f5c; --other: red }
        html, body { --cl-text: #ffffff }
    "#;
    let theme = sanitize(hostile);
    assert_eq!(theme.props(), vec![Prop::Primary]);
    assert_eq!(theme.dropped, 4, "display, content, color and --other");
    assert_eq!(theme.css(), ":root {\n  --cl-primary: #7a1f5c;\n}\n");
}

#[test]
fn import_font_face_and_url_are_dropped() {
    let css = out(r#"
        @import url("https://evil.example/hide.css");
        @import "https://evil.example/hide.css" ;
        @font-face { font-family: Blank; src: url(https://evil.example/blank.woff2) }
        @media all { :root { --cl-text: #000000 } .scopes { display: none } }
        :root { --cl-font: Blank, url(https://evil.example/x); --cl-surface: url(x); --cl-radius: 2px }
    "#);
    assert_eq!(css, ":root {\n  --cl-radius: 2px;\n}\n");
}

#[test]
fn escapes_and_comments_do_not_smuggle_anything() {
    for sheet in [
        r":root { --cl-primary: \23 7a1f5c }",
        r":root { --cl-font: \22 x\22 ; }",
        r":r\oot { --cl-primary: #7a1f5c }",
        r"\3a root { --cl-primary: #7a1f5c }",
        ":root { --cl-primary: #7a1f/**/5c }",
        ":root { --cl-primary: #7a1f5c /* } .scopes { display: none } */ }",
        "/* :root { */ .scopes { --cl-primary: #7a1f5c } /* } */",
        ":root { --cl-font: \"x\\\"; } .scopes { display: none } :root { --cl-x: \\\"\" }",
    ] {
        let css = out(sheet);
        assert_only_allowed(&css);
        assert!(
            !css.contains('\\') && !css.contains("/*"),
            "{sheet} gave {css}"
        );
        assert!(css.is_empty(), "{sheet} gave {css}");
    }
    // A comment between declarations is only a comment.
    assert_eq!(
        out(":root {\n /* brand */ --cl-primary: #7a1f5c; /* corners */ --cl-radius: 0 }"),
        ":root {\n  --cl-primary: #7a1f5c;\n  --cl-radius: 0;\n}\n"
    );
}

#[test]
fn a_closing_brace_cannot_break_out_of_a_value() {
    for sheet in [
        ":root { --cl-font: a } .scopes { display: none } :root { --cl-radius: 1px }",
        ":root { --cl-font: \"a}\" } .scopes { display: none }",
        ":root { --cl-primary: #7a1f5c } } .scopes { display: none }",
        ":root { --cl-primary: #7a1f5c; .scopes { display: none } }",
        ":root { --cl-primary: #7a1f5c;} </style><script>alert(1)</script>",
        ":root { --cl-font: </style><script>alert(1)</script> }",
    ] {
        let css = out(sheet);
        assert_only_allowed(&css);
        for bad in ["display", "scopes", "<", "script"] {
            assert!(!css.contains(bad), "{sheet} gave {css}");
        }
    }
}

#[test]
fn values_that_refer_elsewhere_are_dropped() {
    // var() would let --cl-text follow --cl-surface past the contrast check.
    let css = out(
        ":root { --cl-text: var(--cl-surface); --cl-primary: env(x); \
                   --cl-muted: attr(title); --cl-border: expression(alert(1)); \
                   --cl-background: -webkit-image-set(url(x) 1x); --cl-surface: image(red) }",
    );
    assert_eq!(css, "");
}

#[test]
fn important_and_unknown_properties_are_dropped() {
    assert_eq!(
        out(":root { --cl-primary: #7a1f5c !important; --CL-PRIMARY: #000; --cl-primaryx: #000 }"),
        ""
    );
}

#[test]
fn huge_or_deeply_nested_input_gives_nothing() {
    let big = format!(
        ":root {{ --cl-primary: #7a1f5c }}{}",
        "x".repeat(MAX_SHEET_BYTES)
    );
    assert_eq!(out(&big), "");
    let nested = format!(
        ":root {{ --cl-primary: #7a1f5c }}{}",
        "{".repeat(MAX_SHEET_BYTES - 40)
    );
    assert_eq!(out(&nested), ":root {\n  --cl-primary: #7a1f5c;\n}\n");
    let many = ":root { --cl-primary: #7a1f5c; }".repeat(MAX_SHEET_BYTES / 40);
    assert_eq!(out(&many), ":root {\n  --cl-primary: #7a1f5c;\n}\n");
}

#[test]
fn text_equal_to_its_background_is_dropped() {
    // Invisible body text on the card.
    let t = sanitize(":root { --cl-text: #ffffff }");
    assert!(t.is_empty() && t.dropped == 1, "{t:?}");
    // Accept's label the colour of the button: both go.
    let t =
        sanitize(":root { --cl-primary: #7a1f5c; --cl-primary-text: #7a1f5c; --cl-radius: 2px }");
    assert_eq!(t.props(), vec![Prop::Radius]);
    // Text and surface both changed to the same colour: both go.
    let t =
        sanitize(":root { --cl-text: #333333; --cl-surface: #333333; --cl-background: #333333 }");
    assert!(t.is_empty(), "{t:?}");
    // Low but not equal contrast (#999 on white is 2.8:1).
    let t = sanitize(":root { --cl-muted: #999999 }");
    assert!(t.is_empty(), "{t:?}");
    // The Decline button's label (primary on the card), even when Accept's
    // label is readable on it; black on the default primary is then too
    // dark (3.1:1) and goes too.
    let t = sanitize(":root { --cl-primary: #eeeeee; --cl-primary-text: #000000 }");
    assert!(t.is_empty(), "{t:?}");
    let t = sanitize(":root { --cl-primary: #eeeeee; --cl-primary-text: #ffffff; --cl-radius: 0 }");
    assert_eq!(t.props(), vec![Prop::Radius], "{t:?}");
}

#[test]
fn a_dark_theme_with_enough_contrast_is_kept() {
    let t = sanitize(
        ":root { --cl-text: #f0f0f0; --cl-muted: #c0c0c0; --cl-background: #101010; \
         --cl-surface: #1e1e1e; --cl-primary: #8ab4f8; --cl-primary-text: #101010 }",
    );
    assert_eq!(t.props().len(), 6, "{t:?}");
    assert_eq!(t.dropped, 0);
}

#[test]
fn every_pair_of_the_result_has_enough_contrast() {
    // Whatever colours a sheet picks, what comes out passes.
    let palette = [
        "#ffffff", "#000000", "#777777", "#0b5cab", "#f4f6f8", "#ff0000",
    ];
    let props = [
        Prop::Primary,
        Prop::PrimaryText,
        Prop::Text,
        Prop::Muted,
        Prop::Background,
        Prop::Surface,
    ];
    for seed in 0..2000usize {
        let mut sheet = String::from(":root {");
        let mut n = seed;
        for p in props {
            let pick = n % (palette.len() + 1);
            n /= palette.len() + 1;
            if let Some(c) = palette.get(pick) {
                sheet.push_str(&format!("{}: {c};", p.name()));
            }
        }
        sheet.push('}');
        let t = sanitize(&sheet);
        for (fg, bg) in TEXT_PAIRS {
            let (a, b) = (t.color(fg).unwrap(), t.color(bg).unwrap());
            assert!(a.contrast(b) >= MIN_CONTRAST, "{sheet}: {fg:?} on {bg:?}");
        }
    }
}

#[test]
fn the_defaults_are_those_of_the_standard_styles_and_pass() {
    let ours = sanitize(include_str!("../../static/style.css"));
    for p in Prop::ALL {
        if let Some(c) = p.default_color() {
            assert_eq!(
                ours.values.get(&p),
                Some(&Value::Color(c)),
                "{} differs from static/style.css",
                p.name()
            );
        }
    }
    assert_eq!(ours.props().len(), Prop::ALL.len(), "{ours:?}");
    assert_eq!(ours.dropped, 0);
}
