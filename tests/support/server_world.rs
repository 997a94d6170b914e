//! A small hand-made world for the server tests, built through the real `clew build` path from
//! CSV files and a mapping, plus a hand-written analysis (`clusters.jsonl`, `alerts.jsonl`), and
//! helpers to run a server over it on an ephemeral loopback port.
//!
//! People: P1 (张小三) and P2 (李四) share a phone and a payee account; M1 (赵小六) is a minor on
//! the same phone; P3 (王五) closes a fund cycle P1 → P2 → P3 → P1; 150 generated patients make
//! hospital H1 a supernode (degree above the default cap of 100).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clew::server::{app, AppState, AuthMode, Limits, StateConfig, Tokens};

/// Tokens of the test tokens file.
pub const VIEWER: &str = "viewer-token-0123456789";
/// Investigator token.
pub const INVESTIGATOR: &str = "investigator-token-0123456789";
/// Admin token.
pub const ADMIN: &str = "admin-token-0123456789";
/// Pseudonym secret the tests share with the server.
pub const SECRET: &[u8] = b"server-test-secret-0123456789";

/// A resident ID from its first 17 digits, with the GB 11643 check character.
pub fn resident_id(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.bytes().zip(W).map(|(b, w)| (b - b'0') as u32 * w).sum();
    format!("{first17}{}", C[(sum % 11) as usize] as char)
}

/// The planted people and keys.
#[derive(Debug, Clone)]
pub struct Keys {
    /// 张小三.
    pub p1: String,
    /// 李四.
    pub p2: String,
    /// 王五.
    pub p3: String,
    /// 赵小六, born 2015: a minor.
    pub minor: String,
    /// Staff member 孙七.
    pub staff: String,
    /// The phone P1, P2 and the minor share.
    pub shared_phone: String,
    /// P1's account, also the payee of P2's claim.
    pub p1_account: String,
}

/// A built world in a temporary folder.
pub struct World {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// The mapping file.
    pub mapping: PathBuf,
    /// The snapshot.
    pub snapshot: PathBuf,
    /// Planted keys.
    pub keys: Keys,
}

const SURNAMES: [&str; 6] = ["王", "李", "张", "刘", "陈", "杨"];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊"];

const MAPPING: &str = r#"version = 1

[[source]]
name = "persons"
path = "persons.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = { column = "id", normalise = ["resident_id"] }
  properties = { name = { column = "name", normalise = ["name"] }, birth_date = "birth" }

  [[source.entity]]
  type = "phone"
  key = { column = "phone", normalise = ["phone"] }
  optional = true

  [[source.entity]]
  type = "account"
  key = { columns = ["bank", "account"] }
  optional = true

  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"

  [[source.relation]]
  type = "holds_account"
  from = "person"
  to = "account"

[[source]]
name = "claims"
path = "claims.csv"
format = "csv"

  [[source.entity]]
  type = "claim"
  key = "claim_id"
  properties = { billed = "billed", admitted = "admit" }

  [[source.entity]]
  type = "person"
  as = "patient"
  key = { column = "patient_id", normalise = ["resident_id"] }

  [[source.entity]]
  type = "hospital"
  key = "hospital"
  properties = { name = "hospital_name" }

  [[source.entity]]
  type = "account"
  as = "payee"
  key = { columns = ["payee_bank", "payee_account"] }
  optional = true

  [[source.entity]]
  type = "person"
  as = "staff"
  key = { column = "staff_id", normalise = ["resident_id"] }
  optional = true

  [[source.relation]]
  type = "claimed"
  from = "patient"
  to = "claim"

  [[source.relation]]
  type = "treated_at"
  from = "claim"
  to = "hospital"

  [[source.relation]]
  type = "paid_to"
  from = "claim"
  to = "payee"

  [[source.relation]]
  type = "handled_by"
  from = "claim"
  to = "staff"

[[source]]
name = "transfers"
path = "transfers.csv"
format = "csv"

  [[source.entity]]
  type = "account"
  as = "from"
  key = { columns = ["from_bank", "from_account"] }

  [[source.entity]]
  type = "account"
  as = "to"
  key = { columns = ["to_bank", "to_account"] }

  [[source.relation]]
  type = "transfer"
  from = "from"
  to = "to"
  properties = { amount = "amount", time = "time" }
"#;

