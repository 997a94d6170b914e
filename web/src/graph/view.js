// The graph on screen: a Cytoscape instance with the fcose layout. Merges the server's
// Cytoscape-shaped answers into what is shown, lays out (new nodes start next to the node
// they came from, pinned nodes stay put), and applies the view's classes: path highlight,
// hidden nodes and the time window. It knows nothing of HTTP; graph/actions.js fetches.

import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';

import { noteNode } from '../auth.js';
import { edgeLabel, parseDay } from '../format.js';
import { KEY_NODES, stylesheet } from './style.js';

cytoscape.use(fcose);

const RISK_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };

/** The closest a fit may zoom in. */
const MAX_FIT_ZOOM = 1.4;

/** The date a claim node is filtered by: when it was claimed, else admitted. */
export function claimTime(data) {
  const p = data.props || {};
  return parseDay(p.claimed_on) ?? parseDay(p.admitted) ?? parseDay(p.discharged);
}

function nodeCaption(d) {
  return d.capped ? `${d.label}\n${d.degree.toLocaleString('en')} links` : d.label;
}

export class GraphView {
  constructor(container, { onSelect, onExpand } = {}) {
    this.cy = cytoscape({
      container,
      style: stylesheet(),
      minZoom: 0.05,
      maxZoom: 5,
      boxSelectionEnabled: true,
      selectionType: 'single',
      textureOnViewport: false,
      hideEdgesOnViewport: false,
      pixelRatio: 'auto',
    });
    this.window = { after: null, before: null };
    this.layoutRun = null;
    this.cy.on('tap', 'node, edge', (event) => {
      const target = event.target;
      const additive = event.originalEvent && (event.originalEvent.shiftKey || event.originalEvent.ctrlKey || event.originalEvent.metaKey);
      if (!additive) {
        this.cy.elements(':selected').not(target).unselect();
      }
      // Cytoscape selects on tap itself; the handler runs after, once selection settled.
      setTimeout(() => onSelect?.(target), 0);
    });
    this.cy.on('tap', (event) => {
      if (event.target === this.cy) onSelect?.(null);
    });
    this.cy.on('dbltap', 'node', (event) => onExpand?.(event.target));
    this.labelFrame = 0;
    this.cy.on('zoom', () => {
      if (!this.labelFrame) this.labelFrame = requestAnimationFrame(() => this.sizeLabels());
    });
  }

  /** Key nodes' label size and width for the current zoom: about 10.5 px on screen. */
  labelSize() {
    const zoom = this.cy.zoom();
    const fs = Math.min(30, Math.max(9, 10.5 / zoom));
    return { fs, tw: Math.round(fs * 11) };
  }

  sizeLabels(eles) {
    this.labelFrame = 0;
    const size = this.labelSize();
    const target = (eles || this.cy.nodes()).filter(KEY_NODES);
    this.cy.batch(() => target.data(size));
  }

  /** What is on screen: nodes not hidden or outside the time window, and the edges between them. */
  shown() {
    const off = (n) => n.hasClass('hidden') || n.hasClass('filtered');
    const nodes = this.cy.nodes().filter((n) => !off(n));
    const edges = this.cy.edges().filter((e) => !e.hasClass('filtered') && !off(e.source()) && !off(e.target()));
    return nodes.union(edges);
  }

  get size() {
    const shown = this.shown();
    return { nodes: shown.nodes().length, edges: shown.edges().length, all: this.cy.nodes().length };
  }

  node(id) {
    const n = this.cy.getElementById(id);
    return n.nonempty() ? n : null;
  }

  clear() {
    this.stopLayout();
    this.cy.elements().remove();
  }

