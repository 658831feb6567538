//! The test BankID's documented persons. Their national identity numbers are
//! synthetic (month + 80, as Norway's synthetic test numbers are written), so
//! they can never be a real person's.

/// What happens when an end user signs in as this person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Signs in; full data in every scope.
    Full,
    /// Signs in; has no loans and no vehicles.
    NoLoansNoVehicles,
    /// Cancels at BankID: the integrator gets `USER_CANCELLED` / `access_denied`.
    CancelsAtBankId,
    /// Signs in and consents, but data collection fails (data status `error`).
    DataCollectionFails,
    /// Full data, but the test source takes about ten seconds
    /// ([`SLOW_COLLECTION_SECS`]) `in_progress` before it is `done`.
    SlowCollection,
    /// Full data except income, which the test source cannot collect
    /// (`partially_done`; `error` when income is all that was asked).
    IncomeFails,
}

/// How long the slow test person's collection stays `in_progress`.
pub const SLOW_COLLECTION_SECS: u64 = 10;

#[derive(Debug)]
pub struct TestPerson {
    pub key: &'static str,
    pub name: &'static str,
    pub national_id: &'static str,
    pub behaviour: Behaviour,
}

impl TestPerson {
    /// The birth date (`YYYY-MM-DD`) the synthetic national ID encodes:
    /// DDMMYY with 80 added to the month, individual number below 500, so
    /// born in the 1900s.
    pub fn birth_date(&self) -> String {
        let id = self.national_id;
        let month = id[2..4].parse::<u32>().map_or(0, |m| m.saturating_sub(80));
        format!("19{}-{month:02}-{}", &id[4..6], &id[0..2])
    }

    /// The locale key that describes this person's behaviour.
    pub fn description_key(&self) -> &'static str {
        match self.behaviour {
            Behaviour::Full => "person-full",
            Behaviour::NoLoansNoVehicles => "person-no-loans",
            Behaviour::CancelsAtBankId => "person-cancels",
            Behaviour::DataCollectionFails => "person-fails",
            Behaviour::SlowCollection => "person-slow",
            Behaviour::IncomeFails => "person-partial",
        }
    }
}

pub const TEST_PERSONS: &[TestPerson] = &[
    TestPerson {
        key: "kari",
        name: "Kari Nordmann",
        national_id: "15878512345",
        behaviour: Behaviour::Full,
    },
    TestPerson {
        key: "ola",
        name: "Ola Nordmann",
        national_id: "03917823456",
        behaviour: Behaviour::Full,
    },
    TestPerson {
        key: "ingrid",
        name: "Ingrid Berg",
        national_id: "22899934567",
        behaviour: Behaviour::NoLoansNoVehicles,
    },
    TestPerson {
        key: "per",
        name: "Per Avbryter",
        national_id: "09826645678",
        behaviour: Behaviour::CancelsAtBankId,
    },
    TestPerson {
        key: "sigrid",
        name: "Sigrid Feil",
        national_id: "30849056789",
        behaviour: Behaviour::DataCollectionFails,
    },
    TestPerson {
        key: "tone",
        name: "Tone Treg",
        national_id: "05917945612",
        behaviour: Behaviour::SlowCollection,
    },
    TestPerson {
        key: "hans",
        name: "Hans Halvorsen",
        national_id: "21868223456",
        behaviour: Behaviour::IncomeFails,
    },
];

/// The person whose data a test flow gets when it was signed in with a
/// configured (real) method: the test source never sees a real person's
/// national identity number.
pub const STAND_IN: &str = "kari";

/// The test person with this national identity number.
pub fn by_national_id(national_id: &str) -> Option<&'static TestPerson> {
    TEST_PERSONS.iter().find(|p| p.national_id == national_id)
}

pub fn find(key: &str) -> Option<&'static TestPerson> {
    TEST_PERSONS.iter().find(|p| p.key == key)
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn birth_dates_come_from_the_synthetic_national_ids() {
        assert_eq!(find("kari").unwrap().birth_date(), "1985-07-15");
        assert_eq!(find("per").unwrap().birth_date(), "1966-02-09");
        assert_eq!(find("sigrid").unwrap().birth_date(), "1990-04-30");
    }
}
