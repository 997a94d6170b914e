//! Writing the world out: the CSV files (hospitals.csv in GBK), the mapping and `truth.json`,
//! each atomically. The big files stream: chunks are generated in parallel waves, each into its
//! own buffer with its own seeded generator, and written in order, so memory stays at a few
//! chunks whatever the size and the bytes are the same for the same seed.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::background::Background;
use super::dirt;
use super::ids;
use super::plant::PLANTED_CLAIM_BASE;
use super::truth::{BigEmployer, BigHospital, Counts, FileTruth, RejectTruth, SupernodeAccount, Truth};
use super::world::{ClaimRow, Holder, Person, Role, TransferRow, World, TRANSFERS_PER_CHUNK};
use super::{chunk_rng, DemoError, Stream, MAPPING_FILE, MAPPING_TEXT, TRUTH_FILE};

/// Rows per chunk of `persons.csv` and `accounts.csv`.
const ROWS_PER_CHUNK: usize = 20_000;

/// Exact duplicates per thousand rows, by file: exports re-run after a failure, or merged
/// from overlapping date ranges, repeat rows.
const DUPLICATES_PER_THOUSAND: u32 = 3;

/// What writing the files tallied, beyond the rows themselves.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    /// Occurrences of an invalid resident ID in a column the mapping validates.
    pub(crate) flagged: u64,
    /// Rows naming a person by a spelling that differs from the first file's.
    pub(crate) conflicts: u64,
    /// Exact duplicate rows.
    pub(crate) duplicates: u64,
    /// Distinct claims at the big hospital.
    pub(crate) big_hospital_claims: u64,
    /// Transfer edges into the big hospital's account.
    pub(crate) hospital_in: u64,
    /// Transfer edges into the big employer's receipts account.
    pub(crate) receipts_in: u64,
    /// Transfer edges out of the big employer's payroll account.
    pub(crate) payroll_out: u64,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.flagged += other.flagged;
        self.conflicts += other.conflicts;
        self.duplicates += other.duplicates;
        self.big_hospital_claims += other.big_hospital_claims;
        self.hospital_in += other.hospital_in;
        self.receipts_in += other.receipts_in;
        self.payroll_out += other.payroll_out;
    }
}

/// Appends one CSV field, quoted when it holds a delimiter, quote or line break.
fn push_field(buf: &mut Vec<u8>, field: &str) {
    if field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(field.as_bytes());
    }
}

/// Appends one CSV record and its line break.
fn push_row<S: AsRef<str>>(buf: &mut Vec<u8>, fields: &[S]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_field(buf, field.as_ref());
    }
    buf.push(b'\n');
}

/// The rows of one chunk of a file, with the unusable rows it holds and its tallies.
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    lines: u64,
    /// Local row index, column and reason of each unusable row.
    rejects: Vec<(u64, &'static str, String)>,
    stats: Stats,
}

impl Chunk {
    /// Writes a row and adds its tallies; now and then writes it twice.
    fn row<S: AsRef<str>>(&mut self, rng: &mut impl Rng, fields: &[S], row_stats: Stats, duplicable: bool) {
        let start = self.bytes.len();
        push_row(&mut self.bytes, fields);
        self.lines += 1;
        self.stats.add(&row_stats);
        if duplicable && rng.gen_range(0..1000) < DUPLICATES_PER_THOUSAND {
            self.bytes.extend_from_within(start..);
            self.lines += 1;
            let mut again = row_stats;
            // A repeated claim is the same claim; a repeated transfer is another edge.
            again.big_hospital_claims = 0;
            self.stats.add(&again);
            self.stats.duplicates += 1;
        }
    }

    /// Writes a row the loader must reject.
    fn reject(&mut self, raw: &[u8], column: &'static str, reason: String) {
        self.rejects.push((self.lines, column, reason));
        self.bytes.extend_from_slice(raw);
        self.lines += 1;
    }
}

/// A file being written: its rows so far, rejects with global lines, and tallies.
struct FileTally {
    name: &'static str,
    encoding: &'static str,
    rows: u64,
    rejects: Vec<RejectTruth>,
    stats: Stats,
}

impl FileTally {
    fn new(name: &'static str, encoding: &'static str) -> Self {
        FileTally { name, encoding, rows: 0, rejects: Vec::new(), stats: Stats::default() }
    }