  /**
   * Adds an answer's nodes and edges; existing elements get the new data. New nodes start
   * near `origin` (a node id) so the layout grows from there. Returns the added nodes.
   */
  merge(answer, { origin = null, classes = [] } = {}) {
    const cy = this.cy;
    const start = origin && this.node(origin) ? this.node(origin).position() : null;
    const added = [];
    // New elements end a path highlight (the panel can highlight the paths again).
    this.clearHighlight();
    cy.batch(() => {
      for (const element of answer.nodes || []) {
        const d = element.data;
        if (!d || !d.id) continue;
        noteNode(d);
        const existing = cy.getElementById(d.id);
        if (existing.nonempty()) {
          // A node stays summarised until an expansion showed all of its links.
          const full = existing.data('full');
          const data = { ...d, full, capped: !full && Boolean(d.capped || existing.data('capped')) };
          existing.data({ ...data, caption: nodeCaption(data) });
          existing.removeClass('hidden');
        } else {
          const position = start
            ? { x: start.x + (Math.random() - 0.5) * 120, y: start.y + (Math.random() - 0.5) * 120 }
            : { x: (Math.random() - 0.5) * 400, y: (Math.random() - 0.5) * 400 };
          const node = cy.add({ group: 'nodes', data: { ...d, full: false, caption: nodeCaption(d), ...this.labelSize() }, position });
          added.push(node);
        }
        if (classes.length) cy.getElementById(d.id).addClass(classes.join(' '));
      }
      for (const element of answer.edges || []) {
        const d = element.data;
        if (!d || !d.id || cy.getElementById(d.id).nonempty()) continue;
        if (cy.getElementById(d.source).empty() || cy.getElementById(d.target).empty()) continue;
        cy.add({ group: 'edges', data: { ...d, caption: edgeLabel(d) } });
      }
    });
    this.applyWindow();
    this.sizeLabels();
    return cy.collection(added);
  }

  /** Marks a node as having all its neighbours shown, or only some (then it reads as summarised). */
  markExpanded(id, full) {
    const n = this.node(id);
    if (!n) return;
    const data = { ...n.data(), full, capped: !full };
    n.data({ full, capped: data.capped, caption: nodeCaption(data) });
    this.sizeLabels(n);
  }

  stopLayout() {
    if (this.layoutRun) {
      this.layoutRun.stop();
      this.layoutRun = null;
    }
  }

  /** Runs fcose over what is visible. `fresh` ignores current positions. */
  layout({ fresh = false, fit = true } = {}) {
    this.stopLayout();
    const eles = this.shown();
    const n = eles.nodes().length;
    if (n === 0) return Promise.resolve();
    const pinned = eles.nodes('.pinned').map((node) => ({ nodeId: node.id(), position: { ...node.position() } }));
    const layout = eles.layout({
      name: 'fcose',
      quality: n > 800 ? 'draft' : 'default',
      randomize: fresh || n < 3,
      animate: !fresh && n < 600,
      animationDuration: 400,
      fit,
      padding: 36,
      nodeDimensionsIncludeLabels: false,
      uniformNodeDimensions: false,
      packComponents: true,
      nodeRepulsion: () => 16000,
      idealEdgeLength: (edge) => (edge.source().data('capped') || edge.target().data('capped') ? 120 : 75),
      edgeElasticity: () => 0.4,
      gravity: 0.3,
      gravityRange: 3.2,
      numIter: 2500,
      tile: true,
      tilingPaddingVertical: 20,
      tilingPaddingHorizontal: 20,
      fixedNodeConstraint: pinned.length ? pinned : undefined,
    });
    this.layoutRun = layout;
    const done = layout.promiseOn('layoutstop');
    layout.run();
    return done.then(() => {
      if (this.layoutRun === layout) this.layoutRun = null;
      this.sizeLabels();
      // A handful of nodes fitted to a large screen would be drawn huge; keep them life-size.
      if (fit && this.cy.zoom() > MAX_FIT_ZOOM) {
        this.cy.zoom(MAX_FIT_ZOOM);
        this.cy.center(eles);
      }
    });
  }

  fit(eles) {
    const target = eles && eles.nonempty() ? eles : this.shown();
    if (target.empty()) return;
    this.cy.stop();
    this.cy.fit(target, 48);
    const zoom = Math.min(this.cy.zoom(), MAX_FIT_ZOOM);
    this.cy.zoom(zoom);
    this.cy.center(target);
    this.sizeLabels();
  }

