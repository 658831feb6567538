//! The `tax_entities` parameter of the `tax_data_pdf` scope: organisation
//! numbers, comma-separated, whose tax documents are collected.

/// Most organisations one link may name.
pub const MAX_TAX_ENTITIES: usize = 20;

/// Parses `tax_entities`: each a Norwegian organisation number (9 digits
/// with a valid MOD11 check digit), spaces around commas allowed, repeats
/// dropped, order kept. An empty value names none.
pub fn parse(value: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !org_number_ok(part) {
            return Err(format!(
                "tax_entities: {} is not an organisation number (9 digits, MOD11)",
                super::error::quoted(part)
            ));
        }
        if !out.iter().any(|o| o == part) {
            out.push(part.to_owned());
        }
    }
    if out.len() > MAX_TAX_ENTITIES {
        return Err(format!(
            "tax_entities names more than {MAX_TAX_ENTITIES} organisations"
        ));
    }
    Ok(out)
}

/// 9 digits whose last is the MOD11 check digit of the first eight
/// (weights 3, 2, 7, 6, 5, 4, 3, 2); a remainder giving 10 is never valid.
pub fn org_number_ok(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if s.len() != 9 || digits.len() != 9 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .zip([3, 2, 7, 6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        r => r,
    };
    digits[8] == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_numbers_need_nine_digits_and_a_mod11_check_digit() {
        assert!(org_number_ok("974760673")); // Brønnøysundregistrene
        assert!(org_number_ok("923609016"));
        for bad in [
            "974760674",
            "97476067",
            "9747606730",
            "97476067x",
            "９74760673",
            "",
        ] {
            assert!(!org_number_ok(bad), "{bad}");
        }
    }

    #[test]
    fn parses_lists_drops_repeats_and_refuses_bad_numbers() {
        assert_eq!(
            parse("974760673, 923609016,974760673"),
            Ok(vec!["974760673".to_owned(), "923609016".to_owned()])
        );
        assert_eq!(parse(""), Ok(vec![]));
        assert!(parse("974760673,974760674").is_err());
        assert!(parse("974760673;923609016").is_err());
        let valid: Vec<String> = (92_360_900..92_361_100)
            .flat_map(|base| (0..10).map(move |d| format!("{base}{d}")))
            .filter(|n| org_number_ok(n))
            .take(MAX_TAX_ENTITIES + 1)
            .collect();
        assert!(parse(&valid[..MAX_TAX_ENTITIES].join(",")).is_ok());
        assert!(
            parse(&valid.join(",")).is_err(),
            "more than {MAX_TAX_ENTITIES}"
        );
    }
}