/// Writes the CSVs, mapping and analysis into `dir` and builds `dir/world.clew`.
pub fn build_world_in(dir: &Path) -> (PathBuf, PathBuf, Keys) {
    let keys = Keys {
        p1: resident_id("11010519800501123"),
        p2: resident_id("11010519820712234"),
        p3: resident_id("31010419750303345"),
        minor: resident_id("11010520150301456"),
        staff: resident_id("11010519700101567"),
        shared_phone: "13812345678".to_owned(),
        p1_account: "ICBC|6222020000000001".to_owned(),
    };
    let mut persons = String::from("id,name,birth,phone,bank,account\n");
    // P1's ID is written with spaces and a full-width digit: the loader normalises it.
    let p1_typed = format!("{} {} {}", &keys.p1[..6], &keys.p1[6..14], &keys.p1[14..]).replacen('1', "１", 1);
    persons.push_str(&format!("{p1_typed},张小三,1980-05-01,+86 138-1234-5678,ICBC,6222020000000001\n"));
    persons.push_str(&format!("{},李四,1982-07-12,13812345678,ICBC,6222020000000002\n", keys.p2));
    persons.push_str(&format!("{},王五,1975-03-03,13900000003,BOC,6217000000000003\n", keys.p3));
    persons.push_str(&format!("{},赵小六,2015-03-01,13812345678,ICBC,6222020000000099\n", keys.minor));
    persons.push_str(&format!("{},孙七,1970-01-01,13900000007,,\n", keys.staff));
    let mut generated = Vec::new();
    for i in 0..150u32 {
        let birth = format!("{}{:02}{:02}", 1960 + i % 30, 1 + i % 12, 1 + i % 28);
        let id = resident_id(&format!("320102{birth}{:03}", i));
        let name = format!("{}{}{}", SURNAMES[i as usize % 6], GIVEN[i as usize % 8], GIVEN[(i as usize / 8) % 8]);
        persons.push_str(&format!("{id},{name},{}-{}-{},1390100{:04},,\n", &birth[..4], &birth[4..6], &birth[6..], i));
        generated.push(id);
    }
    let mut claims =
        String::from("claim_id,patient_id,hospital,hospital_name,billed,admit,payee_bank,payee_account,staff_id\n");
    claims
        .push_str(&format!("C0001,{},H1,协和医院,1200.50,2023-01-05,ICBC,6222020000000001,{}\n", keys.p1, keys.staff));
    claims.push_str(&format!("C0002,{},H1,协和医院,980.00,2023-01-09,ICBC,6222020000000001,{}\n", keys.p2, keys.staff));
    claims.push_str(&format!("C0003,{},H1,协和医院,300.00,2023-02-11,ICBC,6222020000000099,\n", keys.minor));
    claims.push_str(&format!("C0004,{},H2,仁济医院,150.00,2023-03-15,BOC,6217000000000003,\n", keys.p3));
    for (i, id) in generated.iter().enumerate() {
        claims.push_str(&format!("C1{i:03},{id},H1,协和医院,{}.00,2023-04-{:02},,,\n", 100 + i, 1 + i % 28));
    }
    let transfers = "from_bank,from_account,to_bank,to_account,amount,time
ICBC,6222020000000001,ICBC,6222020000000002,500.00,2023-02-01 10:00:00
ICBC,6222020000000002,BOC,6217000000000003,300.00,2023-03-01 10:00:00
BOC,6217000000000003,ICBC,6222020000000001,200.00,2024-01-01 10:00:00
";
    std::fs::write(dir.join("persons.csv"), persons).unwrap();
    std::fs::write(dir.join("claims.csv"), claims).unwrap();
    std::fs::write(dir.join("transfers.csv"), transfers).unwrap();
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let snapshot = dir.join("world.clew");
    rebuild(&mapping, &snapshot);
    let analysis = dir.join("world.clew.analysis");
    std::fs::create_dir_all(&analysis).unwrap();
    let clusters = [
        serde_json::json!({"cluster_id": "ring-001", "kind": "ring", "risk_score": 0.93, "level": "red",
            "members": [{"type": "person", "key": keys.p1}, {"type": "person", "key": keys.p2},
                        {"type": "person", "key": keys.minor}, {"type": "phone", "key": keys.shared_phone},
                        {"type": "account", "key": keys.p1_account}],
            "reasons": [format!("3 people share phone {}", keys.shared_phone),
                        format!("claims of {} (李四) are paid to an account of {} (张小三)", keys.p2, keys.p1),
                        format!("{} (赵小六) is on the same phone", keys.minor)],
            "evidence": {"rows": [format!("persons.csv: {}", keys.p1)]}}),
        serde_json::json!({"cluster_id": "shell-002", "kind": "shell_network", "risk_score": 0.41, "level": "yellow",
            "members": [{"type": "account", "key": "ICBC|6222020000000001"}, {"type": "account", "key": "ICBC|6222020000000002"},
                        {"type": "account", "key": "BOC|6217000000000003"}, {"type": "person", "key": "999999999999999999"}],
            "reasons": ["fund cycle of 3 transfers, 1000.00 in total"]}),
    ];
    let alerts = [
        serde_json::json!({"rule": "payee_not_holder", "record": {"type": "claim", "key": "C0002"}, "score": 0.9, "level": "red",
            "reasons": [format!("claim C0002 by {} (李四) paid to {} held by 张小三", keys.p2, keys.p1_account)]}),
        serde_json::json!({"rule": "duplicate_claim", "record": {"type": "claim", "key": "C0003"}, "score": 0.5, "level": "orange",
            "reasons": [format!("claimant {} appears twice", keys.minor)]}),
        serde_json::json!({"rule": "amount_outlier", "record": {"type": "claim", "key": "C1010"}, "score": 0.3, "level": "yellow",
            "reasons": ["billed 110.00, far above the hospital's median"]}),
    ];
    let lines = |items: &[serde_json::Value]| items.iter().map(|v| v.to_string() + "\n").collect::<String>();
    std::fs::write(analysis.join("clusters.jsonl"), lines(&clusters) + "this line is not JSON\n").unwrap();
    std::fs::write(analysis.join("alerts.jsonl"), lines(&alerts)).unwrap();
    (mapping, snapshot, keys)
}

