//! The demo world in memory: people, staff, companies, hospitals, addresses, phones and
//! accounts, with their canonical keys. Claims and transfers are not held here (except the few
//! planted ones); they are generated chunk by chunk while writing, from this read-only world.

use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;

use super::ids::{self, Registrar};
use super::names::{self, District, HOME_DISTRICTS};
use super::truth::{EntityResolution, Lookalikes, Patterns};
use super::Size;

/// Claims per member in the background, so that the small world has about 10,000.
pub(crate) const CLAIMS_PER_MEMBER: u64 = 5;
/// Background transfers per member, so that the small world has about 20,000.
pub(crate) const TRANSFERS_PER_MEMBER: u64 = 10;
/// Members per background-claims chunk; each chunk has its own seeded generator.
pub(crate) const MEMBERS_PER_CHUNK: usize = 1_000;
/// Transfers per background-transfers chunk.
pub(crate) const TRANSFERS_PER_CHUNK: u64 = 50_000;

/// First day of the period the claims and transfers fall in.
pub(crate) fn period_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default()
}

/// Last day of the period.
pub(crate) fn period_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default()
}

/// A uniformly random day in `from..=to` (`from` when the range is empty).
pub(crate) fn day_between(rng: &mut impl Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    from + Days::new(rng.gen_range(0..=span) as u64)
}

/// `day` plus `n` days.
pub(crate) fn plus_days(day: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        day + Days::new(n as u64)
    } else {
        day - Days::new(n.unsigned_abs())
    }
}

/// A date from its parts; the demo only ever asks for real dates.
pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// How many of each thing a world size has. Planted patterns scale with `k`, about the square
/// root of the size ratio, so that bigger worlds have more of them but not in proportion.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub(crate) size: Size,
    pub(crate) members: usize,
    pub(crate) hospitals: usize,
    pub(crate) employers: usize,
    pub(crate) merchants: usize,
    pub(crate) staff: usize,
    pub(crate) k: usize,
}

impl Params {
    pub(crate) fn for_size(size: Size) -> Params {
        match size {
            Size::Small => {
                Params { size, members: 2_000, hospitals: 20, employers: 30, merchants: 20, staff: 20, k: 1 }
            }
            Size::Medium => {
                Params { size, members: 200_000, hospitals: 300, employers: 2_500, merchants: 1_500, staff: 400, k: 10 }
            }
            Size::Large => Params {
                size,
                members: 1_000_000,
                hospitals: 800,
                employers: 10_000,
                merchants: 5_000,
                staff: 1_500,
                k: 22,
            },
        }
    }
}

/// What a person is in the world, which decides the file they are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PersonKind {
    /// A union member or dependant covered by the fund: `persons.csv`.
    Member,
    /// A fund employee who handles claims: `staff.csv`.
    Staff,
    /// Someone known only from the company registry: `roles.csv`.
    Outsider,
    /// A hardship-grant application typed from a paper form without an ID: `applications.csv`.
    Applicant,
}

/// A person with the key the graph will hold.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) kind: PersonKind,
    /// The normalised resident ID, or for an invalid one the raw text upper-cased, or for an
    /// applicant the application number.
    pub(crate) key: Box<str>,
    pub(crate) id_valid: bool,
    pub(crate) name: Box<str>,
    /// A different spelling (traditional characters) used outside `persons.csv`.
    pub(crate) alt_name: Option<Box<str>>,
    pub(crate) male: bool,
    pub(crate) birth: NaiveDate,
    pub(crate) death: Option<NaiveDate>,
    pub(crate) phone: Option<u32>,
    pub(crate) address: Option<u32>,
    pub(crate) employer: Option<u32>,
    pub(crate) since: Option<NaiveDate>,
    pub(crate) accounts: Vec<u32>,
    /// Gets claims from the background generator.
    pub(crate) background_claims: bool,
    /// Taken by a planted pattern or trap, so no other pattern picks them.
    pub(crate) reserved: bool,
}

impl Person {
    /// Alive for the whole claims period, so safe for background activity.
    pub(crate) fn active(&self) -> bool {
        self.death.is_none()
    }
}

/// An address with the district it lies in.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub(crate) text: Box<str>,
    pub(crate) district: District,
}

