//! The fraud patterns planted in the world: forging staff, collusion rings, overlapping stays,
//! claims after death, duplicate and over-reimbursed claims, invalid-ID claimants, claims paid
//! to strangers, shell-company networks and transfer cycles. Each records its ground truth as
//! it goes, in the keys the graph will hold.

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ids::{self, BadId};
use super::names::{self, Diagnosis, DIAGNOSES};
use super::truth::{
    ClaimsAfterDeath, CollusionRing, DuplicateClaims, ForgedClaim, ForgingStaff, InvalidIdClaimant, OverBilled,
    OverlappingStay, PaidToOther, Relative, ShellNetwork, TransferCycle,
};
use super::world::{
    day_between, period_end, period_start, plus_days, ymd, ClaimRow, CompanyKind, Role, TransferRow, World,
};

/// Planted claims are numbered from here, far above any background claim, so their ids come
/// out of the same scramble without colliding.
pub(crate) const PLANTED_CLAIM_BASE: u64 = 9_000_000_000;
/// Planted transfers are numbered from here.
pub(crate) const PLANTED_TXN_BASE: u64 = 900_000_000_000;

/// Plants every fraud pattern, scaled by the world's `k`.
pub(crate) fn plant_patterns(world: &mut World, rng: &mut ChaCha8Rng) {
    world.next_claim = PLANTED_CLAIM_BASE;
    world.next_txn = PLANTED_TXN_BASE;
    let k = world.params.k;
    for _ in 0..k {
        forging_staff(world, rng);
    }
    for _ in 0..3 * k {
        collusion_ring(world, rng);
    }
    for _ in 0..5 * k {
        overlapping_stay(world, rng);
    }
    for _ in 0..5 * k {
        claims_after_death(world, rng);
    }
    for _ in 0..5 * k {
        duplicate_claims(world, rng);
    }
    for _ in 0..5 * k {
        over_billed(world, rng);
    }
    for i in 0..5 * k {
        invalid_id_claimant(world, rng, i);
    }
    for _ in 0..5 * k {
        paid_to_other(world, rng);
    }
    let mut shell_accounts = Vec::new();
    for _ in 0..2 * k {
        shell_accounts.push(shell_network(world, rng));
    }
    for i in 0..3 * k {
        let accounts = if i % 2 == 0 { Some(shell_accounts[(i / 2) % shell_accounts.len()].clone()) } else { None };
        transfer_cycle(world, rng, accounts);
    }
}

/// A claim key.
pub(crate) fn claim_key(row: &ClaimRow) -> String {
    ids::claim_id(row.n)
}

/// A billed amount for a diagnosis, in cents; round yuan four times in ten.
pub(crate) fn billed_cents(rng: &mut impl Rng, dx: &Diagnosis) -> i64 {
    let cents = rng.gen_range(i64::from(dx.billed_yuan.0) * 100..=i64::from(dx.billed_yuan.1) * 100);
    if rng.gen_bool(0.4) {
        cents / 100 * 100
    } else {
        cents
    }
}

/// A staff member to handle a claim: any who is not forging.
pub(crate) fn honest_handler(world: &World, rng: &mut impl Rng) -> u32 {
    loop {
        let s = world.staff[rng.gen_range(0..world.staff.len())];
        if !world.persons[s as usize].reserved {
            return s;
        }
    }
}

/// Any hospital other than the big one.
fn small_hospital(world: &World, rng: &mut impl Rng) -> u32 {
    rng.gen_range(1..world.hospitals.len() as u32)
}

/// An ordinary claim for `patient` at `hospital`, admitted on `admitted`, paid to their own
/// first account and handled by an honest staff member. Not yet added to the world.
pub(crate) fn ordinary_claim(
    world: &mut World,
    rng: &mut impl Rng,
    patient: u32,
    hospital: u32,
    admitted: NaiveDate,
) -> ClaimRow {
    let dx = &DIAGNOSES[rng.gen_range(0..DIAGNOSES.len())];
    let stay = rng.gen_range(dx.stay_days.0..=dx.stay_days.1);
    let discharged = plus_days(admitted, i64::from(stay));
    let billed = billed_cents(rng, dx);
    let reimbursed = billed * rng.gen_range(55..=90) / 100;
    ClaimRow {
        n: world.next_claim_n(),
        patient,
        hospital,
        admitted,
        discharged,
        claimed_on: plus_days(discharged, rng.gen_range(2..=45)),
        billed,
        reimbursed,
        diagnosis: dx.label,
        status: names::STATUS_PAID,
        handler: Some(honest_handler(world, rng)),
        payee: world.persons[patient as usize].accounts.first().copied(),
    }
}

