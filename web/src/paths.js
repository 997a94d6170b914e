// Paths between two entities: pick the ends (panel buttons, keys 1 and 2, or two selected
// nodes), ask the server for the shortest or k shortest paths, add them to the graph and
// highlight them; the panel lists each path so one can be singled out.

import { endpoints } from './api.js';
import { $, el, fill, loading, say, showError } from './dom.js';
import { remember } from './urlstate.js';

export function createPaths(app) {
  const ends = { from: null, to: null };
  const bar = $('#pathbar');

  function label(id) {
    const node = id && app.view.node(id);
    return node ? node.data('label') : id ? id.split(':')[0] : '—';
  }

  function render() {
    const kSelect = el(
      'select#path-k',
      { 'aria-label': 'How many paths', title: 'How many shortest paths' },
      [1, 2, 3, 5, 10].map((k) => el('option', { value: k, selected: k === (app.pathK || 1) }, k === 1 ? 'shortest' : `${k} shortest`)),
    );
    kSelect.addEventListener('change', () => (app.pathK = Number(kSelect.value)));
    const hopsSelect = el(
      'select#path-hops',
      { 'aria-label': 'Longest path in hops', title: 'Longest path in hops' },
      [2, 3, 4, 5, 6, 8].map((h) => el('option', { value: h, selected: h === (app.pathHops || 4) }, `≤ ${h} hops`)),
    );
    hopsSelect.addEventListener('change', () => (app.pathHops = Number(hopsSelect.value)));
    fill(
      bar,
      el('span.pathbar-title', {}, 'Path'),
      el('button.chip', { type: 'button', title: 'From: the selected node (key 1)', onclick: () => setEnd('from'), 'data-end': 'from' }, el('b', {}, 'from '), label(ends.from)),
      el('button.chip', { type: 'button', title: 'To: the selected node (key 2)', onclick: () => setEnd('to'), 'data-end': 'to' }, el('b', {}, 'to '), label(ends.to)),
      kSelect,
      hopsSelect,
      el('button.primary#find-paths', { type: 'button', disabled: !(ends.from && ends.to), onclick: () => findSelected(), title: 'Find paths (T)' }, 'Find'),
      ends.from || ends.to ? el('button.link', { type: 'button', onclick: reset, title: 'Clear the path ends and highlight' }, 'clear') : null,
    );
  }

  /** Sets an end from the selection (or the given id). */
  function setEnd(which, id) {
    const chosen = id || app.view.selectedNodes().first()?.id();
    if (!chosen) {
      say('Select a node first, then set it as a path end.', 'info');
      return;
    }
    ends[which] = chosen;
    render();
    if (ends.from && ends.to && ends.from !== ends.to) say('Both ends set: press Find (or T).', 'info');
  }

  function reset() {
    ends.from = null;
    ends.to = null;
    app.view.clearHighlight();
    render();
  }

  /** Finds paths between the chosen ends, or between the two selected nodes. */
  function findSelected() {
    const selected = app.view.selectedNodes();
    if ((!ends.from || !ends.to) && selected.length === 2) {
      ends.from = selected[0].id();
      ends.to = selected[1].id();
    }
    if (!ends.from || !ends.to) {
      say('Pick two nodes: select one and press 1 (from), another and press 2 (to), or shift-click two.', 'info');
      return;
    }
    return find({ from: ends.from, to: ends.to, k: app.pathK || 1, maxHops: app.pathHops || 4 });
  }

  async function find({ from, to, k = 1, maxHops = 4 }, { quiet = false } = {}) {
    ends.from = from;
    ends.to = to;
    render();
    try {
      const answer = await loading('Finding paths', () => endpoints.paths({ from, to, k, max_hops: maxHops }));
      app.state.paths = app.state.paths.filter((p) => !(p.from === from && p.to === to));
      remember(app.state, 'paths', { from, to, k, maxHops });
      if (!answer.paths.length) {
        app.view.clearHighlight();
        app.panel.showPaths(answer, { from, to, k, maxHops });
        if (!quiet) say(`No path of at most ${maxHops} hops between these two.`, 'info');
        app.changed();
        return answer;
      }
      const before = app.view.size.all;
      app.view.merge(answer, { origin: from });
      if (app.view.size.all > before) await app.view.layout();
      const lit = app.view.highlight(answer.paths);
      app.view.sizeLabels();
      app.view.fit(lit);
      app.panel.showPaths(answer, { from, to, k, maxHops });
      if (!quiet) {
        const shortest = answer.paths[0].hops;
        say(`${answer.paths.length} path${answer.paths.length === 1 ? '' : 's'} highlighted; the shortest has ${shortest} hop${shortest === 1 ? '' : 's'}`, 'ok');
      }
      app.changed();
      return answer;
    } catch (err) {
      showError(err, 'Could not find paths');
      return null;
    }
  }

  render();
  return { setEnd, find, findSelected, reset, render, ends };
}
