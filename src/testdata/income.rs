//! Income and employment from the a-melding (Skatteetaten), with each
//! employer's profile from Enhetsregisteret.

use serde_json::{json, Value};

/// An organisation as Enhetsregisteret has it.
pub(super) struct Company {
    pub(super) name: &'static str,
    pub(super) org: u32,
    pub(super) public: bool,
    /// Organisation form: code and description (`AS`, `Aksjeselskap`).
    pub(super) form: (&'static str, &'static str),
    /// NACE industry code and description.
    pub(super) industry: (&'static str, &'static str),
    /// Institutional sector code and description.
    pub(super) sector: (&'static str, &'static str),
    pub(super) founded: &'static str,
    pub(super) registered: &'static str,
    pub(super) employees: u32,
    /// Street, postal code, city, municipality number.
    pub(super) address: (&'static str, &'static str, &'static str, &'static str),
    pub(super) last_annual_accounts: &'static str,
}

impl Company {
    fn profile(&self) -> Value {
        let (street, postal_code, city, _) = self.address;
        json!({
            "id": self.org.to_string(),
            "raw": self.brreg_record(),
            "code": self.sector.0,
            "name": self.name,
            "address": {
                "city": city.to_uppercase(),
                "postal_code": postal_code,
                "street_address": street,
            },
            "org_form": self.form.0,
            "employees": self.employees,
            "founded_at": oslo_midnight(self.registered),
            "country_code": "NO",
        })
    }

    /// The organisation as Enhetsregisteret's API gives it.
    fn brreg_record(&self) -> Value {
        let org = self.org.to_string();
        let (street, postal_code, city, municipality) = self.address;
        let brreg = "https://data.brreg.no/enhetsregisteret/api";
        let is_as = self.form.0 == "AS";
        json!({
            "navn": self.name,
            "_links": { "self": { "href": format!("{brreg}/enheter/{org}") } },
            "konkurs": false,
            "maalform": "Bokmål",
            "antallAnsatte": self.employees,
            "naeringskode1": { "kode": self.industry.0, "beskrivelse": self.industry.1 },
            "stiftelsesdato": self.founded,
            "underAvvikling": false,
            "organisasjonsform": {
                "kode": self.form.0,
                "_links": {
                    "self": { "href": format!("{brreg}/organisasjonsformer/{}", self.form.0) }
                },
                "beskrivelse": self.form.1,
            },
            "forretningsadresse": {
                "land": "Norge",
                "adresse": [street],
                "kommune": city.to_uppercase(),
                "landkode": "NO",
                "poststed": city.to_uppercase(),
                "postnummer": postal_code,
                "kommunenummer": municipality,
            },
            "organisasjonsnummer": org,
            "institusjonellSektorkode": { "kode": self.sector.0, "beskrivelse": self.sector.1 },
            "registrertIMvaregisteret": is_as,
            "sisteInnsendteAarsregnskap": self.last_annual_accounts,
            "registrertIForetaksregisteret": is_as,
            "registrertIStiftelsesregisteret": false,
            "registreringsdatoEnhetsregisteret": self.registered,
            "registrertIFrivillighetsregisteret": false,
            "underTvangsavviklingEllerTvangsopplosning": false,
        })
    }
}

/// Unix time of 00:00 in Oslo on `date` (`YYYY-MM-DD`), as the docs'
/// `founded_at` is: summer time (UTC+2) from April to October.
fn oslo_midnight(date: &str) -> Option<i64> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let month: u32 = date.get(5..7)?.parse().ok()?;
    let offset = if (4..=10).contains(&month) { 2 } else { 1 };
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp() - offset * 3600)
}

