//! Collusion rings: communities on the shared-identifier projection, scored by their features.
//!
//! People are linked when they share an identifier (a phone, an address, an account: by default
//! every relation to an entity type marked `shared`), each pair through an identifier of `d`
//! holders weighing `1/(d−1)`, so a household's one address weighs what a ring's phone does, and
//! identifiers with too many holders (a switchboard) or also used by a company are left out. A
//! claim paid into someone else's account links the claimant to the holder. Connected components
//! of that projection are the candidates; a component too big to be one ring is split into
//! Louvain communities.
//!
//! A candidate's score combines features, each 0–1: how many kinds of identifier its members
//! share (a family shares an address; a ring shares phones, addresses and payee accounts), how
//! many people stand behind one identifier, how much its claims concentrate on one hospital
//! beyond that hospital's usual share (patients of a big hospital do not), how far its amounts
//! run above the median for their diagnosis, and how many of its claims the record rules
//! flagged. Innocent look-alikes score on one feature at most and stay blue or yellow.
//!
//! [`staff_networks`] groups the forged-reimbursement alerts into a staff member and the
//! relatives paid.

use std::collections::BTreeMap;

use graph_schema::RelationTypeId;
use rustc_hash::{FxHashMap, FxHashSet};

use super::evidence::Builder;
use super::risk::{AlertIndex, Thresholds};
use super::rules::amounts::Yardsticks;
use super::rules::context::{money, Context, NONE};
use super::rules::{RingParams, Rule, StaffNetworkParams};
use super::{round2, stable_id, Alert, Cluster, EntityRef};
use crate::algo::community::{louvain, LouvainOptions};
use crate::algo::AdjGraph;
use crate::graph::{Graph, NodeId};

/// The identifier relations a ring rule uses: its own list, or every relation from a person to
/// entity types that are all `shared`.
fn identifier_relations(g: &Graph, p: &RingParams) -> Vec<RelationTypeId> {
    let s = g.schema();
    if !p.identifiers.is_empty() {
        return p.identifiers.iter().filter_map(|n| s.relation_id(n)).collect();
    }
    let person = s.entity_id("person");
    (0..s.relations.len() as u16)
        .map(RelationTypeId)
        .filter(|&r| {
            let def = s.relation(r);
            !def.to.is_empty()
                && def.to.iter().all(|&t| s.entity(t).shared)
                && (def.from.is_empty() || person.is_some_and(|p| def.from.contains(&p)))
        })
        .collect()
}

/// Union-find over dense indices.
struct Dsu(Vec<u32>);

impl Dsu {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let up = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = up;
            x = up;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
    }
}

/// What the projection needs to know about identifiers.
struct Projection<'a> {
    ctx: &'a Context<'a>,
    rels: Vec<RelationTypeId>,
    person: graph_schema::EntityTypeId,
    max_degree: usize,
    skip_org: bool,
}

impl Projection<'_> {
    /// The distinct persons holding identifier `x`, or `None` when it is skipped.
    fn holders(&self, x: NodeId) -> Option<Vec<NodeId>> {
        let g = self.ctx.g;
        let mut out = Vec::new();
        for adj in g.in_edges(x) {
            if !self.rels.contains(&adj.relation) {
                continue;
            }
            if g.node_type(adj.other) != self.person {
                if self.skip_org {
                    return None;
                }
                continue;
            }
            if !out.contains(&adj.other) {
                out.push(adj.other);
                if out.len() > self.max_degree {
                    return None;
                }
            }
        }
        Some(out)
    }
}

