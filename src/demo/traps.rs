//! Innocent look-alikes (families at one address, a switchboard many people list) and the
//! entity-resolution traps (name variants, namesakes, records without an ID). The big
//! employer, big hospital and supernode accounts come from the population itself; their
//! counts are taken while the background is written.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ids;
use super::names;
use super::plant::ordinary_claims;
use super::truth::{Family, MissingId, NameVariant, SameName, Switchboard};
use super::world::{day_between, plus_days, ymd, Application, Holder, Person, PersonKind, World};

/// Plants the look-alikes and traps, scaled by the world's `k`.
pub(crate) fn plant_traps(world: &mut World, rng: &mut ChaCha8Rng) {
    let k = world.params.k;
    for _ in 0..5 * k {
        family(world, rng);
    }
    switchboard(world, rng);
    for _ in 0..5 * k {
        name_variant(world, rng);
    }
    for _ in 0..3 * k {
        same_name(world, rng);
    }
    for i in 0..5 * k {
        missing_id(world, rng, i, i % 5 < 3);
    }
}

/// A household of two to five at one address, all with ordinary claims.
fn family(world: &mut World, rng: &mut ChaCha8Rng) {
    let household = loop {
        let (address, members) = &world.households[rng.gen_range(0..world.households.len())];
        let free = members.len() >= 2
            && members.iter().all(|&m| {
                let p = &world.persons[m as usize];
                !p.reserved && p.active() && !p.accounts.is_empty() && p.address == Some(*address)
            });
        if free {
            break (*address, members.clone());
        }
    };
    let (address, members) = household;
    let mut claims = Vec::new();
    for &m in &members {
        world.persons[m as usize].reserved = true;
        world.persons[m as usize].background_claims = false;
        let count = rng.gen_range(1..=2);
        claims.extend(ordinary_claims(world, rng, m, count));
    }
    let truth = Family {
        address: world.address_key(address),
        members: members.iter().map(|&m| world.person_key(m)).collect(),
        claims,
    };
    world.lookalikes.families.push(truth);
}

/// The big hospital's switchboard, listed as their own phone by many members (patients and
/// staff who gave the number they knew).
fn switchboard(world: &mut World, rng: &mut ChaCha8Rng) {
    let phone = world.hospitals[0].switchboard;
    let n = (world.params.members / 200).max(20);
    let mut listed_by = Vec::with_capacity(n);
    for _ in 0..n {
        let m = world.take_member(rng);
        world.persons[m as usize].phone = Some(phone);
        listed_by.push(world.person_key(m));
    }
    let hospital = world.hospital_key(0);
    let phone = world.phone_key(phone);
    world.lookalikes.switchboard_phone = Switchboard { phone, hospital, listed_by };
}

/// A member whose name other files spell in traditional characters.
fn name_variant(world: &mut World, rng: &mut ChaCha8Rng) {
    let person = world.take_member_where(rng, |p| !p.accounts.is_empty() && names::traditional(&p.name).is_some());
    let variant = names::traditional(&world.persons[person as usize].name).unwrap_or_default();
    world.persons[person as usize].alt_name = Some(variant.clone().into());
    world.persons[person as usize].background_claims = false;
    let count = rng.gen_range(1..=2);
    ordinary_claims(world, rng, person, count);
    let truth = NameVariant {
        person: world.person_key(person),
        name: world.persons[person as usize].name.to_string(),
        variant,
        files: vec!["accounts.csv".to_owned(), "claims.csv".to_owned()],
    };
    world.resolution.name_variants.push(truth);
}

/// A second member with the same name as an existing one but born years apart.
fn same_name(world: &mut World, rng: &mut ChaCha8Rng) {
    let first = world.take_member_where(rng, |p| p.birth > ymd(1950, 1, 1) && p.birth < ymd(1995, 1, 1));
    let (name, male, birth, district) = {
        let p = &world.persons[first as usize];
        let district = p.address.map(|a| world.addresses[a as usize].district).unwrap_or(World::home_district(rng));
        (p.name.to_string(), p.male, p.birth, district)
    };
    let years = rng.gen_range(3..=9) * if birth > ymd(1975, 1, 1) { -1 } else { 1 };
    let other_birth = plus_days(birth, years * 365 + rng.gen_range(-100..100));
    let second = world.add_person(rng, PersonKind::Member, name.clone(), male, other_birth, district);
    let phone = world.new_mobile(rng);
    let address = world.new_home_address(rng, district);
    {
        let p = &mut world.persons[second as usize];
        p.phone = Some(phone);
        p.address = Some(address);
        p.background_claims = true;
        p.reserved = true;
    }
    world.new_account(rng, Holder::Person(second), plus_days(other_birth, 16 * 366));
    let truth = SameName {
        name,
        persons: [world.person_key(first), world.person_key(second)],
        birth_dates: [birth.format("%Y-%m-%d").to_string(), other_birth.format("%Y-%m-%d").to_string()],
    };
    world.resolution.same_name_different_people.push(truth);
}

/// A hardship-grant application typed from a paper form without the applicant's ID: either a
/// known member (same name, birth date and phone) or someone the fund has never seen.
fn missing_id(world: &mut World, rng: &mut ChaCha8Rng, i: usize, known: bool) {
    let key = ids::application_no(i as u64);
    let (same_as, name, male, birth, phone, address) = if known {
        let m = world.take_member_where(rng, |p| p.phone.is_some() && p.address.is_some());
        let p = &world.persons[m as usize];
        (Some(m), p.name.to_string(), p.male, p.birth, p.phone.unwrap_or_default(), p.address.unwrap_or_default())
    } else {
        let male = rng.gen_bool(0.5);
        let name = names::person_name(rng, male);
        let birth = day_between(rng, ymd(1950, 1, 1), ymd(1990, 12, 31));
        let district = World::home_district(rng);
        let phone = world.new_mobile(rng);
        let address = world.new_home_address(rng, district);
        (None, name, male, birth, phone, address)
    };
    world.persons.push(Person {
        kind: PersonKind::Applicant,
        key: key.clone().into(),
        id_valid: true,
        name: name.clone().into(),
        alt_name: None,
        male,
        birth,
        death: None,
        phone: Some(phone),
        address: Some(address),
        employer: None,
        since: None,
        accounts: Vec::new(),
        background_claims: false,
        reserved: true,
    });
    let person = world.persons.len() as u32 - 1;
    let applied_on = day_between(rng, ymd(2023, 1, 1), plus_days(ymd(2023, 12, 31), 0));
    let kind = names::APPLICATION_KINDS[rng.gen_range(0..names::APPLICATION_KINDS.len())];
    world.applications.push(Application { person, applied_on, kind });
    let truth = MissingId {
        record: key,
        same_as: same_as.map(|m| world.person_key(m)),
        name,
        birth_date: birth.format("%Y-%m-%d").to_string(),
        phone: world.phone_key(phone),
    };
    world.resolution.missing_id_records.push(truth);
}