    /// Writes a chunk after the rows already written, turning its local reject lines into
    /// file lines (the header is line 1).
    fn append(&mut self, out: &mut dyn Write, chunk: Chunk) -> std::io::Result<()> {
        out.write_all(&chunk.bytes)?;
        for (local, column, reason) in chunk.rejects {
            self.rejects.push(RejectTruth {
                file: self.name.to_owned(),
                line: 2 + self.rows + local,
                column: column.to_owned(),
                reason,
            });
        }
        self.rows += chunk.lines;
        self.stats.add(&chunk.stats);
        Ok(())
    }
}

/// Renders chunks in parallel waves of a few per thread and appends them in order.
fn stream_chunks(
    out: &mut dyn Write,
    tally: &mut FileTally,
    n_chunks: usize,
    render: impl Fn(usize) -> Chunk + Sync,
) -> std::io::Result<()> {
    let wave = rayon::current_num_threads().max(1) * 2;
    let mut start = 0;
    while start < n_chunks {
        let end = (start + wave).min(n_chunks);
        let chunks: Vec<Chunk> = (start..end).into_par_iter().map(&render).collect();
        for chunk in chunks {
            tally.append(out, chunk)?;
        }
        start = end;
    }
    Ok(())
}

/// Something written between background rows: before background row `slot` (or after the
/// last one when `slot` is past the end).
struct Placed<T> {
    slot: u64,
    item: T,
}

/// An item to place among background rows: a planted record or an unusable row.
enum Extra<'w, T> {
    Planted(&'w T),
    Reject { raw: Vec<u8>, column: &'static str, reason: String },
}

/// The placed items that fall in background rows `from..to`, or `from..` for the last chunk.
fn placed_in<T>(placed: &[Placed<T>], from: u64, to: u64, last: bool) -> &[Placed<T>] {
    let lo = placed.partition_point(|p| p.slot < from);
    let hi = if last { placed.len() } else { placed.partition_point(|p| p.slot < to) };
    &placed[lo..hi.max(lo)]
}

/// Spreads `items` over `n_background` background rows at random slots, in slot order.
fn place<T>(rng: &mut ChaCha8Rng, n_background: u64, items: Vec<T>) -> Vec<Placed<T>> {
    let mut placed: Vec<Placed<T>> =
        items.into_iter().map(|item| Placed { slot: rng.gen_range(0..=n_background), item }).collect();
    placed.sort_by_key(|p| p.slot);
    placed
}

/// Writes every file of the world into `out` and returns the truth.
pub(crate) fn write_world(world: &World, seed: u64, out: &Path) -> Result<Truth, DemoError> {
    std::fs::create_dir_all(out).map_err(|source| DemoError::CreateDir { path: out.to_owned(), source })?;
    let background = Background::new(world);
    let tallies = vec![
        write_file(out, "persons.csv", |o, t| persons(o, t, world, seed))?,
        write_file(out, "staff.csv", |o, t| staff(o, t, world, seed))?,
        write_hospitals(out, world, seed)?,
        write_file(out, "companies.csv", |o, t| companies(o, t, world, seed))?,
        write_file(out, "roles.csv", |o, t| roles(o, t, world, seed))?,
        write_file(out, "accounts.csv", |o, t| accounts(o, t, world, seed))?,
        write_file(out, "claims.csv", |o, t| claims(o, t, &background, seed))?,
        write_file(out, "transfers.csv", |o, t| transfers(o, t, &background, seed))?,
        write_file(out, "applications.csv", |o, t| applications(o, t, world, seed))?,
    ];
    write_bytes(out, MAPPING_FILE, MAPPING_TEXT.as_bytes())?;
    let truth = assemble_truth(world, seed, out, &tallies)?;
    let mut json = serde_json::to_vec_pretty(&truth)
        .map_err(|e| DemoError::Write { path: out.join(TRUTH_FILE), source: std::io::Error::other(e) })?;
    json.push(b'\n');
    write_bytes(out, TRUTH_FILE, &json)?;
    Ok(truth)
}

fn write_error(path: PathBuf) -> impl FnOnce(std::io::Error) -> DemoError {
    move |source| DemoError::Write { path, source }
}

fn write_bytes(out: &Path, name: &str, bytes: &[u8]) -> Result<(), DemoError> {
    let path = out.join(name);
    crate::atomic::write_atomically(&path, |w| w.write_all(bytes)).map_err(write_error(path))
}

/// Writes one UTF-8 CSV file atomically with `fill`.
fn write_file(
    out: &Path,
    name: &'static str,
    fill: impl FnOnce(&mut dyn Write, &mut FileTally) -> std::io::Result<()>,
) -> Result<FileTally, DemoError> {
    let path = out.join(name);
    let mut tally = FileTally::new(name, "utf-8");
    crate::atomic::write_atomically(&path, |w| fill(w, &mut tally)).map_err(write_error(path))?;
    Ok(tally)
}

/// A generator for a small file, or for the placement of a big file's extras.
fn file_rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    chunk_rng(seed, stream, u64::MAX)
}