/// Finds collusion rings.
pub fn detect(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &RingParams,
    alerts: &AlertIndex,
    levels: &Thresholds,
    ev: &Builder<'_>,
    seed: u64,
) -> Vec<Cluster> {
    let g = ctx.g;
    let Some(person) = ctx.types.person else { return Vec::new() };
    let proj = Projection {
        ctx,
        rels: identifier_relations(g, p),
        person,
        max_degree: p.max_identifier_degree,
        skip_org: p.skip_organisation_identifiers,
    };
    // Identifier targets: every node some identifier relation points at.
    let s = g.schema();
    let mut ident_types: Vec<graph_schema::EntityTypeId> = Vec::new();
    for &r in &proj.rels {
        for &t in &s.relation(r).to {
            if !ident_types.contains(&t) {
                ident_types.push(t);
            }
        }
    }
    let mut pairs: Vec<(u32, u32, f64)> = Vec::new();
    for &t in &ident_types {
        for x in g.type_range(t) {
            let Some(h) = proj.holders(NodeId(x)) else { continue };
            if h.len() < 2 {
                continue;
            }
            let w = 1.0 / (h.len() as f64 - 1.0);
            for i in 0..h.len() {
                for j in i + 1..h.len() {
                    let (a, b) = (h[i].0.min(h[j].0), h[i].0.max(h[j].0));
                    pairs.push((a, b, w));
                }
            }
        }
    }
    if p.payee_links {
        // Claimants paid into an account they do not hold, per account.
        let mut paid: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for row in &ctx.claims {
            if row.payee != NONE && row.claimant != NONE && g.node_type(NodeId(row.claimant)) == person {
                paid.entry(row.payee).or_default().push(row.claimant);
            }
        }
        let mut accounts: Vec<u32> = paid.keys().copied().collect();
        accounts.sort_unstable();
        for account in accounts {
            let holders: Vec<NodeId> = ctx.holders(NodeId(account)).filter(|&h| g.node_type(h) == person).collect();
            if holders.is_empty() {
                continue;
            }
            let mut claimants = paid.remove(&account).unwrap_or_default();
            claimants.sort_unstable();
            claimants.dedup();
            claimants.retain(|c| !holders.contains(&NodeId(*c)));
            if claimants.is_empty() || claimants.len() > p.max_identifier_degree {
                continue;
            }
            for &c in &claimants {
                for h in &holders {
                    pairs.push((c.min(h.0), c.max(h.0), 1.0));
                }
            }
        }
    }
    pairs.sort_unstable_by_key(|a| (a.0, a.1));
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    for (a, b, w) in pairs {
        match edges.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 += w,
            _ => edges.push((a, b, w)),
        }
    }
    // Dense ids for the people in the projection.
    let mut nodes: Vec<u32> = edges.iter().flat_map(|&(a, b, _)| [a, b]).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let dense = |v: u32| nodes.binary_search(&v).unwrap_or(0) as u32;
    let mut dsu = Dsu((0..nodes.len() as u32).collect());
    for &(a, b, _) in &edges {
        dsu.union(dense(a), dense(b));
    }
    let mut components: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for i in 0..nodes.len() as u32 {
        let root = dsu.find(i);
        components.entry(root).or_default().push(i);
    }
    let sticks = Yardsticks::new(ctx);
    let mut hospital_claims: FxHashMap<u32, u64> = FxHashMap::default();
    for row in &ctx.claims {
        *hospital_claims.entry(row.hospital).or_default() += 1;
    }
    let total_claims = ctx.claims.len().max(1) as f64;
    let mut candidates: Vec<Vec<NodeId>> = Vec::new();
    // Fragments of a ring that share no identifier but claim together at one hospital, with
    // inflated or flagged claims, are joined per hospital.
    let mut fragments: BTreeMap<u32, Vec<NodeId>> = BTreeMap::new();
    for (_, comp) in components {
        if p.join_by_hospital && comp.len() >= 2 && comp.len() <= p.split_above {
            let members: Vec<NodeId> = comp.iter().map(|&i| NodeId(nodes[i as usize])).collect();
            if let Some(h) = suspicious_hospital(ctx, &members, alerts, &sticks, &hospital_claims, total_claims) {
                fragments.entry(h).or_default().extend(members);
                continue;
            }
        }
        if comp.len() < p.min_members {
            continue;
        }
        if comp.len() <= p.split_above {
            candidates.push(comp.iter().map(|&i| NodeId(nodes[i as usize])).collect());
            continue;
        }
        // Split: Louvain on the component's own edges.
        let local: FxHashMap<u32, u32> = comp.iter().enumerate().map(|(l, &i)| (i, l as u32)).collect();
        let mut sub_edges = Vec::new();
        let mut sub_w = Vec::new();
        for &(a, b, w) in &edges {
            if let (Some(&la), Some(&lb)) = (local.get(&dense(a)), local.get(&dense(b))) {
                sub_edges.push((la, lb));
                sub_w.push(w);
            }
        }
        let adj = AdjGraph::from_edges(comp.len() as u32, &sub_edges, Some(&sub_w), false);
        let opts = LouvainOptions { resolution: p.resolution.max(1e-9), seed };
        let Ok(found) = louvain(&adj, &opts) else { continue };
        let mut groups: Vec<Vec<NodeId>> = vec![Vec::new(); found.n_communities as usize];
        for (l, &c) in found.membership.iter().enumerate() {
            groups[c as usize].push(NodeId(nodes[comp[l] as usize]));
        }
        candidates.extend(groups.into_iter().filter(|grp| grp.len() >= p.min_members));
    }
    candidates.extend(fragments.into_values().filter(|grp| grp.len() >= p.min_members));
    candidates
        .into_iter()
        .map(|mut members| {
            members.sort_unstable();
            score_ring(ctx, rule, p, &proj, &members, alerts, &sticks, &hospital_claims, total_claims, levels, ev)
        })
        .filter(|c| c.risk_score >= p.min_score)
        .collect()
}

