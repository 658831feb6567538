//! The data API's shapes (SPEC.md, "The source contract": a source's bodies
//! "are checked against the data API's shapes"). What a source gives is
//! served to integrators as it is, so each scope's body must be what the
//! original product's docs (`goscore-docs/`) describe: the documented
//! fields and no others, each of its JSON type, `null` only where the docs
//! allow one, values within the docs' enumerations and dates in the docs'
//! format. The shapes themselves are a table ([`table`]); this module
//! walks a body along it and names the first place it departs.

mod table;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::oauth2::scope::Scope;

/// What a JSON value must be.
#[derive(Debug)]
enum Shape {
    Str,
    Num,
    Bool,
    /// A string `YYYY-MM-DD` naming a real day (the docs' dates).
    Date,
    /// `YYYY-MM-DD..YYYY-MM-DD` (the docs' income row periods).
    Period,
    /// A string `data:application/pdf;base64,…` (the docs' tax documents).
    Pdf,
    /// One of these strings (a documented enumeration).
    OneOf(&'static [&'static str]),
    /// `null`, or the shape ("Required? No" in the docs, or `null` in their
    /// example).
    Null(&'static Shape),
    /// An array, every element the shape.
    List(&'static Shape),
    /// An array of exactly these, in this order.
    Tuple(&'static [Shape]),
    /// An object of exactly these fields.
    Object(&'static [Field]),
    /// `{}`, or the shape: the docs' "blank hash" for nothing known.
    Blank(&'static Shape),
    /// An object keyed by organisation numbers (nine digits; the docs'
    /// `<org_number>`), every value the shape.
    ByOrg(&'static Shape),
    /// An object as a public register has it, passed on unchanged (the
    /// docs give it from the register, not field by field).
    Register,
    /// Anything: the docs show no element (`laid_off`'s periods).
    Any,
}

/// One documented field of an object.
#[derive(Debug)]
struct Field {
    name: &'static str,
    shape: &'static Shape,
    /// The docs say it may be missing; otherwise it must be there, if only
    /// as `null`, as in the docs' examples.
    may_lack: bool,
}

/// Where a misfit is, from the body key down.
enum Step {
    Key(&'static str),
    Index(usize),
    /// A key we do not know: named only when it looks like a field name,
    /// so that no value a source put in a key reaches a log.
    Unknown(String),
    OrgNumber,
}

/// The first place a body departs from its shape, innermost step first.
struct Misfit {
    steps: Vec<Step>,
    what: String,
}

impl Misfit {
    fn new(what: impl Into<String>) -> Misfit {
        Misfit {
            steps: Vec::new(),
            what: what.into(),
        }
    }

    fn at(mut self, step: Step) -> Misfit {
        self.steps.push(step);
        self
    }

    /// `income.payslips[0].income_rows[1].type: …`
    fn describe(&self) -> String {
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Key(k) => push_key(&mut path, k),
                Step::Unknown(k) => push_key(&mut path, k),
                Step::OrgNumber => push_key(&mut path, "<org_number>"),
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        format!("{path}: {}", self.what)
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// `scope`'s body, if it fits the data API's shape: exactly the scope's
/// body keys ([`super::source::body_keys`]), each of its shape. Otherwise
/// why not, naming the scope and the JSON path of the first misfit, never
/// a value.
pub fn check(scope: Scope, body: &Value) -> Result<&Map<String, Value>, String> {
    let name = scope.as_str();
    let Value::Object(body) = body else {
        return Err(format!("{name}: the body is {}, not an object", kind(body)));
    };
    match object(table::body(scope), body) {
        Ok(()) => Ok(body),
        Err(misfit) => Err(format!("{name}: {}", misfit.describe())),
    }
}

/// Whether `value` is of `shape`.
fn fits(shape: &Shape, value: &Value) -> Result<(), Misfit> {
    match (shape, value) {
        (Shape::Null(_), Value::Null) | (Shape::Any, _) => Ok(()),
        (Shape::Null(inner), v) => fits(inner, v),
        (Shape::Blank(_), Value::Object(map)) if map.is_empty() => Ok(()),
        (Shape::Blank(inner), v) => fits(inner, v),
        (Shape::Str, Value::String(_))
        | (Shape::Num, Value::Number(_))
        | (Shape::Bool, Value::Bool(_))
        | (Shape::Register, Value::Object(_)) => Ok(()),
        (Shape::Date, Value::String(s)) => format(is_date(s), "not a date (YYYY-MM-DD)"),
        (Shape::Period, Value::String(s)) => format(
            s.split_once("..")
                .is_some_and(|(a, b)| is_date(a) && is_date(b)),
            "not a period (YYYY-MM-DD..YYYY-MM-DD)",
        ),
        (Shape::Pdf, Value::String(s)) => format(
            s.starts_with("data:application/pdf;base64,"),
            "not a PDF data URL (data:application/pdf;base64,…)",
        ),
        (Shape::OneOf(allowed), Value::String(s)) => format(
            allowed.contains(&s.as_str()),
            &format!("not one of {allowed:?}"),
        ),
        (Shape::List(each), Value::Array(items)) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| fits(each, v).map_err(|m| m.at(Step::Index(i)))),
        (Shape::Tuple(each), Value::Array(items)) => tuple(each, items),
        (Shape::Object(fields), Value::Object(map)) => object(fields, map),
        (Shape::ByOrg(each), Value::Object(map)) => by_org(each, map),
        (shape, v) => Err(Misfit::new(format!(
            "{} where the data API has {}",
            kind(v),
            expected(shape)
        ))),
    }
}

fn format(ok: bool, what: &str) -> Result<(), Misfit> {
    if ok {
        Ok(())
    } else {
        Err(Misfit::new(what))
    }
}

fn tuple(each: &[Shape], items: &[Value]) -> Result<(), Misfit> {
    if items.len() != each.len() {
        return Err(Misfit::new(format!(
            "an array of {} where the data API has {}",
            items.len(),
            each.len()
        )));
    }
    each.iter()
        .zip(items)
        .enumerate()
        .try_for_each(|(i, (s, v))| fits(s, v).map_err(|m| m.at(Step::Index(i))))
}

/// Every field there (unless it may lack), of its shape; then no other.
fn object(fields: &[Field], map: &Map<String, Value>) -> Result<(), Misfit> {
    for field in fields {
        match map.get(field.name) {
            Some(v) => fits(field.shape, v).map_err(|m| m.at(Step::Key(field.name)))?,
            None if field.may_lack => {}
            None => return Err(Misfit::new("missing").at(Step::Key(field.name))),
        }
    }
    match map.keys().find(|k| !fields.iter().any(|f| f.name == *k)) {
        Some(extra) => Err(Misfit::new("not a field of the data API").at(unknown(extra))),
        None => Ok(()),
    }
}

fn by_org(each: &Shape, map: &Map<String, Value>) -> Result<(), Misfit> {
    for (key, v) in map {
        if key.len() != 9 || !key.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Misfit::new("a key that is not an organisation number").at(unknown(key)));
        }
        fits(each, v).map_err(|m| m.at(Step::OrgNumber))?;
    }
    Ok(())
}

/// A key of a source's, named in a reason only if it looks like a field
/// name (a letter or `_`, then letters, digits and `_`; at most 64).
fn unknown(key: &str) -> Step {
    let plain = key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    Step::Unknown(if plain {
        key.to_owned()
    } else {
        "<key>".into()
    })
}

/// `YYYY-MM-DD`, a day of the calendar.
fn is_date(s: &str) -> bool {
    let digits_and_dashes = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    digits_and_dashes && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(shape: &Shape) -> &'static str {
    match shape {
        Shape::Str | Shape::OneOf(_) => "a string",
        Shape::Date => "a date string",
        Shape::Period => "a period string",
        Shape::Pdf => "a PDF data URL",
        Shape::Num => "a number",
        Shape::Bool => "a boolean",
        Shape::List(_) | Shape::Tuple(_) => "an array",
        Shape::Object(_) | Shape::Blank(_) | Shape::ByOrg(_) | Shape::Register => "an object",
        Shape::Null(inner) => expected(inner),
        Shape::Any => "anything",
    }
}
