//! Tax documents (`tax_data_pdf`): the person's own from their mailbox, and
//! each `tax_entities` organisation's, as small but real PDF files.

use base64::Engine;
use serde_json::{json, Map, Value};

use super::{names, profile};
use crate::test_persons::TestPerson;

/// The income year of the documents.
const YEAR: u32 = 2025;

/// Which of the personal documents a person has besides the tax return.
pub(super) struct TaxProfile {
    /// Owns shares: the detailed shareholding statement (RF-1088D).
    pub(super) shares: bool,
    /// Runs a sole proprietorship: the business statement.
    pub(super) business: bool,
}

/// The `tax_documents` object of `p`, with the corporate documents of each
/// organisation number in `entities`. Empty lists and no organisations for
/// a person without documents.
pub fn tax_documents(p: &TestPerson, entities: &[String]) -> Value {
    let Some(tax) = profile(p).and_then(|pr| pr.tax.as_ref()) else {
        return json!({
            "personal": { "tax_reports": [], "detailed_shares_data": [], "business_assignment": [] },
            "corporate": {},
        });
    };
    let (first, last) = names(p);
    let corporate: Map<String, Value> = entities
        .iter()
        .map(|org| (org.clone(), corporate_documents(org)))
        .collect();
    json!({
        "personal": personal_documents(tax, &format!("{first} {last}")),
        "corporate": corporate,
    })
}

/// The person's own documents: the tax return, and the statements their
/// profile calls for.
fn personal_documents(tax: &TaxProfile, owner: &str) -> Value {
    let docs = |wanted: bool, subject: String, filename: String| -> Value {
        if wanted {
            json!([document(&subject, &filename, owner)])
        } else {
            json!([])
        }
    };
    json!({
        "tax_reports": docs(
            true,
            format!("Skattemeldingen {YEAR}"),
            format!("Skattemelding {YEAR}.pdf"),
        ),
        "detailed_shares_data": docs(
            tax.shares,
            format!("Detaljert aksjeoppgave for {YEAR}"),
            "RF-1088D Detaljert.pdf".into(),
        ),
        "business_assignment": docs(
            tax.business,
            format!("Næringsoppgave {YEAR}"),
            format!("Næringsoppgave 2 {YEAR}.pdf"),
        ),
    })
}

/// The documents of organisation number `org`.
fn corporate_documents(org: &str) -> Value {
    let owner = format!("Org.nr. {org}");
    let one = |subject: String, filename: String| json!([document(&subject, &filename, &owner)]);
    json!({
        "latest_tax_report": one(
            format!("Skattemelding for aksjeselskap {YEAR}"),
            format!("RF-1028 {YEAR}.pdf"),
        ),
        "latest_annual_report": one(
            format!("Årsregnskap {YEAR}"),
            format!("Årsregnskap {YEAR}.pdf"),
        ),
        "latest_shareholders_report": one(
            format!("Aksjonærregisteroppgave {YEAR}"),
            format!("RF-1086 {YEAR}.pdf"),
        ),
    })
}

/// One document: its subject, file name, and content as a data URL.
fn document(subject: &str, filename: &str, owner: &str) -> Value {
    let pdf = pdf(&[subject, owner, "TESTDATA - ikke et ekte dokument"]);
    let base64 = base64::engine::general_purpose::STANDARD.encode(pdf);
    json!({
        "subject": subject,
        "filename": filename,
        "content": format!("data:application/pdf;base64,{base64}"),
    })
}

/// A one-page PDF showing `lines` in Helvetica: the smallest file that
/// every PDF reader opens (catalog, pages, page, font, content, and a
/// cross-reference table with exact byte offsets).
pub(super) fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = b"BT /F1 14 Tf 56 780 Td 18 TL".to_vec();
    for line in lines {
        text.extend_from_slice(b" (");
        text.extend(pdf_string(line));
        text.extend_from_slice(b") '");
    }
    text.extend_from_slice(b" ET");
    let mut stream = format!("<< /Length {} >>\nstream\n", text.len()).into_bytes();
    stream.extend(text);
    stream.extend_from_slice(b"\nendstream");
    let objects: [Vec<u8>; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
          /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        stream,
    ];
    pdf_file(&objects)
}

/// A PDF file of `objects` (numbered from 1, the first the catalog) with
/// its cross-reference table.
fn pdf_file(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

/// A PDF literal string's bytes in WinAnsi (Latin-1 for Norwegian
/// letters), with `(`, `)` and `\` escaped.
fn pdf_string(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.chars() {
        if matches!(c, '(' | ')' | '\\') {
            out.push(b'\\');
        }
        out.push(u8::try_from(u32::from(c)).unwrap_or(b'?'));
    }
    out
}