/// What a company is for, in the world's story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompanyKind {
    /// The union's mutual-aid office that runs the fund and employs the staff.
    Union,
    /// The supermarket chain that employs hundreds and takes thousands of payments.
    BigEmployer,
    /// An ordinary employer.
    Employer,
    /// A shop or service that members pay.
    Merchant,
    /// A planted shell company.
    Shell,
}

/// A company with its canonical credit code.
#[derive(Debug, Clone)]
pub(crate) struct Company {
    pub(crate) kind: CompanyKind,
    pub(crate) code: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) registered_on: NaiveDate,
    pub(crate) status: &'static str,
    pub(crate) address: u32,
    pub(crate) phone: u32,
    pub(crate) accounts: Vec<u32>,
}

/// A hospital: its insurance code (the claims key), and the institution behind it, which has
/// a credit code, an address, a switchboard and an account.
#[derive(Debug, Clone)]
pub(crate) struct Hospital {
    pub(crate) code: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) level: &'static str,
    pub(crate) district: District,
    pub(crate) credit_code: Box<str>,
    pub(crate) address: u32,
    pub(crate) switchboard: u32,
    pub(crate) account: u32,
}

/// Who holds an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    Person(u32),
    Company(u32),
    Hospital(u32),
}

/// A bank account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) number: Box<str>,
    pub(crate) bank: &'static str,
    pub(crate) holder: Holder,
    pub(crate) opened_on: NaiveDate,
}

/// A registry role: one row of `roles.csv`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    LegalRep { person: u32, company: u32 },
    Director { person: u32, company: u32 },
    PersonShareholder { person: u32, company: u32, share_bp: u32 },
    CompanyShareholder { owner: u32, company: u32, share_bp: u32 },
}

/// A hardship-grant application without a resident ID.
#[derive(Debug, Clone)]
pub(crate) struct Application {
    pub(crate) person: u32,
    pub(crate) applied_on: NaiveDate,
    pub(crate) kind: &'static str,
}

/// A claim as it should be in the graph, before dirt.
#[derive(Debug, Clone)]
pub(crate) struct ClaimRow {
    /// Sequence number behind the claim id.
    pub(crate) n: u64,
    pub(crate) patient: u32,
    pub(crate) hospital: u32,
    pub(crate) admitted: NaiveDate,
    pub(crate) discharged: NaiveDate,
    pub(crate) claimed_on: NaiveDate,
    pub(crate) billed: i64,
    pub(crate) reimbursed: i64,
    pub(crate) diagnosis: &'static str,
    pub(crate) status: &'static str,
    pub(crate) handler: Option<u32>,
    pub(crate) payee: Option<u32>,
}

/// A transfer as it should be in the graph, before dirt.
#[derive(Debug, Clone)]
pub(crate) struct TransferRow {
    pub(crate) n: u64,
    pub(crate) from: u32,
    pub(crate) to: u32,
    pub(crate) amount: i64,
    /// Seconds since the epoch, wall-clock time as recorded.
    pub(crate) time: i64,
    pub(crate) channel: &'static str,
}

/// Guards against accidental collisions, so that every entity generated is one node.
#[derive(Default)]
struct Unique {
    ids: FxHashSet<u64>,
    phones: FxHashSet<u64>,
    accounts: FxHashSet<u64>,
    texts: FxHashSet<u64>,
}

