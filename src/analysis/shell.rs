//! Shell networks and fund cycles.
//!
//! Shell networks: companies linked by a shared registered address or phone, a shared legal
//! representative, director or shareholder, or a holding between them; connected groups of at
//! least `min_companies` are candidates, scored by the share at one address, how few people stand
//! behind them, circular ownership among them, ownership chains ending in the same few people,
//! and money going round their accounts (a fund-cycle cluster through them).
//!
//! Fund cycles: transfers that leave an account and come back through others within a time
//! limit, keeping most of the amount ([`crate::cycles::fund_cycles`]); cycles over the same
//! accounts are one cluster.

use std::collections::BTreeMap;

use graph_schema::RelationTypeId;
use rustc_hash::FxHashSet;

use super::evidence::Builder;
use super::risk::Thresholds;
use super::rules::context::Context;
use super::rules::{FundParams, Rule, ShellParams};
use super::{round2, stable_id, Cluster, EntityRef};
use crate::cycles::{circular_ownership, fund_cycles, FundCycleQuery};
use crate::graph::NodeId;
use crate::paths::{ownership_chains, ChainEnd};
use graph_schema::normalise::{format_cents, format_secs};

/// Finds shell networks; `cycles` are the fund-cycle clusters found before (for their feature).
pub fn detect_networks(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &ShellParams,
    cycles: &[Cluster],
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Vec<Cluster> {
    let g = ctx.g;
    let Some(company) = ctx.types.company else { return Vec::new() };
    let links: Vec<RelationTypeId> = p.links.iter().filter_map(|n| g.schema().relation_id(n)).collect();
    let companies = g.type_range(company);
    let mut dsu: Vec<u32> = (0..companies.len() as u32).collect();
    fn find(d: &mut [u32], mut x: u32) -> u32 {
        while d[x as usize] != x {
            d[x as usize] = d[d[x as usize] as usize];
            x = d[x as usize];
        }
        x
    }
    let local = |n: NodeId| n.0 - companies.start;
    let union = |d: &mut Vec<u32>, a: u32, b: u32| {
        let (ra, rb) = (find(d, a), find(d, b));
        if ra != rb {
            d[ra.max(rb) as usize] = ra.min(rb);
        }
    };
    // Nodes that link companies: every non-company at the end of a link relation.
    let mut hubs: Vec<NodeId> = Vec::new();
    for c in companies.clone() {
        let c = NodeId(c);
        for adj in g.out_edges(c).chain(g.in_edges(c)) {
            if !links.contains(&adj.relation) {
                continue;
            }
            if g.node_type(adj.other) == company {
                union(&mut dsu, local(c), local(adj.other));
            } else {
                hubs.push(adj.other);
            }
        }
    }
    hubs.sort_unstable();
    hubs.dedup();
    for &x in &hubs {
        let linked = linked_companies(ctx, x, &links, company);
        if linked.len() >= 2 && linked.len() <= p.max_link_degree {
            for w in linked.windows(2) {
                union(&mut dsu, local(w[0]), local(w[1]));
            }
        }
    }
    let mut groups: BTreeMap<u32, Vec<NodeId>> = BTreeMap::new();
    for c in companies.clone() {
        let root = find(&mut dsu, c - companies.start);
        groups.entry(root).or_default().push(NodeId(c));
    }
    let owned_cycles = circular_ownership(g);
    let mut out = Vec::new();
    for (_, members) in groups {
        if members.len() < p.min_companies {
            continue;
        }
        out.push(score_network(ctx, rule, p, &links, company, &members, &owned_cycles, cycles, levels, ev));
    }
    out
}

/// Companies adjacent to `x` through link relations, sorted.
fn linked_companies(
    ctx: &Context<'_>,
    x: NodeId,
    links: &[RelationTypeId],
    company: graph_schema::EntityTypeId,
) -> Vec<NodeId> {
    let g = ctx.g;
    let mut out: Vec<NodeId> = g
        .out_edges(x)
        .chain(g.in_edges(x))
        .filter(|a| links.contains(&a.relation) && g.node_type(a.other) == company)
        .map(|a| a.other)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[allow(clippy::too_many_arguments)]
fn score_network(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &ShellParams,
    links: &[RelationTypeId],
    company: graph_schema::EntityTypeId,
    companies: &[NodeId],
    owned_cycles: &[Vec<NodeId>],
    fund_clusters: &[Cluster],
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Cluster {
    let g = ctx.g;
    let s = g.schema();
    let set: FxHashSet<NodeId> = companies.iter().copied().collect();
    let n = companies.len() as f64;
    let mut chain = ev.start(rule);
    // Hubs and what they link.
    let mut shared: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
    for &c in companies {
        chain.node(c);
        for adj in g.out_edges(c).chain(g.in_edges(c)) {
            if links.contains(&adj.relation) && g.node_type(adj.other) != company {
                let e = shared.entry(adj.other).or_default();
                if !e.contains(&c) {
                    e.push(c);
                }
            }
        }
    }
    shared.retain(|_, cs| cs.len() >= 2);
    let person = ctx.types.person;
    let is_person = |x: NodeId| Some(g.node_type(x)) == person;
    let most_at_one_place = shared.iter().filter(|(x, _)| !is_person(**x)).map(|(_, cs)| cs.len()).max().unwrap_or(0);
    let f_address = if most_at_one_place >= 2 { most_at_one_place as f64 / n } else { 0.0 };
    // People in roles: legal representatives and directors of the network's companies.
    let role_rels: Vec<RelationTypeId> =
        ["legal_rep_of", "director_of"].iter().filter_map(|r| s.relation_id(r)).collect();
    let mut people: BTreeMap<NodeId, usize> = BTreeMap::new();
    for &c in companies {
        let mut seen = FxHashSet::default();
        for adj in g.in_edges(c).filter(|a| role_rels.contains(&a.relation)) {
            if seen.insert(adj.other) {
                *people.entry(adj.other).or_default() += 1;
            }
            chain.edge(adj.edge, adj.other, c);
        }
    }
    let f_people =
        if people.is_empty() || n < 2.0 { 0.0 } else { ((n - people.len() as f64) / (n - 1.0)).clamp(0.0, 1.0) };
    // Circular ownership inside the network.
    let inside: Vec<&Vec<NodeId>> = owned_cycles.iter().filter(|cy| cy.iter().all(|c| set.contains(c))).collect();
    let f_circular = if inside.is_empty() { 0.0 } else { 1.0 };
    let holding = s.relation_id("shareholder_of");
    for cy in &inside {
        for i in 0..cy.len() {
            chain.link(cy[i].0, cy[(i + 1) % cy.len()].0, holding);
        }
    }
    // Ultimate owners: the persons where the companies' ownership chains end.
    let mut owners: BTreeMap<NodeId, usize> = BTreeMap::new();
    for &c in companies {
        let mut mine = FxHashSet::default();
        for chain_up in ownership_chains(g, c, 16) {
            if let (ChainEnd::UltimateOwner, Some(&last)) = (chain_up.end, chain_up.nodes.last()) {
                if is_person(last) && mine.insert(last) {
                    *owners.entry(last).or_default() += 1;
                }
            }
        }
    }
    let f_owners =
        if owners.is_empty() || n < 2.0 { 0.0 } else { ((n - owners.len() as f64) / (n - 1.0)).clamp(0.0, 1.0) };
    // Fund cycles through the companies' accounts.
    let accounts: FxHashSet<NodeId> = companies
        .iter()
        .flat_map(|&c| g.out_edges(c).filter(|a| Some(a.relation) == ctx.rels.holds_account).map(|a| a.other))
        .collect();
    let through: Vec<&Cluster> =
        fund_clusters.iter().filter(|fc| fc.member_nodes.iter().any(|a| accounts.contains(a))).collect();
    let f_funds = if through.is_empty() { 0.0 } else { 1.0 };
    let weights = [p.weight_address, p.weight_people, p.weight_circular, p.weight_owners, p.weight_funds];
    let values = [f_address, f_people, f_circular, f_owners, f_funds];
    let total_w: f64 = weights.iter().sum();
    let mix = if total_w > 0.0 { weights.iter().zip(&values).map(|(w, v)| w * v).sum::<f64>() / total_w } else { 0.0 };
    let score = round2(rule.score * mix);

    let mut reasons = Vec::new();
    for (&x, cs) in &shared {
        let ty = &s.entity(g.node_type(x)).name;
        if !is_person(x) {
            reasons.push(format!("{} of the {} companies share {} {}", cs.len(), companies.len(), ty, g.key(x)));
            for &c in cs {
                chain.link(c.0, x.0, None);
            }
        }
    }
    let in_roles: Vec<String> =
        people.iter().filter(|(_, &k)| k >= 2).map(|(x, k)| format!("{} ({} companies)", g.key(*x), k)).collect();
    if !in_roles.is_empty() {
        reasons.push(format!(
            "{} legal representative(s) and director(s) for {} companies; several hold roles in more than one: {}",
            people.len(),
            companies.len(),
            in_roles.join(", ")
        ));
    }
    for cy in inside.iter().take(3) {
        let text: Vec<String> = cy.iter().map(|&c| g.key(c).to_owned()).collect();
        reasons.push(format!("circular ownership: {} → {}", text.join(" → "), text[0]));
    }
    if !owners.is_empty() {
        let list: Vec<String> = owners.keys().take(5).map(|&o| g.key(o).to_owned()).collect();
        reasons.push(format!(
            "ownership chains of the {} companies end in {} person(s): {}",
            companies.len(),
            owners.len(),
            list.join(", ")
        ));
    }
    for fc in through.iter().take(3) {
        reasons.push(format!("money goes round their accounts: fund cycle {}", fc.cluster_id));
    }
    // Members: the companies, and the people in roles at two or more of them.
    let mut members: Vec<(EntityRef, NodeId)> = companies.iter().map(|&c| (EntityRef::of(g, c), c)).collect();
    for (&x, &k) in &people {
        if k >= 2 {
            members.push((EntityRef::of(g, x), x));
            chain.node(x);
        }
    }
    members.sort();
    let core: Vec<EntityRef> = companies.iter().map(|&c| EntityRef::of(g, c)).collect();
    let mut features = BTreeMap::new();
    features.insert("shared_address".to_owned(), round2(f_address));
    features.insert("few_people".to_owned(), round2(f_people));
    features.insert("circular_ownership".to_owned(), f_circular);
    features.insert("common_owners".to_owned(), round2(f_owners));
    features.insert("fund_cycles".to_owned(), f_funds);
    features.insert("companies".to_owned(), n);
    Cluster {
        cluster_id: stable_id("shell", &core),
        kind: "shell_network".to_owned(),
        risk_score: score,
        level: levels.level(score),
        members: members.iter().map(|(r, _)| r.clone()).collect(),
        reasons,
        rule: rule.id.clone(),
        core,
        features,
        evidence: chain.finish(),
        member_nodes: members.iter().map(|(_, n)| *n).collect(),
    }
}

/// Fund cycles, one cluster per set of accounts.
pub fn detect_fund_cycles(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &FundParams,
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Vec<Cluster> {
    let g = ctx.g;
    let q = FundCycleQuery {
        max_len: p.max_len,
        within_secs: (p.within_days * 86_400.0).round() as i64,
        min_kept_ratio: p.min_kept_ratio,
        cap: p.cap,
    };
    let min_cents = (p.min_amount * 100.0).round() as i64;
    let mut by_set: BTreeMap<Vec<NodeId>, Vec<crate::cycles::FundCycle>> = BTreeMap::new();
    for cycle in fund_cycles(g, q) {
        if cycle.amounts.first().copied().flatten().unwrap_or(0) < min_cents {
            continue;
        }
        let mut set = cycle.accounts.clone();
        set.sort_unstable();
        set.dedup();
        by_set.entry(set).or_default().push(cycle);
    }
    let mut out = Vec::new();
    for (accounts, found) in by_set {
        let first = &found[0];
        let first_amount = first.amounts.first().copied().flatten().unwrap_or(0);
        let days = (first.last_time - first.first_time) as f64 / 86_400.0;
        let f_amount = ((first_amount as f64 / 100.0).max(1.0).log10() / 6.0).clamp(0.0, 1.0);
        let f_speed = if p.within_days > 0.0 { (1.0 - days / p.within_days).clamp(0.0, 1.0) } else { 1.0 };
        let f_repeat = ((found.len() as f64 - 1.0) / 2.0).clamp(0.0, 1.0);
        let score = round2(rule.score * (0.6 + 0.2 * f_amount + 0.1 * f_speed + 0.1 * f_repeat));
        let mut chain = ev.start(rule);
        let mut reasons = Vec::new();
        for cycle in found.iter().take(5) {
            let hops: Vec<String> = cycle
                .accounts
                .iter()
                .zip(&cycle.edges)
                .zip(&cycle.amounts)
                .map(|((&a, &e), amount)| {
                    let (_, to) = g.edge_endpoints(e);
                    chain.edge(e, a, to);
                    format!(
                        "{} → {} {} at {}",
                        g.key(a),
                        g.key(to),
                        amount.map(format_cents).unwrap_or_else(|| "?".into()),
                        g.edge_time(e).map(format_secs).unwrap_or_else(|| "?".into())
                    )
                })
                .collect();
            reasons.push(format!(
                "money went round {} accounts in {:.1} days and {:.1} % came back: {}",
                cycle.accounts.len(),
                (cycle.last_time - cycle.first_time) as f64 / 86_400.0,
                cycle.kept_ratio * 100.0,
                hops.join("; ")
            ));
        }
        if found.len() > 5 {
            reasons.push(format!("{} cycles over these accounts in all", found.len()));
        }
        let mut holders: Vec<String> = Vec::new();
        for &a in &accounts {
            for h in ctx.holders(a) {
                holders.push(format!("{} holds {}", g.key(h), g.key(a)));
                chain.link(h.0, a.0, ctx.rels.holds_account);
            }
        }
        if !holders.is_empty() {
            reasons.push(format!("holders: {}", holders.join(", ")));
        }
        let members: Vec<(EntityRef, NodeId)> = {
            let mut m: Vec<(EntityRef, NodeId)> = accounts.iter().map(|&a| (EntityRef::of(g, a), a)).collect();
            m.sort();
            m
        };
        let core: Vec<EntityRef> = members.iter().map(|(r, _)| r.clone()).collect();
        let mut features = BTreeMap::new();
        features.insert("cycles".to_owned(), found.len() as f64);
        features.insert("kept_ratio".to_owned(), round2(first.kept_ratio));
        features.insert("days".to_owned(), round2(days));
        features.insert("first_amount".to_owned(), first_amount as f64 / 100.0);
        out.push(Cluster {
            cluster_id: stable_id("cycle", &core),
            kind: "fund_cycle".to_owned(),
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
