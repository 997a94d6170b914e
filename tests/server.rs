//! The HTTP API through a real client: a server on an ephemeral loopback port over a small
//! hand-made world (tests/support/server_world.rs), every endpoint, every role, the audit log,
//! named 4xx errors for bad parameters, reload under concurrent load, and garbage input that must
//! never produce a 5xx.

#[path = "support/server_world.rs"]
mod server_world;

use std::time::Duration;

use clew::graph::{Graph, NodeId};
use clew::server::mask::Masker;
use clew::server::Limits;
use serde_json::Value;
use server_world::{enc, start, start_with, world, Reply, World, ADMIN, INVESTIGATOR, SECRET, VIEWER};

fn code(r: &Reply) -> &str {
    r.json["error"]["code"].as_str().unwrap_or("")
}

fn assert_error(r: &Reply, status: u16, expected: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(code(r), expected, "{}", r.text);
    assert!(r.json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.text);
}

fn ids(r: &Reply, what: &str) -> Vec<String> {
    r.json[what]
        .as_array()
        .map(|a| a.iter().map(|e| e["data"]["id"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

fn node<'a>(r: &'a Reply, id: &str) -> Option<&'a Value> {
    r.json["nodes"].as_array()?.iter().map(|e| &e["data"]).find(|d| d["id"] == id)
}

/// Every resident ID in the snapshot: no viewer response may contain any of them.
fn all_resident_ids(w: &World) -> Vec<String> {
    let g = Graph::open(&w.snapshot).unwrap();
    let person = g.schema().entity_id("person").unwrap();
    g.type_range(person).map(|n| g.key(NodeId(n)).to_owned()).filter(|k| k.len() == 18).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_openapi_and_the_viewer_page_need_no_token() {
    let w = world();
    let s = start(&w.snapshot).await;
    let health = s.get("", "/api/v1/health").await;
    assert_eq!(health.status, 200, "{}", health.text);
    assert_eq!(health.json["status"], "ok");
    assert_eq!(health.json["auth"], "tokens", "the viewer learns from health whether to show its sign-in form");
    assert!(health.json["snapshot"]["nodes"].as_u64().unwrap() > 150);
    let doc = s.get("", "/api/v1/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.json["openapi"], "3.1.0");
    // Every documented path answers (not the no-route 404) for an investigator.
    for (path, item) in doc.json["paths"].as_object().unwrap() {
        let concrete = path.replace("{type}", "person").replace("{key}", "x").replace("{id}", "ring-001");
        for method in item.as_object().unwrap().keys() {
            let r = if method == "post" {
                s.post(ADMIN, &format!("/api/v1{concrete}"), "{}").await
            } else {
                s.get(INVESTIGATOR, &format!("/api/v1{concrete}")).await
            };
            assert!(!(r.status == 404 && r.text.contains("no such route")), "{method} {path}: {}", r.text);
            assert!(r.status < 500, "{method} {path}: {}", r.text);
        }
    }
    // No viewer built: a page that says so, not a blank one.
    let page = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("not built") && html.contains("npm run build"), "{html}");
    let unknown = s.get(INVESTIGATOR, "/api/v1/nothing-here").await;
    assert_error(&unknown, 404, "not_found");
    let wrong_method = s.post(INVESTIGATOR, "/api/v1/search", "{}").await;
    assert_error(&wrong_method, 405, "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_dir_is_served_when_built() {
    let w = world();
    let web = w.dir.path().join("web");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<html><body>clew viewer</body></html>").unwrap();
    let s = start_with(&w.snapshot, Limits::default(), Some(web)).await;
    let page = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("clew viewer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_roles() {
    let w = world();
    let s = start(&w.snapshot).await;
    let none = s.get("", "/api/v1/stats").await;
    assert_error(&none, 401, "unauthorized");
    let raw = s.client.get(format!("{}/api/v1/stats", s.base)).send().await.unwrap();
    assert_eq!(raw.headers().get("www-authenticate").unwrap(), "Bearer");
    let wrong = s.get("not-a-token", "/api/v1/stats").await;
    assert_error(&wrong, 401, "invalid_token");
    for token in [VIEWER, INVESTIGATOR, ADMIN] {
        assert_eq!(s.get(token, "/api/v1/stats").await.status, 200);
    }
    let who = s.get(VIEWER, "/api/v1/whoami").await;
    assert_eq!(
        (who.json["token_id"].as_str(), who.json["role"].as_str(), who.json["masked"].as_bool()),
        (Some("vera"), Some("viewer"), Some(true))
    );
    assert_eq!(s.get(ADMIN, "/api/v1/whoami").await.json["role"], "admin");
    assert_error(&s.get("", "/api/v1/whoami").await, 401, "unauthorized");
    assert_error(&s.post(VIEWER, "/api/v1/admin/reload", "").await, 403, "forbidden");
    assert_error(&s.post(INVESTIGATOR, "/api/v1/admin/reload", "").await, 403, "forbidden");
    let ok = s.post(ADMIN, "/api/v1/admin/reload", "").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json["reloaded"], true);
    let stats = s.get(VIEWER, "/api/v1/stats").await;
    assert_eq!(stats.json["server"]["reloads"], 1);
    assert_eq!(stats.json["analysis"]["clusters"], 2);
    assert_eq!(stats.json["analysis"]["skipped_lines"], 1, "the non-JSON line is skipped, not fatal");
    assert!(stats.json["analysis"]["analysed_at"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_by_key_variants_names_and_prefixes() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    // A resident ID typed with spaces and a lower-case x-free check: the normaliser finds it.
    let typed = format!("{} {} {}", &k.p1[..6], &k.p1[6..14], &k.p1[14..]);
    let r = s.get(INVESTIGATOR, &format!("/api/v1/search?q={}", enc(&typed))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["results"][0]["data"]["id"], format!("person:{}", k.p1));
    assert_eq!(r.json["results"][0]["match"], "key");
    let phone = s.get(INVESTIGATOR, &format!("/api/v1/search?q={}", enc("+86 138-1234-5678"))).await;
    assert_eq!(phone.json["results"][0]["data"]["id"], "phone:13812345678", "{}", phone.text);
    let name = s.get(INVESTIGATOR, &format!("/api/v1/search?q={}&type=person", enc("张小"))).await;
    assert!(
        name.json["results"].as_array().unwrap().iter().any(|h| h["data"]["id"] == format!("person:{}", k.p1)),
        "{}",
        name.text
    );
    let prefix = s.get(INVESTIGATOR, "/api/v1/search?q=C10&type=claim&limit=5").await;
    assert_eq!(prefix.json["results"].as_array().unwrap().len(), 5);
    assert_eq!(prefix.json["truncated"], true);
    assert_eq!(prefix.json["results"][0]["match"], "key_prefix");
    let hospital = s.get(INVESTIGATOR, &format!("/api/v1/search?q={}", enc("协和"))).await;
    assert_eq!(hospital.json["results"][0]["data"]["id"], "hospital:H1", "{}", hospital.text);
    // The minor: investigators find them, viewers do not.
    let minor = s.get(INVESTIGATOR, &format!("/api/v1/search?q={}", k.minor)).await;
    assert_eq!(minor.json["results"].as_array().unwrap().len(), 1);
    let minor_v = s.get(VIEWER, &format!("/api/v1/search?q={}", k.minor)).await;
    assert_eq!(minor_v.json["results"].as_array().unwrap().len(), 0, "{}", minor_v.text);
    let minor_name = s.get(VIEWER, &format!("/api/v1/search?q={}", enc("赵小六"))).await;
    assert_eq!(minor_name.json["results"].as_array().unwrap().len(), 0, "{}", minor_name.text);
    // Viewers: exact ID finds a masked person; a prefix of an ID finds no person.
    let v = s.get(VIEWER, &format!("/api/v1/search?q={}", k.p1)).await;
    let hit = &v.json["results"][0]["data"];
    assert_eq!(hit["key"], format!("{}********{}", &k.p1[..6], &k.p1[14..]));
    assert_eq!(hit["label"], "张*三");
    assert!(hit["pseudonym"].as_str().unwrap().starts_with("p:"));
    let by_prefix = s.get(VIEWER, &format!("/api/v1/search?q={}&type=person", &k.p1[..10])).await;
    assert_eq!(by_prefix.json["results"].as_array().unwrap().len(), 0, "{}", by_prefix.text);
    // The pseudonym a viewer was shown finds the same person again.
    let again = s.get(VIEWER, &format!("/api/v1/search?q={}", enc(hit["pseudonym"].as_str().unwrap()))).await;
    assert_eq!(again.json["results"][0]["data"]["id"], hit["id"]);
    // Bad parameters.
    assert_error(&s.get(INVESTIGATOR, "/api/v1/search").await, 400, "missing_parameter");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/search?q=x&type=pet").await, 400, "unknown_type");
    assert!(s.get(INVESTIGATOR, "/api/v1/search?q=x&type=pet").await.text.contains("person"), "names valid types");
    let bad_limit = s.get(INVESTIGATOR, "/api/v1/search?q=x&limit=ten").await;
    assert_error(&bad_limit, 400, "bad_parameter");
    assert!(bad_limit.text.contains("limit"));
    assert_error(&s.get(INVESTIGATOR, "/api/v1/search?q=x&limit=100000").await, 400, "limit_exceeded");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/search?q=x&colour=red").await, 400, "unknown_parameter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_show_properties_provenance_degrees_risk_and_alerts() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let r = s.get(INVESTIGATOR, &format!("/api/v1/entities/person/{}", k.p2)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["properties"]["name"], "李四");
    assert_eq!(r.json["properties"]["birth_date"], "1982-07-12");
    assert_eq!(r.json["risk"], "red");
    assert_eq!(r.json["clusters"][0]["cluster_id"], "ring-001");
    let prov = r.json["provenance"].as_array().unwrap();
    assert!(prov.iter().any(|p| p["file"].as_str().unwrap().ends_with("persons.csv") && p["line"] == 3), "{}", r.text);
    let degrees = r.json["degree_by_relation"].as_array().unwrap();
    assert!(degrees.iter().any(|d| d["relation"] == "claimed" && d["direction"] == "out" && d["count"] == 1));
    let alert = &r.json["alerts"][0];
    assert_eq!(alert["rule"], "payee_not_holder");
    assert_eq!(alert["via"], "claim:C0002");
    // A key in another spelling is normalised before lookup.
    let spaced = format!("{} {}", &k.p2[..6], &k.p2[6..]);
    assert_eq!(s.get(INVESTIGATOR, &format!("/api/v1/entities/person/{}", enc(&spaced))).await.status, 200);
    // The account key holds a `|`.
    let acct = s.get(INVESTIGATOR, &format!("/api/v1/entities/account/{}", enc(&k.p1_account))).await;
    assert_eq!(acct.status, 200, "{}", acct.text);
    // Errors.
    let unknown_type = s.get(INVESTIGATOR, "/api/v1/entities/pet/rex").await;
    assert_error(&unknown_type, 400, "unknown_type");
    assert!(unknown_type.text.contains("person") && unknown_type.text.contains("claim"), "{}", unknown_type.text);
    assert_error(&s.get(INVESTIGATOR, "/api/v1/entities/claim/NOPE").await, 404, "not_found");
    let missing_person = s.get(VIEWER, "/api/v1/entities/person/110105199001011234").await;
    assert_error(&missing_person, 404, "not_found");
    assert!(!missing_person.text.contains("110105199001011234"), "errors never echo a personal key");
    // Viewer: masked, reachable by pseudonym, and the minor does not exist.
    let v = s.get(VIEWER, &format!("/api/v1/entities/person/{}", k.p2)).await;
    assert_eq!(v.json["properties"]["name"], "李*");
    assert_eq!(v.json["properties"]["birth_date"], "1982-**-**");
    let id = v.json["node"]["data"]["id"].as_str().unwrap().to_owned();
    let pseudo = id.strip_prefix("person:").unwrap();
    assert_eq!(s.get(VIEWER, &format!("/api/v1/entities/person/{}", enc(pseudo))).await.status, 200);
    assert_error(&s.get(VIEWER, &format!("/api/v1/entities/person/{}", k.minor)).await, 404, "not_found");
    assert_eq!(s.get(INVESTIGATOR, &format!("/api/v1/entities/person/{}", k.minor)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbourhood_expands_filters_and_caps_supernodes() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let p1 = format!("person:{}", k.p1);
    let r = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&hops=2", enc(&p1))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let nodes = ids(&r, "nodes");
    for expected in [p1.as_str(), "phone:13812345678", "claim:C0001", "hospital:H1", &format!("person:{}", k.p2)] {
        assert!(nodes.iter().any(|n| n == expected), "{expected} missing from {nodes:?}");
    }
    // H1 (153 claims) is reached at hop 2 and summarised, with exactly what was cut.
    let h1 = node(&r, "hospital:H1").unwrap();
    assert_eq!(h1["capped"], true);
    assert!(h1["degree"].as_u64().unwrap() > 150);
    let cut = &r.json["cut"];
    assert_eq!(cut["supernode_degree"], 100);
    // The same answer in graphology's shape (GET and POST): keys are the ids, attributes the data.
    let g = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&hops=2&format=graphology", enc(&p1))).await;
    let posted = s
        .post(INVESTIGATOR, "/api/v1/neighbourhood", &format!(r#"{{"seeds":["{p1}"],"hops":2,"format":"graphology"}}"#))
        .await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(posted.json, g.json);
    assert_eq!(g.json["options"]["type"], "directed");
    assert_eq!(g.json["options"]["multi"], true);
    assert_eq!(g.json["attributes"]["cut"], r.json["cut"]);
    assert_eq!(g.json["attributes"]["seeds"], r.json["seeds"]);
    let g_nodes = g.json["nodes"].as_array().unwrap();
    assert_eq!(g_nodes.len(), nodes.len());
    for (gn, cn) in g_nodes.iter().zip(r.json["nodes"].as_array().unwrap()) {
        assert_eq!(gn["key"], cn["data"]["id"]);
        assert_eq!(gn["attributes"], cn["data"]);
    }
    let g_edges = g.json["edges"].as_array().unwrap();
    assert_eq!(g_edges.len(), r.json["edges"].as_array().unwrap().len());
    for (ge, ce) in g_edges.iter().zip(r.json["edges"].as_array().unwrap()) {
        assert_eq!(
            (&ge["key"], &ge["source"], &ge["target"]),
            (&ce["data"]["id"], &ce["data"]["source"], &ce["data"]["target"])
        );
        assert_eq!(ge["attributes"], ce["data"]);
    }
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&format=dot", enc(&p1))).await,
        400,
        "bad_parameter",
    );
    // H1 was reached at hop 2 of 2, so nothing needed expanding from it; ask for three hops.
    let r3 = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&hops=3", enc(&p1))).await;
    let capped = r3.json["cut"]["capped"].as_array().unwrap();
    let h1_cut = capped.iter().find(|c| c["id"] == "hospital:H1").expect("H1 is listed as capped");
    assert!(h1_cut["hidden_by_type"]["claim"].as_u64().unwrap() >= 150, "{h1_cut}");
    assert_eq!(
        h1_cut["hidden"].as_u64().unwrap() + h1_cut["shown"].as_u64().unwrap(),
        h1_cut["degree"].as_u64().unwrap()
    );
    assert!(h1_cut["hidden_edges_by_relation"]["treated_at"].as_u64().unwrap() >= 150);
    assert!(ids(&r3, "nodes").len() < 60, "the supernode's 150 claims are not in the answer");
    // Expanding H1 on purpose: as a seed it is expanded, up to max_nodes.
    let h1_seed = s.get(INVESTIGATOR, "/api/v1/neighbourhood?seeds=hospital:H1&max_nodes=40").await;
    assert_eq!(h1_seed.json["nodes"].as_array().unwrap().len(), 40);
    assert_eq!(h1_seed.json["cut"]["max_nodes_reached"], true);
    let unexpanded = &h1_seed.json["cut"]["unexpanded"][0];
    assert_eq!(unexpanded["id"], "hospital:H1");
    assert_eq!(
        unexpanded["shown"].as_u64().unwrap() + unexpanded["hidden"].as_u64().unwrap(),
        h1["degree"].as_u64().unwrap()
    );
    // Edges are Cytoscape elements with endpoints among the nodes.
    for e in r.json["edges"].as_array().unwrap() {
        let d = &e["data"];
        assert!(d["id"].as_str().unwrap().starts_with('e'));
        assert!(
            nodes.contains(&d["source"].as_str().unwrap().to_owned())
                && nodes.contains(&d["target"].as_str().unwrap().to_owned())
        );
    }
    // Relation filter and time window on transfers.
    let acct = format!("account:{}", k.p1_account);
    let t = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&relations=transfer", enc(&acct))).await;
    let edges = t.json["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2, "{}", t.text);
    assert!(edges
        .iter()
        .all(|e| e["data"]["relation"] == "transfer" && e["data"]["amount"].is_number() && e["data"]["t"].is_i64()));
    let late = s
        .get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&relations=transfer&after=2023-06-01", enc(&acct)))
        .await;
    assert_eq!(late.json["edges"].as_array().unwrap().len(), 1, "{}", late.text);
    assert_eq!(late.json["edges"][0]["data"]["amount"], 200.0);
    let typed = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&node_types=phone", enc(&p1))).await;
    assert_eq!(ids(&typed, "nodes"), vec![p1.clone(), "phone:13812345678".to_owned()]);
    // POST gives the same answer as GET.
    let body = serde_json::json!({"seeds": [p1], "hops": 2}).to_string();
    let posted = s.post(INVESTIGATOR, "/api/v1/neighbourhood", &body).await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert_eq!(ids(&posted, "nodes"), nodes);
    // Named errors.
    let q = |rest: &str| format!("/api/v1/neighbourhood?seeds={}{rest}", enc(&p1));
    assert_error(&s.get(INVESTIGATOR, &q("&hops=4")).await, 400, "limit_exceeded");
    let bad_hops = s.get(INVESTIGATOR, &q("&hops=two")).await;
    assert_error(&bad_hops, 400, "bad_parameter");
    assert!(bad_hops.text.contains("`hops`"));
    assert_error(&s.get(INVESTIGATOR, &q("&max_nodes=999999")).await, 400, "limit_exceeded");
    assert_error(&s.get(INVESTIGATOR, &q("&max_nodes=0")).await, 400, "bad_parameter");
    assert_error(&s.get(INVESTIGATOR, &q("&after=yesterday")).await, 400, "bad_parameter");
    assert_error(&s.get(INVESTIGATOR, &q("&after=2024-01-01&before=2023-01-01")).await, 400, "bad_parameter");
    assert_error(&s.get(INVESTIGATOR, &q("&node_types=pet")).await, 400, "unknown_type");
    assert_error(&s.get(INVESTIGATOR, &q("&relations=likes")).await, 400, "unknown_relation");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/neighbourhood").await, 400, "missing_parameter");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/neighbourhood?seeds=nocolon").await, 400, "bad_parameter");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/neighbourhood?seeds=claim:NOPE").await, 404, "not_found");
    assert_error(&s.post(INVESTIGATOR, "/api/v1/neighbourhood", "{\"seeds\": 3}").await, 400, "bad_body");
    assert_error(&s.post(INVESTIGATOR, "/api/v1/neighbourhood", "not json").await, 400, "bad_body");
    assert_error(
        &s.post(INVESTIGATOR, "/api/v1/neighbourhood", &format!("{{\"seeds\":[\"{p1}\"],\"hops\":9}}")).await,
        400,
        "limit_exceeded",
    );
    let big = format!("{{\"seeds\":[\"{}\"]}}", "x".repeat(100_000));
    assert_error(&s.post(INVESTIGATOR, "/api/v1/neighbourhood", &big).await, 413, "body_too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_see_links_through_pseudonyms_but_no_ids_and_no_minors() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let masker = Masker::new(SECRET);
    let p1_pseudo = format!("person:{}", masker.pseudonym("person", &k.p1));
    let r = s.get(VIEWER, &format!("/api/v1/neighbourhood?seeds={}&hops=2", enc(&p1_pseudo))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let phone_id = format!("phone:{}", masker.pseudonym("phone", &k.shared_phone));
    let phone = node(&r, &phone_id).expect("the shared phone, by pseudonym");
    assert_eq!(phone["key"], "138****5678");
    assert_eq!(phone["degree"], 2, "the minor's edge is not counted for a viewer");
    let p2_id = format!("person:{}", masker.pseudonym("person", &k.p2));
    assert!(node(&r, &p2_id).is_some(), "P2 is reached through the shared phone");
    // Both P1 and P2 link to the same phone pseudonym: the viewer sees the link.
    let edges = r.json["edges"].as_array().unwrap();
    for who in [&p1_pseudo, &p2_id] {
        assert!(edges.iter().any(|e| e["data"]["source"] == **who && e["data"]["target"] == phone_id), "{who}");
    }
    let minor_id = format!("person:{}", masker.pseudonym("person", &k.minor));
    assert!(!r.text.contains(&minor_id), "no minor in a viewer's neighbourhood");
    // The investigator sees the minor on the same phone.
    let inv = s.get(INVESTIGATOR, "/api/v1/neighbourhood?seeds=phone:13812345678").await;
    assert!(inv.text.contains(&k.minor));
    assert_eq!(node(&inv, "phone:13812345678").unwrap()["degree"], 3);
}

/// A neighbourhood writes its nodes with the ids it made once per answer, the entity endpoint
/// node by node: both must show each role the same node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbourhood_nodes_match_the_entity_endpoint_for_every_role() {
    let w = world();
    let s = start(&w.snapshot).await;
    let seed = format!("person:{}", w.keys.p1);
    for token in [VIEWER, INVESTIGATOR] {
        let seed = if token == VIEWER {
            format!("person:{}", Masker::new(SECRET).pseudonym("person", &w.keys.p1))
        } else {
            seed.clone()
        };
        let r = s.get(token, &format!("/api/v1/neighbourhood?seeds={}&hops=2", enc(&seed))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let uncapped: Vec<Value> = r.json["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["data"].clone())
            .filter(|d| d["capped"] == false)
            .collect();
        assert!(uncapped.len() >= 3, "{}", r.text);
        for data in &uncapped {
            let id = data["id"].as_str().unwrap();
            let (ty, key) = id.split_once(':').unwrap();
            let e = s.get(token, &format!("/api/v1/entities/{ty}/{}", enc(key))).await;
            assert_eq!(e.status, 200, "{id}: {}", e.text);
            assert_eq!(e.json["node"]["data"], *data, "{id} as {token}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_between_entities() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let from = format!("person:{}", k.p1);
    let to = format!("person:{}", k.p3);
    let r = s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&max_hops=4", enc(&from), enc(&to))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let path = &r.json["paths"][0];
    assert_eq!(path["nodes"][0], from.as_str());
    assert_eq!(path["nodes"].as_array().unwrap().last().unwrap(), to.as_str());
    assert_eq!(path["hops"], 3, "P1 - account - account - P3: {}", r.text);
    assert_eq!(r.json["nodes"].as_array().unwrap().len(), 4);
    let k2 = s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&k=3&max_hops=6", enc(&from), enc(&to))).await;
    assert!(k2.json["paths"].as_array().unwrap().len() >= 2, "{}", k2.text);
    let only_claims =
        s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&types=claimed", enc(&from), enc(&to))).await;
    assert_eq!(only_claims.json["paths"].as_array().unwrap().len(), 0, "{}", only_claims.text);
    let viewer = s.get(VIEWER, &format!("/api/v1/paths?from={}&to={}", enc(&from), enc(&to))).await;
    assert_eq!(viewer.status, 200, "{}", viewer.text);
    assert!(!viewer.text.contains(&k.p1) && !viewer.text.contains(&k.p3));
    assert_error(&s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}", enc(&from))).await, 400, "missing_parameter");
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}", enc(&from), enc(&from))).await,
        400,
        "bad_parameter",
    );
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&k=0", enc(&from), enc(&to))).await,
        400,
        "bad_parameter",
    );
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&max_hops=99", enc(&from), enc(&to))).await,
        400,
        "limit_exceeded",
    );
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&types=likes", enc(&from), enc(&to))).await,
        400,
        "unknown_relation",
    );
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to=claim:NOPE", enc(&from))).await,
        404,
        "not_found",
    );
    assert_error(
        &s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&directed=maybe", enc(&from), enc(&to))).await,
        400,
        "bad_parameter",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_search_stopped_at_the_budget_says_so() {
    let w = world();
    let k = &w.keys;
    // One edge visit: P1 alone has more (a phone and an account), so the search cannot finish.
    let s = start_with(&w.snapshot, Limits { path_budget: 1, ..Limits::default() }, None).await;
    let (from, to) = (format!("person:{}", k.p1), format!("person:{}", k.p3));
    let r = s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&max_hops=4", enc(&from), enc(&to))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["paths"].as_array().unwrap().len(), 0, "{}", r.text);
    assert_eq!(r.json["searched"]["budget"], 1);
    assert_eq!(r.json["searched"]["stopped_at_budget"], true);
    let note = r.json["note"].as_str().unwrap();
    assert!(note.contains("stopped after 1 edge visits") && !note.starts_with("no path"), "{note}");
    // With the default budget the same query finds the 3-hop path and says the search finished.
    let s = start(&w.snapshot).await;
    let r = s.get(INVESTIGATOR, &format!("/api/v1/paths?from={}&to={}&max_hops=4", enc(&from), enc(&to))).await;
    assert_eq!(r.json["paths"][0]["hops"], 3, "{}", r.text);
    assert_eq!(r.json["searched"]["budget"], clew::paths::WORK_BUDGET);
    assert_eq!(r.json["searched"]["stopped_at_budget"], false);
    assert!(r.json.get("note").is_none(), "{}", r.text);
    // The k shortest stopped at the budget: the paths found before the stop, which are the first
    // of the full answer, and a note saying how many.
    let ask = format!("/api/v1/paths?from={}&to={}&max_hops=6&k=4", enc(&from), enc(&to));
    let full = s.get(INVESTIGATOR, &ask).await.json["paths"].clone();
    let full = full.as_array().unwrap();
    assert!(full.len() >= 2, "{full:?}");
    let mut partial = None;
    for budget in 1..400u64 {
        let s = start_with(&w.snapshot, Limits { path_budget: budget, ..Limits::default() }, None).await;
        let r = s.get(INVESTIGATOR, &ask).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let paths = r.json["paths"].as_array().unwrap().clone();
        if r.json["searched"]["stopped_at_budget"] == true && !paths.is_empty() {
            partial = Some((paths, r.json["note"].as_str().unwrap_or_default().to_owned()));
            break;
        }
    }
    let (paths, note) = partial.expect("no budget stopped between the first and the last path");
    assert!(paths.len() < full.len() && full.starts_with(&paths), "{paths:?} / {full:?}");
    assert!(note.contains(&format!("with {} of the 4 shortest paths", paths.len())), "{note}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_alerts_and_exports() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let list = s.get(INVESTIGATOR, "/api/v1/clusters").await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["total"], 2);
    assert_eq!(list.json["clusters"][0]["cluster_id"], "ring-001", "riskiest first");
    assert_eq!(list.json["clusters"][0]["size"], 5);
    let red = s.get(INVESTIGATOR, "/api/v1/clusters?level=red").await;
    assert_eq!(red.json["total"], 1);
    let shells = s.get(INVESTIGATOR, "/api/v1/clusters?kind=shell_network&limit=1&offset=0").await;
    assert_eq!(shells.json["clusters"][0]["cluster_id"], "shell-002");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/clusters?level=purple").await, 400, "bad_parameter");
    assert_error(&s.get(INVESTIGATOR, "/api/v1/clusters?offset=-1").await, 400, "bad_parameter");
    let one = s.get(INVESTIGATOR, "/api/v1/clusters/ring-001").await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json["cluster"]["reasons"].as_array().unwrap().len(), 3);
    let nodes = ids(&one, "nodes");
    assert!(nodes.contains(&format!("person:{}", k.p1)) && nodes.contains(&"phone:13812345678".to_owned()));
    assert!(nodes.contains(&"claim:C0002".to_owned()), "a claim linking two members is a connector: {nodes:?}");
    assert!(!one.json["edges"].as_array().unwrap().is_empty());
    let shell = s.get(INVESTIGATOR, "/api/v1/clusters/shell-002").await;
    assert_eq!(shell.json["cluster"]["missing_members"], 1);
    assert_error(&s.get(INVESTIGATOR, "/api/v1/clusters/nope").await, 404, "not_found");
    // Viewer: reasons scrubbed, the minor withheld, size without the minor.
    let v = s.get(VIEWER, "/api/v1/clusters/ring-001").await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.json["cluster"]["size"], 4);
    let reasons = v.json["cluster"]["reasons"].to_string();
    assert!(reasons.contains("138****5678") && reasons.contains("[withheld]") && !reasons.contains("赵"), "{reasons}");
    // Alerts.
    let alerts = s.get(INVESTIGATOR, "/api/v1/alerts").await;
    assert_eq!(alerts.json["total"], 3);
    assert_eq!(alerts.json["alerts"][0]["rule"], "payee_not_holder");
    assert_eq!(alerts.json["alerts"][0]["record"]["data"]["id"], "claim:C0002");
    let by_rule = s.get(INVESTIGATOR, "/api/v1/alerts?rule=amount_outlier,duplicate_claim&level=yellow").await;
    assert_eq!(by_rule.json["total"], 1);
    let page = s.get(INVESTIGATOR, "/api/v1/alerts?limit=1&offset=2").await;
    assert_eq!(page.json["alerts"].as_array().unwrap().len(), 1);
    assert_error(&s.get(INVESTIGATOR, "/api/v1/alerts?limit=0").await, 400, "bad_parameter");
    // Exports in each format.
    for (format, needle, content_type) in [
        ("graphml", "<graphml", "application/graphml+xml"),
        ("gexf", "<gexf", "application/gexf+xml"),
        ("csv", "element,id,source,target", "text/csv"),
        ("json", "\"nodes\"", "application/json"),
    ] {
        let r = s
            .client
            .get(format!("{}/api/v1/export/clusters/ring-001?format={format}", s.base))
            .bearer_auth(INVESTIGATOR)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(content_type));
        assert!(r.headers()["content-disposition"].to_str().unwrap().contains("cluster-ring-001"));
        let text = r.text().await.unwrap();
        assert!(text.contains(needle) && text.contains(&k.p1), "{format}: {text}");
    }
    assert_error(&s.get(INVESTIGATOR, "/api/v1/export/clusters/ring-001?format=xlsx").await, 400, "bad_parameter");
    let v_export = s.get(VIEWER, "/api/v1/export/clusters/ring-001?format=graphml").await;
    assert_eq!(v_export.status, 200);
    assert!(!v_export.text.contains(&k.p1) && v_export.text.contains("p:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_viewer_response_contains_a_resident_id() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let masker = Masker::new(SECRET);
    let resident_ids = all_resident_ids(&w);
    assert!(resident_ids.len() > 150);
    let p1 = format!("person:{}", masker.pseudonym("person", &k.p1));
    let mut paths = vec![
        "/api/v1/stats".to_owned(),
        format!("/api/v1/search?q={}", k.p1),
        format!("/api/v1/search?q={}", k.minor),
        format!("/api/v1/search?q={}&limit=1000", enc("王")),
        format!("/api/v1/search?q={}&limit=1000", &k.p1[..6]),
        "/api/v1/search?q=C&limit=1000".to_owned(),
        format!("/api/v1/entities/person/{}", k.p1),
        format!("/api/v1/entities/person/{}", k.minor),
        format!("/api/v1/entities/person/{}", enc(p1.strip_prefix("person:").unwrap())),
        "/api/v1/entities/hospital/H1".to_owned(),
        "/api/v1/entities/claim/C0003".to_owned(),
        "/api/v1/entities/phone/13812345678".to_owned(),
        format!("/api/v1/neighbourhood?seeds={}&hops=3&max_nodes=5000", enc(&p1)),
        "/api/v1/neighbourhood?seeds=hospital:H1&hops=2&max_nodes=5000".to_owned(),
        "/api/v1/neighbourhood?seeds=phone:13812345678&hops=2".to_owned(),
        format!("/api/v1/paths?from={}&to=hospital:H2&k=5&max_hops=8", enc(&p1)),
        "/api/v1/clusters".to_owned(),
        "/api/v1/clusters/ring-001".to_owned(),
        "/api/v1/clusters/shell-002".to_owned(),
        "/api/v1/alerts".to_owned(),
        "/api/v1/communities?members=1000&limit=1000&min_size=1".to_owned(),
        "/api/v1/communities?algo=wcc&members=1000&limit=1000&min_size=1".to_owned(),
        format!("/api/v1/communities?node={}&members=1000", enc(&p1)),
        format!("/api/v1/entities/person/110105{}", "1".repeat(12)),
        format!("/api/v1/neighbourhood?seeds=person:{}", k.minor),
    ];
    for f in ["graphml", "gexf", "csv", "json"] {
        paths.push(format!("/api/v1/export/clusters/ring-001?format={f}"));
        paths.push(format!("/api/v1/export/clusters/shell-002?format={f}"));
    }
    let minor_pseudonym = masker.pseudonym("person", &k.minor);
    let mut bodies = Vec::new();
    for p in &paths {
        let r = s.get(VIEWER, p).await;
        assert!(r.status < 500, "{p}: {}", r.text);
        bodies.push((p.clone(), r.text));
    }
    let post = s
        .post(
            VIEWER,
            "/api/v1/neighbourhood",
            &serde_json::json!({"seeds": [format!("person:{}", k.p2)], "hops": 3}).to_string(),
        )
        .await;
    assert_eq!(post.status, 200, "{}", post.text);
    bodies.push(("POST neighbourhood".to_owned(), post.text));
    for (p, body) in &bodies {
        for id in &resident_ids {
            assert!(!body.contains(id.as_str()), "{p} leaks resident ID {id}");
            assert!(!body.contains(&id[..17]), "{p} leaks the first 17 digits of {id}");
        }
        assert!(!body.contains(&minor_pseudonym), "{p} names the minor by pseudonym");
        assert!(!body.contains("赵小六") && !body.contains("赵*六"), "{p} names the minor");
        assert!(!body.contains("13812345678") && !body.contains("6222020000000001"), "{p} leaks a phone or account");
    }
    // The investigator's answers do contain them (the check above is not vacuous).
    let inv = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds=person:{}&hops=2", k.p1)).await;
    assert!(inv.text.contains(&k.p1) && inv.text.contains(&k.p2) && inv.text.contains("13812345678"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn communities_of_projections_by_each_algorithm() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    let p1 = format!("person:{}", k.p1);
    let p2 = format!("person:{}", k.p2);
    let minor = format!("person:{}", k.minor);
    for algo in ["wcc", "cdlp", "louvain", "leiden"] {
        let r =
            s.get(INVESTIGATOR, &format!("/api/v1/communities?algo={algo}&min_size=1&limit=1000&members=1000")).await;
        assert_eq!(r.status, 200, "{algo}: {}", r.text);
        assert_eq!(r.json["projection"], "shared-identifiers");
        assert_eq!(r.json["algo"], algo);
        let list = r.json["communities"].as_array().unwrap();
        assert!(!list.is_empty(), "{algo}: {}", r.text);
        let sizes: Vec<u64> = list.iter().map(|c| c["size"].as_u64().unwrap()).collect();
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{algo}: largest first: {sizes:?}");
        let total: u64 = sizes.iter().sum();
        assert_eq!(total, r.json["vertices"].as_u64().unwrap(), "{algo}: every vertex in one community");
        // P1, P2 and the minor share a phone: one community, whatever the algorithm.
        let one = s.get(INVESTIGATOR, &format!("/api/v1/communities?algo={algo}&node={}", enc(&p1))).await;
        assert_eq!(one.status, 200, "{}", one.text);
        let members: Vec<&str> = one.json["communities"][0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["data"]["id"].as_str().unwrap())
            .collect();
        assert!(members.contains(&p1.as_str()) && members.contains(&p2.as_str()), "{algo}: {members:?}");
        assert!(members.contains(&minor.as_str()), "{algo}: investigators see the minor: {members:?}");
    }
    // The same seed gives the same partition; the partition is cached per snapshot.
    let a = s.get(INVESTIGATOR, "/api/v1/communities?algo=leiden&seed=7&resolution=0.5").await;
    let b = s.get(INVESTIGATOR, "/api/v1/communities?algo=leiden&seed=7&resolution=0.5").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["communities"], b.json["communities"]);
    assert_eq!(a.json["resolution"], 0.5);
    // Viewers: masked members, linkable by pseudonym, and no minor in members or sizes.
    let masker = Masker::new(SECRET);
    let p1_pseudonym = format!("person:{}", masker.pseudonym("person", &k.p1));
    let inv = s.get(INVESTIGATOR, &format!("/api/v1/communities?algo=wcc&node={}", enc(&p1))).await;
    let view = s.get(VIEWER, &format!("/api/v1/communities?algo=wcc&node={}", enc(&p1_pseudonym))).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let inv_size = inv.json["communities"][0]["size"].as_u64().unwrap();
    assert_eq!(view.json["communities"][0]["size"].as_u64().unwrap(), inv_size - 1, "the minor is not counted");
    assert!(!view.text.contains(&k.p1) && !view.text.contains(&k.minor), "{}", view.text);
    assert!(view.text.contains(&p1_pseudonym), "{}", view.text);
    assert!(!view.text.contains(&masker.pseudonym("person", &k.minor)), "{}", view.text);
    // Sizes, totals and the vertex count leave the minor out of a viewer's list too.
    let all = "/api/v1/communities?algo=wcc&min_size=1&limit=1000&members=1";
    let (inv_all, view_all) = (s.get(INVESTIGATOR, all).await, s.get(VIEWER, all).await);
    let sum = |r: &Reply| r.json["communities"].as_array().unwrap().iter().map(|c| c["size"].as_u64().unwrap()).sum();
    let view_sum: u64 = sum(&view_all);
    assert_eq!(view_sum, view_all.json["vertices"].as_u64().unwrap(), "{}", view_all.text);
    assert_eq!(view_sum + 1, inv_all.json["vertices"].as_u64().unwrap(), "one minor left out");
    assert_eq!(view_all.json["matching"], view_all.json["communities"].as_array().unwrap().len());
    let view_sizes: Vec<u64> =
        view_all.json["communities"].as_array().unwrap().iter().map(|c| c["size"].as_u64().unwrap()).collect();
    assert!(view_sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {view_sizes:?}");
    // A viewer cannot ask for the minor's community either.
    let hidden = s.get(VIEWER, &format!("/api/v1/communities?node={}", enc(&minor))).await;
    assert_error(&hidden, 404, "not_found");
    // Other projections.
    let ownership = s.get(INVESTIGATOR, "/api/v1/communities?projection=ownership&algo=wcc&min_size=1").await;
    assert!(ownership.status == 200 || code(&ownership) == "bad_parameter", "{}", ownership.text);
    // Bad parameters are named.
    for (query, status, expected) in [
        ("algo=kmeans", 400, "bad_parameter"),
        ("projection=everything", 400, "bad_parameter"),
        ("algo=wcc&resolution=2", 400, "bad_parameter"),
        ("algo=louvain&resolution=-1", 400, "bad_parameter"),
        ("algo=louvain&resolution=NaN", 400, "bad_parameter"),
        ("algo=louvain&iterations=3", 400, "bad_parameter"),
        ("algo=cdlp&iterations=0", 400, "bad_parameter"),
        ("seed=-3", 400, "bad_parameter"),
        ("limit=0", 400, "bad_parameter"),
        ("limit=1000000", 400, "limit_exceeded"),
        ("node=hospital:H1", 404, "not_found"),
        ("node=nonsense", 400, "bad_parameter"),
        ("colour=red", 400, "unknown_parameter"),
    ] {
        let r = s.get(INVESTIGATOR, &format!("/api/v1/communities?{query}")).await;
        assert_error(&r, status, expected);
    }
    // Audited, with the raw keys of the members shown.
    let lines = s.audit_lines();
    let line = lines
        .iter()
        .find(|l| l["endpoint"] == "GET /api/v1/communities" && l["role"] == "viewer" && l["status"] == 200)
        .expect("a viewer's communities line");
    let keys: Vec<&str> = line["entity_keys"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(keys.contains(&p1.as_str()), "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_lines_record_who_saw_whom() {
    let w = world();
    let k = &w.keys;
    let s = start(&w.snapshot).await;
    s.get(VIEWER, "/api/v1/stats").await;
    s.get("", "/api/v1/health").await;
    let r = s.get(VIEWER, &format!("/api/v1/neighbourhood?seeds=person:{}&hops=1", k.p1)).await;
    assert_eq!(r.status, 200);
    s.post(INVESTIGATOR, "/api/v1/neighbourhood", &format!("{{\"seeds\":[\"person:{}\"]}}", k.p2)).await;
    s.get(INVESTIGATOR, "/api/v1/entities/claim/NOPE").await;
    s.get("bad-token", "/api/v1/search?q=x").await;
    let lines = s.audit_lines();
    assert_eq!(lines.len(), 4, "stats and health carry no entity data: {lines:?}");
    let first = &lines[0];
    for field in ["time", "token_id", "role", "endpoint", "path", "parameters", "entity_keys", "status"] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert_eq!(first["token_id"], "vera");
    assert_eq!(first["role"], "viewer");
    assert_eq!(first["endpoint"], "GET /api/v1/neighbourhood");
    assert_eq!(first["parameters"]["seeds"], format!("person:{}", k.p1));
    assert_eq!(first["status"], 200);
    let keys: Vec<&str> = first["entity_keys"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(keys.contains(&format!("person:{}", k.p1).as_str()), "raw keys: {keys:?}");
    assert!(keys.contains(&"phone:13812345678"));
    assert_eq!(keys.len(), r.json["nodes"].as_array().unwrap().len());
    assert_eq!(lines[1]["parameters"]["body"]["seeds"][0], format!("person:{}", k.p2));
    assert_eq!(lines[1]["role"], "investigator");
    assert_eq!(lines[2]["status"], 404);
    assert_eq!(lines[2]["path"], "/api/v1/entities/claim/NOPE");
    assert_eq!(lines[3]["status"], 401);
    assert!(lines[3]["token_id"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reload_under_concurrent_load_fails_no_request() {
    let w = world();
    let k = w.keys.clone();
    let s = std::sync::Arc::new(start(&w.snapshot).await);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for i in 0..6 {
        let s = s.clone();
        let stop = stop.clone();
        let seed = if i % 2 == 0 { format!("person:{}", k.p1) } else { "hospital:H1".to_owned() };
        workers.push(tokio::spawn(async move {
            let mut done = 0u32;
            let mut failures = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || done < 20 {
                let r = s.get(INVESTIGATOR, &format!("/api/v1/neighbourhood?seeds={}&hops=2", enc(&seed))).await;
                if r.status != 200 {
                    failures.push(r.text);
                }
                done += 1;
                if done > 5000 {
                    break;
                }
            }
            (done, failures)
        }));
    }
    for _ in 0..4 {
        // Rebuild in place (temp file, then rename), as `clew build` does, and reload.
        server_world::rebuild(&w.mapping, &w.snapshot);
        let r = s.post(ADMIN, "/api/v1/admin/reload", "").await;
        assert_eq!(r.status, 200, "{}", r.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A damaged snapshot is refused by name and the old one keeps serving.
    let damaged = w.dir.path().join("damaged.tmp");
    std::fs::write(&damaged, b"not a snapshot at all").unwrap();
    std::fs::rename(&damaged, &w.snapshot).unwrap();
    let refused = s.post(ADMIN, "/api/v1/admin/reload", "").await;
    assert_error(&refused, 409, "reload_failed");
    assert!(refused.json["error"]["message"].as_str().unwrap().contains("previous snapshot"));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for worker in workers {
        let (done, failures) = worker.await.unwrap();
        assert!(failures.is_empty(), "requests failed during reload: {failures:?}");
        total += done;
    }
    assert!(total >= 120);
    let after = s.get(INVESTIGATOR, &format!("/api/v1/entities/person/{}", k.p1)).await;
    assert_eq!(after.status, 200, "the previous snapshot is still served");
    assert_eq!(s.state.reloads(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_budget_answers_with_a_json_error() {
    let w = world();
    let limits = Limits { time_budget: Duration::ZERO, ..Limits::default() };
    let s = start_with(&w.snapshot, limits, None).await;
    let r = s.get(INVESTIGATOR, "/api/v1/neighbourhood?seeds=hospital:H1&hops=3").await;
    assert_error(&r, 503, "time_budget_exceeded");
}

/// Deterministic garbage: every endpoint with random parameter names and values (control
/// characters, huge numbers, broken percent-escapes, unicode) must answer below 500.
/// Property test over query strings: any parameter names and values, percent-encoded or raw, on
/// any endpoint and role, answer below 500, and every error is the JSON error shape. Proptest
/// shrinks a failing query to a minimal one; the runner is deterministic.
#[test]
fn any_query_string_is_answered_without_a_server_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let w = world();
    let resident_ids = all_resident_ids(&w);
    let s = runtime.block_on(start(&w.snapshot));
    let endpoints = prop::sample::select(vec![
        "/api/v1/search",
        "/api/v1/neighbourhood",
        "/api/v1/paths",
        "/api/v1/clusters",
        "/api/v1/alerts",
        "/api/v1/communities",
        "/api/v1/entities/person/x",
        "/api/v1/export/clusters/ring-001",
        "/api/v1/clusters/ring-001",
    ]);
    let known = prop::sample::select(vec![
        "q",
        "type",
        "limit",
        "offset",
        "seeds",
        "hops",
        "max_nodes",
        "after",
        "before",
        "from",
        "to",
        "k",
        "max_hops",
        "types",
        "node_types",
        "relations",
        "directed",
        "supernode_degree",
        "skip_degree_above",
        "level",
        "kind",
        "rule",
        "format",
        "projection",
        "algo",
        "seed",
        "resolution",
        "iterations",
        "min_size",
        "members",
        "node",
    ]);
    let name = prop_oneof![4 => known.prop_map(str::to_owned), 1 => "[a-z_]{0,8}"];
    let value = prop_oneof![
        "[0-9]{0,25}",
        "-?[0-9]{1,6}(\\.[0-9]{0,4})?(e[0-9]{1,3})?",
        "(person|hospital|claim|phone|account|company):[0-9A-Za-z|:p]{0,20}",
        "(wcc|cdlp|louvain|leiden|shared-identifiers|transfers|ownership|graphml|csv|red|ring|true|none|2023-0[0-9]-[0-3][0-9])",
        "\\PC{0,30}",
    ];
    let pair = (name, value, any::<bool>());
    let case = (endpoints, prop::collection::vec(pair, 0..6), 0usize..3);
    let config = Config { cases: 300, failure_persistence: None, ..Config::default() };
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner
        .run(&case, |(endpoint, pairs, role)| {
            let mut url = endpoint.to_owned();
            for (i, (n, v, encode)) in pairs.iter().enumerate() {
                url.push(if i == 0 { '?' } else { '&' });
                url.push_str(&enc(n));
                url.push('=');
                // Raw values exercise the server's own decoding; reqwest still needs a valid URL.
                url.push_str(&if *encode { enc(v) } else { v.replace(['#', ' ', '&', '%'], "+") });
            }
            let token = [VIEWER, INVESTIGATOR, ADMIN][role];
            let Ok(req) = s.client.get(format!("{}{url}", s.base)).bearer_auth(token).build() else { return Ok(()) };
            let (status, text) = runtime.block_on(async {
                let response = s.client.execute(req).await.unwrap();
                let status = response.status().as_u16();
                (status, response.text().await.unwrap())
            });
            prop_assert!(status < 500, "{} -> {}: {}", url, status, text);
            if role == 0 {
                prop_assert!(
                    !resident_ids.iter().any(|id| text.contains(id.as_str())),
                    "{}: a viewer got a resident ID: {}",
                    url,
                    text
                );
            }
            if status >= 400 {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                prop_assert!(v["error"]["code"].is_string(), "{}: errors are JSON: {}", url, text);
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_queries_never_cause_a_server_error() {
    use rand::{Rng, SeedableRng};
    let w = world();
    let resident_ids = all_resident_ids(&w);
    let mut viewer_answers = 0;
    let s = start(&w.snapshot).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    let endpoints = [
        "/api/v1/search",
        "/api/v1/entities/person/",
        "/api/v1/entities/",
        "/api/v1/neighbourhood",
        "/api/v1/paths",
        "/api/v1/clusters",
        "/api/v1/clusters/",
        "/api/v1/alerts",
        "/api/v1/export/clusters/",
        "/api/v1/stats",
        "/api/v1/communities",
    ];
    let names = [
        "q",
        "type",
        "limit",
        "seeds",
        "hops",
        "max_nodes",
        "after",
        "before",
        "from",
        "to",
        "k",
        "max_hops",
        "types",
        "node_types",
        "relations",
        "level",
        "kind",
        "offset",
        "format",
        "directed",
        "supernode_degree",
        "skip_degree_above",
        "projection",
        "algo",
        "seed",
        "resolution",
        "iterations",
        "min_size",
        "members",
        "node",
        "zz",
    ];
    let atoms = [
        "",
        "0",
        "-1",
        "1",
        "3",
        "99999999999999999999999",
        "person:",
        ":",
        "person:110105",
        "hospital:H1",
        "claim:C0001",
        "%",
        "%ZZ",
        "%00",
        "\u{0}",
        "张",
        "p:",
        "p:zzzzzzzzzzzz",
        "1e9",
        "NaN",
        "true",
        "2023-13-45",
        "phone:13812345678,,,",
        "red,blue",
        "graphml",
        "🙂",
        "' OR 1=1 --",
        "../../etc/passwd",
        "account:ICBC|6222020000000001",
        "louvain",
        "leiden",
        "wcc",
        "cdlp",
        "shared-identifiers",
        "transfers",
        "0.5",
        "inf",
        "-0",
    ];
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..600 {
        let endpoint = endpoints[i % endpoints.len()];
        let mut url = endpoint.to_owned();
        if endpoint.ends_with('/') {
            url.push_str(&enc(atoms[rng.gen_range(0..atoms.len())]));
        }
        let n = rng.gen_range(0..5);
        for j in 0..n {
            url.push(if j == 0 { '?' } else { '&' });
            url.push_str(names[rng.gen_range(0..names.len())]);
            url.push('=');
            let value: String = if rng.gen_bool(0.8) {
                atoms[rng.gen_range(0..atoms.len())].to_owned()
            } else {
                (0..rng.gen_range(0..40)).map(|_| char::from_u32(rng.gen_range(0x20..0x3000)).unwrap_or('x')).collect()
            };
            if rng.gen_bool(0.7) {
                url.push_str(&enc(&value));
            } else {
                url.push_str(&value.replace(['#', ' '], "+"));
            }
        }
        let token = [VIEWER, INVESTIGATOR, ADMIN][i % 3];
        let Ok(req) = s.client.get(format!("{}{url}", s.base)).bearer_auth(token).build() else { continue };
        let response = s.client.execute(req).await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(status < 500, "{url} -> {status}: {text}");
        if status >= 400 {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            assert!(v["error"]["code"].is_string(), "{url}: errors are JSON: {text}");
        }
        if token == VIEWER {
            viewer_answers += 1;
            assert!(
                !resident_ids.iter().any(|id| text.contains(id.as_str())),
                "{url}: a viewer got a resident ID: {text}"
            );
        }
        *statuses.entry(status).or_insert(0) += 1;
    }
    for body in [
        "",
        "{}",
        "[]",
        "null",
        "{\"seeds\":[]}",
        "{\"seeds\":[\"person:x\"],\"hops\":\"x\"}",
        "{\"seeds\":[\"hospital:H1\"],\"after\":{}}",
        "\u{0}\u{1}",
        "{\"seeds\":[\"hospital:H1\"],\"extra\":1}",
    ] {
        let r = s.post(VIEWER, "/api/v1/neighbourhood", body).await;
        assert!((400..500).contains(&r.status), "{body:?} -> {}: {}", r.status, r.text);
    }
    // Path segments that are not UTF-8 once decoded: a named JSON 400, not a plain-text rejection.
    for raw in [
        "/api/v1/entities/person/%FF%FE",
        "/api/v1/entities/%C3/x",
        "/api/v1/clusters/%C3",
        "/api/v1/export/clusters/%FF",
    ] {
        let r = s.get(INVESTIGATOR, raw).await;
        assert_error(&r, 400, "bad_parameter");
    }
    assert!(statuses.keys().any(|&s| s == 200) && statuses.keys().any(|&s| s == 400), "{statuses:?}");
    assert!(viewer_answers >= 150, "a third of the calls are a viewer's: {viewer_answers}");
}

#[test]
fn the_binary_serves_refuses_open_no_auth_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let w = world();
    let exe = env!("CARGO_BIN_EXE_clew");
    // --no-auth only on loopback.
    let refused =
        Command::new(exe).args(["serve"]).arg(&w.snapshot).args(["--no-auth", "--addr", "0.0.0.0:0"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let neither = Command::new(exe).args(["serve"]).arg(&w.snapshot).args(["--addr", "127.0.0.1:0"]).output().unwrap();
    assert!(String::from_utf8_lossy(&neither.stderr).contains("--tokens"));
    // --hash-token prints what a tokens file stores.
    let mut hasher =
        Command::new(exe).args(["serve", "--hash-token"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(hasher.stdin.as_mut().unwrap(), b"test\n").unwrap();
    let out = hasher.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    // A real server on port 0: parse the address, ask, stop with SIGTERM.
    let tokens = w.dir.path().join("tokens.toml");
    std::fs::write(&tokens, server_world::tokens_toml()).unwrap();
    let audit = w.dir.path().join("audit.jsonl");
    let mut child = Command::new(exe)
        .args(["serve"])
        .arg(&w.snapshot)
        .args(["--addr", "127.0.0.1:0", "--path-budget", "1", "--tokens"])
        .arg(&tokens)
        .arg("--audit")
        .arg(&audit)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr =
        line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("address on stdout").to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let health = client.get(format!("http://{addr}/api/v1/health")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let search =
            client.get(format!("http://{addr}/api/v1/search?q=H1")).bearer_auth(INVESTIGATOR).send().await.unwrap();
        assert_eq!(search.status(), 200);
        // --path-budget reaches the path queries.
        let (from, to) = (format!("person:{}", w.keys.p1), format!("person:{}", w.keys.p3));
        let paths: Value = client
            .get(format!("http://{addr}/api/v1/paths?from={}&to={}", enc(&from), enc(&to)))
            .bearer_auth(INVESTIGATOR)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(paths["searched"]["budget"], 1, "{paths}");
        assert_eq!(paths["searched"]["stopped_at_budget"], true, "{paths}");
    });
    assert_eq!(std::fs::read_to_string(&audit).unwrap().lines().count(), 2);
    // SIGHUP reloads the snapshot.
    let hup = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
    assert!(hup.success());
    let reloads = runtime.block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..100 {
            let stats: Value = client
                .get(format!("http://{addr}/api/v1/stats"))
                .bearer_auth(VIEWER)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if stats["server"]["reloads"] == 1 {
                return 1;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        0
    });
    assert_eq!(reloads, 1, "SIGHUP reloaded the snapshot");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}