/// Rebuilds the snapshot from the mapping (atomically replacing the file).
pub fn rebuild(mapping: &Path, snapshot: &Path) {
    clew::build::build(mapping, snapshot, &clew::build::BuildOptions::default(), &loaders::LoadOptions::default())
        .expect("build the test world");
}

/// Builds a world in a new temporary folder.
pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (mapping, snapshot, keys) = build_world_in(dir.path());
    World { dir, mapping, snapshot, keys }
}

/// The tokens file of the tests.
pub fn tokens_toml() -> String {
    use clew::server::auth::hash_token;
    format!(
        "[[token]]\nid = \"vera\"\nrole = \"viewer\"\nsha256 = \"{}\"\n\n[[token]]\nid = \"ivan\"\nrole = \"investigator\"\nsha256 = \"{}\"\n\n[[token]]\nid = \"ada\"\nrole = \"admin\"\nsha256 = \"{}\"\n",
        hash_token(VIEWER),
        hash_token(INVESTIGATOR),
        hash_token(ADMIN)
    )
}

/// A server running in this process on an ephemeral loopback port.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its audit log.
    pub audit: PathBuf,
    /// Its state.
    pub state: AppState,
    /// The HTTP client.
    pub client: reqwest::Client,
}

/// Starts a server over `snapshot` with the test tokens, audit log beside it, and `limits`.
pub async fn start_with(snapshot: &Path, limits: Limits, web: Option<PathBuf>) -> Server {
    let audit = snapshot.with_extension(format!("audit-{}.jsonl", std::process::id() ^ rand_suffix()));
    let state = AppState::new(StateConfig {
        snapshot: snapshot.to_owned(),
        auth: AuthMode::Tokens(Tokens::parse(&tokens_toml()).unwrap()),
        secret: SECRET.to_vec(),
        audit: Some(clew::server::audit::AuditLog::open(&audit).unwrap()),
        limits,
        web_dir: web,
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    Server { base: format!("http://{addr}"), audit, state, client }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(1);
    N.fetch_add(1, Ordering::Relaxed) << 20
}

/// Starts a server with default limits.
pub async fn start(snapshot: &Path) -> Server {
    start_with(snapshot, Limits::default(), None).await
}

/// An answer: status, body text and parsed JSON (Null if not JSON).
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub text: String,
    /// Body as JSON.
    pub json: serde_json::Value,
}

impl Server {
    /// GET `path` with `token` (none if empty).
    pub async fn get(&self, token: &str, path: &str) -> Reply {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        reply(req.send().await.unwrap()).await
    }

    /// POST a JSON body.
    pub async fn post(&self, token: &str, path: &str, body: &str) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        reply(req.send().await.unwrap()).await
    }

    /// The audit lines written so far.
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.audit)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
            .collect()
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Reply { status, text, json }
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
