//! `clew demo` end to end: the real binary generates the small world and builds it, and the
//! snapshot must hold exactly what `truth.json` says: the node counts, every planted pattern's
//! members and links, the look-alikes, the entity-resolution traps, and the unusable rows in
//! the rejects report.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use clew::demo::Truth;
use clew::graph::{Graph, NodeId, Value};

/// Generous for a debug build on two shared cores; the run itself takes a few seconds.
const TIME_LIMIT: Duration = Duration::from_secs(120);

fn run_demo(out: &Path) -> Truth {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_clew"))
        .args(["demo", "--size", "small", "--seed", "7", "--no-serve", "--quiet", "--out"])
        .arg(out)
        .output()
        .expect("run clew demo");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "clew demo failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("built "), "{stdout}");
    assert!(elapsed < TIME_LIMIT, "clew demo --size small took {elapsed:?}");
    let text = std::fs::read_to_string(out.join("truth.json")).expect("truth.json");
    serde_json::from_str(&text).expect("truth.json parses as Truth")
}

/// Lookups on the opened graph that fail with the key in the message.
struct World<'g> {
    graph: &'g Graph,
}

impl<'g> World<'g> {
    fn node(&self, ty: &str, key: &str) -> NodeId {
        self.graph.find_by_name(ty, key).unwrap_or_else(|| panic!("no {ty} node with key {key}"))
    }

    fn key(&self, node: NodeId) -> &'g str {
        self.graph.key(node)
    }

    fn relation(&self, name: &str) -> graph_schema::RelationTypeId {
        self.graph.schema().relation_id(name).unwrap_or_else(|| panic!("no relation {name}"))
    }

    /// Targets of `node`'s out-edges of relation `rel`.
    fn out(&self, node: NodeId, rel: &str) -> Vec<NodeId> {
        let rel = self.relation(rel);
        self.graph.out_edges(node).filter(|a| a.relation == rel).map(|a| a.other).collect()
    }

    /// Sources of `node`'s in-edges of relation `rel`.
    fn into(&self, node: NodeId, rel: &str) -> Vec<NodeId> {
        let rel = self.relation(rel);
        self.graph.in_edges(node).filter(|a| a.relation == rel).map(|a| a.other).collect()
    }

    /// The one target of `node`'s out-edge of relation `rel`.
    fn one_out(&self, node: NodeId, rel: &str) -> NodeId {
        let targets = self.out(node, rel);
        assert_eq!(targets.len(), 1, "{} has {} `{rel}` edges", self.key(node), targets.len());
        targets[0]
    }

    fn date(&self, node: NodeId, prop: &str) -> i32 {
        match self.graph.node_prop_by_name(node, prop) {
            Value::Date(d) => d,
            other => panic!("{} {prop} is {other:?}", self.key(node)),
        }
    }

    fn cents(&self, node: NodeId, prop: &str) -> i64 {
        match self.graph.node_prop_by_name(node, prop) {
            Value::Decimal(c) => c,
            other => panic!("{} {prop} is {other:?}", self.key(node)),
        }
    }

    fn text(&self, node: NodeId, prop: &str) -> &'g str {
        match self.graph.node_prop_by_name(node, prop) {
            Value::Str(s) => s,
            other => panic!("{} {prop} is {other:?}", self.key(node)),
        }
    }

    fn claimant(&self, claim: NodeId) -> NodeId {
        let claimants = self.into(claim, "claimed");
        assert_eq!(claimants.len(), 1, "claim {}", self.key(claim));
        claimants[0]
    }

    fn holders(&self, account: NodeId) -> Vec<&'g str> {
        self.into(account, "holds_account").into_iter().map(|n| self.key(n)).collect()
    }
}

fn days(iso: &str) -> i32 {
    graph_schema::normalise::date_days(iso, &[]).expect("ISO date")
}

#[test]
fn the_small_demo_world_builds_and_holds_its_ground_truth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let truth = run_demo(dir.path());
    let graph = Graph::open(&dir.path().join("world.clew")).expect("open world.clew");
    let w = World { graph: &graph };

    check_counts(&w, &truth);
    check_rejects(dir.path(), &truth);
    check_forging_staff(&w, &truth);
    check_rings(&w, &truth);
    check_claim_patterns(&w, &truth);
    check_shells_and_cycles(&w, &truth);
    check_lookalikes(&w, &truth);
    check_entity_resolution(&w, &truth);
    check_merges(dir.path(), &truth);
}