/// What a month's payslip pays besides the fixed wage: a row type of the
/// docs' list (`other`, `vacation`, `hourly`), hours for hourly rows, and
/// the amount.
pub(super) type Extra = Option<(&'static str, Option<f64>, f64)>;

pub(super) enum Pay {
    /// A monthly wage, and extras in August, September and October.
    Fixed { monthly: f64, extras: [Extra; 3] },
    /// Paid by the hour only: the rate and the hours of each month.
    Hourly { rate: f64, hours: [f64; 3] },
}

/// An employment that ended before the payslips' months.
pub(super) struct FormerJob {
    pub(super) employer: Company,
    pub(super) start_date: &'static str,
    pub(super) end_date: &'static str,
    pub(super) employment: &'static str,
}

/// The current employment.
pub(super) struct Job {
    pub(super) employer: Company,
    pub(super) start_date: &'static str,
    /// One of the docs' list: fixed_public, fixed_private, self_employed,
    /// substitute, hired_consultant.
    pub(super) employment: &'static str,
    pub(super) pay: Pay,
    /// STYRK-08 occupation code, as reported in the a-melding.
    pub(super) profession_code: &'static str,
    /// Percent of a full-time position; none for pay by the hour.
    pub(super) position_amount: Option<f64>,
    /// Withholding as a fraction of the total payment.
    pub(super) tax_rate: f64,
    pub(super) former: &'static [FormerJob],
}

const PAY_PERIODS: [(&str, &str); 3] = [
    ("2026-08-01", "2026-08-31"),
    ("2026-09-01", "2026-09-30"),
    ("2026-10-01", "2026-10-31"),
];

fn row(kind: &str, hours: Option<f64>, amount: f64, period: &str) -> Value {
    json!({
        "type": kind,
        "hours": hours,
        "amount": amount,
        "period": period,
        "benefit": "kontantytelse",
    })
}

impl Job {
    fn payslip(&self, month: usize) -> Value {
        let (start, end) = PAY_PERIODS[month % 3];
        let (fixed_wage, hourly_wage, rows) = self.pay_rows(month, &format!("{start}..{end}"));
        let total: f64 = rows.iter().map(row_amount).sum();
        let tax = -(total * self.tax_rate).round();
        json!({
            "employer_org_num": self.employer.org.to_string(),
            "fixed_wage": fixed_wage,
            "hourly_wage": hourly_wage,
            "total_withholding_tax": tax,
            "total_payment": total,
            "netto": total + tax,
            "payslip_type": payslip_type(&rows),
            "period_start": start,
            "period_end": end,
            "income_rows": rows,
            "profession_code": self.profession_code,
            "position_amount": self.position_amount,
            "start_date": self.start_date,
            "end_date": null,
            "laid_off": [],
        })
    }

    /// A month's fixed wage, hourly wage, and income rows.
    fn pay_rows(&self, month: usize, period: &str) -> (f64, Option<f64>, Vec<Value>) {
        match &self.pay {
            Pay::Fixed { monthly, extras } => {
                let mut rows = vec![row("fixed", None, *monthly, period)];
                if let Some((kind, hours, amount)) = extras[month % 3] {
                    rows.push(row(kind, hours, amount, period));
                }
                (*monthly, None, rows)
            }
            Pay::Hourly { rate, hours } => {
                let h = hours[month % 3];
                (
                    0.0,
                    Some(*rate),
                    vec![row("hourly", Some(h), h * rate, period)],
                )
            }
        }
    }
}

fn row_amount(row: &Value) -> f64 {
    row["amount"].as_f64().unwrap_or(0.0)
}

/// The dominant row type decides the payslip's (`fixed`, `hourly`;
/// anything else is `other`).
fn payslip_type(rows: &[Value]) -> Option<&'static str> {
    rows.iter()
        .max_by(|a, b| row_amount(a).total_cmp(&row_amount(b)))
        .and_then(|r| r["type"].as_str())
        .map(|t| match t {
            "fixed" => "fixed",
            "hourly" => "hourly",
            _ => "other",
        })
}

fn employer(
    company: &Company,
    employment: &str,
    dates: (&str, Option<&str>),
    payslips: Vec<Value>,
) -> Value {
    json!({
        "name": company.name,
        "public": company.public,
        "current": dates.1.is_none(),
        "org_num": company.org.to_string(),
        "employment": employment,
        "start_date": dates.0,
        "end_date": dates.1,
        "payslips": payslips,
        "company_profile": company.profile(),
    })
}

/// The `income` object.
pub(super) fn to_json(job: Option<&Job>) -> Value {
    let Some(job) = job else {
        return json!({ "payslips": [], "employers": [] });
    };
    let payslips: Vec<Value> = (0..PAY_PERIODS.len()).map(|m| job.payslip(m)).collect();
    let current = employer(
        &job.employer,
        job.employment,
        (job.start_date, None),
        payslips.clone(),
    );
    let former = job.former.iter().map(|f| {
        let dates = (f.start_date, Some(f.end_date));
        employer(&f.employer, f.employment, dates, Vec::new())
    });
    let employers: Vec<Value> = std::iter::once(current).chain(former).collect();
    json!({ "payslips": payslips, "employers": employers })
}
