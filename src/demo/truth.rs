//! Ground truth of a demo world, written as `truth.json`: every planted pattern, look-alike and
//! entity-resolution trap, named by the keys the graph holds (resident IDs, phones and credit
//! codes normalised; invalid IDs as kept raw), plus the counts a build must reproduce.
//!
//! Later features test themselves against this: a detection rule should find every planted
//! pattern of its kind and flag none of the look-alikes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything known about a generated world.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Version of this file's layout (2: records without an ID say how they were written and
    /// whom a look-alike resembles; their phone may be absent).
    pub format: u32,
    /// `small`, `medium` or `large`.
    pub size: String,
    /// The seed the world was generated from.
    pub seed: u64,
    /// First and last day (ISO 8601) of the period claims and transfers fall in.
    pub period: [String; 2],
    /// The data files, in mapping order.
    pub files: Vec<FileTruth>,
    /// What a build of this world must report.
    pub counts: Counts,
    /// The unusable rows, which the loader must reject, in file order.
    pub rejects: Vec<RejectTruth>,
    /// The fraud patterns investigators hunt.
    pub patterns: Patterns,
    /// Innocent structures that look like patterns to a careless rule.
    pub lookalikes: Lookalikes,
    /// Traps for entity resolution.
    pub entity_resolution: EntityResolution,
}

/// One data file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileTruth {
    /// File name inside the output folder.
    pub name: String,
    /// `utf-8` or `gbk`.
    pub encoding: String,
    /// Data rows (lines after the header), duplicates and unusable rows included.
    pub rows: u64,
    /// Rows that exactly repeat the row before them.
    pub duplicate_rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// Counts a build of the world must reproduce.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Nodes per entity type name.
    pub nodes: BTreeMap<String, u64>,
    /// Data rows over all files.
    pub rows: u64,
    /// Rows the loader must reject (the length of [`Truth::rejects`]).
    pub rejected_rows: u64,
    /// Values the loader must keep raw and flag: every occurrence of an invalid resident ID.
    pub flagged_values: u64,
    /// Rows that give a person a different name than the first file did (the traditional-
    /// character variants); the loader keeps the first and counts each.
    pub property_conflicts: u64,
    /// Person nodes whose key is an invalid resident ID kept raw.
    pub invalid_person_keys: u64,
    /// Transfer edges: transfer rows less the rejected one; duplicate rows are separate edges.
    pub transfer_edges: u64,
    /// Exact duplicate rows over all files.
    pub duplicate_rows: u64,
}

/// A row the loader must reject.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RejectTruth {
    /// File name inside the output folder.
    pub file: String,
    /// 1-based line (the header is line 1).
    pub line: u64,
    /// The column at fault, empty when the whole record is unreadable.
    pub column: String,
    /// The loader's reason, verbatim.
    pub reason: String,
}

/// The planted fraud patterns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Patterns {
    /// Staff forging claims paid into relatives' accounts.
    pub forging_staff: Vec<ForgingStaff>,
    /// One person in two hospitals at once.
    pub overlapping_stays: Vec<OverlappingStay>,
    /// Claims admitted after the claimant's death.
    pub claims_after_death: Vec<ClaimsAfterDeath>,
    /// The same stay claimed twice under different claim ids.
    pub duplicate_claims: Vec<DuplicateClaims>,
    /// Claims reimbursed above the billed amount.
    pub reimbursed_over_billed: Vec<OverBilled>,
    /// Claims by persons whose resident ID is invalid.
    pub invalid_id_claimants: Vec<InvalidIdClaimant>,
    /// Claims paid to an account the claimant does not hold (besides the forged and ring
    /// claims, which are paid that way too).
    pub paid_to_other: Vec<PaidToOther>,
    /// Collusion rings around one hospital.
    pub collusion_rings: Vec<CollusionRing>,
    /// Shell companies with a shared address and representatives and circular ownership.
    pub shell_networks: Vec<ShellNetwork>,
    /// Money that goes round a cycle of accounts and comes back within 30 days.
    pub transfer_cycles: Vec<TransferCycle>,
}