/// A resident ID as written, and whether the loader will flag it.
fn id_text(rng: &mut impl Rng, person: &Person) -> (String, u64) {
    if person.id_valid {
        (dirt::resident_id(rng, &person.key), 0)
    } else {
        (person.key.to_string(), 1)
    }
}

fn gender(person: &Person) -> &'static str {
    if person.male {
        "男"
    } else {
        "女"
    }
}

fn persons(out: &mut dyn Write, tally: &mut FileTally, world: &World, seed: u64) -> std::io::Result<()> {
    out.write_all(
        b"person_id,name,gender,birth_date,death_date,phone,address,city,district,employer_code,employed_since\n",
    )?;
    let n = world.members.len() as u64;
    let mut rng = file_rng(seed, Stream::Persons);
    let unusable: Extra<'_, ()> = Extra::Reject {
        raw: {
            let mut raw = Vec::new();
            push_row(&mut raw, &["", "赵某某", "男", "", "", "", "", "", "", "", ""]);
            raw
        },
        column: "person_id",
        reason: "empty key for `person`".to_owned(),
    };
    let placed = place(&mut rng, n, vec![unusable]);
    let n_chunks = world.members.len().div_ceil(ROWS_PER_CHUNK);
    stream_chunks(out, tally, n_chunks, |c| {
        let mut rng = chunk_rng(seed, Stream::Persons, c as u64);
        let mut chunk = Chunk::default();
        let from = c * ROWS_PER_CHUNK;
        let to = (from + ROWS_PER_CHUNK).min(world.members.len());
        let extras = placed_in(&placed, from as u64, to as u64, c + 1 == n_chunks);
        let mut next_extra = extras.iter().peekable();
        for i in from..=to {
            while let Some(p) = next_extra.next_if(|p| p.slot == i as u64 || (i == to && p.slot >= to as u64)) {
                if let Extra::Reject { raw, column, reason } = &p.item {
                    chunk.reject(raw, column, reason.clone());
                }
            }
            if i == to {
                break;
            }
            let person = &world.persons[world.members[i] as usize];
            let (id, flagged) = id_text(&mut rng, person);
            let date = |rng: &mut ChaCha8Rng, d: Option<chrono::NaiveDate>| d.map(|d| dirt::date(rng, d));
            let (address, city, district) = match person.address {
                Some(a) => {
                    let address = &world.addresses[a as usize];
                    (dirt::address(&mut rng, &address.text), address.district.city, address.district.name)
                }
                None => (String::new(), "", ""),
            };
            let fields = [
                id,
                dirt::name(&mut rng, &person.name),
                gender(person).to_owned(),
                dirt::date(&mut rng, person.birth),
                date(&mut rng, person.death).unwrap_or_default(),
                person.phone.map(|ph| dirt::phone(&mut rng, &world.phones[ph as usize])).unwrap_or_default(),
                address,
                city.to_owned(),
                district.to_owned(),
                person
                    .employer
                    .map(|e| dirt::credit_code(&mut rng, &world.companies[e as usize].code))
                    .unwrap_or_default(),
                date(&mut rng, person.since).unwrap_or_default(),
            ];
            chunk.row(&mut rng, &fields, Stats { flagged, ..Stats::default() }, true);
        }
        chunk
    })
}