fn text_hash(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

/// The whole world except the background claims and transfers.
pub(crate) struct World {
    pub(crate) params: Params,
    pub(crate) addresses: Vec<Address>,
    pub(crate) phones: Vec<Box<str>>,
    pub(crate) persons: Vec<Person>,
    /// Members in `persons.csv` order.
    pub(crate) members: Vec<u32>,
    pub(crate) staff: Vec<u32>,
    pub(crate) outsiders: Vec<u32>,
    pub(crate) applications: Vec<Application>,
    pub(crate) companies: Vec<Company>,
    pub(crate) hospitals: Vec<Hospital>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) roles: Vec<Role>,
    /// Households: the address and the members living there.
    pub(crate) households: Vec<(u32, Vec<u32>)>,
    pub(crate) union_office: u32,
    pub(crate) big_employer: u32,
    /// The big employer's receipts account (the supernode) and payroll account.
    pub(crate) big_receipts: u32,
    pub(crate) big_payroll: u32,
    pub(crate) employers: Vec<u32>,
    pub(crate) merchants: Vec<u32>,
    /// Staff who handle background claims (the forging staff too: they also do honest work).
    pub(crate) handlers: Vec<u32>,
    pub(crate) planted_claims: Vec<ClaimRow>,
    pub(crate) planted_transfers: Vec<TransferRow>,
    /// Background claim counts per chunk of [`MEMBERS_PER_CHUNK`] members, filled by
    /// [`World::seal`].
    pub(crate) claim_chunk_counts: Vec<u64>,
    /// First claim number of each chunk.
    pub(crate) claim_chunk_bases: Vec<u64>,
    pub(crate) n_background_claims: u64,
    pub(crate) n_background_transfers: u64,
    /// Accounts of members alive through the period, for background transfers.
    pub(crate) active_member_accounts: Vec<u32>,
    /// (employee, paying account) pairs for salaries.
    pub(crate) payroll: Vec<(u32, u32)>,
    pub(crate) next_claim: u64,
    pub(crate) next_txn: u64,
    pub(crate) patterns: Patterns,
    pub(crate) lookalikes: Lookalikes,
    pub(crate) resolution: EntityResolution,
    unique: Unique,
}

impl World {
    /// Generates the population: hospitals, companies, staff, members in households, and the
    /// registry roles of the companies. Patterns are planted afterwards by `plant` and `traps`.
    pub(crate) fn populate(params: Params, rng: &mut ChaCha8Rng) -> World {
        let mut world = World {
            params,
            addresses: Vec::new(),
            phones: Vec::new(),
            persons: Vec::new(),
            members: Vec::new(),
            staff: Vec::new(),
            outsiders: Vec::new(),
            applications: Vec::new(),
            companies: Vec::new(),
            hospitals: Vec::new(),
            accounts: Vec::new(),
            roles: Vec::new(),
            households: Vec::new(),
            union_office: 0,
            big_employer: 0,
            big_receipts: 0,
            big_payroll: 0,
            employers: Vec::new(),
            merchants: Vec::new(),
            handlers: Vec::new(),
            planted_claims: Vec::new(),
            planted_transfers: Vec::new(),
            claim_chunk_counts: Vec::new(),
            claim_chunk_bases: Vec::new(),
            n_background_claims: 0,
            n_background_transfers: 0,
            active_member_accounts: Vec::new(),
            payroll: Vec::new(),
            next_claim: 0,
            next_txn: 0,
            patterns: Patterns::default(),
            lookalikes: Lookalikes::default(),
            resolution: EntityResolution::default(),
            unique: Unique::default(),
        };
        world.add_hospitals(rng);
        world.add_companies(rng);
        world.add_staff(rng);
        world.add_members(rng);
        world.add_registry_roles(rng);
        world
    }

    /// A home district, Nanjing's ten weighted over the other two cities' five.
    pub(crate) fn home_district(rng: &mut impl Rng) -> District {
        if rng.gen_bool(0.75) {
            HOME_DISTRICTS[rng.gen_range(0..10)]
        } else {
            HOME_DISTRICTS[rng.gen_range(10..HOME_DISTRICTS.len())]
        }
    }

    fn push_address(&mut self, text: String, district: District) -> Option<u32> {
        if !self.unique.texts.insert(text_hash(&text)) {
            return None;
        }
        self.addresses.push(Address { text: text.into(), district });
        Some(self.addresses.len() as u32 - 1)
    }

    /// A new home address in `district`: street, number, compound, building and flat.
    pub(crate) fn new_home_address(&mut self, rng: &mut impl Rng, district: District) -> u32 {
        loop {
            let street = names::STREETS[rng.gen_range(0..names::STREETS.len())];
            let text = if rng.gen_bool(0.7) {
                let compound = names::COMPOUNDS[rng.gen_range(0..names::COMPOUNDS.len())];
                format!(
                    "{}{}{street}{}号{compound}{}栋{}室",
                    district.city,
                    district.name,
                    rng.gen_range(1..400),
                    rng.gen_range(1..40),
                    rng.gen_range(1..33) * 100 + rng.gen_range(1..5)
                )
            } else {
                format!(
                    "{}{}{street}{}号{}单元{}室",
                    district.city,
                    district.name,
                    rng.gen_range(1..400),
                    rng.gen_range(1..7),
                    rng.gen_range(1..20) * 100 + rng.gen_range(1..5)
                )
            };
            if let Some(id) = self.push_address(text, district) {
                return id;
            }
        }
    }

