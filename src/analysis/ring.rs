//! Collusion rings: communities on the shared-identifier projection, scored by their features.
//!
//! People are linked when they share an identifier (a phone, an address, an account: by default
//! every relation to an entity type marked `shared`), each pair through an identifier of `d`
//! holders weighing `1/(d−1)`, so a household's one address weighs what a ring's phone does, and
//! identifiers with too many holders (a switchboard) or also used by a company are left out. A
//! claim paid into someone else's account links the claimant to the holder. That projection is
//! not built here: [`projection_def`] writes it as a `shared-identifiers` [`ProjectionDef`] (the
//! company rule is `skip_identifiers_held_by_other_types`, payee links a meta-path) and the
//! projection module builds it, in parallel, through the process-wide [`ProjectionCache`].
//! Connected components of that projection are the candidates; a component too big to be one
//! ring is split into Louvain communities.
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
use super::{round2, stable_id, Alert, AnalysisError, Cluster, EntityRef};
use crate::algo::community::{louvain, LouvainOptions};
use crate::algo::projection::{
    IdentifierWeighting, PathDef, Projection, ProjectionCache, ProjectionDef, SharedIdentifiersDef,
};
use crate::algo::AdjGraph;
use crate::graph::{Graph, NodeId};

/// The identifier relations a ring rule uses: its own list, or every relation from a person to
/// entity types that are all `shared`.
fn identifier_relations(g: &Graph, p: &RingParams) -> Result<Vec<RelationTypeId>, String> {
    let s = g.schema();
    if !p.identifiers.is_empty() {
        return p
            .identifiers
            .iter()
            .map(|n| {
                s.relation_id(n).ok_or_else(|| {
                    let known: Vec<&str> = s.relations.iter().map(|r| r.name.as_str()).collect();
                    format!("`identifiers`: unknown relation `{n}`; known: {}", known.join(", "))
                })
            })
            .collect();
    }
    let person = s.entity_id("person");
    Ok((0..s.relations.len() as u16)
        .map(RelationTypeId)
        .filter(|&r| {
            let def = s.relation(r);
            !def.to.is_empty()
                && def.to.iter().all(|&t| s.entity(t).shared)
                && (def.from.is_empty() || person.is_some_and(|p| def.from.contains(&p)))
        })
        .collect())
}