fn staff(out: &mut dyn Write, tally: &mut FileTally, world: &World, seed: u64) -> std::io::Result<()> {
    out.write_all(b"staff_id,name,gender,birth_date,phone,address,city,district,office_code,since\n")?;
    let mut rng = file_rng(seed, Stream::Staff);
    let mut chunk = Chunk::default();
    for &s in &world.staff {
        let person = &world.persons[s as usize];
        let (id, flagged) = id_text(&mut rng, person);
        let address = person.address.map(|a| &world.addresses[a as usize]);
        let fields = [
            id,
            dirt::name(&mut rng, &person.name),
            gender(person).to_owned(),
            dirt::date(&mut rng, person.birth),
            person.phone.map(|ph| dirt::phone(&mut rng, &world.phones[ph as usize])).unwrap_or_default(),
            address.map(|a| dirt::address(&mut rng, &a.text)).unwrap_or_default(),
            address.map(|a| a.district.city.to_owned()).unwrap_or_default(),
            address.map(|a| a.district.name.to_owned()).unwrap_or_default(),
            world.companies[world.union_office as usize].code.to_string(),
            person.since.map(|d| d.format(dirt::STAFF_SINCE_FORMAT).to_string()).unwrap_or_default(),
        ];
        chunk.row(&mut rng, &fields, Stats { flagged, ..Stats::default() }, false);
    }
    tally.append(out, chunk)
}

/// `hospitals.csv`, in GBK as a provincial health commission would export it, with one row
/// whose name carries a byte that is not GBK (a corrupt export), which the loader rejects.
fn write_hospitals(out: &Path, world: &World, seed: u64) -> Result<FileTally, DemoError> {
    let name = "hospitals.csv";
    let mut rng = file_rng(seed, Stream::Hospitals);
    let mut tally = FileTally::new(name, "gbk");
    let mut text = String::from("hospital_code,name,level,city,district,credit_code,address,switchboard\n");
    let mut rows = 0u64;
    let corrupt_at = rng.gen_range(1..world.hospitals.len().max(2));
    let mut corrupt_line = 0;
    for (i, hospital) in world.hospitals.iter().enumerate() {
        if i == corrupt_at {
            // A closed clinic, whose name begins with a marker that becomes a byte GBK has no
            // meaning for; nothing else refers to it.
            corrupt_line = 2 + rows;
            let fields = [
                format!("H{}{:05}", hospital.district.code, 99_999 - i),
                "\u{1}金陵康复诊所".to_owned(),
                "一级".to_owned(),
                hospital.district.city.to_owned(),
                hospital.district.name.to_owned(),
                String::new(),
                String::new(),
                String::new(),
            ];
            let mut row = Vec::new();
            push_row(&mut row, &fields);
            text.push_str(&String::from_utf8(row).unwrap_or_default());
            rows += 1;
        }
        let fields = [
            dirt::hospital_code(&mut rng, &hospital.code),
            hospital.name.to_string(),
            hospital.level.to_owned(),
            hospital.district.city.to_owned(),
            hospital.district.name.to_owned(),
            dirt::credit_code(&mut rng, &hospital.credit_code),
            dirt::address(&mut rng, &world.addresses[hospital.address as usize].text),
            dirt::phone(&mut rng, &world.phones[hospital.switchboard as usize]),
        ];
        let mut row = Vec::new();
        push_row(&mut row, &fields);
        text.push_str(&String::from_utf8(row).unwrap_or_default());
        rows += 1;
    }
    let (encoded, _, unmappable) = encoding_rs::GBK.encode(&text);
    if unmappable {
        return Err(DemoError::Unencodable { file: name.to_owned(), encoding: "GBK" });
    }
    let mut bytes = encoded.into_owned();
    // U+0001 encodes as the single byte 0x01 and appears nowhere else; 0xFF is neither ASCII
    // nor a GBK lead byte.
    if let Some(at) = bytes.iter().position(|&b| b == 0x01) {
        bytes[at] = 0xFF;
    }
    tally.rows = rows;
    tally.rejects.push(RejectTruth {
        file: name.to_owned(),
        line: corrupt_line,
        column: "name".to_owned(),
        reason: "not valid GBK".to_owned(),
    });
    write_bytes(out, name, &bytes)?;
    Ok(tally)
}

fn companies(out: &mut dyn Write, tally: &mut FileTally, world: &World, seed: u64) -> std::io::Result<()> {
    out.write_all(b"credit_code,name,registered_on,status,address,phone\n")?;
    let mut rng = file_rng(seed, Stream::Companies);
    let mut chunk = Chunk::default();
    for company in &world.companies {
        let fields = [
            dirt::credit_code(&mut rng, &company.code),
            company.name.to_string(),
            dirt::date(&mut rng, company.registered_on),
            company.status.to_owned(),
            dirt::address(&mut rng, &world.addresses[company.address as usize].text),
            dirt::phone(&mut rng, &world.phones[company.phone as usize]),
        ];
        chunk.row(&mut rng, &fields, Stats::default(), true);
    }
    tally.append(out, chunk)
}