    /// A new office address: a suite in a tower, where companies register by the dozen.
    pub(crate) fn new_office_address(&mut self, rng: &mut impl Rng, district: District) -> u32 {
        loop {
            let street = names::STREETS[rng.gen_range(0..names::STREETS.len())];
            let tower = names::TOWERS[rng.gen_range(0..names::TOWERS.len())];
            let text = format!(
                "{}{}{street}{}号{tower}{}室",
                district.city,
                district.name,
                rng.gen_range(1..400),
                rng.gen_range(2..60) * 100 + rng.gen_range(1..30)
            );
            if let Some(id) = self.push_address(text, district) {
                return id;
            }
        }
    }

    fn push_phone(&mut self, phone: String) -> Option<u32> {
        let numeric: u64 = phone.parse().unwrap_or(0);
        if !self.unique.phones.insert(numeric) {
            return None;
        }
        self.phones.push(phone.into());
        Some(self.phones.len() as u32 - 1)
    }

    /// A new mobile number.
    pub(crate) fn new_mobile(&mut self, rng: &mut impl Rng) -> u32 {
        loop {
            if let Some(id) = self.push_phone(ids::mobile(rng)) {
                return id;
            }
        }
    }

    /// A new landline in `city`.
    pub(crate) fn new_landline(&mut self, rng: &mut impl Rng, city: &str) -> u32 {
        loop {
            if let Some(id) = self.push_phone(ids::landline(rng, ids::area_code(city))) {
                return id;
            }
        }
    }

    /// A new resident ID for someone born in `region` on `birth`, unique in the world: a random
    /// sequence number, or when those keep colliding the first free one, then the same in the
    /// other birthplaces. Only if every one of those is taken is an ID repeated (the world
    /// would then hold one node fewer than it counts); no size comes near that.
    pub(crate) fn new_resident_id(&mut self, rng: &mut impl Rng, region: &str, birth: NaiveDate, male: bool) -> String {
        let fresh = |id: &str, unique: &mut Unique| unique.ids.insert(id[..17].parse().unwrap_or(0));
        for _ in 0..64 {
            let id = ids::resident_id(region, birth, ids::sequence_for(rng, male));
            if fresh(&id, &mut self.unique) {
                return id;
            }
        }
        let regions = std::iter::once(region).chain(names::BIRTH_DISTRICTS.iter().copied());
        for region in regions {
            for sequence in (u16::from(male)..1000).step_by(2) {
                let id = ids::resident_id(region, birth, sequence);
                if fresh(&id, &mut self.unique) {
                    return id;
                }
            }
        }
        ids::resident_id(region, birth, ids::sequence_for(rng, male))
    }

    /// Reserves a text key (an invalid ID kept raw) so that no other key repeats it; false if
    /// it is taken.
    pub(crate) fn reserve_text_key(&mut self, key: &str) -> bool {
        self.unique.texts.insert(text_hash(key))
    }

    /// A new account for `holder`: a card for people, a settlement account for organisations.
    pub(crate) fn new_account(&mut self, rng: &mut impl Rng, holder: Holder, opened_after: NaiveDate) -> u32 {
        let (bank, bin) = names::BANKS[rng.gen_range(0..names::BANKS.len())];
        let number = loop {
            let number = match holder {
                Holder::Person(_) => ids::card_number(rng, bin),
                Holder::Company(_) | Holder::Hospital(_) => ids::corporate_account(rng),
            };
            if self.unique.accounts.insert(number.parse().unwrap_or(0)) {
                break number;
            }
        };
        let opened_on = day_between(rng, opened_after.max(ymd(2003, 1, 1)), ymd(2020, 12, 31));
        self.accounts.push(Account { number: number.into(), bank, holder, opened_on });
        let id = self.accounts.len() as u32 - 1;
        match holder {
            Holder::Person(p) => self.persons[p as usize].accounts.push(id),
            Holder::Company(c) => self.companies[c as usize].accounts.push(id),
            Holder::Hospital(_) => {}
        }
        id
    }

