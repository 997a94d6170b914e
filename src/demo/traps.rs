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

/// How a hardship-grant application typed from a paper form relates to the people the fund
/// knows. Known applicants are written the way paper forms really differ from the register
/// (another script, a slip of the pen, a field left blank, a new number); the others are the
/// look-alikes a careless resolver merges (a relative on the family phone, a namesake).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applicant {
    /// A known member, copied exactly.
    Exact,
    /// A known member whose name is written in traditional characters.
    TraditionalName,
    /// A known member who left the phone blank.
    NoPhone,
    /// A known member whose name is written in traditional characters and who left the phone
    /// blank: the address is the only contact to go by. (A mistyped birth date is not planted:
    /// the same name with another birth date never merges, by rule, and goes to review.)
    TraditionalNoPhone,
    /// A known member who gave a new mobile number.
    NewPhone,
    /// A known member whose name has one given-name character misread.
    NameSlip,
    /// Someone the fund has never seen.
    Stranger,
    /// A relative of a member (same surname, family phone and address, another given name and
    /// birth date): a different person.
    Relative,
    /// A namesake of a member, born years apart, living elsewhere: a different person.
    Namesake,
}

impl Applicant {
    /// The mix, in the order applications cycle through it: six known, four not.
    const CYCLE: [Applicant; 10] = [
        Applicant::Exact,
        Applicant::Relative,
        Applicant::TraditionalName,
        Applicant::Namesake,
        Applicant::NoPhone,
        Applicant::Stranger,
        Applicant::TraditionalNoPhone,
        Applicant::Relative,
        Applicant::NewPhone,
        Applicant::NameSlip,
    ];

    fn word(self) -> &'static str {
        match self {
            Applicant::Exact => "exact copy",
            Applicant::TraditionalName => "traditional name",
            Applicant::NoPhone => "no phone",
            Applicant::TraditionalNoPhone => "traditional name, no phone",
            Applicant::NewPhone => "new phone",
            Applicant::NameSlip => "name slip",
            Applicant::Stranger => "stranger",
            Applicant::Relative => "relative",
            Applicant::Namesake => "namesake",
        }
    }
}

/// Plants the hardship-grant applications without an ID: one per 500 members, at least ten,
/// from their own random stream so that changing them leaves the rest of the world alone.
pub(crate) fn plant_applications(world: &mut World, rng: &mut ChaCha8Rng) {
    let n = (world.params.members / 500).max(10);
    for i in 0..n {
        missing_id(world, rng, i, Applicant::CYCLE[i % Applicant::CYCLE.len()]);
    }
}

/// Whether a person's name is a Chinese name (surname first), not a transliterated one.
fn han_name(p: &Person) -> bool {
    !p.name.contains('\u{00B7}')
}

/// One application of the given kind.
fn missing_id(world: &mut World, rng: &mut ChaCha8Rng, i: usize, kind: Applicant) {
    let key = ids::application_no(i as u64);
    let contact = |p: &Person| p.phone.is_some() && p.address.is_some();
    let known = !matches!(kind, Applicant::Stranger | Applicant::Relative | Applicant::Namesake);
    let member = match kind {
        Applicant::TraditionalName | Applicant::TraditionalNoPhone => {
            Some(world.take_member_where(rng, |p| contact(p) && names::traditional(&p.name).is_some()))
        }
        // Names of three or more Han characters: a two-character name that differs is another name.
        Applicant::NameSlip => {
            Some(world.take_member_where(rng, |p| contact(p) && han_name(p) && p.name.chars().count() >= 3))
        }
        Applicant::Stranger => None,
        Applicant::Relative => Some(world.take_member_where(rng, |p| contact(p) && han_name(p))),
        _ => Some(world.take_member_where(rng, contact)),
    };
    let (name, male, birth, phone, address) = match member {
        None => {
            let male = rng.gen_bool(0.5);
            let name = names::person_name(rng, male);
            let birth = day_between(rng, ymd(1950, 1, 1), ymd(1990, 12, 31));
            let district = World::home_district(rng);
            let phone = world.new_mobile(rng);
            let address = world.new_home_address(rng, district);
            (name, male, birth, Some(phone), address)
        }
        Some(m) => {
            let p = world.persons[m as usize].clone();
            let (mut name, mut male, mut birth) = (p.name.to_string(), p.male, p.birth);
            let (mut phone, mut address) = (p.phone, p.address.unwrap_or_default());
            match kind {
                Applicant::TraditionalName => name = names::traditional(&name).unwrap_or(name),
                Applicant::NoPhone => phone = None,
                Applicant::TraditionalNoPhone => {
                    name = names::traditional(&name).unwrap_or(name);
                    phone = None;
                }
                Applicant::NewPhone => phone = Some(world.new_mobile(rng)),
                Applicant::NameSlip => {
                    let mut chars: Vec<char> = name.chars().collect();
                    let at = rng.gen_range(1..chars.len());
                    let pool = if male { names::GIVEN_MALE } else { names::GIVEN_FEMALE };
                    loop {
                        let c = pool[rng.gen_range(0..pool.len())].chars().next().unwrap_or('一');
                        if c != chars[at] {
                            chars[at] = c;
                            break;
                        }
                    }
                    name = chars.into_iter().collect();
                }
                Applicant::Relative => {
                    // A spouse or a grown child applying with the family's phone and address.
                    male = rng.gen_bool(0.5);
                    let surname = p.name.chars().next().map(String::from).unwrap_or_default();
                    name = loop {
                        let other = names::name_with_surname(rng, &surname, male);
                        if other != *p.name {
                            break other;
                        }
                    };
                    // Older or younger, never born after the world's youngest members.
                    let older = p.birth > ymd(1985, 1, 1) || (p.birth > ymd(1950, 1, 1) && rng.gen_bool(0.5));
                    let years = rng.gen_range(2..=30) * if older { -1 } else { 1 };
                    birth = plus_days(p.birth, years * 365 + rng.gen_range(1..200));
                }
                Applicant::Namesake => {
                    let years = rng.gen_range(3..=12) * if p.birth > ymd(1975, 1, 1) { -1 } else { 1 };
                    birth = plus_days(p.birth, years * 365 + rng.gen_range(1..200));
                    let district = World::home_district(rng);
                    phone = Some(world.new_mobile(rng));
                    address = world.new_home_address(rng, district);
                }
                Applicant::Exact | Applicant::Stranger => {}
            }
            (name, male, birth, phone, address)
        }
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
        phone,
        address: Some(address),
        employer: None,
        since: None,
        accounts: Vec::new(),
        background_claims: false,
        reserved: true,
    });
    let person = world.persons.len() as u32 - 1;
    let applied_on = day_between(rng, ymd(2023, 1, 1), plus_days(ymd(2023, 12, 31), 0));
    let form = names::APPLICATION_KINDS[rng.gen_range(0..names::APPLICATION_KINDS.len())];
    world.applications.push(Application { person, applied_on, kind: form });
    let truth = MissingId {
        record: key,
        same_as: if known { member.map(|m| world.person_key(m)) } else { None },
        resembles: if known { None } else { member.map(|m| world.person_key(m)) },
        how: kind.word().to_owned(),
        name,
        birth_date: birth.format("%Y-%m-%d").to_string(),
        phone: phone.map(|ph| world.phone_key(ph)),
    };
    world.resolution.missing_id_records.push(truth);
}