/// `roles.csv`: one role per row; which id column is filled says which role it is.
fn roles(out: &mut dyn Write, tally: &mut FileTally, world: &World, seed: u64) -> std::io::Result<()> {
    out.write_all(b"company_code,role,legal_rep_id,director_id,shareholder_id,shareholder_code,name,share\n")?;
    let mut rng = file_rng(seed, Stream::Roles);
    let mut chunk = Chunk::default();
    let share = |bp: u32| {
        if bp % 100 == 0 {
            (bp / 100).to_string()
        } else {
            format!("{}.{:02}", bp / 100, bp % 100)
        }
    };
    for role in &world.roles {
        let (company, label, column, holder_text, name, share_text, flagged) = match *role {
            Role::LegalRep { person, company } | Role::Director { person, company } => {
                let p = &world.persons[person as usize];
                let (id, flagged) = id_text(&mut rng, p);
                let (label, column) =
                    if matches!(role, Role::LegalRep { .. }) { ("法定代表人", 2) } else { ("董事", 3) };
                (company, label, column, id, dirt::name(&mut rng, &p.name), String::new(), flagged)
            }
            Role::PersonShareholder { person, company, share_bp } => {
                let p = &world.persons[person as usize];
                let (id, flagged) = id_text(&mut rng, p);
                (company, "股东", 4, id, dirt::name(&mut rng, &p.name), share(share_bp), flagged)
            }
            Role::CompanyShareholder { owner, company, share_bp } => {
                let c = &world.companies[owner as usize];
                let code = dirt::credit_code(&mut rng, &c.code);
                (company, "股东", 5, code, c.name.to_string(), share(share_bp), 0)
            }
        };
        let mut fields: [String; 8] = Default::default();
        fields[0] = dirt::credit_code(&mut rng, &world.companies[company as usize].code);
        fields[1] = label.to_owned();
        fields[column] = holder_text;
        fields[6] = name;
        fields[7] = share_text;
        chunk.row(&mut rng, &fields, Stats { flagged, ..Stats::default() }, false);
    }
    tally.append(out, chunk)
}

fn accounts(out: &mut dyn Write, tally: &mut FileTally, world: &World, seed: u64) -> std::io::Result<()> {
    out.write_all(b"account_no,bank,holder_id,holder_code,holder_name,opened_on\n")?;
    let n_chunks = world.accounts.len().div_ceil(ROWS_PER_CHUNK);
    stream_chunks(out, tally, n_chunks, |c| {
        let mut rng = chunk_rng(seed, Stream::Accounts, c as u64);
        let mut chunk = Chunk::default();
        let from = c * ROWS_PER_CHUNK;
        for account in &world.accounts[from..(from + ROWS_PER_CHUNK).min(world.accounts.len())] {
            let mut stats = Stats::default();
            let (holder_id, holder_code, holder_name) = match account.holder {
                Holder::Person(p) => {
                    let person = &world.persons[p as usize];
                    let (id, flagged) = id_text(&mut rng, person);
                    stats.flagged = flagged;
                    let name = match &person.alt_name {
                        Some(alt) => {
                            stats.conflicts = 1;
                            alt.to_string()
                        }
                        None => dirt::name(&mut rng, &person.name),
                    };
                    (id, String::new(), name)
                }
                Holder::Company(co) => {
                    let company = &world.companies[co as usize];
                    (String::new(), dirt::credit_code(&mut rng, &company.code), company.name.to_string())
                }
                Holder::Hospital(h) => {
                    let hospital = &world.hospitals[h as usize];
                    (String::new(), dirt::credit_code(&mut rng, &hospital.credit_code), hospital.name.to_string())
                }
            };
            let fields = [
                dirt::account(&mut rng, &account.number),
                account.bank.to_owned(),
                holder_id,
                holder_code,
                holder_name,
                dirt::date(&mut rng, account.opened_on),
            ];
            chunk.row(&mut rng, &fields, stats, true);
        }
        chunk
    })
}

