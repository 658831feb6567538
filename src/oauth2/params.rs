//! Raw request parameters, parsed with `form_urlencoded` so that a parameter
//! given twice is seen (RFC 6749 §3.1: parameters MUST NOT be repeated).

/// The parameters of one request, in order.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

/// A parameter that was given more than once.
#[derive(Debug, PartialEq, Eq)]
pub struct Repeated(pub String);

impl Params {
    pub fn parse(query: &str) -> Params {
        Params(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The value of `name`, or `None` when absent. An empty value counts as
    /// absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut found = None;
        for (key, value) in &self.0 {
            if key == name {
                if found.is_some() {
                    return Err(Repeated(name.to_owned()));
                }
                found = Some(value.as_str());
            }
        }
        Ok(found.filter(|v| !v.is_empty()))
    }

    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.0
    }

    /// The first of the `known` parameters that was given more than once.
    /// Others are not looked at: RFC 6749 §3.1 has a request's parameters
    /// that the server does not recognise ignored, repeated or not.
    pub fn first_repeated(&self, known: &[&str]) -> Option<&str> {
        // Linear: a body may hold a great many parameters.
        let mut seen = std::collections::HashSet::with_capacity(known.len());
        self.0
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| known.contains(k))
            .find(|k| !seen.insert(*k))
    }
}

/// `true`/`1` and `false`/`0`, as the product's flags are written.
pub fn parse_flag(value: Option<&str>) -> Option<bool> {
    match value {
        None | Some("false") | Some("0") => Some(false),
        Some("true") | Some("1") => Some(true),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_repeated_parameters() {
        let p = Params::parse("a=1&b=2&a=3");
        assert_eq!(p.get("a"), Err(Repeated("a".into())));
        assert_eq!(p.get("b"), Ok(Some("2")));
        assert_eq!(p.first_repeated(&["a", "b"]), Some("a"));
        assert_eq!(Params::parse("a=1&b=2").first_repeated(&["a", "b"]), None);
    }

    #[test]
    fn empty_counts_as_absent() {
        assert_eq!(Params::parse("a=").get("a"), Ok(None));
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag(Some("1")), Some(true));
        assert_eq!(parse_flag(None), Some(false));
        assert_eq!(parse_flag(Some("yes")), None);
    }
}

#[cfg(test)]
mod unknown_tests {
    use super::Params;

    #[test]
    fn repeated_unknown_parameters_are_ignored() {
        let p = Params::parse("utm=1&utm=2&a=1&x=&x=");
        assert_eq!(p.first_repeated(&["a", "b"]), None);
        assert_eq!(p.first_repeated(&["a", "utm"]), Some("utm"));
    }
}