fn check_counts(w: &World<'_>, truth: &Truth) {
    let graph = w.graph;
    for (ty, &count) in &truth.counts.nodes {
        let id = graph.schema().entity_id(ty).unwrap_or_else(|| panic!("no entity type {ty}"));
        assert_eq!(graph.type_range(id).len() as u64, count, "{ty} nodes");
    }
    let total: u64 = truth.counts.nodes.values().sum();
    assert_eq!(graph.n_nodes() as u64, total, "nodes of types truth.json does not count");
    let report = &graph.manifest().report;
    assert_eq!(report.rows, truth.counts.rows, "rows");
    assert_eq!(report.rejected, truth.counts.rejected_rows, "rejected rows");
    assert_eq!(report.flagged, truth.counts.flagged_values, "flagged values");
    assert_eq!(report.property_conflicts, truth.counts.property_conflicts, "property conflicts");
    let transfer = w.relation("transfer");
    assert_eq!(graph.manifest().relation_counts[transfer.0 as usize], truth.counts.transfer_edges, "transfer edges");
    let person = graph.schema().entity_id("person").expect("person type");
    let invalid = graph.type_range(person).filter(|&n| graph.key_is_invalid(NodeId(n))).count() as u64;
    assert_eq!(invalid, truth.counts.invalid_person_keys, "person keys kept raw");
    for file in &truth.files {
        let input = report.inputs.iter().find(|i| i.path.ends_with(&file.name)).expect("file in report");
        assert_eq!((input.rows, input.bytes), (file.rows, file.bytes), "{}", file.name);
    }
}

fn check_rejects(dir: &Path, truth: &Truth) {
    let text = std::fs::read_to_string(dir.join("world.clew.rejects.jsonl")).expect("rejects report");
    let found: BTreeSet<(String, u64, String, String)> = text
        .lines()
        .map(|line| {
            let issue: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let file = issue["file"].as_str().expect("file");
            let name = Path::new(file).file_name().expect("file name").to_string_lossy().into_owned();
            let field = |k: &str| issue[k].as_str().expect(k).to_owned();
            (name, issue["line"].as_u64().expect("line"), field("column"), field("reason"))
        })
        .collect();
    let planted: BTreeSet<(String, u64, String, String)> =
        truth.rejects.iter().map(|r| (r.file.clone(), r.line, r.column.clone(), r.reason.clone())).collect();
    assert_eq!(found, planted);
    assert_eq!(truth.rejects.len(), 5);
}

fn check_forging_staff(w: &World<'_>, truth: &Truth) {
    assert!(!truth.patterns.forging_staff.is_empty());
    for forger in &truth.patterns.forging_staff {
        let staff = w.node("person", &forger.staff);
        assert_eq!(w.text(staff, "role"), "claims officer");
        let phone = w.node("phone", &forger.phone);
        let address = w.node("address", &forger.address);
        assert!(w.out(staff, "has_phone").contains(&phone));
        assert!(w.out(staff, "lives_at").contains(&address));
        assert!(forger.claims.len() >= 10, "{} forged claims", forger.claims.len());
        for claim in &forger.claims {
            let node = w.node("claim", &claim.claim);
            assert_eq!(w.one_out(node, "handled_by"), staff, "claim {}", claim.claim);
            let account = w.one_out(node, "paid_to");
            assert_eq!(w.key(account), claim.paid_to);
            assert_eq!(w.holders(account), [claim.relative.as_str()]);
            let claimant = w.claimant(node);
            assert_eq!(w.key(claimant), claim.claimant);
            // The claimant never went to hospital: every claim they have is forged.
            for their in w.out(claimant, "claimed") {
                assert!(
                    forger.claims.iter().any(|c| c.claim == w.key(their)),
                    "{} has an honest claim",
                    claim.claimant
                );
            }
        }
        for relative in &forger.relatives {
            let person = w.node("person", &relative.person);
            match relative.shares.as_str() {
                "phone" => assert!(w.out(person, "has_phone").contains(&phone)),
                "address" => assert!(w.out(person, "lives_at").contains(&address)),
                other => panic!("relative shares {other}"),
            }
            let account = w.node("account", &relative.account);
            assert_eq!(w.holders(account), [relative.person.as_str()]);
        }
    }
}