/// One claim row as written, and its tallies.
fn claim_fields(rng: &mut ChaCha8Rng, world: &World, row: &ClaimRow) -> ([String; 13], Stats) {
    let patient = &world.persons[row.patient as usize];
    let (patient_id, flagged) = id_text(rng, patient);
    let mut stats = Stats { flagged, ..Stats::default() };
    let patient_name = match &patient.alt_name {
        Some(alt) => {
            stats.conflicts = 1;
            alt.to_string()
        }
        None => dirt::name(rng, &patient.name),
    };
    if row.hospital == 0 {
        stats.big_hospital_claims = 1;
    }
    let handler = match row.handler {
        Some(s) => {
            let (id, flagged) = id_text(rng, &world.persons[s as usize]);
            stats.flagged += flagged;
            id
        }
        None => String::new(),
    };
    let fields = [
        ids::claim_id(row.n),
        patient_id,
        patient_name,
        dirt::hospital_code(rng, &world.hospitals[row.hospital as usize].code),
        dirt::date(rng, row.admitted),
        dirt::date(rng, row.discharged),
        dirt::date(rng, row.claimed_on),
        dirt::amount(rng, row.billed),
        dirt::amount(rng, row.reimbursed),
        row.diagnosis.to_owned(),
        row.status.to_owned(),
        handler,
        row.payee.map(|a| dirt::account(rng, &world.accounts[a as usize].number)).unwrap_or_default(),
    ];
    (fields, stats)
}

/// Two unusable claims: one without a claim id, one without a patient.
fn unusable_claims(rng: &mut ChaCha8Rng, world: &World) -> Vec<Extra<'static, ClaimRow>> {
    let patient = world.members[rng.gen_range(0..world.members.len())];
    let template = ClaimRow {
        n: PLANTED_CLAIM_BASE + 999_999,
        patient,
        hospital: 0,
        admitted: super::world::ymd(2022, 5, 3),
        discharged: super::world::ymd(2022, 5, 9),
        claimed_on: super::world::ymd(2022, 6, 1),
        billed: 812_000,
        reimbursed: 650_000,
        diagnosis: super::names::DIAGNOSES[0].label,
        status: super::names::STATUS_PAID,
        handler: None,
        payee: None,
    };
    let (mut no_id, _) = claim_fields(rng, world, &template);
    no_id[0].clear();
    let (mut no_patient, _) = claim_fields(rng, world, &ClaimRow { n: template.n + 1, ..template.clone() });
    no_patient[1].clear();
    no_patient[2].clear();
    [(no_id, "claim_id", "claim"), (no_patient, "patient_id", "patient")]
        .into_iter()
        .map(|(fields, column, alias)| {
            let mut raw = Vec::new();
            push_row(&mut raw, &fields);
            Extra::Reject { raw, column, reason: format!("empty key for `{alias}`") }
        })
        .collect()
}

fn claims(out: &mut dyn Write, tally: &mut FileTally, background: &Background<'_>, seed: u64) -> std::io::Result<()> {
    let world = background.world;
    out.write_all(
        b"claim_id,patient_id,patient_name,hospital_code,admitted,discharged,claimed_on,billed,reimbursed,diagnosis,status,handled_by,payee_account\n",
    )?;
    let mut rng = file_rng(seed, Stream::Claims);
    let mut extras: Vec<Extra<'_, ClaimRow>> = world.planted_claims.iter().map(Extra::Planted).collect();
    extras.extend(unusable_claims(&mut rng, world));
    let placed = place(&mut rng, world.n_background_claims, extras);
    let n_chunks = background.claim_chunks().max(1);
    stream_chunks(out, tally, n_chunks, |c| {
        let mut rng = chunk_rng(seed, Stream::Claims, c as u64);
        let rows = if c < background.claim_chunks() { background.claims(c, &mut rng) } else { Vec::new() };
        let base = world.claim_chunk_bases.get(c).copied().unwrap_or(0);
        let end = base + rows.len() as u64;
        let extras = placed_in(&placed, base, end, c + 1 == n_chunks);
        let mut next_extra = extras.iter().peekable();
        let mut chunk = Chunk::default();
        for i in 0..=rows.len() {
            let slot = base + i as u64;
            let at_end = i == rows.len();
            while let Some(p) = next_extra.next_if(|p| p.slot == slot || (at_end && p.slot >= slot)) {
                match &p.item {
                    Extra::Planted(row) => {
                        let (fields, stats) = claim_fields(&mut rng, world, row);
                        chunk.row(&mut rng, &fields, stats, false);
                    }
                    Extra::Reject { raw, column, reason } => chunk.reject(raw, column, reason.clone()),
                }
            }
            if at_end {
                break;
            }
            let (fields, stats) = claim_fields(&mut rng, world, &rows[i]);
            chunk.row(&mut rng, &fields, stats, true);
        }
        chunk
    })
}

