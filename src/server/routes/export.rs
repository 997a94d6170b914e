//! `GET /api/v1/export/clusters/{id}?format=graphml|gexf|csv|json`: one cluster's subgraph as a
//! file for Gephi, i2 or a spreadsheet, masked per role exactly like the JSON answers. The file
//! writers are `clew export`'s (`crate::analysis::export`), so both write the same formats.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value as Json};

use super::clusters::{cluster_json, find_cluster, subgraph};
use super::{blocking, path_segments, AuditKeys, Deadline, Params};
use crate::analysis::export::{self as writers, Element};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use crate::server::view::View;

const PARAMS: &[&str] = &["format", "max_nodes"];

/// A masked node or edge as the shared writers of [`crate::analysis::export`] take it: its id,
/// endpoints for an edge, and its other fields and properties as named attributes (a property
/// whose name a field already has becomes `prop_NAME`).
fn flatten(value: Json, is_edge: bool) -> Element {
    let Json::Object(mut map) = value else { return Element { id: String::new(), ends: None, attrs: Vec::new() } };
    let text = |v: Option<Json>| match v {
        Some(Json::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let id = text(map.remove("id"));
    let ends = if is_edge { Some((text(map.remove("source")), text(map.remove("target")))) } else { None };
    let mut attrs = Vec::new();
    let props = map.remove("props");
    for (k, v) in map {
        attrs.push((k, v));
    }
    if let Some(Json::Object(props)) = props {
        for (k, v) in props {
            let name = if attrs.iter().any(|(a, _)| *a == k) { format!("prop_{k}") } else { k };
            attrs.push((name, v));
        }
    }
    Element { id, ends, attrs }
}

/// Exports one cluster's subgraph.
pub async fn cluster(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_segments(path)?;
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let format = params.get("format").unwrap_or("json").to_owned();
    if !matches!(format.as_str(), "graphml" | "gexf" | "csv" | "json") {
        return Err(ApiError::bad_param("format", "valid formats: graphml, gexf, csv, json"));
    }
    let max_nodes = params.count("max_nodes", state.limits.max_nodes, state.limits.max_nodes)?;
    let deadline = Deadline::after(state.limits.time_budget);
    blocking(&state.clone(), move || {
        let snap = state.snapshot();
        let view = View::new(&snap, &state.masker, &caller);
        let index = find_cluster(&view, &id)?;
        let sub = subgraph(&view, index, max_nodes, deadline)?;
        let cluster = cluster_json(&view, index, sub.members.len());
        let keys: Vec<String> = sub.nodes.iter().map(|&n| view.raw_id(n)).collect();
        let nodes: Vec<Json> =
            sub.nodes.iter().map(|&n| serde_json::to_value(view.node_json(n, false)).unwrap_or(Json::Null)).collect();
        let edges: Vec<Json> = sub
            .edges
            .iter()
            .map(|&(e, s, t)| serde_json::to_value(view.edge_json(e, s, t)).unwrap_or(Json::Null))
            .collect();
        let safe_id: String = snap.analysis.clusters[index]
            .cluster_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(64)
            .collect();
        let name = format!("cluster-{safe_id}");
        let (body, content_type) = match format.as_str() {
            "json" => {
                let wrap = |items: Vec<Json>| items.into_iter().map(|data| json!({ "data": data })).collect::<Vec<_>>();
                let doc =
                    json!({"cluster": cluster, "nodes": wrap(nodes), "edges": wrap(edges), "truncated": sub.truncated});
                (serde_json::to_string_pretty(&doc).map_err(ApiError::internal)?, "application/json")
            }
            other => {
                let nodes: Vec<Element> = nodes.into_iter().map(|n| flatten(n, false)).collect();
                let edges: Vec<Element> = edges.into_iter().map(|e| flatten(e, true)).collect();
                match other {
                    "graphml" => (writers::graphml(&name, &nodes, &edges), "application/graphml+xml"),
                    "gexf" => (writers::gexf(&name, &nodes, &edges), "application/gexf+xml"),
                    _ => (writers::csv(&nodes, &edges), "text/csv; charset=utf-8"),
                }
            }
        };
        let disposition = format!("attachment; filename=\"{name}.{format}\"");
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)],
            body,
        )
            .into_response();
        response.extensions_mut().insert(AuditKeys::new(&keys));
        Ok(response)
    })
    .await
}