fn check_rings(w: &World<'_>, truth: &Truth) {
    assert!(truth.patterns.collusion_rings.len() >= 3);
    for ring in &truth.patterns.collusion_rings {
        assert!((5..=15).contains(&ring.members.len()));
        let hospital = w.node("hospital", &ring.hospital);
        let members: BTreeSet<NodeId> = ring.members.iter().map(|m| w.node("person", m)).collect();
        let accounts: BTreeSet<NodeId> = ring.accounts.iter().map(|a| w.node("account", a)).collect();
        for phone in &ring.phones {
            let sharing =
                w.into(w.node("phone", phone), "has_phone").into_iter().filter(|p| members.contains(p)).count();
            assert!(sharing >= 2, "ring phone {phone} is listed by {sharing} members");
        }
        for address in &ring.addresses {
            let node = w.node("address", address);
            let sharing = w.into(node, "lives_at").into_iter().filter(|p| members.contains(p)).count();
            assert!(sharing >= 2, "ring address {address} has {sharing} members");
        }
        for &account in &accounts {
            let holders = w.into(account, "holds_account");
            assert!(holders.iter().all(|h| members.contains(h)), "ring account held outside the ring");
        }
        for claim in &ring.claims {
            let node = w.node("claim", claim);
            assert_eq!(w.one_out(node, "treated_at"), hospital);
            assert!(accounts.contains(&w.one_out(node, "paid_to")));
            assert!(members.contains(&w.claimant(node)));
        }
    }
}

fn check_claim_patterns(w: &World<'_>, truth: &Truth) {
    let p = &truth.patterns;
    assert!(p.overlapping_stays.len() >= 5 && p.claims_after_death.len() >= 5 && p.duplicate_claims.len() >= 5);
    for stay in &p.overlapping_stays {
        let person = w.node("person", &stay.person);
        let [a, b] = [w.node("claim", &stay.claims[0]), w.node("claim", &stay.claims[1])];
        assert_eq!((w.claimant(a), w.claimant(b)), (person, person));
        assert_eq!(w.key(w.one_out(a, "treated_at")), stay.hospitals[0]);
        assert_eq!(w.key(w.one_out(b, "treated_at")), stay.hospitals[1]);
        assert_ne!(stay.hospitals[0], stay.hospitals[1]);
        let overlap =
            w.date(a, "discharged").min(w.date(b, "discharged")) - w.date(a, "admitted").max(w.date(b, "admitted"));
        assert_eq!(i64::from(overlap), stay.overlap_days);
        assert!(overlap > 0);
    }
    for dead in &p.claims_after_death {
        let person = w.node("person", &dead.person);
        let death = w.date(person, "death_date");
        assert_eq!(death, days(&dead.death_date));
        for claim in &dead.claims {
            let node = w.node("claim", claim);
            assert_eq!(w.claimant(node), person);
            assert!(w.date(node, "admitted") > death, "claim {claim} is not after the death");
        }
        for claim in &dead.claims_before {
            assert!(w.date(w.node("claim", claim), "discharged") < death);
        }
    }
    for pair in &p.duplicate_claims {
        let [a, b] = [w.node("claim", &pair.claims[0]), w.node("claim", &pair.claims[1])];
        assert_ne!(a, b);
        assert_eq!(w.claimant(a), w.claimant(b));
        assert_eq!(w.key(w.claimant(a)), pair.person);
        assert_eq!(w.one_out(a, "treated_at"), w.one_out(b, "treated_at"));
        assert_eq!(w.key(w.one_out(a, "treated_at")), pair.hospital);
        for prop in ["admitted", "discharged"] {
            assert_eq!(w.date(a, prop), w.date(b, prop), "{prop}");
        }
        assert_eq!(w.cents(a, "billed"), w.cents(b, "billed"));
    }
    for over in &p.reimbursed_over_billed {
        let node = w.node("claim", &over.claim);
        assert_eq!((w.cents(node, "billed"), w.cents(node, "reimbursed")), (over.billed_cents, over.reimbursed_cents));
        assert!(over.reimbursed_cents > over.billed_cents);
        assert_eq!(w.key(w.claimant(node)), over.person);
    }
    assert!(!p.invalid_id_claimants.is_empty());
    for invalid in &p.invalid_id_claimants {
        let person = w.node("person", &invalid.person);
        assert!(w.graph.key_is_invalid(person), "{} kept as valid", invalid.person);
        let claims: BTreeSet<&str> = w.out(person, "claimed").into_iter().map(|c| w.key(c)).collect();
        assert_eq!(claims, invalid.claims.iter().map(String::as_str).collect());
    }
    for other in &p.paid_to_other {
        let node = w.node("claim", &other.claim);
        let account = w.one_out(node, "paid_to");
        assert_eq!(w.key(account), other.account);
        assert_eq!(w.holders(account), [other.holder.as_str()]);
        assert_ne!(other.holder, other.claimant);
        assert_eq!(w.key(w.claimant(node)), other.claimant);
    }
}

