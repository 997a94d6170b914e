// Exports: the current view as a PNG picture, as GraphML (for Gephi, yEd, i2) or as the
// Cytoscape JSON the API speaks; a cluster as the server's own export. What is exported is
// what is on screen, masked exactly as the server sent it.

import { apiFile } from './api.js';
import { download, loading, say, showError } from './dom.js';

function stamp() {
  return new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
}

function visible(view) {
  const eles = view.shown();
  return { nodes: eles.nodes(), edges: eles.edges() };
}

function xml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

/** Flat attributes of an element: its data without Cytoscape's own fields, props flattened. */
function attributes(data) {
  const out = {};
  for (const [k, v] of Object.entries(data)) {
    if (['id', 'source', 'target', 'caption', 'full', 'props'].includes(k) || v === null || v === undefined) continue;
    out[k] = v;
  }
  for (const [k, v] of Object.entries(data.props || {})) {
    if (v !== null && v !== undefined) out[k in out ? `prop_${k}` : k] = v;
  }
  return out;
}

function graphmlType(values) {
  if (values.every((v) => typeof v === 'boolean')) return 'boolean';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'long';
  if (values.every((v) => typeof v === 'number')) return 'double';
  return 'string';
}

export function toGraphml(view) {
  const { nodes, edges } = visible(view);
  const keys = [];
  const declare = (domain, items) => {
    const values = new Map();
    for (const attrs of items) for (const [k, v] of Object.entries(attrs)) (values.get(k) || values.set(k, []).get(k)).push(v);
    for (const [name, vals] of values) keys.push({ id: `${domain[0]}_${name}`, domain, name, type: graphmlType(vals) });
  };
  const nodeAttrs = nodes.map((n) => [n.id(), attributes(n.data())]);
  const edgeAttrs = edges.map((e) => [e.data(), attributes(e.data())]);
  declare('node', nodeAttrs.map(([, a]) => a));
  declare('edge', edgeAttrs.map(([, a]) => a));
  const data = (domain, attrs) =>
    Object.entries(attrs)
      .map(([k, v]) => `<data key="${xml(`${domain[0]}_${k}`)}">${xml(v)}</data>`)
      .join('');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ...keys.map((k) => `  <key id="${xml(k.id)}" for="${k.domain}" attr.name="${xml(k.name)}" attr.type="${k.type}"/>`),
    '  <graph id="clew-view" edgedefault="directed">',
    ...nodeAttrs.map(([id, a]) => `    <node id="${xml(id)}">${data('node', a)}</node>`),
    ...edgeAttrs.map(([d, a]) => `    <edge id="${xml(d.id)}" source="${xml(d.source)}" target="${xml(d.target)}">${data('edge', a)}</edge>`),
    '  </graph>',
    '</graphml>',
  ];
  return lines.join('\n') + '\n';
}

export function toJson(view, meta = {}) {
  const { nodes, edges } = visible(view);
  const strip = (d) => {
    const { caption, full, ...rest } = d;
    return rest;
  };
  return JSON.stringify(
    {
      exported_at: new Date().toISOString(),
      view: location.href,
      ...meta,
      nodes: nodes.map((n) => ({ data: strip(n.data()), position: n.position() })),
      edges: edges.map((e) => ({ data: strip(e.data()) })),
    },
    null,
    2,
  );
}

export function createExporter(app) {
  function png() {
    const cy = app.view.cy;
    if (visible(app.view).nodes.empty()) return say('Nothing to export: the graph is empty.', 'info');
    const blob = cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff', maxWidth: 8000, maxHeight: 8000 });
    download(`clew-view-${stamp()}.png`, blob);
    say('Saved the view as PNG', 'ok');
  }

  function graphml() {
    if (visible(app.view).nodes.empty()) return say('Nothing to export: the graph is empty.', 'info');
    download(`clew-view-${stamp()}.graphml`, new Blob([toGraphml(app.view)], { type: 'application/graphml+xml' }));
    say('Saved the view as GraphML', 'ok');
  }

  function json() {
    if (visible(app.view).nodes.empty()) return say('Nothing to export: the graph is empty.', 'info');
    download(`clew-view-${stamp()}.json`, new Blob([toJson(app.view, { role: app.caller.role })], { type: 'application/json' }));
    say('Saved the view as JSON', 'ok');
  }

  async function cluster(id, format) {
    try {
      const { blob, name } = await loading(`Exporting ${id}`, () => apiFile(`/export/clusters/${encodeURIComponent(id)}`, { format }));
      download(name || `cluster-${id}.${format}`, blob);
      say(`Saved cluster ${id} as ${format.toUpperCase()}`, 'ok');
    } catch (err) {
      showError(err, 'Export failed');
    }
  }

  return { png, graphml, json, cluster };
}