/// One transfer row as written, and its tallies.
fn transfer_fields(rng: &mut ChaCha8Rng, world: &World, row: &TransferRow) -> ([String; 6], Stats) {
    let mut stats = Stats::default();
    if row.to == world.hospitals[0].account {
        stats.hospital_in = 1;
    }
    if row.to == world.big_receipts {
        stats.receipts_in = 1;
    }
    if row.from == world.big_payroll {
        stats.payroll_out = 1;
    }
    let time = chrono::DateTime::from_timestamp(row.time, 0).unwrap_or_default().naive_utc();
    let fields = [
        ids::txn_id(row.n),
        dirt::account(rng, &world.accounts[row.from as usize].number),
        dirt::account(rng, &world.accounts[row.to as usize].number),
        dirt::amount(rng, row.amount),
        dirt::datetime(rng, time),
        row.channel.to_owned(),
    ];
    (fields, stats)
}

fn transfers(
    out: &mut dyn Write,
    tally: &mut FileTally,
    background: &Background<'_>,
    seed: u64,
) -> std::io::Result<()> {
    let world = background.world;
    out.write_all(b"txn_id,from_account,to_account,amount,time,channel\n")?;
    let mut rng = file_rng(seed, Stream::Transfers);
    let mut extras: Vec<Extra<'_, TransferRow>> = world.planted_transfers.iter().map(Extra::Planted).collect();
    // A record cut short, as when an export is truncated mid-line and re-appended.
    let mut raw = Vec::new();
    let from = world.active_member_accounts[rng.gen_range(0..world.active_member_accounts.len())];
    push_row(
        &mut raw,
        &[ids::txn_id(super::plant::PLANTED_TXN_BASE + 999_999), world.account_key(from), "1200.00".to_owned()],
    );
    extras.push(Extra::Reject { raw, column: "", reason: "record has 3 fields, the header has 6".to_owned() });
    let placed = place(&mut rng, world.n_background_transfers, extras);
    let n_chunks = background.transfer_chunks().max(1);
    stream_chunks(out, tally, n_chunks, |c| {
        let mut rng = chunk_rng(seed, Stream::Transfers, c as u64);
        let rows = if c < background.transfer_chunks() { background.transfers(c, &mut rng) } else { Vec::new() };
        let base = c as u64 * TRANSFERS_PER_CHUNK;
        let end = base + rows.len() as u64;
        let extras = placed_in(&placed, base, end, c + 1 == n_chunks);
        let mut next_extra = extras.iter().peekable();
        let mut chunk = Chunk::default();
        for i in 0..=rows.len() {
            let slot = base + i as u64;
            let at_end = i == rows.len();
            while let Some(p) = next_extra.next_if(|p| p.slot == slot || (at_end && p.slot >= slot)) {
                match &p.item {
                    Extra::Planted(row) => {
                        let (fields, stats) = transfer_fields(&mut rng, world, row);
                        chunk.row(&mut rng, &fields, stats, false);
                    }
                    Extra::Reject { raw, column, reason } => chunk.reject(raw, column, reason.clone()),
                }
            }
            if at_end {
                break;
            }
            let (fields, stats) = transfer_fields(&mut rng, world, &rows[i]);
            chunk.row(&mut rng, &fields, stats, true);
        }
        chunk
    })
}

fn applications(out: &mut dyn Write, tally: &mut FileTally, world: &World, seed: u64) -> std::io::Result<()> {
    out.write_all(b"application_no,name,gender,birth_date,phone,address,kind,applied_on\n")?;
    let mut rng = file_rng(seed, Stream::Applications);
    let mut chunk = Chunk::default();
    for application in &world.applications {
        let person = &world.persons[application.person as usize];
        let fields = [
            person.key.to_string(),
            dirt::name(&mut rng, &person.name),
            gender(person).to_owned(),
            dirt::date(&mut rng, person.birth),
            person.phone.map(|ph| dirt::phone(&mut rng, &world.phones[ph as usize])).unwrap_or_default(),
            person.address.map(|a| dirt::address(&mut rng, &world.addresses[a as usize].text)).unwrap_or_default(),
            application.kind.to_owned(),
            dirt::date(&mut rng, application.applied_on),
        ];
        chunk.row(&mut rng, &fields, Stats::default(), false);
    }
    tally.append(out, chunk)
}