fn check_shells_and_cycles(w: &World<'_>, truth: &Truth) {
    assert!(truth.patterns.shell_networks.len() >= 2);
    let shareholder = w.relation("shareholder_of");
    for network in &truth.patterns.shell_networks {
        let address = w.node("address", &network.address);
        let phone = w.node("phone", &network.phone);
        let reps: BTreeSet<NodeId> = network.legal_reps.iter().map(|r| w.node("person", r)).collect();
        let n = network.companies.len();
        assert!((3..=5).contains(&n));
        for (i, code) in network.companies.iter().enumerate() {
            let company = w.node("company", code);
            assert_eq!(w.one_out(company, "registered_at"), address);
            assert_eq!(w.one_out(company, "has_phone"), phone);
            let rep = w.into(company, "legal_rep_of");
            assert!(rep.len() == 1 && reps.contains(&rep[0]), "{code}");
            let owned = w.node("company", &network.companies[(i + 1) % n]);
            let edge = w
                .graph
                .out_edges(company)
                .find(|a| a.relation == shareholder && a.other == owned)
                .unwrap_or_else(|| panic!("{code} does not own the next company"));
            assert_eq!(w.graph.edge_prop(edge.edge, 0), Value::Decimal(i64::from(network.shares_bp[i])));
            assert_eq!(w.holders(w.node("account", &network.accounts[i])), [code.as_str()]);
        }
    }
    assert!(truth.patterns.transfer_cycles.len() >= 3);
    let transfer = w.relation("transfer");
    for cycle in &truth.patterns.transfer_cycles {
        let n = cycle.accounts.len();
        assert!(cycle.returned >= 0.9 && cycle.days <= 30.0, "{cycle:?}");
        for i in 0..n {
            let from = w.node("account", &cycle.accounts[i]);
            let to = w.node("account", &cycle.accounts[(i + 1) % n]);
            let found = w.graph.out_edges(from).filter(|a| a.relation == transfer && a.other == to).any(|a| {
                w.graph.edge_prop(a.edge, 0) == Value::Decimal(cycle.amounts_cents[i])
                    && w.graph.edge_time(a.edge).map(graph_schema::normalise::format_secs).as_deref()
                        == Some(cycle.times[i].as_str())
            });
            assert!(found, "hop {i} of {cycle:?}");
        }
    }
}