/// `count` ordinary claims for `patient`, one per equal slice of the period so that they never
/// overlap; returns their keys.
pub(crate) fn ordinary_claims(world: &mut World, rng: &mut impl Rng, patient: u32, count: usize) -> Vec<String> {
    let (start, end) = (period_start(), plus_days(period_end(), -30));
    let slot = (end - start).num_days() / count.max(1) as i64;
    let mut keys = Vec::with_capacity(count);
    for j in 0..count as i64 {
        let from = plus_days(start, j * slot);
        let admitted = day_between(rng, from, plus_days(from, slot - 20));
        let hospital = rng.gen_range(0..world.hospitals.len() as u32);
        let row = ordinary_claim(world, rng, patient, hospital, admitted);
        keys.push(claim_key(&row));
        world.planted_claims.push(row);
    }
    keys
}

/// A forging staff member: relatives share their phone or address and hold the accounts that
/// forged claims, in the names of members who never went to hospital, are paid into.
fn forging_staff(world: &mut World, rng: &mut ChaCha8Rng) {
    let staff = loop {
        let s = world.staff[rng.gen_range(0..world.staff.len())];
        if !world.persons[s as usize].reserved {
            world.persons[s as usize].reserved = true;
            break s;
        }
    };
    let (phone, address) = {
        let p = &world.persons[staff as usize];
        (p.phone.unwrap_or_default(), p.address.unwrap_or_default())
    };
    let mut relatives = Vec::new();
    for i in 0..rng.gen_range(2..=4) {
        let relative = world.take_member_where(rng, |p| !p.accounts.is_empty());
        let shares = if i % 2 == 0 {
            world.persons[relative as usize].phone = Some(phone);
            "phone"
        } else {
            world.persons[relative as usize].address = Some(address);
            "address"
        };
        relatives.push((relative, shares, world.persons[relative as usize].accounts[0]));
    }
    let n_forged = rng.gen_range(12..=18);
    let mut claims = Vec::new();
    let mut forged = 0;
    while forged < n_forged {
        let victim = world.take_member(rng);
        world.persons[victim as usize].background_claims = false;
        let per_victim: usize = if n_forged - forged >= 2 && rng.gen_bool(0.5) { 2 } else { 1 };
        let (start, end) = (period_start(), plus_days(period_end(), -60));
        let slot = (end - start).num_days() / per_victim as i64;
        for j in 0..per_victim as i64 {
            let from = plus_days(start, j * slot);
            let admitted = day_between(rng, from, plus_days(from, slot - 20));
            let hospital = rng.gen_range(0..world.hospitals.len() as u32);
            let mut row = ordinary_claim(world, rng, victim, hospital, admitted);
            let (relative, _, account) = relatives[forged % relatives.len()];
            // Just under a review threshold of 10,000 yuan, and reimbursed generously.
            row.billed = rng.gen_range(300_000..=980_000);
            row.reimbursed = row.billed * rng.gen_range(85..=95) / 100;
            row.handler = Some(staff);
            row.payee = Some(account);
            claims.push(ForgedClaim {
                claim: claim_key(&row),
                claimant: world.person_key(victim),
                paid_to: world.account_key(account),
                relative: world.person_key(relative),
            });
            world.planted_claims.push(row);
            forged += 1;
        }
    }
    let truth = ForgingStaff {
        staff: world.person_key(staff),
        phone: world.phone_key(phone),
        address: world.address_key(address),
        relatives: relatives
            .iter()
            .map(|&(p, shares, a)| Relative {
                person: world.person_key(p),
                shares: shares.to_owned(),
                account: world.account_key(a),
            })
            .collect(),
        claims,
    };
    world.patterns.forging_staff.push(truth);
}