/// Node counts per entity type, from the world as written: every phone and address some row
/// names, every person (an application by a known member being that member), company,
/// hospital, account and claim.
fn node_counts(world: &World) -> std::collections::BTreeMap<String, u64> {
    let mut phones: FxHashSet<u32> = FxHashSet::default();
    let mut addresses: FxHashSet<u32> = FxHashSet::default();
    for person in &world.persons {
        // Registry-only people are written without phone or address.
        if person.kind != super::world::PersonKind::Outsider {
            phones.extend(person.phone);
            addresses.extend(person.address);
        }
    }
    for company in &world.companies {
        phones.insert(company.phone);
        addresses.insert(company.address);
    }
    for hospital in &world.hospitals {
        phones.insert(hospital.switchboard);
        addresses.insert(hospital.address);
    }
    let claims = world.n_background_claims + world.planted_claims.len() as u64;
    // The mapping resolves persons: an application by a known member is that member's node.
    let known_applicants = world.resolution.missing_id_records.iter().filter(|r| r.same_as.is_some()).count();
    [
        ("person", (world.persons.len() - known_applicants) as u64),
        ("company", (world.companies.len() + world.hospitals.len()) as u64),
        ("account", world.accounts.len() as u64),
        ("hospital", world.hospitals.len() as u64),
        ("address", addresses.len() as u64),
        ("phone", phones.len() as u64),
        ("claim", claims),
    ]
    .into_iter()
    .map(|(name, count)| (name.to_owned(), count))
    .collect()
}

fn assemble_truth(world: &World, seed: u64, out: &Path, tallies: &[FileTally]) -> Result<Truth, DemoError> {
    let mut stats = Stats::default();
    let mut files = Vec::new();
    let mut rejects = Vec::new();
    for tally in tallies {
        stats.add(&tally.stats);
        let path = out.join(tally.name);
        let bytes = std::fs::metadata(&path).map_err(write_error(path))?.len();
        files.push(FileTruth {
            name: tally.name.to_owned(),
            encoding: tally.encoding.to_owned(),
            rows: tally.rows,
            duplicate_rows: tally.stats.duplicates,
            bytes,
        });
        rejects.extend(tally.rejects.iter().cloned());
    }
    let rows: u64 = files.iter().map(|f| f.rows).sum();
    let transfer_rows = files.iter().find(|f| f.name == "transfers.csv").map(|f| f.rows).unwrap_or(0);
    let transfer_rejects = rejects.iter().filter(|r| r.file == "transfers.csv").count() as u64;
    let counts = Counts {
        nodes: node_counts(world),
        rows,
        rejected_rows: rejects.len() as u64,
        flagged_values: stats.flagged,
        property_conflicts: stats.conflicts,
        invalid_person_keys: world.persons.iter().filter(|p| !p.id_valid).count() as u64,
        transfer_edges: transfer_rows - transfer_rejects,
        duplicate_rows: stats.duplicates,
    };
    let mut lookalikes = world.lookalikes.clone();
    lookalikes.big_employer = BigEmployer {
        company: world.company_key(world.big_employer),
        employees: world.persons.iter().filter(|p| p.employer == Some(world.big_employer)).count() as u64,
    };
    lookalikes.big_hospital = BigHospital { hospital: world.hospital_key(0), claims: stats.big_hospital_claims };
    let big = world.company_key(world.big_employer);
    lookalikes.supernode_accounts = vec![
        SupernodeAccount {
            account: world.account_key(world.hospitals[0].account),
            holder: world.hospitals[0].credit_code.to_string(),
            kind: "hospital receipts".to_owned(),
            transfers_in: stats.hospital_in,
            transfers_out: 0,
        },
        SupernodeAccount {
            account: world.account_key(world.big_receipts),
            holder: big.clone(),
            kind: "employer receipts".to_owned(),
            transfers_in: stats.receipts_in,
            transfers_out: 0,
        },
        SupernodeAccount {
            account: world.account_key(world.big_payroll),
            holder: big,
            kind: "employer payroll".to_owned(),
            transfers_in: 0,
            transfers_out: stats.payroll_out,
        },
    ];
    Ok(Truth {
        format: 2,
        size: world.params.size.to_string(),
        seed,
        period: [
            super::world::period_start().format("%Y-%m-%d").to_string(),
            super::world::period_end().format("%Y-%m-%d").to_string(),
        ],
        files,
        counts,
        rejects,
        patterns: world.patterns.clone(),
        lookalikes,
        entity_resolution: world.resolution.clone(),
    })
}
