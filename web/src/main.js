// The viewer's entry point: sign in, build the pieces (graph view, actions, panel, search,
// lists, paths, time slider, exports, cockpit, keys) around one `app` object they share, and
// route between the graph page and the cockpit, keeping the view in the URL.

import './style.css';

import { endpoints, whenUnauthorized } from './api.js';
import { caller, onCallerChange, reauthenticate, renderCaller, signIn } from './auth.js';
import { createCockpit } from './cockpit.js';
import { $, el, fill, showError } from './dom.js';
import { createExporter } from './exporting.js';
import { createActions } from './graph/actions.js';
import { GraphView } from './graph/view.js';
import { KEYS, installKeyboard } from './keyboard.js';
import { createLists } from './lists.js';
import { createPanel } from './panel.js';
import { createPaths } from './paths.js';
import { createSearch } from './search.js';
import { createTimeline } from './timeline.js';
import { decode, emptyView, encode, store } from './urlstate.js';

const app = {
  page: 'graph',
  state: emptyView(),
  caller,
  pathK: 1,
  pathHops: 4,
};

let detailTimer = null;

/** After any change to the view: counts, time slider, empty hint and URL. */
app.changed = ({ keepTimeline = false } = {}) => {
  const size = app.view.size;
  fill($('#counts'), size.all ? `${size.nodes.toLocaleString('en')} nodes · ${size.edges.toLocaleString('en')} edges` : '');
  $('#cy').dataset.nodes = String(size.nodes);
  $('#empty-hint').hidden = size.all > 0;
  if (!keepTimeline) app.timeline.refresh();
  app.path.render();
  app.panel.refresh();
  store(app.page, app.state);
};

app.go = (page) => {
  if (page !== 'graph' && page !== 'cockpit') page = 'graph';
  const changedPage = app.page !== page;
  app.page = page;
  $('#graph-page').hidden = page !== 'graph';
  $('#cockpit-page').hidden = page !== 'cockpit';
  for (const link of document.querySelectorAll('nav.pages a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (page === 'cockpit') app.cockpit.render();
  if (page === 'graph' && changedPage) requestAnimationFrame(() => app.view.cy.resize());
  store(page, app.state, { push: changedPage });
};

app.selectNode = (node, { quick = false } = {}) => {
  clearTimeout(detailTimer);
  if (!node) {
    app.state.sel = null;
    app.panel.showOverview();
    app.changed({ keepTimeline: true });
    return;
  }
  app.state.sel = node.id();
  store(app.page, app.state);
  // Stepping through nodes with the keyboard asks for details only where it pauses.
  if (quick) detailTimer = setTimeout(() => app.panel.showEntity(node.id()), 350);
  else app.panel.showEntity(node.id());
};

app.openCluster = (id) => {
  app.go('graph');
  return app.actions.openCluster(id);
};

app.openAlert = async (alert) => {
  app.go('graph');
  const id = alert.record?.data?.id;
  if (!id || alert.record.data.missing) {
    app.panel.showAlert(alert);
    return;
  }
  await app.actions.open(id, { hops: 1, select: false });
  const node = app.view.node(id);
  if (node) {
    app.view.select(node);
    app.state.sel = id;
  }
  app.panel.showAlert(alert);
  app.changed({ keepTimeline: true });
};

app.showClusters = (level) => {
  app.go('graph');
  app.lists.select('clusters');
  document.querySelector(`#pane-clusters .level-filter [data-level="${level}"]`)?.click();
};

function toolbar() {
  const exportMenu = $('#export-menu');
  const button = (id, handler) => $(id).addEventListener('click', handler);
  button('#btn-fit', () => app.view.fit());
  button('#btn-layout', () => app.view.layout());
  button('#btn-unhide', () => app.actions.unhideAll());
  button('#btn-clear', () => {
    app.view.clear();
    app.state = { ...emptyView(), hops: app.state.hops };
    app.path.reset();
    app.panel.showOverview();
    app.changed();
  });
  button('#btn-help', () => $('#help').showModal());
  const exporting = (fn) => () => {
    exportMenu.open = false;
    fn();
  };
  button('#export-png', exporting(() => app.exporter.png()));
  button('#export-graphml', exporting(() => app.exporter.graphml()));
  button('#export-json', exporting(() => app.exporter.json()));
  exportMenu.addEventListener('toggle', () => {
    if (exportMenu.open) exportMenu.querySelector('button')?.focus();
  });
  // The menu closes on a click elsewhere or on Escape, like any menu.
  document.addEventListener('click', (event) => {
    if (exportMenu.open && !exportMenu.contains(event.target)) exportMenu.open = false;
  });
  exportMenu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      exportMenu.open = false;
      exportMenu.querySelector('summary').focus();
    }
  });
  const hops = $('#hops');
  hops.value = String(app.state.hops);
  hops.addEventListener('change', () => {
    app.state.hops = Number(hops.value);
    store(app.page, app.state);
  });
  fill(
    $('#help-keys'),
    KEYS.map(([k, what]) => el('tr', {}, el('th', { scope: 'row' }, el('kbd', {}, k)), el('td', {}, what))),
  );
  $('#help-close').addEventListener('click', () => $('#help').close());
}

async function followHash(hash = location.hash) {
  const { page, view } = decode(hash);
  if (page === 'graph' && encode('graph', view) !== encode('graph', app.state)) {
    app.go('graph');
    $('#hops').value = String(view.hops);
    await app.actions.replay(view);
  } else {
    app.go(page);
  }
}

async function boot() {
  const startHash = location.hash;
  $('#boot')?.remove();
  try {
    await signIn();
  } catch (err) {
    fill(
      $('#panel'),
      el('h2', {}, 'Cannot reach the server'),
      el('p', {}, err.message),
      el('button', { type: 'button', onclick: () => location.reload() }, 'Try again'),
    );
    showError(err, 'Cannot start');
    return;
  }
  renderCaller($('#who'));
  // The server's caps (max_nodes, path hops), so the viewer never asks beyond them.
  app.limits = await endpoints
    .stats()
    .then((stats) => stats.server?.limits || null)
    .catch(() => null);
  onCallerChange(() => renderCaller($('#who')));
  whenUnauthorized(() => reauthenticate().catch((err) => showError(err, 'Sign-in failed')));

  app.view = new GraphView($('#cy'), {
    onSelect: (target) => {
      if (!target) app.selectNode(null);
      else if (target.isNode()) app.selectNode(target);
      else app.panel.showEdge(target);
    },
    onExpand: (node) => {
      // A busy node's panel offers larger steps; select it so the panel shows them.
      if (node.data('capped')) app.selectNode(node);
      app.actions.expand(node.id());
    },
  });
  app.panel = createPanel(app);
  app.actions = createActions(app);
  app.path = createPaths(app);
  app.timeline = createTimeline(app);
  app.exporter = createExporter(app);
  app.cockpit = createCockpit(app);
  app.search = createSearch(app);
  app.lists = createLists(app);
  toolbar();
  installKeyboard(app);
  // Back, forward and edited addresses all change the hash (Chrome also fires popstate for
  // them; listening to both would replay the view twice).
  window.addEventListener('hashchange', () => followHash().catch((err) => showError(err)));
  app.panel.showOverview();
  await followHash(startHash);
  app.changed();
  document.body.dataset.ready = 'true';
  // A handle for debugging from the browser console and for the end-to-end tests.
  window.clew = app;
}

boot().catch((err) => showError(err, 'The viewer failed to start'));