/// A collusion ring: 5–15 members claiming inflated amounts at one hospital, sharing one to
/// three phones, addresses and payee accounts.
fn collusion_ring(world: &mut World, rng: &mut ChaCha8Rng) {
    let used: Vec<String> = world.patterns.collusion_rings.iter().map(|r| r.hospital.clone()).collect();
    let hospital = loop {
        let h = small_hospital(world, rng);
        if !used.contains(&world.hospital_key(h)) || used.len() + 1 >= world.hospitals.len() {
            break h;
        }
    };
    let district = world.hospitals[hospital as usize].district;
    let size = rng.gen_range(5..=15usize);
    let members: Vec<u32> = (0..size)
        .map(|_| {
            let m = world.take_member_where(rng, |p| !p.accounts.is_empty());
            world.persons[m as usize].background_claims = false;
            m
        })
        .collect();
    // Three in four members use a ring phone, two in three a ring address; each shared value
    // goes to at least two members.
    let phone_users: Vec<u32> = members.iter().enumerate().filter(|(i, _)| i % 4 != 3).map(|(_, &m)| m).collect();
    let address_users: Vec<u32> = members.iter().enumerate().filter(|(i, _)| i % 3 != 2).map(|(_, &m)| m).collect();
    let n_phones = rng.gen_range(1..=3usize).min(phone_users.len() / 2).max(1);
    let n_addresses = rng.gen_range(1..=3usize).min(address_users.len() / 2).max(1);
    let phones: Vec<u32> = (0..n_phones).map(|_| world.new_mobile(rng)).collect();
    let addresses: Vec<u32> = (0..n_addresses).map(|_| world.new_home_address(rng, district)).collect();
    for (j, &m) in phone_users.iter().enumerate() {
        world.persons[m as usize].phone = Some(phones[j % n_phones]);
    }
    for (j, &m) in address_users.iter().enumerate() {
        world.persons[m as usize].address = Some(addresses[j % n_addresses]);
    }
    let n_accounts = rng.gen_range(1..=3usize);
    let accounts: Vec<u32> = members[..n_accounts].iter().map(|&m| world.persons[m as usize].accounts[0]).collect();
    // The ring is active for nine months somewhere in the period.
    let active_from = day_between(rng, ymd(2021, 3, 1), ymd(2023, 1, 31));
    let mut claims = Vec::new();
    for (i, &m) in members.iter().enumerate() {
        let count = rng.gen_range(2..=4i64);
        let slot = 270 / count;
        for j in 0..count {
            let from = plus_days(active_from, j * slot);
            let admitted = day_between(rng, from, plus_days(from, slot - 20));
            let mut row = ordinary_claim(world, rng, m, hospital, admitted);
            row.billed *= rng.gen_range(3..=6);
            row.reimbursed = row.billed * rng.gen_range(85..=95) / 100;
            row.payee = Some(accounts[i % n_accounts]);
            claims.push(claim_key(&row));
            world.planted_claims.push(row);
        }
    }
    let truth = CollusionRing {
        hospital: world.hospital_key(hospital),
        members: members.iter().map(|&m| world.person_key(m)).collect(),
        phones: phones.iter().map(|&p| world.phone_key(p)).collect(),
        addresses: addresses.iter().map(|&a| world.address_key(a)).collect(),
        accounts: accounts.iter().map(|&a| world.account_key(a)).collect(),
        claims,
    };
    world.patterns.collusion_rings.push(truth);
}

/// One person in two hospitals at once.
fn overlapping_stay(world: &mut World, rng: &mut ChaCha8Rng) {
    let person = world.take_member_where(rng, |p| !p.accounts.is_empty());
    world.persons[person as usize].background_claims = false;
    let first_hospital = rng.gen_range(0..world.hospitals.len() as u32);
    let second_hospital = loop {
        let h = rng.gen_range(0..world.hospitals.len() as u32);
        if h != first_hospital {
            break h;
        }
    };
    let admitted = day_between(rng, period_start(), plus_days(period_end(), -60));
    let mut first = ordinary_claim(world, rng, person, first_hospital, admitted);
    // At least four days, so the second stay can start inside it.
    first.discharged = first.discharged.max(plus_days(admitted, 4));
    let stay = (first.discharged - admitted).num_days();
    let second_admitted = plus_days(admitted, rng.gen_range(1..stay));
    let second = ordinary_claim(world, rng, person, second_hospital, second_admitted);
    let overlap = (first.discharged.min(second.discharged) - second_admitted).num_days();
    let truth = OverlappingStay {
        person: world.person_key(person),
        claims: [claim_key(&first), claim_key(&second)],
        hospitals: [world.hospital_key(first_hospital), world.hospital_key(second_hospital)],
        overlap_days: overlap,
    };
    world.planted_claims.push(first);
    world.planted_claims.push(second);
    world.patterns.overlapping_stays.push(truth);
}

