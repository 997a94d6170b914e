//! `GET /api/v1/entities/{type}/{key}`: one entity with its properties, the source rows it came
//! from, its degree per relation type and direction, its risk level and the clusters and alerts
//! that name it (or the records next to it).

use std::collections::BTreeMap;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value as Json};

use super::{answer, path_segments, Params};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::routes::alerts::alert_json;
use crate::server::state::AppState;
use crate::server::view::{Element, NodeJson, View};

#[derive(Serialize)]
struct Provenance<'a> {
    file: &'a str,
    line: u32,
}

#[derive(Serialize)]
struct Degree {
    relation: String,
    direction: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct Answer<'a, 'v> {
    node: Element<NodeJson<'v, 'a>>,
    properties: serde_json::Map<String, Json>,
    provenance: Vec<Provenance<'a>>,
    degree_by_relation: Vec<Degree>,
    risk: Option<&'static str>,
    clusters: Vec<Json>,
    alerts: Vec<Json>,
}

/// One entity in full.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ty, key) = path_segments(path)?;
    Params::parse(q.as_deref(), &[])?;
    let snap = state.snapshot();
    let view = View::new(&snap, &state.masker, &caller);
    let g = view.graph();
    let ty = view.entity_type(&ty)?;
    let node = view.find(ty, &key)?;
    let mut degrees: BTreeMap<(u16, &'static str), usize> = BTreeMap::new();
    let mut neighbours = Vec::new();
    for adj in g.out_edges(node) {
        *degrees.entry((adj.relation.0, "out")).or_default() += 1;
        neighbours.push(adj.other);
    }
    for adj in g.in_edges(node) {
        *degrees.entry((adj.relation.0, "in")).or_default() += 1;
        neighbours.push(adj.other);
    }
    let degree_by_relation = degrees
        .into_iter()
        .map(|((r, direction), count)| Degree {
            relation: g.schema().relation(graph_schema::RelationTypeId(r)).name.clone(),
            direction,
            count,
        })
        .collect();
    let a = &snap.analysis;
    let clusters: Vec<Json> = a
        .clusters_of
        .get(&node)
        .into_iter()
        .flatten()
        .map(|&i| {
            let c = &a.clusters[i as usize];
            json!({"cluster_id": c.cluster_id, "kind": c.kind, "level": c.level, "risk_score": c.risk_score, "size": c.members.len()})
        })
        .collect();
    // Alerts on the entity itself, then on records one step away (a person's claims).
    let mut alerts: Vec<Json> = Vec::new();
    let mut keys = vec![view.raw_id(node)];
    for (via, n) in std::iter::once((None, node)).chain(neighbours.iter().map(|&n| (Some(n), n))) {
        if alerts.len() >= 100 {
            break;
        }
        if view.hidden(n) {
            continue;
        }
        for &i in a.alerts_of.get(&n).into_iter().flatten() {
            let mut alert = alert_json(&view, i as usize, &mut keys);
            if let (Some(via), Json::Object(map)) = (via, &mut alert) {
                map.insert("via".to_owned(), Json::String(view.node_id(via)));
            }
            alerts.push(alert);
        }
    }
    let provenance = g.provenance(node).map(|(file, line)| Provenance { file, line }).collect();
    let body = Answer {
        properties: view.node_props(node),
        risk: view.snap.analysis.risk.get(&node).map(|l| l.name()),
        node: Element { data: view.node_json(node, false) },
        provenance,
        degree_by_relation,
        clusters,
        alerts,
    };
    answer(&body, keys)
}