    fn new_company_code(&mut self, rng: &mut impl Rng, registrar: Registrar, region: &str) -> String {
        loop {
            let code = ids::credit_code(rng, registrar, region);
            if self.unique.texts.insert(text_hash(&code)) {
                return code;
            }
        }
    }

    /// A name no other entity has, from `make`; after many collisions (a vocabulary too small
    /// for the world) an ordinal is appended rather than looping for ever.
    fn unique_name(&mut self, rng: &mut impl Rng, make: impl Fn(&mut dyn rand::RngCore) -> String) -> String {
        let mut attempt = 0u32;
        loop {
            let mut name = make(rng as &mut dyn rand::RngCore);
            if attempt >= 64 {
                name = format!("{name}（{}）", attempt - 63);
            }
            if self.unique.texts.insert(text_hash(&name)) {
                return name;
            }
            attempt = attempt.saturating_add(1);
        }
    }

    /// Adds a company with a new address, landline and (for all but the union) an account.
    pub(crate) fn add_company(
        &mut self,
        rng: &mut impl Rng,
        kind: CompanyKind,
        name: String,
        district: District,
        address: Option<u32>,
        phone: Option<u32>,
    ) -> u32 {
        let registrar = if kind == CompanyKind::Union { Registrar::Union } else { Registrar::Company };
        let code = self.new_company_code(rng, registrar, district.code);
        let address = address.unwrap_or_else(|| self.new_office_address(rng, district));
        let phone = phone.unwrap_or_else(|| self.new_landline(rng, district.city));
        let registered_on = match kind {
            CompanyKind::Shell => day_between(rng, ymd(2018, 1, 1), ymd(2020, 12, 31)),
            _ => day_between(rng, ymd(1995, 1, 1), ymd(2019, 12, 31)),
        };
        let status = if kind == CompanyKind::Merchant && rng.gen_ratio(1, 25) { "注销" } else { "存续" };
        self.companies.push(Company {
            kind,
            code: code.into(),
            name: name.into(),
            registered_on,
            status,
            address,
            phone,
            accounts: Vec::new(),
        });
        let id = self.companies.len() as u32 - 1;
        if kind != CompanyKind::Union {
            self.new_account(rng, Holder::Company(id), registered_on);
        }
        id
    }