/// A staff member forging claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForgingStaff {
    /// The staff member (person key).
    pub staff: String,
    /// Their phone (phone key).
    pub phone: String,
    /// Their address (address key).
    pub address: String,
    /// Relatives, linked to the staff member by a shared phone or address.
    pub relatives: Vec<Relative>,
    /// The forged claims.
    pub claims: Vec<ForgedClaim>,
}

/// A relative of a forging staff member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Relative {
    /// Person key.
    pub person: String,
    /// `phone` or `address`: what they share with the staff member.
    pub shares: String,
    /// The relative's account that receives forged payouts.
    pub account: String,
}

/// One forged claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForgedClaim {
    /// Claim key.
    pub claim: String,
    /// The member named as claimant, who never went to hospital (person key).
    pub claimant: String,
    /// The account paid (a relative's).
    pub paid_to: String,
    /// The relative holding that account (person key).
    pub relative: String,
}

/// Two overlapping stays of one person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OverlappingStay {
    /// Person key.
    pub person: String,
    /// The two claims.
    pub claims: [String; 2],
    /// Their hospitals (hospital keys), different.
    pub hospitals: [String; 2],
    /// Days both stays cover.
    pub overlap_days: i64,
}

/// A deceased person's claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimsAfterDeath {
    /// Person key.
    pub person: String,
    /// Date of death (ISO 8601).
    pub death_date: String,
    /// Claims admitted after the death.
    pub claims: Vec<String>,
    /// Claims of the same person admitted before the death, which are fine.
    pub claims_before: Vec<String>,
}

/// The same stay claimed twice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuplicateClaims {
    /// Person key.
    pub person: String,
    /// Hospital key.
    pub hospital: String,
    /// The two claim keys; same person, hospital, dates and billed amount.
    pub claims: [String; 2],
}

/// A claim reimbursed above its bill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OverBilled {
    /// Claim key.
    pub claim: String,
    /// Claimant (person key).
    pub person: String,
    /// Billed amount in cents.
    pub billed_cents: i64,
    /// Reimbursed amount in cents, above the bill.
    pub reimbursed_cents: i64,
}

/// A claimant whose resident ID is invalid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvalidIdClaimant {
    /// Person key: the raw ID, upper-cased, as the loader keeps it.
    pub person: String,
    /// The validator's reason.
    pub reason: String,
    /// Their claims.
    pub claims: Vec<String>,
}

/// A claim paid to someone else's account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PaidToOther {
    /// Claim key.
    pub claim: String,
    /// Claimant (person key).
    pub claimant: String,
    /// The account paid.
    pub account: String,
    /// Its holder (person key), unrelated to the claimant.
    pub holder: String,
}

/// A collusion ring.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollusionRing {
    /// The hospital all ring claims are at (hospital key).
    pub hospital: String,
    /// Members (person keys).
    pub members: Vec<String>,
    /// Phones shared by two or more members.
    pub phones: Vec<String>,
    /// Addresses shared by two or more members.
    pub addresses: Vec<String>,
    /// Accounts, held by ring members, that the ring's claims are paid to.
    pub accounts: Vec<String>,
    /// The ring's claims (inflated amounts).
    pub claims: Vec<String>,
}

/// A shell-company network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShellNetwork {
    /// Companies (credit codes), in ownership-cycle order.
    pub companies: Vec<String>,
    /// The registered address they share.
    pub address: String,
    /// The phone they share.
    pub phone: String,
    /// Legal representatives (person keys), each representing several of the companies.
    pub legal_reps: Vec<String>,
    /// `companies[i]` holds `shares_bp[i]` hundredths of a percent of `companies[i + 1]`
    /// (and the last of the first): A owns B owns C owns A.
    pub shares_bp: Vec<u32>,
    /// Their accounts, one per company in the same order.
    pub accounts: Vec<String>,
}