/// The ring's identifier relations with the projection built from them: the scoring names the
/// identifiers a cluster shares and leaves out those the projection skipped.
struct Identifiers {
    rels: Vec<RelationTypeId>,
    projection: Projection,
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

/// The meta-path of payee links: a person claimed a claim paid to an account another person holds.
const PAYEE_PATH: [&str; 3] = ["claimed", "paid_to", "~holds_account"];

/// The person–person projection a ring rule asks for, as a [`ProjectionDef`]: people sharing an
/// identifier through one of `relations`, weighted `1/(d−1)`, identifiers above the degree cap or
/// (when asked) also used by a company skipped; with payee links, the [`PAYEE_PATH`] meta-path
/// of weight 1 whose accounts are capped like identifiers.
pub fn projection_def(g: &Graph, p: &RingParams, relations: &[RelationTypeId]) -> ProjectionDef {
    let s = g.schema();
    let mut identifiers: Vec<String> = Vec::new();
    for &r in relations {
        for &t in &s.relation(r).to {
            let name = &s.entity(t).name;
            if !identifiers.contains(name) {
                identifiers.push(name.clone());
            }
        }
    }
    let cap = u32::try_from(p.max_identifier_degree).unwrap_or(u32::MAX);
    let payee_path =
        p.payee_links && PAYEE_PATH.iter().all(|name| s.relation_id(name.trim_start_matches('~')).is_some());
    ProjectionDef::SharedIdentifiers(SharedIdentifiersDef {
        nodes: vec!["person".to_owned()],
        identifiers,
        relations: relations.iter().map(|&r| s.relation(r).name.clone()).collect(),
        weighting: IdentifierWeighting::InverseDegree,
        max_identifier_degree: cap,
        keep_isolated: false,
        skip_identifiers_held_by_other_types: p.skip_organisation_identifiers,
        paths: if payee_path {
            vec![PathDef {
                relations: PAYEE_PATH.iter().map(|&name| name.to_owned()).collect(),
                weight: 1.0,
                max_sources: Some(cap),
            }]
        } else {
            Vec::new()
        },
    })
}

/// Finds collusion rings; a rule naming relations or types the schema lacks is an error.
pub fn detect(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &RingParams,
    alerts: &AlertIndex,
    levels: &Thresholds,
    ev: &Builder<'_>,
    seed: u64,
) -> Result<Vec<Cluster>, AnalysisError> {
    let g = ctx.g;
    if ctx.types.person.is_none() {
        return Ok(Vec::new());
    }
    let schema_error = |message: String| AnalysisError::Schema { rule: rule.id.clone(), message };
    let rels = identifier_relations(g, p).map_err(schema_error)?;
    let definition = projection_def(g, p, &rels);
    // An empty identifier list would mean every `shared` type to the projection module.
    if matches!(&definition, ProjectionDef::SharedIdentifiers(def) if def.identifiers.is_empty()) {
        return Err(schema_error(
            "no identifiers: no relation from a person to an entity type marked `shared`, or the relations in \
             `identifiers` lead to no entity type"
                .to_owned(),
        ));
    }
    let projection =
        Projection::resolve(&definition, g.schema()).map_err(|e| schema_error(format!("projection: {e}")))?;
    // The process-wide cache: a server or CLI run that asks for the same projection again reuses it.
    let projected =
        ProjectionCache::global().get_or_build(g, &projection).map_err(|e| schema_error(format!("projection: {e}")))?;
    let proj = Identifiers { rels, projection };
    // The projection's vertices are its linked people in node order; each edge once, `a < b`.
    let nodes: Vec<u32> = projected.nodes.iter().map(|n| n.0).collect();
    let adjacency = &projected.graph;
    let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(adjacency.n_edges() as usize);
    for a in 0..adjacency.n_vertices() {
        let weights = adjacency.out_weights(a).unwrap_or(&[]);
        for (&b, &w) in adjacency.out_neighbours(a).iter().zip(weights) {
            if a < b {
                edges.push((a, b, w));
            }
        }
    }
    let mut dsu = Dsu((0..nodes.len() as u32).collect());
    for &(a, b, _) in &edges {
        dsu.union(a, b);
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
            if let (Some(&la), Some(&lb)) = (local.get(&a), local.get(&b)) {
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
    Ok(candidates
        .into_iter()
        .map(|mut members| {
            members.sort_unstable();
            score_ring(ctx, rule, p, &proj, &members, alerts, &sticks, &hospital_claims, total_claims, levels, ev)
        })
        .filter(|c| c.risk_score >= p.min_score)
        .collect())
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
    proj: &Identifiers,
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
    users.retain(|&x, (_, who)| who.len() >= 2 && !proj.projection.skips_identifier(g, x));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The projection as this module built it by hand before it used the projection module,
    /// kept as the oracle the projection must reproduce: sorted `(a, b, weight)` on node ids.
    fn hand_built(ctx: &Context<'_>, p: &RingParams) -> Vec<(u32, u32, f64)> {
        let g = ctx.g;
        let person = ctx.types.person.unwrap();
        let rels = identifier_relations(g, p).unwrap();
        let holders = |x: NodeId| -> Option<Vec<NodeId>> {
            let mut out = Vec::new();
            for adj in g.in_edges(x) {
                if !rels.contains(&adj.relation) {
                    continue;
                }
                if g.node_type(adj.other) != person {
                    if p.skip_organisation_identifiers {
                        return None;
                    }
                    continue;
                }
                if !out.contains(&adj.other) {
                    out.push(adj.other);
                    if out.len() > p.max_identifier_degree {
                        return None;
                    }
                }
            }
            Some(out)
        };
        let mut ident_types = Vec::new();
        for &r in &rels {
            for &t in &g.schema().relation(r).to {
                if !ident_types.contains(&t) {
                    ident_types.push(t);
                }
            }
        }
        let mut pairs: Vec<(u32, u32, f64)> = Vec::new();
        for &t in &ident_types {
            for x in g.type_range(t) {
                let Some(h) = holders(NodeId(x)) else { continue };
                if h.len() < 2 {
                    continue;
                }
                let w = 1.0 / (h.len() as f64 - 1.0);
                for i in 0..h.len() {
                    for j in i + 1..h.len() {
                        pairs.push((h[i].0.min(h[j].0), h[i].0.max(h[j].0), w));
                    }
                }
            }
        }
        if p.payee_links {
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
        pairs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
        let mut edges: Vec<(u32, u32, f64)> = Vec::new();
        for (a, b, w) in pairs {
            match edges.last_mut() {
                Some(last) if last.0 == a && last.1 == b => last.2 += w,
                _ => edges.push((a, b, w)),
            }
        }
        edges
    }

    /// The projection module's edges for the same parameters, on node ids.
    fn through_the_module(ctx: &Context<'_>, p: &RingParams) -> Vec<(u32, u32, f64)> {
        let rels = identifier_relations(ctx.g, p).unwrap();
        let projection = Projection::resolve(&projection_def(ctx.g, p, &rels), ctx.g.schema()).unwrap();
        let projected = projection.build(ctx.g).unwrap();
        let mut edges = Vec::new();
        for a in 0..projected.graph.n_vertices() {
            let weights = projected.graph.out_weights(a).unwrap();
            for (&b, &w) in projected.graph.out_neighbours(a).iter().zip(weights) {
                if a < b {
                    edges.push((projected.node(a).0, projected.node(b).0, w));
                }
            }
        }
        edges
    }

    #[test]
    fn the_ring_projection_is_the_one_the_detector_built_by_hand() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        crate::demo::generate(crate::demo::Size::Small, 7, dir.path()).expect("generating the demo world");
        let snapshot = dir.path().join(crate::demo::SNAPSHOT_FILE);
        crate::build::build(
            &dir.path().join(crate::demo::MAPPING_FILE),
            &snapshot,
            &Default::default(),
            &Default::default(),
        )
        .expect("building the demo world");
        let graph = Graph::open(&snapshot).expect("opening the demo world");
        let ctx = Context::new(&graph);
        let default = RingParams::default();
        let variants = [
            RingParams { ..default.clone() },
            RingParams { skip_organisation_identifiers: false, ..default.clone() },
            RingParams { payee_links: false, ..default.clone() },
            // A low cap skips many identifiers and accounts.
            RingParams { max_identifier_degree: 2, ..default.clone() },
            RingParams { identifiers: vec!["has_phone".into(), "holds_account".into()], ..default.clone() },
        ];
        for p in &variants {
            let expected = hand_built(&ctx, p);
            let found = through_the_module(&ctx, p);
            assert!(expected.len() > 50, "too small a case to compare: {} with {p:?}", expected.len());
            assert_eq!(found.len(), expected.len(), "{p:?}");
            for (f, e) in found.iter().zip(&expected) {
                assert!(f.0 == e.0 && f.1 == e.1 && (f.2 - e.2).abs() < 1e-12, "{f:?} != {e:?} with {p:?}");
            }
        }
        // A misspelt identifier relation is an error naming the rule and the relations known.
        let rules = super::super::rules::RuleSet::parse(
            "version = 1\n[[rule]]\nid = \"rings\"\nkind = \"collusion_ring\"\nscore = 80\nidentifiers = [\"has_phon\"]\n",
            "r.toml",
        )
        .unwrap();
        let error = crate::analysis::analyze(&graph, &rules, &Default::default()).unwrap_err().to_string();
        assert!(
            error.contains("rule `rings`") && error.contains("`has_phon`") && error.contains("has_phone"),
            "{error}"
        );
    }
}
