// The neighbourhood answer loads as it is into the two graph libraries investigators' tools are
// built on: Cytoscape.js (the default shape, `{"data": ...}` elements) and graphology
// (`format=graphology`, its serialised graph for `Graph.from`). Both against a real
// `clew serve` on the small demo world, in Node (Cytoscape headless).
//
//   CLEW_BIN=target/debug/clew node --test test/libraries.mjs      (from web/)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import cytoscape from 'cytoscape';
import graphology from 'graphology';

import { TOKENS, clewBinary, makeWorld, startServer } from '../testkit/world.mjs';

let world;
let server;
let scratch = null;

before(async () => {
  const clew = clewBinary();
  const dir = process.env.CLEW_WEB_WORLD || (scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'clew-web-libraries-')));
  world = makeWorld(clew, dir);
  server = await startServer(clew, world, { auth: 'tokens' });
});

after(async () => {
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

async function neighbourhood(seed, format) {
  const query = new URLSearchParams({ seeds: `person:${seed}`, hops: '2', max_nodes: '300' });
  if (format) query.set('format', format);
  const response = await fetch(`${server.url}/api/v1/neighbourhood?${query}`, {
    headers: { Authorization: `Bearer ${TOKENS.investigator}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

test('Cytoscape.js and graphology load the same neighbourhood as it is', async () => {
  const seed = world.truth.patterns.collusion_rings[0].members[0];
  const cyAnswer = await neighbourhood(seed);
  const gAnswer = await neighbourhood(seed, 'graphology');
  assert.ok(cyAnswer.nodes.length > 5 && cyAnswer.edges.length > 5, 'a ring member has a neighbourhood');

  const cy = cytoscape({ headless: true, elements: { nodes: cyAnswer.nodes, edges: cyAnswer.edges } });
  assert.equal(cy.nodes().length, cyAnswer.nodes.length);
  assert.equal(cy.edges().length, cyAnswer.edges.length);

  const graph = graphology.from(gAnswer);
  assert.equal(graph.type, 'directed');
  assert.equal(graph.order, cy.nodes().length, 'the same nodes');
  assert.equal(graph.size, cy.edges().length, 'the same edges, parallel transfers included');
  for (const node of cy.nodes()) {
    assert.ok(graph.hasNode(node.id()), `graphology lacks ${node.id()}`);
    assert.deepEqual(graph.getNodeAttributes(node.id()), node.data(), `attributes of ${node.id()}`);
  }
  for (const edge of cy.edges()) {
    assert.equal(graph.source(edge.id()), edge.source().id());
    assert.equal(graph.target(edge.id()), edge.target().id());
    assert.equal(graph.getEdgeAttribute(edge.id(), 'relation'), edge.data('relation'));
  }
  assert.deepEqual(graph.getAttribute('seeds'), cyAnswer.seeds);
  assert.deepEqual(graph.getAttribute('cut'), cyAnswer.cut);
});

test('an unknown format is refused with the parameter named', async () => {
  const seed = world.truth.patterns.collusion_rings[0].members[0];
  const response = await fetch(`${server.url}/api/v1/neighbourhood?seeds=person:${seed}&format=gexf`, {
    headers: { Authorization: `Bearer ${TOKENS.investigator}` },
  });
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.equal(body.error.code, 'bad_parameter');
  assert.match(body.error.message, /format/);
});
