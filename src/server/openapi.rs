//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`: every route, its parameters with
//! their caps, the element shapes, and the table of error codes. Written by hand beside the
//! routes; a test checks that every documented path answers.

use serde_json::{json, Value as Json};

use super::error::CODES;
use super::state::Limits;

fn param(name: &str, place: &str, required: bool, schema: Json, description: &str) -> Json {
    json!({"name": name, "in": place, "required": required, "schema": schema, "description": description})
}

fn q(name: &str, schema: Json, description: &str) -> Json {
    param(name, "query", false, schema, description)
}

fn ok(description: &str, schema: Json) -> Json {
    json!({
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "4XX": {"$ref": "#/components/responses/Error"},
        "5XX": {"$ref": "#/components/responses/Error"},
    })
}

fn get(summary: &str, parameters: Vec<Json>, responses: Json) -> Json {
    json!({"get": {"summary": summary, "parameters": parameters, "responses": responses, "security": [{"bearer": []}]}})
}

/// The document, with the caps of this server.
pub fn document(limits: &Limits) -> Json {
    let graph = json!({"$ref": "#/components/schemas/Graph"});
    let time = json!({"oneOf": [{"type": "integer"}, {"type": "string"}]});
    let list = json!({"type": "string", "description": "comma-separated; the parameter may also repeat"});
    let neighbourhood_params = vec![
        q("seeds", list.clone(), "node ids `type:key` to start from (also `seed=`, repeatable)"),
        q(
            "hops",
            json!({"type": "integer", "minimum": 1, "maximum": limits.max_hops, "default": 1}),
            "hops from the seeds",
        ),
        q("node_types", list.clone(), "entity types a reached node must have (seeds exempt)"),
        q("relations", list.clone(), "relation types an edge must have"),
        q("after", time.clone(), "leave out edges whose time is earlier (epoch seconds or a date)"),
        q("before", time.clone(), "leave out edges whose time is later"),
        q(
            "max_nodes",
            json!({"type": "integer", "minimum": 1, "maximum": limits.max_nodes, "default": limits.default_max_nodes}),
            "node cap",
        ),
        q(
            "supernode_degree",
            json!({"type": "integer", "minimum": 1, "default": limits.supernode_degree}),
            "reached nodes above this degree are summarised, not expanded",
        ),
        q(
            "format",
            json!({"enum": ["cytoscape", "graphology"], "default": "cytoscape"}),
            "`cytoscape`: elements for Cytoscape.js; `graphology`: a serialised graph for graphology's `Graph.from`",
        ),
    ];
    let neighbourhood = json!({"oneOf": [graph.clone(), {"$ref": "#/components/schemas/GraphologyGraph"}]});
    let communities = get("communities of a projection (people linked by shared identifiers, accounts by transfers, owners by shareholdings), largest first, with their members", vec![
        q("projection", json!({"enum": crate::algo::projection::BUILTIN_NAMES, "default": "shared-identifiers"}), "built-in projection"),
        q("algo", json!({"enum": ["wcc", "cdlp", "louvain", "leiden"], "default": "louvain"}), "community algorithm"),
        q("seed", json!({"type": "integer", "minimum": 0, "default": 0}), "seed of louvain and leiden (same seed, same partition)"),
        q("resolution", json!({"type": "number", "exclusiveMinimum": 0, "default": 1}), "louvain and leiden: higher finds smaller communities"),
        q("iterations", json!({"type": "integer", "minimum": 1, "maximum": 100}), "cdlp rounds (default 10) or leiden iterations (default 2)"),
        q("min_size", json!({"type": "integer", "minimum": 1, "default": 2}), "only communities with at least this many members"),
        q("limit", json!({"type": "integer", "minimum": 1, "maximum": limits.max_limit, "default": 20}), "page size"),
        q("offset", json!({"type": "integer", "minimum": 0, "default": 0}), "page start"),
        q("members", json!({"type": "integer", "minimum": 1, "maximum": limits.max_limit, "default": 20}), "members listed per community"),
        q("node", json!({"type": "string"}), "node id `type:key`: answer with the community of this node only"),
    ], ok("a page of communities with partition statistics", json!({"type": "object", "properties": {
        "communities": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "size": {"type": "integer"}, "more": {"type": "integer"},
            "members": {"type": "array", "items": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/NodeData"}}}}}}},
        "modularity": {"type": ["number", "null"]}, "matching": {"type": "integer"}, "communities_total": {"type": "integer"}}})));
    let codes: Vec<Json> = CODES
        .iter()
        .map(|(code, status, meaning)| json!({"code": code, "status": status, "meaning": meaning}))
        .collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "clew",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Link analysis for fraud investigators. Every call but /health and /openapi.json needs `Authorization: Bearer <token>`. Viewers see personal data masked with keyed pseudonyms (`p:` and 12 hex digits) and nothing about minors; investigators see everything; admins may also reload. Every call that returns entity data is written to the audit log.",
            "x-error-codes": codes,
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/health": {"get": {"summary": "liveness and the served snapshot", "security": [], "responses": ok("up", json!({"type": "object"}))}},
            "/openapi.json": {"get": {"summary": "this document", "security": [], "responses": ok("the document", json!({"type": "object"}))}},
            "/whoami": get("the caller's token id and role", vec![], ok("who", json!({"type": "object", "properties": {
                "token_id": {"type": "string"}, "role": {"enum": ["viewer", "investigator", "admin"]}, "masked": {"type": "boolean"}}}))),
            "/stats": get("counts, snapshot provenance, analysis time, limits", vec![], ok("stats", json!({"type": "object"}))),
            "/search": get("find entities by key (after the type's normalisers), pseudonym, key prefix or name prefix", vec![
                param("q", "query", true, json!({"type": "string", "maxLength": 200}), "what to look for"),
                q("type", json!({"type": "string"}), "only this entity type"),
                q("limit", json!({"type": "integer", "minimum": 1, "maximum": limits.max_limit, "default": 20}), "most results"),
            ], ok("matches", json!({"type": "object", "properties": {"results": {"type": "array", "items": {"type": "object", "properties": {"match": {"enum": ["key", "pseudonym", "name", "key_prefix", "name_prefix"]}, "data": {"$ref": "#/components/schemas/NodeData"}}}}, "truncated": {"type": "boolean"}}}))),
            "/entities/{type}/{key}": get("one entity: properties, provenance rows, degree per relation, risk, clusters and alerts", vec![
                param("type", "path", true, json!({"type": "string"}), "entity type"),
                param("key", "path", true, json!({"type": "string"}), "key, normalisable key, or pseudonym"),
            ], ok("the entity", json!({"type": "object"}))),
            "/neighbourhood": {
                "get": {"summary": "nodes within `hops` of the seeds; supernodes summarised with what was cut", "parameters": neighbourhood_params, "responses": ok("a Cytoscape-loadable graph with `cut` (or graphology's shape with `format=graphology`)", neighbourhood.clone()), "security": [{"bearer": []}]},
                "post": {"summary": "the same with a JSON body", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["seeds"], "properties": {
                    "seeds": {"type": "array", "items": {"type": "string"}}, "hops": {"type": "integer"}, "node_types": {"type": "array", "items": {"type": "string"}},
                    "relations": {"type": "array", "items": {"type": "string"}}, "after": time.clone(), "before": time.clone(), "max_nodes": {"type": "integer"}, "supernode_degree": {"type": "integer"}, "format": {"enum": ["cytoscape", "graphology"]}}}}},
                    "description": format!("at most {} bytes", limits.body_bytes)},
                    "responses": ok("as GET", neighbourhood.clone()), "security": [{"bearer": []}]},
            },
            "/paths": get("shortest or k shortest paths between two entities", vec![
                param("from", "query", true, json!({"type": "string"}), "node id `type:key`"),
                param("to", "query", true, json!({"type": "string"}), "node id `type:key`"),
                q("max_hops", json!({"type": "integer", "minimum": 1, "maximum": limits.max_path_hops, "default": 4}), "hop limit"),
                q("k", json!({"type": "integer", "minimum": 1, "maximum": limits.max_paths, "default": 1}), "number of paths"),
                q("types", list.clone(), "relation types allowed (alias `relations`)"),
                q("node_types", list.clone(), "entity types allowed in between"),
                q("after", time.clone(), "edges with a time must not be earlier"),
                q("before", time.clone(), "edges with a time must not be later"),
                q("directed", json!({"type": "boolean", "default": false}), "follow edges only forwards"),
                q("skip_degree_above", json!({"oneOf": [{"type": "integer", "minimum": 1}, {"const": "none"}], "default": limits.supernode_degree.saturating_mul(10)}), "do not pass through nodes of higher degree; `none` passes through all"),
            ], ok("paths and their union as a graph; `searched` says what was searched and `note` what an empty answer, or one stopped at the budget, means", json!({"type": "object"}))),
            "/clusters": get("clusters of the analysis, riskiest first", vec![
                q("level", list.clone(), "red, orange, yellow, blue"),
                q("kind", list.clone(), "ring, shell_network, ..."),
                q("limit", json!({"type": "integer", "minimum": 1, "maximum": limits.max_limit, "default": 50}), "page size"),
                q("offset", json!({"type": "integer", "minimum": 0, "default": 0}), "page start"),
            ], ok("a page of clusters", json!({"type": "object"}))),
            "/clusters/{id}": get("one cluster: reasons, members and subgraph", vec![
                param("id", "path", true, json!({"type": "string"}), "cluster id"),
                q("max_nodes", json!({"type": "integer", "minimum": 1, "maximum": limits.max_nodes}), "node cap of the subgraph"),
            ], ok("the cluster and its subgraph", graph.clone())),
            "/alerts": get("rule alerts of the analysis, highest score first", vec![
                q("rule", list.clone(), "rule names"),
                q("level", list.clone(), "red, orange, yellow, blue"),
                q("limit", json!({"type": "integer", "minimum": 1, "maximum": limits.max_limit, "default": 50}), "page size"),
                q("offset", json!({"type": "integer", "minimum": 0, "default": 0}), "page start"),
            ], ok("a page of alerts", json!({"type": "object"}))),
            "/export/clusters/{id}": get("one cluster's subgraph as a file", vec![
                param("id", "path", true, json!({"type": "string"}), "cluster id"),
                q("format", json!({"enum": ["graphml", "gexf", "csv", "json"], "default": "json"}), "file format"),
                q("max_nodes", json!({"type": "integer", "minimum": 1, "maximum": limits.max_nodes}), "node cap"),
            ], ok("the file", json!({"type": "string"}))),
            "/admin/reload": {"post": {"summary": "reopen the snapshot file and swap it in (admin)", "security": [{"bearer": []}],
                "responses": ok("reloaded", json!({"type": "object"}))}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"enum": CODES.iter().map(|c| c.0).collect::<Vec<_>>()}, "message": {"type": "string"}}}}},
                "NodeData": {"type": "object", "required": ["id", "type", "key", "label", "degree", "capped", "props"], "properties": {
                    "id": {"type": "string", "description": "`type:key`, or `type:p:…` for a viewer when the key is personal data"},
                    "type": {"type": "string"}, "key": {"type": "string", "description": "masked for viewers when personal data"},
                    "label": {"type": "string"}, "degree": {"type": "integer"}, "capped": {"type": "boolean"},
                    "pseudonym": {"type": "string"}, "risk": {"enum": ["red", "orange", "yellow", "blue"]}, "props": {"type": "object"}}},
                "EdgeData": {"type": "object", "required": ["id", "source", "target", "relation"], "properties": {
                    "id": {"type": "string"}, "source": {"type": "string"}, "target": {"type": "string"}, "relation": {"type": "string"},
                    "t": {"type": "integer", "description": "the edge's time, epoch seconds"}}, "additionalProperties": true},
                "Graph": {"type": "object", "properties": {
                    "nodes": {"type": "array", "items": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/NodeData"}}}},
                    "edges": {"type": "array", "items": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/EdgeData"}}}},
                    "cut": {"type": "object"}}},
                "GraphologyGraph": {"type": "object", "required": ["options", "attributes", "nodes", "edges"], "properties": {
                    "options": {"type": "object"},
                    "attributes": {"type": "object", "properties": {"seeds": {"type": "array"}, "cut": {"type": "object"}}},
                    "nodes": {"type": "array", "items": {"type": "object", "required": ["key", "attributes"], "properties": {"key": {"type": "string"}, "attributes": {"$ref": "#/components/schemas/NodeData"}}}},
                    "edges": {"type": "array", "items": {"type": "object", "required": ["key", "source", "target", "attributes"], "properties": {"key": {"type": "string"}, "source": {"type": "string"}, "target": {"type": "string"}, "attributes": {"$ref": "#/components/schemas/EdgeData"}}}}}},
            },
        },
    });
    doc["paths"]["/communities"] = communities;
    doc
}
