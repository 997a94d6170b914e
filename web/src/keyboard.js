// Keyboard use: every action has a key, the graph's nodes can be stepped through without a
// mouse, and ? lists the keys.

import { $, clearStatus, typing } from './dom.js';

export const KEYS = [
  ['/', 'Search'],
  ['n / Shift+n', 'Select the next / previous node (most important first)'],
  ['Enter', 'Show the selected node’s details'],
  ['e', 'Expand the selected node (or double-click it)'],
  ['c', 'Collapse: hide what hangs off the selected node alone'],
  ['p', 'Pin or unpin the selected node'],
  ['h or Delete', 'Hide the selected nodes'],
  ['u', 'Show hidden nodes again'],
  ['o', 'Make the selected node the centre of a new view'],
  ['1 / 2', 'Path from / to the selected node'],
  ['t', 'Trace paths between the two ends (or two selected nodes)'],
  ['f', 'Fit the graph to the screen'],
  ['l', 'Lay the graph out again'],
  ['+ / −', 'Zoom in / out'],
  ['g / v', 'Graph page / cockpit (overview) page'],
  ['Esc', 'Close a message or dialog; clear the selection'],
  ['?', 'This list'],
];

export function installKeyboard(app) {
  let cursor = -1;

  function selected() {
    return app.view.selectedNodes();
  }

  function one() {
    const s = selected();
    return s.length ? s[0] : null;
  }

  function step(delta) {
    const nodes = app.view.importantNodes();
    if (!nodes.length) return;
    const current = one();
    if (current) cursor = nodes.toArray().findIndex((n) => n.same(current));
    cursor = (cursor + delta + nodes.length) % nodes.length;
    const node = nodes[cursor];
    app.view.select(node);
    app.view.focus(node);
    app.selectNode(node, { quick: true });
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if ($('#login')?.open) return;
    if (event.key === 'Escape') {
      if ($('#help').open) return;
      clearStatus();
      if (!typing(event)) {
        app.view.select(null);
        app.selectNode(null);
      }
      return;
    }
    if (typing(event)) return;
    const key = event.key;
    const onGraph = app.page === 'graph';
    const node = one();
    const handled = () => event.preventDefault();
    if (key === '/') {
      handled();
      app.search.focus();
    } else if (key === '?') {
      handled();
      $('#help').showModal();
    } else if (key === 'g') {
      app.go('graph');
    } else if (key === 'v') {
      app.go('cockpit');
    } else if (!onGraph) {
      return;
    } else if (key === 'n' || key === 'N') {
      handled();
      step(event.shiftKey ? -1 : 1);
    } else if (key === 'Enter' && node) {
      handled();
      app.selectNode(node);
    } else if (key === 'e' && node) {
      app.actions.expand(node.id());
    } else if (key === 'c' && node) {
      app.actions.collapse(node.id());
    } else if (key === 'p' && node) {
      app.actions.pin(node.id());
    } else if ((key === 'h' || key === 'Delete' || key === 'Backspace') && selected().length) {
      handled();
      app.actions.hide(selected().map((n) => n.id()));
    } else if (key === 'u') {
      app.actions.unhideAll();
    } else if (key === 'o' && node) {
      app.actions.open(node.id());
    } else if (key === '1') {
      app.path.setEnd('from');
    } else if (key === '2') {
      app.path.setEnd('to');
    } else if (key === 't') {
      app.path.findSelected();
    } else if (key === 'f') {
      app.view.fit();
    } else if (key === 'l') {
      app.view.layout();
    } else if (key === '+' || key === '=') {
      app.view.cy.zoom({ level: app.view.cy.zoom() * 1.25, renderedPosition: centre(app) });
    } else if (key === '-') {
      app.view.cy.zoom({ level: app.view.cy.zoom() / 1.25, renderedPosition: centre(app) });
    }
  });
}

function centre(app) {
  const box = app.view.cy.container().getBoundingClientRect();
  return { x: box.width / 2, y: box.height / 2 };
}