  /** Centres on a node without changing the zoom much. */
  focus(node) {
    if (!node) return;
    const zoom = Math.max(this.cy.zoom(), 0.9);
    this.cy.animate({ center: { eles: node }, zoom, duration: 250 });
  }

  select(node) {
    this.cy.elements(':selected').unselect();
    if (node) node.select();
  }

  selectedNodes() {
    return this.cy.nodes(':selected').not('.hidden, .filtered');
  }

  /** Visible nodes, most important first: seeds, then risk, then degree. */
  importantNodes() {
    return this.cy
      .nodes()
      .not('.hidden, .filtered')
      .sort((a, b) => {
        const ra = (a.hasClass('seed') ? 10 : 0) + (RISK_RANK[a.data('risk')] || 0);
        const rb = (b.hasClass('seed') ? 10 : 0) + (RISK_RANK[b.data('risk')] || 0);
        return rb - ra || b.data('degree') - a.data('degree') || a.id().localeCompare(b.id());
      });
  }

  hide(ids) {
    this.cy.batch(() => {
      for (const id of ids) this.node(id)?.addClass('hidden').unselect();
    });
  }

  unhideAll() {
    const hidden = this.cy.nodes('.hidden');
    hidden.removeClass('hidden');
    return hidden;
  }

  /** Neighbours of `node` that hang off it alone (no other visible neighbour), not pinned or seeds. */
  leavesOf(node) {
    return node
      .neighborhood('node')
      .not('.hidden, .pinned, .seed, .path')
      .filter((n) => n.neighborhood('node').not('.hidden').every((m) => m.same(node)));
  }

  togglePin(node) {
    if (node.hasClass('pinned')) {
      node.removeClass('pinned');
      node.unlock();
      return false;
    }
    node.addClass('pinned');
    node.lock();
    return true;
  }

  /** Highlights paths (each `{nodes:[ids], edges:[ids]}`) and fades everything else. */
  highlight(paths) {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass('path path-end faded');
      if (!paths.length) return;
      let eles = cy.collection();
      for (const p of paths) {
        for (const id of p.nodes) eles = eles.union(cy.getElementById(id));
        for (const id of p.edges) eles = eles.union(cy.getElementById(id));
        cy.getElementById(p.nodes[0]).addClass('path-end');
        cy.getElementById(p.nodes[p.nodes.length - 1]).addClass('path-end');
      }
      cy.elements().not(eles).addClass('faded');
      eles.addClass('path');
    });
    return cy.elements('.path');
  }

  clearHighlight() {
    this.cy.elements().removeClass('path path-end faded');
  }

  /** Dates of the claims and transfers on screen, for the time slider: [min, max] seconds or null. */
  timeRange() {
    let min = Infinity;
    let max = -Infinity;
    for (const t of this.timedElements().map((x) => x.t)) {
      if (t < min) min = t;
      if (t > max) max = t;
    }
    return min <= max ? [min, max] : null;
  }

  timedElements() {
    const out = [];
    this.cy.edges('[relation = "transfer"]').forEach((e) => {
      if (typeof e.data('t') === 'number') out.push({ ele: e, t: e.data('t') });
    });
    this.cy.nodes('[type = "claim"]').forEach((n) => {
      const t = claimTime(n.data());
      if (t !== null) out.push({ ele: n, t });
    });
    return out;
  }

  /** Shows only the claims and transfers dated inside [after, before] (either may be null). */
  setWindow(after, before) {
    this.window = { after, before };
    this.applyWindow();
  }

  applyWindow() {
    const { after, before } = this.window;
    this.cy.batch(() => {
      for (const { ele, t } of this.timedElements()) {
        const out = (after !== null && t < after) || (before !== null && t > before);
        if (out) ele.addClass('filtered').unselect();
        else ele.removeClass('filtered');
      }
    });
  }
}