/// Money going round a cycle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferCycle {
    /// Accounts in order; the last transfer goes from the last back to the first.
    pub accounts: Vec<String>,
    /// Amount of each hop in cents, shrinking slightly.
    pub amounts_cents: Vec<i64>,
    /// Time of each hop (ISO 8601, wall clock as recorded).
    pub times: Vec<String>,
    /// Share of the first amount that comes back, at least 0.9.
    pub returned: f64,
    /// Days from the first hop to the last, at most 30.
    pub days: f64,
}

/// Innocent structures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lookalikes {
    /// Families sharing an address, with normal claims.
    pub families: Vec<Family>,
    /// The employer of hundreds.
    pub big_employer: BigEmployer,
    /// The hospital most claims are at.
    pub big_hospital: BigHospital,
    /// Accounts with thousands of transfers.
    pub supernode_accounts: Vec<SupernodeAccount>,
    /// A hospital switchboard that many people list as their phone.
    pub switchboard_phone: Switchboard,
}

/// A family at one address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Family {
    /// Address key.
    pub address: String,
    /// Members (person keys), two to five.
    pub members: Vec<String>,
    /// Their claims, ordinary ones.
    pub claims: Vec<String>,
}

/// The big employer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BigEmployer {
    /// Credit code.
    pub company: String,
    /// Persons employed by it.
    pub employees: u64,
}

/// The big hospital.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BigHospital {
    /// Hospital key.
    pub hospital: String,
    /// Distinct claims treated there.
    pub claims: u64,
}

/// An account with very many transfers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupernodeAccount {
    /// Account key.
    pub account: String,
    /// Holder (credit code).
    pub holder: String,
    /// `hospital receipts`, `employer receipts` or `employer payroll`.
    pub kind: String,
    /// Transfer edges into it.
    pub transfers_in: u64,
    /// Transfer edges out of it.
    pub transfers_out: u64,
}

/// A switchboard listed as a personal phone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Switchboard {
    /// Phone key.
    pub phone: String,
    /// The hospital whose switchboard it is (hospital key).
    pub hospital: String,
    /// Persons listing it as their phone.
    pub listed_by: Vec<String>,
}

/// Entity-resolution traps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityResolution {
    /// One person under different spellings in different files, with the same ID.
    pub name_variants: Vec<NameVariant>,
    /// Different people with the same name and different birth dates.
    pub same_name_different_people: Vec<SameName>,
    /// Person records without an ID (keyed by application number), some of which are a known
    /// person by name, birth date and phone.
    pub missing_id_records: Vec<MissingId>,
}

/// A person spelled differently across files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NameVariant {
    /// Person key.
    pub person: String,
    /// The name in `persons.csv`, which the graph keeps.
    pub name: String,
    /// The other spelling.
    pub variant: String,
    /// Files the variant appears in.
    pub files: Vec<String>,
}

/// Two people sharing a name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SameName {
    /// The shared name.
    pub name: String,
    /// Their person keys.
    pub persons: [String; 2],
    /// Their birth dates (ISO 8601), different.
    pub birth_dates: [String; 2],
}

/// A record without an ID.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissingId {
    /// Its person key: the application number.
    pub record: String,
    /// The known person it is (person key), or `None` for someone not otherwise known.
    pub same_as: Option<String>,
    /// For a look-alike, the member it resembles but is not (a relative, a namesake).
    pub resembles: Option<String>,
    /// How the record was written: "exact copy", "traditional name", "no phone", "traditional
    /// name, no phone", "new phone", "name slip" (a known member); "stranger", "relative",
    /// "namesake" (someone else).
    pub how: String,
    /// Name, as normalised.
    pub name: String,
    /// Birth date (ISO 8601).
    pub birth_date: String,
    /// Phone key, if the form gives one.
    pub phone: Option<String>,
}
