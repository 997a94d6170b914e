//! The background: the millions of honest claims and transfers around the planted patterns,
//! generated one chunk at a time from the read-only world with a generator seeded per chunk,
//! so chunks can be made in parallel and still come out the same for the same seed.
//!
//! Background claims never overlap for one person, never follow a death, are never reimbursed
//! above the bill and are paid to the claimant's own account; background transfers form no
//! cycle (payments go to hospitals and shops, which never pay back; salaries come from payroll
//! accounts, which never receive; transfers between members run from the lower account index
//! to the higher). So every hit of a detection rule is planted, or one of the look-alikes.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::names::{self, DIAGNOSES};
use super::plant::billed_cents;
use super::world::{
    day_between, period_end, period_start, plus_days, ClaimRow, TransferRow, World, MEMBERS_PER_CHUNK,
    TRANSFERS_PER_CHUNK,
};

/// Most claims one person gets from the background.
const MAX_CLAIMS_PER_PERSON: u32 = 30;

/// Lookups the background generators share.
pub(crate) struct Background<'w> {
    pub(crate) world: &'w World,
    /// Hospitals per city, so people mostly go to a hospital in their own city.
    city_hospitals: Vec<(&'static str, Vec<u32>)>,
}

impl<'w> Background<'w> {
    pub(crate) fn new(world: &'w World) -> Self {
        let mut city_hospitals: Vec<(&'static str, Vec<u32>)> = Vec::new();
        for (h, hospital) in world.hospitals.iter().enumerate() {
            let city = hospital.district.city;
            match city_hospitals.iter_mut().find(|(c, _)| *c == city) {
                Some((_, list)) => list.push(h as u32),
                None => city_hospitals.push((city, vec![h as u32])),
            }
        }
        Background { world, city_hospitals }
    }

    /// Number of background claim chunks.
    pub(crate) fn claim_chunks(&self) -> usize {
        self.world.claim_chunk_counts.len()
    }

    /// Number of background transfer chunks.
    pub(crate) fn transfer_chunks(&self) -> usize {
        self.world.n_background_transfers.div_ceil(TRANSFERS_PER_CHUNK) as usize
    }

    /// A hospital for a patient living in `city`: the big one three times in ten, otherwise
    /// mostly one in their city.
    fn hospital_for(&self, rng: &mut impl Rng, city: Option<&str>) -> u32 {
        let n = self.world.hospitals.len() as u32;
        if rng.gen_bool(0.3) {
            return 0;
        }
        if rng.gen_bool(0.8) {
            if let Some((_, list)) = self.city_hospitals.iter().find(|(c, _)| Some(*c) == city) {
                return list[rng.gen_range(0..list.len())];
            }
        }
        rng.gen_range(0..n)
    }

    /// The background claims of one chunk of members, in admission order.
    pub(crate) fn claims(&self, chunk: usize, rng: &mut ChaCha8Rng) -> Vec<ClaimRow> {
        let world = self.world;
        let start = chunk * MEMBERS_PER_CHUNK;
        let members = &world.members[start..(start + MEMBERS_PER_CHUNK).min(world.members.len())];
        let eligible: Vec<u32> =
            members.iter().copied().filter(|&p| world.persons[p as usize].background_claims).collect();
        let total = world.claim_chunk_counts[chunk] as usize;
        if eligible.is_empty() || total == 0 {
            return Vec::new();
        }
        // Older people claim more: weight 1 under 40, 2 under 60, 4 from 60.
        let mut cumulative = Vec::with_capacity(eligible.len());
        let mut sum = 0u32;
        for &p in &eligible {
            let age = 2022 - world.persons[p as usize].birth.year();
            sum += match age {
                ..=39 => 1,
                40..=59 => 2,
                _ => 4,
            };
            cumulative.push(sum);
        }
        let mut counts = vec![0u32; eligible.len()];
        for _ in 0..total {
            let draw = rng.gen_range(0..sum);
            let mut pick = cumulative.partition_point(|&c| c <= draw);
            if counts[pick] >= MAX_CLAIMS_PER_PERSON {
                // Rare; hand the claim to the next person with room.
                pick = (0..counts.len())
                    .map(|i| (pick + i) % counts.len())
                    .find(|&i| counts[i] < MAX_CLAIMS_PER_PERSON)
                    .unwrap_or(pick);
            }
            counts[pick] += 1;
        }
        let mut rows = Vec::with_capacity(total);
        for (&p, &count) in eligible.iter().zip(&counts) {
            if count == 0 {
                continue;
            }
            let person = &world.persons[p as usize];
            let city = person.address.map(|a| world.addresses[a as usize].district.city);
            let (from, to) = world.claim_window(p);
            // One claim per equal slice of the period: stays of one person never overlap.
            let slot = (to - from).num_days() / i64::from(count);
            for j in 0..i64::from(count) {
                let slot_start = plus_days(from, j * slot);
                let dx = &DIAGNOSES[rng.gen_range(0..DIAGNOSES.len())];
                let stay = i64::from(rng.gen_range(dx.stay_days.0..=dx.stay_days.1));
                let admitted = day_between(rng, slot_start, plus_days(slot_start, (slot - stay - 1).max(0)));
                let discharged = plus_days(admitted, stay);
                let billed = billed_cents(rng, dx);
                let status = match rng.gen_range(0..100) {
                    0..=92 => names::STATUS_PAID,
                    93..=96 => names::STATUS_REVIEW,
                    _ => names::STATUS_REFUSED,
                };
                let handler = rng.gen_bool(0.88).then(|| world.handlers[rng.gen_range(0..world.handlers.len())]);
                rows.push(ClaimRow {
                    n: 0,
                    patient: p,
                    hospital: self.hospital_for(rng, city),
                    admitted,
                    discharged,
                    claimed_on: plus_days(discharged, rng.gen_range(2..=45)),
                    billed,
                    reimbursed: billed * rng.gen_range(55..=90) / 100,
                    diagnosis: dx.label,
                    status,
                    handler,
                    payee: person.accounts.get(rng.gen_range(0..person.accounts.len().max(1))).copied(),
                });
            }
        }
        rows.sort_by_key(|r| (r.admitted, r.patient));
        let base = world.claim_chunk_bases[chunk];
        for (i, row) in rows.iter_mut().enumerate() {
            row.n = base + i as u64;
        }
        rows
    }

    /// The background transfers of one chunk, in time order: salaries, payments to hospitals
    /// and shops, and transfers between members.
    pub(crate) fn transfers(&self, chunk: usize, rng: &mut ChaCha8Rng) -> Vec<TransferRow> {
        let world = self.world;
        let start = chunk as u64 * TRANSFERS_PER_CHUNK;
        let len = TRANSFERS_PER_CHUNK.min(world.n_background_transfers - start);
        let members = &world.active_member_accounts;
        let period_secs = (midnight(period_start()), midnight(plus_days(period_end(), 1)) - 1);
        let mut rows = Vec::with_capacity(len as usize);
        for _ in 0..len {
            let random_time = |rng: &mut ChaCha8Rng| rng.gen_range(period_secs.0..=period_secs.1);
            let member = |rng: &mut ChaCha8Rng| members[rng.gen_range(0..members.len())];
            let channel = names::CHANNELS[rng.gen_range(0..4)];
            let row = match rng.gen_range(0..100) {
                0..=19 if !world.payroll.is_empty() => {
                    let (to, from) = world.payroll[rng.gen_range(0..world.payroll.len())];
                    // Salaries: the 10th of a month, mid-morning, in one batch.
                    let month = rng.gen_range(0..36);
                    let day = plus_days(period_start(), 0)
                        .with_day(10)
                        .and_then(|d| d.checked_add_months(chrono::Months::new(month)))
                        .unwrap_or_else(period_start);
                    let time = midnight(day) + rng.gen_range(9 * 3_600..11 * 3_600);
                    let amount = rng.gen_range(3_000..=20_000) * 100;
                    TransferRow { n: 0, from, to, amount, time, channel: names::CHANNELS[4] }
                }
                0..=39 => {
                    let to = if rng.gen_bool(0.5) {
                        world.hospitals[0].account
                    } else {
                        world.hospitals[rng.gen_range(0..world.hospitals.len())].account
                    };
                    let amount = rng.gen_range(5_000..=500_000);
                    TransferRow { n: 0, from: member(rng), to, amount, time: random_time(rng), channel }
                }
                40..=69 => {
                    let to = if rng.gen_bool(0.4) {
                        world.big_receipts
                    } else {
                        let m = world.merchants[rng.gen_range(0..world.merchants.len())];
                        world.companies[m as usize].accounts[0]
                    };
                    let amount = rng.gen_range(2_000..=80_000);
                    TransferRow { n: 0, from: member(rng), to, amount, time: random_time(rng), channel }
                }
                _ => {
                    let (a, b) = loop {
                        let (a, b) = (member(rng), member(rng));
                        if a != b {
                            break (a, b);
                        }
                    };
                    let amount = rng.gen_range(5_000..=2_000_000);
                    TransferRow { n: 0, from: a.min(b), to: a.max(b), amount, time: random_time(rng), channel }
                }
            };
            rows.push(row);
        }
        rows.sort_by_key(|r| r.time);
        for (i, row) in rows.iter_mut().enumerate() {
            row.n = start + i as u64;
        }
        rows
    }
}

/// Seconds since the epoch at the start of `day`.
pub(crate) fn midnight(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp()
}
