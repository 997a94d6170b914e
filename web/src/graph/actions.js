// What an investigator does to the graph, each a server call plus a change to the view and
// to the URL state: open an entity as the centre, expand, collapse, pin, hide, open a cluster,
// find paths. The view (graph/view.js) draws; the panel (panel.js) explains.

import { endpoints } from '../api.js';
import { count } from '../format.js';
import { loading, say, showError } from '../dom.js';
import { emptyView, remember } from '../urlstate.js';

/** Neighbours a supernode shows when expanded without asking for more. */
export const SUPERNODE_FIRST = 100;

export function createActions(app) {
  const { view } = app;

  function changed() {
    app.changed();
  }

  function cutNote(answer) {
    const cut = answer.cut || {};
    const capped = (cut.capped || []).length;
    const parts = [];
    if (capped) parts.push(`${capped} busy node${capped === 1 ? '' : 's'} summarised (double-click to expand)`);
    if (cut.max_nodes_reached) parts.push(`stopped at ${cut.max_nodes} nodes`);
    return parts.length ? ` — ${parts.join('; ')}` : '';
  }

  async function neighbourhood(seeds, hops, maxNodes) {
    const body = { seeds, hops, max_nodes: maxNodes };
    return endpoints.neighbourhood(body);
  }

  /** Opens an entity as the centre of a new view (or adds it to the current one). */
  async function open(id, { replace = true, hops = app.state.hops, quiet = false, select = true } = {}) {
    try {
      const answer = await loading('Opening neighbourhood', () => neighbourhood([id], hops, 500));
      const seed = answer.seeds?.[0] || id;
      if (replace) {
        view.clear();
        const keepHops = app.state.hops;
        app.state = emptyView();
        app.state.hops = keepHops;
        app.path.reset();
      }
      remember(app.state, 'open', seed);
      const before = view.size.all;
      view.merge(answer, { origin: replace ? null : seed });
      view.node(seed)?.addClass('seed');
      view.markExpanded(seed, !(answer.cut?.unexpanded || []).some((c) => c.id === seed));
      await view.layout({ fresh: replace });
      const node = view.node(seed);
      if (select && node) {
        view.select(node);
        app.state.sel = seed;
        app.panel.showEntity(seed);
      }
      if (!quiet) say(`Opened ${node?.data('label') || 'entity'}: ${count(view.size.all - before, 'node')}${cutNote(answer)}`, 'ok');
      changed();
    } catch (err) {
      showError(err, 'Could not open the neighbourhood');
    }
  }

  /** Adds a node's neighbours. Supernodes show their first `maxNodes` unless more are asked for. */
  async function expand(id, { maxNodes, quiet = false } = {}) {
    const node = view.node(id);
    if (!node) return;
    const capped = node.data('capped');
    // A busy node shows its first hundred neighbours; each further expansion asks for more.
    const asked = node.data('asked') || 0;
    const cap = app.limits?.max_nodes || 5000;
    const limit = Math.min(cap, maxNodes || (capped ? (asked ? asked * 4 : SUPERNODE_FIRST + 1) : 500));
    node.data('asked', limit);
    try {
      const answer = await loading('Expanding', () => neighbourhood([id], 1, limit));
      const before = view.size.all;
      view.merge(answer, { origin: id });
      const full = !(answer.cut?.unexpanded || []).some((c) => c.id === id);
      view.markExpanded(id, full);
      remember(app.state, 'expand', limit === 500 ? id : `${id}~${limit}`);
      await view.layout();
      const added = view.size.all - before;
      if (!quiet) {
        const shown = full ? '' : ` (showing ${count(limit - 1, 'neighbour')} of ${node.data('degree').toLocaleString('en')}; expand again from the panel for more)`;
        const cut = { ...answer.cut, unexpanded: [], max_nodes_reached: full && answer.cut?.max_nodes_reached };
        say(`Expanded ${node.data('label')}: ${added ? `+${count(added, 'node')}` : 'nothing new'}${shown}${cutNote({ cut })}`, 'ok');
      }
      if (app.state.sel === id) app.panel.showEntity(id);
      changed();
    } catch (err) {
      showError(err, 'Could not expand');
    }
  }

  /** Hides the neighbours that hang off a node alone: the undo of an expansion. */
  function collapse(id) {
    const node = view.node(id);
    if (!node) return;
    const leaves = view.leavesOf(node);
    if (leaves.empty()) {
      say('Nothing to collapse: every neighbour is linked to something else on screen.', 'info');
      return;
    }
    view.hide(leaves.map((n) => n.id()));
    for (const n of leaves) remember(app.state, 'hide', n.id());
    app.state.expand = app.state.expand.filter((x) => x.split('~')[0] !== id);
    node.removeData('asked');
    view.markExpanded(id, false);
    say(`Collapsed ${node.data('label')}: ${count(leaves.length, 'node')} hidden`, 'ok');
    changed();
  }

  function hide(ids) {
    const list = ids.filter((id) => view.node(id));
    if (!list.length) return;
    view.hide(list);
    for (const id of list) remember(app.state, 'hide', id);
    if (list.includes(app.state.sel)) {
      app.state.sel = null;
      app.panel.showOverview();
    }
    say(`Hidden: ${count(list.length, 'node')} (U shows them again)`, 'info');
    changed();
  }

  function unhideAll() {
    const shown = view.unhideAll();
    app.state.hide = [];
    say(shown.length ? `Shown again: ${count(shown.length, 'node')}` : 'No hidden nodes', 'info');
    changed();
  }

  function pin(id) {
    const node = view.node(id);
    if (!node) return;
    const pinned = view.togglePin(node);
    say(pinned ? `Pinned ${node.data('label')}: the layout will not move it` : `Unpinned ${node.data('label')}`, 'info');
    if (app.state.sel === id) app.panel.showEntity(id);
  }

  /** Replaces the view with a cluster's subgraph; the panel shows its reasons. */
  async function openCluster(clusterId, { quiet = false } = {}) {
    try {
      const answer = await loading('Opening cluster', () => endpoints.cluster(clusterId));
      view.clear();
      const keepHops = app.state.hops;
      app.state = emptyView();
      app.state.hops = keepHops;
      app.path.reset();
      app.state.cluster = clusterId;
      view.merge(answer);
      for (const id of answer.cluster?.members || []) view.node(id)?.addClass('member');
      await view.layout({ fresh: true });
      app.panel.showCluster(answer);
      if (!quiet) say(`Cluster ${clusterId}: ${count(answer.nodes.length, 'node')}${answer.truncated ? ' (truncated)' : ''}`, 'ok');
      changed();
    } catch (err) {
      showError(err, `Could not open cluster ${clusterId}`);
    }
  }

  /** Rebuilds a view from the URL: the steps in order, quietly. */
  async function replay(state) {
    const wanted = state;
    app.state = { ...emptyView(), hops: wanted.hops };
    view.clear();
    if (wanted.cluster) await openCluster(wanted.cluster, { quiet: true });
    for (const [i, id] of wanted.open.entries()) {
      await open(id, { replace: i === 0 && !wanted.cluster, quiet: true, select: false, hops: wanted.hops });
    }
    for (const step of wanted.expand) {
      const [id, limit] = step.split('~');
      if (view.node(id)) await expand(id, { quiet: true, maxNodes: Number(limit) || 500 });
    }
    for (const p of wanted.paths) await app.path.find(p, { quiet: true });
    if (wanted.hide.length) {
      view.hide(wanted.hide);
      app.state.hide = [...wanted.hide];
    }
    app.state.after = wanted.after;
    app.state.before = wanted.before;
    app.timeline.restore(wanted.after, wanted.before);
    // The selection comes back on the graph; the panel shows the paths if any were asked
    // for (the last search answered them), else the selected entity, else the cluster.
    const selected = wanted.sel && view.node(wanted.sel);
    if (selected) {
      app.state.sel = wanted.sel;
      view.select(selected);
      if (!wanted.paths.length) app.panel.showEntity(wanted.sel);
    } else if (!wanted.cluster && !wanted.paths.length) {
      app.panel.showOverview();
    }
    changed();
  }

  return { open, expand, collapse, hide, unhideAll, pin, openCluster, replay, neighbourhood };
}