/// The hospital a group's claims concentrate on, when the concentration is well beyond that
/// hospital's share of all claims and those claims are inflated or mostly flagged.
fn suspicious_hospital(
    ctx: &Context<'_>,
    members: &[NodeId],
    alerts: &AlertIndex,
    sticks: &Yardsticks,
    hospital_claims: &FxHashMap<u32, u64>,
    total_claims: f64,
) -> Option<u32> {
    let (h, top, n) = main_hospital(ctx, members)?;
    if top < 3 {
        return None;
    }
    let base = hospital_claims.get(&h.0).copied().unwrap_or(0) as f64 / total_claims;
    let share = top as f64 / n.max(1) as f64;
    if base >= 1.0 || (share - base) / (1.0 - base) < 0.5 {
        return None;
    }
    let mut ratios = Vec::new();
    let mut alerted = 0;
    for m in members {
        for &i in ctx.by_claimant.get(m).into_iter().flatten() {
            let row = &ctx.claims[i as usize];
            if row.hospital != h.0 {
                continue;
            }
            alerted += usize::from(alerts.claims.contains(&row.node));
            if let (Some(b), Some(&(median, _, _))) = (row.billed, sticks.by_diagnosis.get(&row.diagnosis)) {
                if median > 0.0 {
                    ratios.push(b as f64 / median);
                }
            }
        }
    }
    ratios.sort_unstable_by(f64::total_cmp);
    let median_ratio = ratios.get(ratios.len() / 2).copied().unwrap_or(1.0);
    (alerted * 2 >= top || median_ratio >= 2.0).then_some(h.0)
}