    /// A made-up company name in a city.
    pub(crate) fn company_name(
        &mut self,
        rng: &mut impl Rng,
        city: &str,
        industries: &'static [&'static str],
    ) -> String {
        let short = city.trim_end_matches('市').to_owned();
        self.unique_name(rng, move |r| {
            let brand = names::brand(r);
            let industry = industries[r.gen_range(0..industries.len())];
            if r.gen_ratio(1, 6) {
                // Full-width brackets, as registries print them; the name normaliser folds them.
                format!("{short}{brand}{industry}（集团）有限公司")
            } else {
                format!("{short}{brand}{industry}有限公司")
            }
        })
    }

    fn add_hospitals(&mut self, rng: &mut impl Rng) {
        for i in 0..self.params.hospitals {
            let district = if i == 0 { HOME_DISTRICTS[3] } else { Self::home_district(rng) };
            let (name, level) = if i == 0 {
                ("金陵大学附属第一医院".to_owned(), names::HOSPITAL_LEVELS[0])
            } else {
                let city = district.city.trim_end_matches('市').to_owned();
                let district_short = district.name.trim_end_matches('区').to_owned();
                let name = self.unique_name(rng, move |r| {
                    let stem = names::HOSPITAL_STEMS[r.gen_range(0..names::HOSPITAL_STEMS.len())];
                    let kind = names::HOSPITAL_KINDS[r.gen_range(0..names::HOSPITAL_KINDS.len())];
                    match r.gen_range(0..3) {
                        0 => format!("{city}{stem}{kind}"),
                        1 => format!("{district_short}{stem}{kind}"),
                        _ => format!("{city}{district_short}{stem}{kind}"),
                    }
                });
                // Few hospitals are top grade; most are second grade.
                let level = match rng.gen_range(0..100) {
                    0..=9 => 0,
                    10..=24 => 1,
                    25..=59 => 2,
                    60..=84 => 3,
                    _ => 4,
                };
                (name, names::HOSPITAL_LEVELS[level])
            };
            let credit_code = self.new_company_code(rng, Registrar::Institution, district.code);
            let address = loop {
                let street = names::STREETS[rng.gen_range(0..names::STREETS.len())];
                let text = format!("{}{}{street}{}号", district.city, district.name, rng.gen_range(1..400));
                if let Some(id) = self.push_address(text, district) {
                    break id;
                }
            };
            let switchboard = self.new_landline(rng, district.city);
            let index = self.hospitals.len() as u32;
            let account = self.new_account(rng, Holder::Hospital(index), ymd(2003, 1, 1));
            self.hospitals.push(Hospital {
                code: format!("H{}{:05}", district.code, i + 1).into(),
                name: name.into(),
                level,
                district,
                credit_code: credit_code.into(),
                address,
                switchboard,
                account,
            });
        }
    }

    fn add_companies(&mut self, rng: &mut impl Rng) {
        let home = HOME_DISTRICTS[0];
        self.union_office =
            self.add_company(rng, CompanyKind::Union, "金陵市职工互助保障中心".to_owned(), home, None, None);
        self.big_employer =
            self.add_company(rng, CompanyKind::BigEmployer, "金陵惠民超市连锁有限公司".to_owned(), home, None, None);
        self.big_receipts = self.companies[self.big_employer as usize].accounts[0];
        self.big_payroll = self.new_account(rng, Holder::Company(self.big_employer), ymd(2005, 1, 1));
        for _ in 0..self.params.employers {
            let district = Self::home_district(rng);
            let name = self.company_name(rng, district.city, names::INDUSTRIES);
            let id = self.add_company(rng, CompanyKind::Employer, name, district, None, None);
            self.employers.push(id);
        }
        for _ in 0..self.params.merchants {
            let district = Self::home_district(rng);
            let name = self.company_name(rng, district.city, names::INDUSTRIES);
            let id = self.add_company(rng, CompanyKind::Merchant, name, district, None, None);
            self.merchants.push(id);
        }
    }

    /// Adds a person of `kind` with a new valid ID, born in a home district or (one in four)
    /// elsewhere.
    pub(crate) fn add_person(
        &mut self,
        rng: &mut impl Rng,
        kind: PersonKind,
        name: String,
        male: bool,
        birth: NaiveDate,
        home: District,
    ) -> u32 {
        let region = if rng.gen_bool(0.75) {
            home.code
        } else {
            names::BIRTH_DISTRICTS[rng.gen_range(0..names::BIRTH_DISTRICTS.len())]
        };
        let key = self.new_resident_id(rng, region, birth, male);
        self.persons.push(Person {
            kind,
            key: key.into(),
            id_valid: true,
            name: name.into(),
            alt_name: None,
            male,
            birth,
            death: None,
            phone: None,
            address: None,
            employer: None,
            since: None,
            accounts: Vec::new(),
            background_claims: false,
            reserved: false,
        });
        let id = self.persons.len() as u32 - 1;
        match kind {
            PersonKind::Member => self.members.push(id),
            PersonKind::Staff => self.staff.push(id),
            PersonKind::Outsider => self.outsiders.push(id),
            PersonKind::Applicant => {}
        }
        id
    }

    fn add_staff(&mut self, rng: &mut impl Rng) {
        for _ in 0..self.params.staff {
            let male = rng.gen_bool(0.45);
            let name = names::person_name(rng, male);
            let birth = day_between(rng, ymd(1965, 1, 1), ymd(1995, 12, 31));
            let district = HOME_DISTRICTS[rng.gen_range(0..10)];
            let id = self.add_person(rng, PersonKind::Staff, name, male, birth, district);
            let phone = self.new_mobile(rng);
            let address = self.new_home_address(rng, district);
            let since = day_between(rng, ymd(2008, 1, 1), ymd(2020, 6, 30));
            let person = &mut self.persons[id as usize];
            person.phone = Some(phone);
            person.address = Some(address);
            person.employer = Some(self.union_office);
            person.since = Some(since);
            self.new_account(rng, Holder::Person(id), birth);
            self.handlers.push(id);
        }
    }

    fn add_members(&mut self, rng: &mut impl Rng) {
        let target = self.params.members;
        while self.members.len() < target {
            let left = target - self.members.len();
            let size = match rng.gen_range(0..100) {
                0..=34 => 1,
                35..=69 => 2,
                70..=89 => 3,
                _ => 4,
            }
            .min(left);
            let district = Self::home_district(rng);
            let address = self.new_home_address(rng, district);
            let family = names::surname(rng);
            let head_birth = day_between(rng, ymd(1945, 1, 1), ymd(1980, 12, 31));
            let mut household = Vec::with_capacity(size);
            for j in 0..size {
                let (male, birth) = match j {
                    0 => (rng.gen_bool(0.5), head_birth),
                    1 => (rng.gen_bool(0.5), plus_days(head_birth, rng.gen_range(-1_500..1_500))),
                    _ => {
                        // Children born 22–32 years after the head, and adult by the period.
                        // (Clamping later births to one day once piled tens of thousands of
                        // IDs onto a single birth date.)
                        let from = plus_days(head_birth, 22 * 365).min(ymd(1995, 1, 1));
                        let to = plus_days(head_birth, 32 * 365).min(ymd(2004, 12, 31));
                        (rng.gen_bool(0.5), day_between(rng, from, to))
                    }
                };
                let name = if j == 0 || (j >= 2 && rng.gen_bool(0.85)) {
                    names::name_with_surname(rng, family, male)
                } else {
                    names::person_name(rng, male)
                };
                let id = self.add_person(rng, PersonKind::Member, name, male, birth, district);
                let phone = rng.gen_bool(0.95).then(|| self.new_mobile(rng));
                let age_2022 = 2022 - birth.year();
                let (employer, since) = if (20..60).contains(&age_2022) && rng.gen_bool(0.75) {
                    let employer = if rng.gen_bool(0.2) {
                        self.big_employer
                    } else {
                        self.employers[rng.gen_range(0..self.employers.len())]
                    };
                    let earliest = plus_days(birth, 18 * 366).max(ymd(2000, 1, 1));
                    (Some(employer), Some(day_between(rng, earliest, ymd(2020, 12, 31))))
                } else {
                    (None, None)
                };
                // A few members died before the period: listed, but with no activity in it.
                let death = (age_2022 > 70 && rng.gen_ratio(1, 40))
                    .then(|| day_between(rng, ymd(2016, 1, 1), ymd(2020, 12, 31)));
                let person = &mut self.persons[id as usize];
                person.phone = phone;
                person.address = Some(address);
                person.employer = employer;
                person.since = since;
                person.death = death;
                person.background_claims = death.is_none();
                let n_accounts = if rng.gen_bool(0.2) { 2 } else { 1 };
                for _ in 0..n_accounts {
                    self.new_account(rng, Holder::Person(id), plus_days(birth, 16 * 366));
                }
                household.push(id);
            }
            self.households.push((address, household));
        }
    }

    /// Legal representatives, directors and shareholders of the ordinary companies: people
    /// known only from the registry.
    fn add_registry_roles(&mut self, rng: &mut impl Rng) {
        for company in 0..self.companies.len() as u32 {
            let kind = self.companies[company as usize].kind;
            let district = self.addresses[self.companies[company as usize].address as usize].district;
            let rep = self.new_outsider(rng, district);
            self.roles.push(Role::LegalRep { person: rep, company });
            if kind == CompanyKind::Union {
                continue;
            }
            if rng.gen_bool(0.4) {
                let director = self.new_outsider(rng, district);
                self.roles.push(Role::Director { person: director, company });
                let rep_share = rng.gen_range(51..=90) * 100;
                self.roles.push(Role::PersonShareholder { person: rep, company, share_bp: rep_share });
                self.roles.push(Role::PersonShareholder { person: director, company, share_bp: 10_000 - rep_share });
            } else {
                self.roles.push(Role::PersonShareholder { person: rep, company, share_bp: 10_000 });
            }
        }
    }

    /// A new registry-only person.
    pub(crate) fn new_outsider(&mut self, rng: &mut impl Rng, district: District) -> u32 {
        let male = rng.gen_bool(0.7);
        let name = names::person_name(rng, male);
        let birth = day_between(rng, ymd(1955, 1, 1), ymd(1992, 12, 31));
        self.add_person(rng, PersonKind::Outsider, name, male, birth, district)
    }

    /// A random member who is alive through the period and not yet used by a pattern; marks
    /// them used.
    pub(crate) fn take_member(&mut self, rng: &mut impl Rng) -> u32 {
        self.take_member_where(rng, |_| true)
    }

    /// As [`World::take_member`], among members that satisfy `accept`.
    pub(crate) fn take_member_where(&mut self, rng: &mut impl Rng, accept: impl Fn(&Person) -> bool) -> u32 {
        loop {
            let id = self.members[rng.gen_range(0..self.members.len())];
            let person = &self.persons[id as usize];
            if !person.reserved && person.active() && accept(person) {
                self.persons[id as usize].reserved = true;
                return id;
            }
        }
    }

    /// The next claim number for a planted claim.
    pub(crate) fn next_claim_n(&mut self) -> u64 {
        let n = self.next_claim;
        self.next_claim += 1;
        n
    }

    /// The next transfer number for a planted transfer.
    pub(crate) fn next_txn_n(&mut self) -> u64 {
        let n = self.next_txn;
        self.next_txn += 1;
        n
    }

    /// Fixes the background counts: claims per member chunk and transfers. Called once the
    /// patterns have settled who gets background claims; planted records number from their own
    /// base (see `plant`), so their ids do not depend on these counts.
    pub(crate) fn seal_background(&mut self) {
        self.claim_chunk_counts = self
            .members
            .chunks(MEMBERS_PER_CHUNK)
            .map(|chunk| {
                chunk.iter().filter(|&&p| self.persons[p as usize].background_claims).count() as u64 * CLAIMS_PER_MEMBER
            })
            .collect();
        let mut base = 0;
        self.claim_chunk_bases = self
            .claim_chunk_counts
            .iter()
            .map(|count| {
                let b = base;
                base += count;
                b
            })
            .collect();
        self.n_background_claims = base;
        self.n_background_transfers = self.members.len() as u64 * TRANSFERS_PER_MEMBER;
    }

    /// Fills the lists background transfers draw from, once patterns have settled who is
    /// alive and employed.
    pub(crate) fn seal_transfers(&mut self) {
        self.active_member_accounts = self
            .members
            .iter()
            .filter(|&&p| self.persons[p as usize].active())
            .flat_map(|&p| self.persons[p as usize].accounts.iter().copied())
            .collect();
        self.payroll = self
            .members
            .iter()
            .filter_map(|&p| {
                let person = &self.persons[p as usize];
                let employer = person.employer?;
                if !person.active() || person.accounts.is_empty() {
                    return None;
                }
                let paying = if employer == self.big_employer {
                    self.big_payroll
                } else {
                    *self.companies[employer as usize].accounts.first()?
                };
                Some((person.accounts[0], paying))
            })
            .collect();
    }

    /// The days background claims of person `p` may fall on: the period, or up to the day
    /// before their death.
    pub(crate) fn claim_window(&self, p: u32) -> (NaiveDate, NaiveDate) {
        let person = &self.persons[p as usize];
        let end = match person.death {
            Some(d) => plus_days(d, -1).min(period_end()),
            None => period_end(),
        };
        (period_start(), end)
    }

    /// The key of a hospital as the graph holds it.
    pub(crate) fn hospital_key(&self, h: u32) -> String {
        self.hospitals[h as usize].code.to_string()
    }

    /// The key of a person.
    pub(crate) fn person_key(&self, p: u32) -> String {
        self.persons[p as usize].key.to_string()
    }

    /// The key of an account.
    pub(crate) fn account_key(&self, a: u32) -> String {
        self.accounts[a as usize].number.to_string()
    }

    /// The key of a phone.
    pub(crate) fn phone_key(&self, ph: u32) -> String {
        self.phones[ph as usize].to_string()
    }

    /// The key of an address: its text, which the loader folds and collapses anyway.
    pub(crate) fn address_key(&self, a: u32) -> String {
        self.addresses[a as usize].text.to_string()
    }

    /// The key of a company.
    pub(crate) fn company_key(&self, c: u32) -> String {
        self.companies[c as usize].code.to_string()
    }
}