/// A member who died in the period, with a claim admitted after the death (and perhaps an
/// honest one before it).
fn claims_after_death(world: &mut World, rng: &mut ChaCha8Rng) {
    let person = world.take_member_where(rng, |p| !p.accounts.is_empty() && p.birth < ymd(1967, 1, 1));
    let death = day_between(rng, ymd(2021, 6, 1), ymd(2023, 6, 30));
    world.persons[person as usize].death = Some(death);
    world.persons[person as usize].background_claims = false;
    let mut before = Vec::new();
    if rng.gen_bool(0.6) {
        let admitted = day_between(rng, plus_days(death, -300).max(period_start()), plus_days(death, -40));
        let hospital = rng.gen_range(0..world.hospitals.len() as u32);
        let row = ordinary_claim(world, rng, person, hospital, admitted);
        before.push(claim_key(&row));
        world.planted_claims.push(row);
    }
    let mut after = Vec::new();
    for _ in 0..rng.gen_range(1..=2) {
        let admitted = day_between(rng, plus_days(death, 10), plus_days(death, 180).min(plus_days(period_end(), -20)));
        let hospital = rng.gen_range(0..world.hospitals.len() as u32);
        let row = ordinary_claim(world, rng, person, hospital, admitted);
        after.push(claim_key(&row));
        world.planted_claims.push(row);
    }
    let truth = ClaimsAfterDeath {
        person: world.person_key(person),
        death_date: death.format("%Y-%m-%d").to_string(),
        claims: after,
        claims_before: before,
    };
    world.patterns.claims_after_death.push(truth);
}

/// The same stay claimed twice under two claim ids, a few weeks apart.
fn duplicate_claims(world: &mut World, rng: &mut ChaCha8Rng) {
    let person = world.take_member_where(rng, |p| !p.accounts.is_empty());
    world.persons[person as usize].background_claims = false;
    let hospital = rng.gen_range(0..world.hospitals.len() as u32);
    let admitted = day_between(rng, period_start(), plus_days(period_end(), -90));
    let first = ordinary_claim(world, rng, person, hospital, admitted);
    let mut second = first.clone();
    second.n = world.next_claim_n();
    second.claimed_on = plus_days(first.claimed_on, rng.gen_range(5..=40));
    second.handler = Some(honest_handler(world, rng));
    let truth = DuplicateClaims {
        person: world.person_key(person),
        hospital: world.hospital_key(hospital),
        claims: [claim_key(&first), claim_key(&second)],
    };
    world.planted_claims.push(first);
    world.planted_claims.push(second);
    world.patterns.duplicate_claims.push(truth);
}

/// A claim reimbursed above its bill.
fn over_billed(world: &mut World, rng: &mut ChaCha8Rng) {
    let person = world.take_member_where(rng, |p| !p.accounts.is_empty());
    world.persons[person as usize].background_claims = false;
    let admitted = day_between(rng, period_start(), plus_days(period_end(), -60));
    let hospital = rng.gen_range(0..world.hospitals.len() as u32);
    let mut row = ordinary_claim(world, rng, person, hospital, admitted);
    row.reimbursed = row.billed * rng.gen_range(110..=180) / 100;
    let truth = OverBilled {
        claim: claim_key(&row),
        person: world.person_key(person),
        billed_cents: row.billed,
        reimbursed_cents: row.reimbursed,
    };
    world.planted_claims.push(row);
    world.patterns.reimbursed_over_billed.push(truth);
}

/// A member whose resident ID is invalid everywhere it is written, with one to three claims.
fn invalid_id_claimant(world: &mut World, rng: &mut ChaCha8Rng, i: usize) {
    let person = world.take_member_where(rng, |p| !p.accounts.is_empty());
    world.persons[person as usize].background_claims = false;
    let kind = [BadId::CheckDigit, BadId::ImpossibleDate, BadId::Short][i % 3];
    let (region, birth) = {
        let p = &world.persons[person as usize];
        (p.key[..6].to_owned(), p.birth)
    };
    let raw = loop {
        let raw = ids::invalid_resident_id(rng, &region, birth, kind);
        if world.reserve_text_key(&raw) {
            break raw;
        }
    };
    let reason = match graph_schema::normalise::resident_id(&raw) {
        Err(invalid) => invalid.0,
        Ok(_) => String::from("valid"),
    };
    world.persons[person as usize].key = raw.into();
    world.persons[person as usize].id_valid = false;
    let count = rng.gen_range(1..=3);
    let claims = ordinary_claims(world, rng, person, count);
    let truth = InvalidIdClaimant { person: world.person_key(person), reason, claims };
    world.patterns.invalid_id_claimants.push(truth);
}