/// The features, score, reasons and evidence of one candidate.
#[allow(clippy::too_many_arguments)]
fn score_ring(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &RingParams,
    proj: &Projection<'_>,
    members: &[NodeId],
    alerts: &AlertIndex,
    sticks: &Yardsticks,
    hospital_claims: &FxHashMap<u32, u64>,
    total_claims: f64,
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Cluster {
    let g = ctx.g;
    let in_cluster: FxHashSet<NodeId> = members.iter().copied().collect();
    let mut chain = ev.start(rule);
    // Shared identifiers: held by two or more members, not skipped.
    let mut users: BTreeMap<NodeId, (RelationTypeId, Vec<NodeId>)> = BTreeMap::new();
    for &m in members {
        chain.node(m);
        for adj in g.out_edges(m).filter(|a| proj.rels.contains(&a.relation)) {
            let e = users.entry(adj.other).or_insert((adj.relation, Vec::new()));
            if !e.1.contains(&m) {
                e.1.push(m);
            }
        }
    }
    users.retain(|&x, (_, who)| who.len() >= 2 && proj.holders(x).is_some());
    let mut kinds: FxHashSet<RelationTypeId> = users.values().map(|(r, _)| *r).collect();
    let mut most_behind_one = users.values().map(|(_, who)| who.len()).max().unwrap_or(0);
    for (&x, (rel, who)) in &users {
        for &m in who {
            chain.link(m.0, x.0, Some(*rel));
        }
    }
    // Claims of the members.
    let mut claims: Vec<u32> =
        members.iter().flat_map(|m| ctx.by_claimant.get(m).into_iter().flatten().copied()).collect();
    claims.sort_unstable();
    let mut by_hospital: BTreeMap<u32, usize> = BTreeMap::new();
    let mut cross: BTreeMap<u32, Vec<NodeId>> = BTreeMap::new();
    for &i in &claims {
        let row = &ctx.claims[i as usize];
        *by_hospital.entry(row.hospital).or_default() += 1;
        if row.payee != NONE {
            let holders: Vec<NodeId> = ctx.holders(NodeId(row.payee)).collect();
            if !holders.contains(&NodeId(row.claimant)) && holders.iter().any(|h| in_cluster.contains(h)) {
                let e = cross.entry(row.payee).or_default();
                if !e.contains(&NodeId(row.claimant)) {
                    e.push(NodeId(row.claimant));
                }
                chain.link(row.claimant, row.node.0, ctx.rels.claimed).link(row.node.0, row.payee, ctx.rels.paid_to);
                for h in holders.iter().filter(|h| in_cluster.contains(h)) {
                    chain.link(h.0, row.payee, ctx.rels.holds_account);
                }
            }
        }
    }
    let (top_hospital, top_count) = by_hospital
        .iter()
        .filter(|(&h, _)| h != NONE)
        .max_by_key(|(&h, &c)| (c, std::cmp::Reverse(h)))
        .map(|(&h, &c)| (h, c))
        .unwrap_or((NONE, 0));
    // Amounts and alerts are read on the claims at the hospital the group concentrates on (all
    // claims when that is under three), so relatives attached to a ring do not dilute them.
    let focus: Vec<u32> = if top_count >= 3 {
        claims.iter().copied().filter(|&i| ctx.claims[i as usize].hospital == top_hospital).collect()
    } else {
        claims.clone()
    };
    let mut ratios: Vec<f64> = Vec::new();
    let mut alerted = 0usize;
    for &i in &focus {
        let row = &ctx.claims[i as usize];
        if alerts.claims.contains(&row.node) {
            alerted += 1;
        }
        if let (Some(b), true) = (row.billed, row.diagnosis != NONE) {
            if let Some(&(median, _, _)) = sticks.by_diagnosis.get(&row.diagnosis) {
                if median > 0.0 {
                    ratios.push(b as f64 / median);
                }
            }
        }
    }
    if !cross.is_empty() {
        kinds.insert(RelationTypeId(u16::MAX));
        most_behind_one = most_behind_one.max(cross.values().map(|c| c.len() + 1).max().unwrap_or(0));
    }
    let n_claims = claims.len();
    let f_sharing = ((kinds.len() as f64 - 1.0) / 2.0).clamp(0.0, 1.0);
    let f_density = ((most_behind_one as f64 - 2.0) / 6.0).clamp(0.0, 1.0);
    let share = if n_claims > 0 { top_count as f64 / n_claims as f64 } else { 0.0 };
    let base = hospital_claims.get(&top_hospital).copied().unwrap_or(0) as f64 / total_claims;
    let damp = (n_claims as f64 / p.min_claims_for_concentration.max(1) as f64).min(1.0);
    let f_hospital = if base < 1.0 { ((share - base) / (1.0 - base)).clamp(0.0, 1.0) * damp } else { 0.0 };
    ratios.sort_unstable_by(f64::total_cmp);
    let median_ratio = if ratios.is_empty() { 1.0 } else { ratios[ratios.len() / 2] };
    let f_inflation = ((median_ratio - 1.0) / 2.0).clamp(0.0, 1.0);
    let alert_share = if focus.is_empty() { 0.0 } else { alerted as f64 / focus.len() as f64 };
    let f_alerts = (alert_share * 1.5).clamp(0.0, 1.0);
    let weights = [p.weight_sharing, p.weight_density, p.weight_hospital, p.weight_inflation, p.weight_alerts];
    let values = [f_sharing, f_density, f_hospital, f_inflation, f_alerts];
    let total_w: f64 = weights.iter().sum();
    let mix = if total_w > 0.0 { weights.iter().zip(&values).map(|(w, v)| w * v).sum::<f64>() / total_w } else { 0.0 };
    let score = round2(rule.score * mix);

    // Reasons.
    let mut reasons = Vec::new();
    let describe = |rel: RelationTypeId| -> String {
        let def = g.schema().relation(rel);
        def.to.first().map(|&t| g.schema().entity(t).name.clone()).unwrap_or_else(|| def.name.clone())
    };
    let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (&x, (rel, who)) in &users {
        by_kind.entry(describe(*rel)).or_default().push(format!("{} ({} members)", g.key(x), who.len()));
    }
    for (kind, list) in &by_kind {
        let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
        reasons.push(format!(
            "{} members share {} {}(s): {}{}",
            members.len(),
            list.len(),
            kind,
            shown.join(", "),
            if list.len() > 5 { ", ..." } else { "" }
        ));
    }
    if !cross.is_empty() {
        let list: Vec<String> = cross
            .iter()
            .take(5)
            .map(|(&a, c)| format!("{} (paid for {} other member(s))", ctx.key(a), c.len()))
            .collect();
        reasons.push(format!(
            "claims of members are paid into {} account(s) held by other members: {}",
            cross.len(),
            list.join(", ")
        ));
    }
    if n_claims > 0 && top_hospital != NONE {
        reasons.push(format!(
            "{} of the members' {} claims ({:.0} %) are at hospital {}, which has {:.1} % of all claims",
            top_count,
            n_claims,
            share * 100.0,
            g.key(NodeId(top_hospital)),
            base * 100.0
        ));
    }
    if !ratios.is_empty() {
        reasons.push(format!(
            "the median of these {} claims is billed {median_ratio:.1}× the median for its diagnosis",
            focus.len()
        ));
    }
    if alerted > 0 {
        reasons.push(format!("{alerted} of these {} claims carry rule alerts", focus.len()));
    }
    let mut core: Vec<EntityRef> = users.keys().map(|&x| EntityRef::of(g, x)).collect();
    core.extend(cross.keys().map(|&a| EntityRef::of(g, NodeId(a))));
    if core.is_empty() {
        core = members.iter().map(|&m| EntityRef::of(g, m)).collect();
    }
    core.sort();
    core.dedup();
    let mut features = BTreeMap::new();
    features.insert("sharing".to_owned(), round2(f_sharing));
    features.insert("density".to_owned(), round2(f_density));
    features.insert("hospital_concentration".to_owned(), round2(f_hospital));
    features.insert("inflation".to_owned(), round2(f_inflation));
    features.insert("alerted_claims".to_owned(), round2(f_alerts));
    features.insert("claims".to_owned(), n_claims as f64);
    features.insert("median_billed_ratio".to_owned(), round2(median_ratio));
    let _ = money;
    let mut member_refs: Vec<(EntityRef, NodeId)> = members.iter().map(|&m| (EntityRef::of(g, m), m)).collect();
    member_refs.sort();
    Cluster {
        cluster_id: stable_id("ring", &core),
        kind: "ring".to_owned(),
        risk_score: score,
        level: levels.level(score),
        members: member_refs.iter().map(|(r, _)| r.clone()).collect(),
        reasons,
        rule: rule.id.clone(),
        core,
        features,
        evidence: chain.finish(),
        member_nodes: member_refs.iter().map(|(_, n)| *n).collect(),
    }
}

/// The hospital most of a cluster's claims are at, with its count and the claims' total.
pub fn main_hospital(ctx: &Context<'_>, members: &[NodeId]) -> Option<(NodeId, usize, usize)> {
    let mut by_hospital: BTreeMap<u32, usize> = BTreeMap::new();
    let mut n = 0;
    for m in members {
        for &i in ctx.by_claimant.get(m).into_iter().flatten() {
            let h = ctx.claims[i as usize].hospital;
            if h != NONE {
                *by_hospital.entry(h).or_default() += 1;
            }
            n += 1;
        }
    }
    by_hospital.into_iter().max_by_key(|&(h, c)| (c, std::cmp::Reverse(h))).map(|(h, c)| (NodeId(h), c, n))
}

/// Staff networks: per staff member named by the alerts of the source rule, the staff member
/// and the account holders paid.
pub fn staff_networks(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &StaffNetworkParams,
    alerts: &[Alert],
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Vec<Cluster> {
    let g = ctx.g;
    let mut by_staff: BTreeMap<u32, (Vec<NodeId>, Vec<&Alert>)> = BTreeMap::new();
    for a in alerts.iter().filter(|a| a.rule == p.source) {
        let Some(row) = a.node.and_then(|n| ctx.claim(n)) else { continue };
        if row.handler == NONE {
            continue;
        }
        let e = by_staff.entry(row.handler).or_default();
        e.1.push(a);
        for &r in &a.related_nodes {
            let holder_of_payee = row.payee != NONE && ctx.holders(NodeId(row.payee)).any(|h| h == r);
            if holder_of_payee && !e.0.contains(&r) {
                e.0.push(r);
            }
        }
    }
    let mut out = Vec::new();
    for (staff, (relatives, staff_alerts)) in by_staff {
        let staff = NodeId(staff);
        let mut chain = ev.start(rule);
        chain.node(staff);
        let mut total = 0i64;
        for a in &staff_alerts {
            if let Some(row) = a.node.and_then(|n| ctx.claim(n)) {
                total += row.reimbursed.unwrap_or(0);
                chain.link(row.node.0, staff.0, ctx.rels.handled_by).link(row.node.0, row.payee, ctx.rels.paid_to);
            }
        }
        for &r in &relatives {
            chain.node(r);
            for adj in g.out_edges(r) {
                if g.out_edges(staff).any(|s| s.other == adj.other) {
                    chain.edge(adj.edge, r, adj.other);
                }
            }
        }
        let n = staff_alerts.len();
        let score = round2(rule.score * (0.6 + 0.4 * (n as f64 / 5.0).min(1.0)));
        let mut members: Vec<(EntityRef, NodeId)> =
            std::iter::once(staff).chain(relatives.iter().copied()).map(|m| (EntityRef::of(g, m), m)).collect();
        members.sort();
        let reasons = vec![
            format!(
                "staff member {} handled {} claim(s), reimbursed {} in total, paid into accounts of {} person(s) who share a phone or an address with them: {}",
                g.key(staff),
                n,
                money(Some(total)),
                relatives.len(),
                relatives.iter().map(|&r| g.key(r)).collect::<Vec<_>>().join(", ")
            ),
        ];
        let core = vec![EntityRef::of(g, staff)];
        let mut features = BTreeMap::new();
        features.insert("claims".to_owned(), n as f64);
        features.insert("relatives".to_owned(), relatives.len() as f64);
        out.push(Cluster {
            cluster_id: stable_id("staff", &core),
            kind: "staff_network".to_owned(),
            risk_score: score,
            level: levels.level(score),
            members: members.iter().map(|(r, _)| r.clone()).collect(),
            reasons,
            rule: rule.id.clone(),
            core,
            features,
            evidence: chain.finish(),
            member_nodes: members.iter().map(|(_, n)| *n).collect(),
        });
    }
    out
}
