//! Vehicles from the vehicle register (Statens vegvesen).

use serde_json::{json, Value};

use super::{names, register_names, Address, Profile};
use crate::test_persons::TestPerson;

#[derive(Clone, Copy)]
pub(super) enum Fuel {
    Electric,
    /// Petrol and electric.
    Hybrid,
    Petrol,
    Diesel,
}

/// Who else is on the registration: a co-owner or a leasing company.
pub(super) enum Ownership {
    Owned,
    CoOwned(&'static str, Address),
    Leased(&'static str, Address),
}

pub(super) struct Vehicle {
    pub(super) model_name: &'static str,
    /// `type` and the EU vehicle category (`type_code`).
    pub(super) class: (&'static str, &'static str),
    pub(super) year: u32,
    pub(super) plate_number: &'static str,
    pub(super) fuel: Fuel,
    /// Cubic centimetres of the combustion engine (0 for electric only).
    pub(super) volume: u32,
    /// Euro class, g CO2/km and mg NOx/km; none for an electric vehicle.
    pub(super) emissions: Option<(&'static str, u32, f64)>,
    /// Last and next periodic roadworthiness test (EU-kontroll).
    pub(super) eu_control: (Option<&'static str>, Option<&'static str>),
    pub(super) ownership: Ownership,
}

pub(super) const PASSENGER_CAR: (&str, &str) = ("personal_car", "M1");
pub(super) const VAN: (&str, &str) = ("van", "N1");

/// The `vehicles` object of `p`.
pub(super) fn to_json(p: &TestPerson, pr: Option<&Profile>) -> Value {
    let (first_name, last_name) = register_names(p);
    let list = pr.map_or(&[][..], |pr| pr.vehicles);
    let owner = pr.map(|pr| {
        let (first, last) = names(p);
        let middle = pr.middle_name.map(|m| format!(" {m}")).unwrap_or_default();
        json!({
            "name": format!("{first}{middle} {last}"),
            "address": pr.address.vehicle_register(),
        })
    });
    json!({
        "first_name": first_name,
        "middle_name": pr.and_then(|pr| pr.middle_name).map(str::to_uppercase),
        "last_name": last_name,
        "email": pr.map(|pr| pr.contact.email),
        "digital_mailbox": pr.map(|pr| pr.contact.digital_mailbox),
        "phone_number": pr.map(|pr| pr.contact.phone_number),
        "birth_date": p.birth_date(),
        "vehicles": list
            .iter()
            .map(|v| json!([format!("{} ({})", v.model_name, v.year), v.plate_number]))
            .collect::<Vec<_>>(),
        "vehicles_detailed": list.iter().map(|v| v.to_json(&owner)).collect::<Vec<_>>(),
    })
}

/// `{"name": "", "address": null}` when nobody is.
fn party(who: Option<(&str, &Address)>) -> Value {
    match who {
        Some((name, address)) => json!({ "name": name, "address": address.vehicle_register() }),
        None => json!({ "name": "", "address": null }),
    }
}

impl Vehicle {
    fn to_json(&self, owner: &Option<Value>) -> Value {
        let (co_owner, lessor) = match &self.ownership {
            Ownership::Owned => (None, None),
            Ownership::CoOwned(name, address) => (Some((*name, address)), None),
            Ownership::Leased(name, address) => (None, Some((*name, address))),
        };
        json!({
            "model_name": self.model_name,
            "type": self.class.0,
            "type_code": self.class.1,
            "year": self.year,
            "plate_number": self.plate_number,
            "electric": matches!(self.fuel, Fuel::Electric),
            "hybrid": matches!(self.fuel, Fuel::Hybrid),
            "last_eu_control": self.eu_control.0,
            "next_eu_control": self.eu_control.1,
            "owned": lessor.is_none(),
            "owner": owner,
            "co_owned": co_owner.is_some(),
            "co_ownership": party(co_owner),
            "leased": lessor.is_some(),
            "leasing": party(lessor),
            "technical_details": {
                "emissions": self.emissions_json(),
                "engines": self.engines_json(),
            },
        })
    }

    fn engines_json(&self) -> Value {
        match self.fuel {
            Fuel::Electric => json!([{ "type": "electric", "volume": 0 }]),
            Fuel::Hybrid => json!([
                { "type": "petrol", "volume": self.volume },
                { "type": "electric", "volume": 0 },
            ]),
            Fuel::Petrol => json!([{ "type": "petrol", "volume": self.volume }]),
            Fuel::Diesel => json!([{ "type": "diesel", "volume": self.volume }]),
        }
    }

    fn emissions_json(&self) -> Value {
        match self.emissions {
            Some((class, co2, nox)) => json!({
                "environmental_class": class,
                "engines": [{ "co2": co2, "nox": nox }],
            }),
            None => json!({
                "environmental_class": null,
                "engines": [{ "co2": null, "nox": null }],
            }),
        }
    }
}