/// A claim paid into an unrelated member's account.
fn paid_to_other(world: &mut World, rng: &mut ChaCha8Rng) {
    let person = world.take_member(rng);
    world.persons[person as usize].background_claims = false;
    let home = world.persons[person as usize].address;
    let holder = world.take_member_where(rng, |p| !p.accounts.is_empty() && p.address != home);
    let admitted = day_between(rng, period_start(), plus_days(period_end(), -60));
    let hospital = rng.gen_range(0..world.hospitals.len() as u32);
    let mut row = ordinary_claim(world, rng, person, hospital, admitted);
    let account = world.persons[holder as usize].accounts[0];
    row.payee = Some(account);
    let truth = PaidToOther {
        claim: claim_key(&row),
        claimant: world.person_key(person),
        account: world.account_key(account),
        holder: world.person_key(holder),
    };
    world.planted_claims.push(row);
    world.patterns.paid_to_other.push(truth);
}

/// Three to five shell companies at one office suite with one phone, represented by one or
/// two people, each owning part of the next: A owns B owns C owns A. Returns their accounts.
fn shell_network(world: &mut World, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let district = World::home_district(rng);
    let address = world.new_office_address(rng, district);
    let phone = world.new_landline(rng, district.city);
    let reps: Vec<u32> = (0..rng.gen_range(1..=2)).map(|_| world.new_outsider(rng, district)).collect();
    let n = rng.gen_range(3..=5usize);
    let companies: Vec<u32> = (0..n)
        .map(|_| {
            let name = world.company_name(rng, district.city, names::SHELL_INDUSTRIES);
            world.add_company(rng, CompanyKind::Shell, name, district, Some(address), Some(phone))
        })
        .collect();
    let mut shares = Vec::with_capacity(n);
    for (i, &company) in companies.iter().enumerate() {
        world.roles.push(Role::LegalRep { person: reps[i % reps.len()], company });
        if reps.len() > 1 {
            world.roles.push(Role::Director { person: reps[(i + 1) % reps.len()], company });
        }
        let owned = companies[(i + 1) % n];
        let share_bp = rng.gen_range(40..=100) * 100;
        world.roles.push(Role::CompanyShareholder { owner: company, company: owned, share_bp });
        if share_bp < 10_000 {
            world.roles.push(Role::PersonShareholder {
                person: reps[i % reps.len()],
                company: owned,
                share_bp: 10_000 - share_bp,
            });
        }
        shares.push(share_bp);
    }
    let accounts: Vec<u32> = companies.iter().map(|&c| world.companies[c as usize].accounts[0]).collect();
    let truth = ShellNetwork {
        companies: companies.iter().map(|&c| world.company_key(c)).collect(),
        address: world.address_key(address),
        phone: world.phone_key(phone),
        legal_reps: reps.iter().map(|&p| world.person_key(p)).collect(),
        shares_bp: shares,
        accounts: accounts.iter().map(|&a| world.account_key(a)).collect(),
    };
    world.patterns.shell_networks.push(truth);
    accounts
}

/// Money sent round a cycle of accounts (shell companies' or members'), each hop keeping a
/// small cut, back to the start within 30 days with at least 90% of it.
fn transfer_cycle(world: &mut World, rng: &mut ChaCha8Rng, shell_accounts: Option<Vec<u32>>) {
    let accounts = shell_accounts.unwrap_or_else(|| {
        (0..rng.gen_range(3..=5))
            .map(|_| {
                let m = world.take_member_where(rng, |p| !p.accounts.is_empty());
                world.persons[m as usize].accounts[0]
            })
            .collect()
    });
    let first_amount: i64 = rng.gen_range(50_000..=800_000) * 100;
    let start = period_start().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp();
    let latest = plus_days(period_end(), -35).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp();
    let mut time = rng.gen_range(start..latest);
    let mut amount = first_amount;
    let mut truth = TransferCycle::default();
    let first_time = time;
    for (i, &from) in accounts.iter().enumerate() {
        let to = accounts[(i + 1) % accounts.len()];
        let n = world.next_txn_n();
        world.planted_transfers.push(TransferRow { n, from, to, amount, time, channel: names::CHANNELS[0] });
        truth.accounts.push(world.account_key(from));
        truth.amounts_cents.push(amount);
        truth.times.push(graph_schema::normalise::format_secs(time));
        // 98.0–99.5% goes on: at most five hops keep 90%.
        amount = amount * rng.gen_range(980..=995) / 1000;
        time += rng.gen_range(2 * 3_600..5 * 86_400);
    }
    let last_amount = *truth.amounts_cents.last().unwrap_or(&first_amount);
    let last_time = world.planted_transfers.last().map(|t| t.time).unwrap_or(first_time);
    truth.returned = (last_amount as f64 / first_amount as f64 * 10_000.0).round() / 10_000.0;
    truth.days = ((last_time - first_time) as f64 / 86_400.0 * 100.0).round() / 100.0;
    world.patterns.transfer_cycles.push(truth);
}