fn check_lookalikes(w: &World<'_>, truth: &Truth) {
    let l = &truth.lookalikes;
    assert!(!l.families.is_empty());
    for family in &l.families {
        assert!((2..=5).contains(&family.members.len()));
        let address = w.node("address", &family.address);
        for member in &family.members {
            assert!(w.out(w.node("person", member), "lives_at").contains(&address));
        }
        assert!(!family.claims.is_empty());
    }
    let employer = w.node("company", &l.big_employer.company);
    // `employed_by` carries a date, so a repeated persons.csv row is a second edge: count people.
    let employees: BTreeSet<NodeId> = w.into(employer, "employed_by").into_iter().collect();
    assert_eq!(employees.len() as u64, l.big_employer.employees);
    assert!(l.big_employer.employees >= 100);
    let hospital = w.node("hospital", &l.big_hospital.hospital);
    assert_eq!(w.into(hospital, "treated_at").len() as u64, l.big_hospital.claims);
    for supernode in &l.supernode_accounts {
        let account = w.node("account", &supernode.account);
        assert_eq!(w.into(account, "transfer").len() as u64, supernode.transfers_in, "{}", supernode.kind);
        assert_eq!(w.out(account, "transfer").len() as u64, supernode.transfers_out, "{}", supernode.kind);
        assert_eq!(w.holders(account), [supernode.holder.as_str()]);
    }
    let switchboard = w.node("phone", &l.switchboard_phone.phone);
    let listers: BTreeSet<&str> = w.into(switchboard, "has_phone").into_iter().map(|n| w.key(n)).collect();
    assert!(l.switchboard_phone.listed_by.len() >= 20);
    for person in &l.switchboard_phone.listed_by {
        assert!(listers.contains(person.as_str()), "{person} does not list the switchboard");
    }
}

fn check_entity_resolution(w: &World<'_>, truth: &Truth) {
    let er = &truth.entity_resolution;
    assert!(!er.name_variants.is_empty());
    for variant in &er.name_variants {
        let person = w.node("person", &variant.person);
        assert_eq!(w.text(person, "name"), variant.name, "the first file's spelling is kept");
        assert_ne!(variant.name, variant.variant);
        let account = w.out(person, "holds_account")[0];
        assert_eq!(w.text(account, "holder_name"), variant.variant);
    }
    for pair in &er.same_name_different_people {
        let [a, b] = [w.node("person", &pair.persons[0]), w.node("person", &pair.persons[1])];
        assert_ne!(a, b);
        assert_eq!((w.text(a, "name"), w.text(b, "name")), (pair.name.as_str(), pair.name.as_str()));
        assert_ne!(w.date(a, "birth_date"), w.date(b, "birth_date"));
    }
    assert!(er.missing_id_records.iter().any(|r| r.same_as.is_some()));
    assert!(er.missing_id_records.iter().any(|r| r.resembles.is_some()));
    for record in &er.missing_id_records {
        // An application's number finds its node: the member's, once resolution merged them.
        let node = w.node("person", &record.record);
        match &record.same_as {
            Some(known) => {
                assert_eq!(node, w.node("person", known), "{} ({}) is {known}", record.record, record.how);
            }
            None => {
                assert_eq!(w.key(node), record.record, "{} ({}) is nobody else", record.record, record.how);
                assert_eq!(w.text(node, "name"), record.name);
                assert_eq!(w.date(node, "birth_date"), days(&record.birth_date));
                if let Some(other) = &record.resembles {
                    assert_ne!(node, w.node("person", other), "{} ({}) is not {other}", record.record, record.how);
                }
            }
        }
        if let Some(phone) = &record.phone {
            assert!(w.out(node, "has_phone").contains(&w.node("phone", phone)), "{}", record.record);
        }
    }
}

/// `merges.jsonl` holds exactly the applications by known members, each merged into that
/// member: no other record of the world has a duplicate.
fn check_merges(dir: &Path, truth: &Truth) {
    let text = std::fs::read_to_string(dir.join("world.clew.merges.jsonl")).expect("merges report");
    let merged: BTreeSet<Vec<String>> = text
        .lines()
        .map(|line| {
            let finding: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            assert_eq!(finding["type"], "person", "{line}");
            let keys = finding["keys"].as_array().expect("keys").iter();
            keys.map(|k| k.as_str().expect("key").to_owned()).collect()
        })
        .collect();
    let expected: BTreeSet<Vec<String>> = truth
        .entity_resolution
        .missing_id_records
        .iter()
        .filter_map(|r| r.same_as.as_ref().map(|known| vec![known.clone(), r.record.clone()]))
        .collect();
    assert_eq!(merged, expected);
}
