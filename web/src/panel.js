// The side panel: what the selected thing is and why it matters. An entity's properties
// (masked per role by the server), its risk, clusters, alerts with reasons, degree per
// relation and the source rows it came from; a cluster's reasons and members; the paths
// found; and, when nothing is selected, a legend of what the view shows.

import { endpoints } from './api.js';
import { $, el, fill, loading, showError } from './dom.js';
import { count, edgeLabel, propValue, relation, score } from './format.js';
import { RISK_COLOURS, RISK_ORDER, TYPE_COLOURS, typeBadge } from './graph/icons.js';
import { SUPERNODE_FIRST } from './graph/actions.js';

export function riskChip(level, text) {
  if (!level) return null;
  return el('span.risk', { 'data-level': level, style: { '--risk': RISK_COLOURS[level] || '#999' } }, text || level);
}

function section(title, ...children) {
  return el('section.panel-section', {}, el('h3', {}, title), ...children);
}

function table(rows) {
  return el(
    'table.props',
    {},
    el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v)))),
  );
}

function basename(path) {
  return String(path).split(/[\\/]/).pop();
}

export function createPanel(app) {
  const root = $('#panel');
  let current = 0;
  let mode = 'overview';

  function show(...children) {
    current += 1;
    mode = 'other';
    fill(root, ...children);
    root.scrollTop = 0;
    return current;
  }

  function entityButton(id, labelText, type) {
    return el(
      'button.entity-link',
      {
        type: 'button',
        title: 'Select on the graph (or open it if it is not shown)',
        onclick: () => {
          const node = app.view.node(id);
          if (node && !node.hasClass('hidden')) {
            app.view.select(node);
            app.view.focus(node);
            app.state.sel = id;
            showEntity(id);
            app.changed();
          } else {
            app.actions.open(id, { replace: false });
          }
        },
      },
      type ? typeBadge(type) : null,
      labelText,
    );
  }

  function actionsFor(id, node) {
    const capped = node?.data('capped');
    const pinned = node?.hasClass('pinned');
    return el(
      'div.actions',
      {},
      el('button', { type: 'button', onclick: () => app.actions.expand(id), title: 'Show its neighbours (E, or double-click)' }, 'Expand'),
      el('button', { type: 'button', onclick: () => app.actions.collapse(id), title: 'Hide the neighbours that hang off it alone (C)' }, 'Collapse'),
      el('button', { type: 'button', onclick: () => app.actions.pin(id), title: 'Keep it where it is (P)' }, pinned ? 'Unpin' : 'Pin'),
      el('button', { type: 'button', onclick: () => app.actions.hide([id]), title: 'Hide it (H or Delete)' }, 'Hide'),
      el('button', { type: 'button', onclick: () => app.actions.open(id), title: 'Make it the centre of a new view (O)' }, 'Centre'),
      el('button', { type: 'button', onclick: () => app.path.setEnd('from', id), title: 'Path from here (1)' }, 'Path from'),
      el('button', { type: 'button', onclick: () => app.path.setEnd('to', id), title: 'Path to here (2)' }, 'Path to'),
      capped
        ? el(
            'div.supernode',
            {},
            el('p', {}, `A busy node: ${node.data('degree').toLocaleString('en')} links, not all shown. Show:`),
            [SUPERNODE_FIRST, 500, 2000].map((n) =>
              el('button', { type: 'button', onclick: () => app.actions.expand(id, { maxNodes: n + 1 }) }, `${n} neighbours`),
            ),
          )
        : null,
    );
  }

  function alertItem(alert) {
    const record = alert.record?.data || {};
    return el(
      'li.alert',
      {},
      el('div.alert-head', {}, riskChip(alert.level), el('b', {}, alert.rule.replaceAll('_', ' ')), ' ', el('span.muted', {}, `score ${score(alert.score)}`)),
      record.id && !record.missing ? el('div', {}, 'on ', entityButton(record.id, record.label || record.key, record.type)) : null,
      alert.via ? el('div.muted', {}, 'via a neighbouring record') : null,
      el('ul.reasons', {}, (alert.reasons || []).map((r) => el('li', {}, r))),
    );
  }

  /** Shows an entity: what the graph knows at once, then the full record from the server. */
  async function showEntity(id) {
    const node = app.view.node(id);
    const d = node?.data() || { id, label: id, type: id.split(':')[0] };
    const ticket = show(
      el('header.panel-head', {}, typeBadge(d.type), el('div', {}, el('h2', {}, d.label), el('div.muted', {}, d.type, ' · ', el('code', {}, d.key || '')))),
      el('p.loading', {}, 'Loading details…'),
    );
    let entity;
    try {
      entity = await loading('Loading details', () => endpoints.entity(id));
    } catch (err) {
      if (ticket !== current) return;
      showError(err, 'Could not load the entity');
      fill(root.querySelector('.loading') || root, `Could not load details: ${err.message}`);
      return;
    }
    if (ticket !== current) return;
    const data = entity.node.data;
    const props = Object.entries(entity.properties || {}).map(([k, v]) => [k.replaceAll('_', ' '), propValue(k, v)]);
    const degrees = (entity.degree_by_relation || []).map((r) => [`${relation(r.relation)} (${r.direction})`, r.count.toLocaleString('en')]);
    const onScreen = node ? node.neighborhood('node').not('.hidden, .filtered').length : 0;
    show(
      el(
        'header.panel-head',
        {},
        typeBadge(data.type),
        el(
          'div',
          {},
          el('h2', {}, data.label),
          el('div.muted', {}, data.type, ' · ', el('code', { title: data.pseudonym ? `pseudonym ${data.pseudonym}` : '' }, data.key)),
          data.pseudonym ? el('div.muted', { title: 'The same pseudonym means the same identifier' }, 'pseudonym ', el('code', {}, data.pseudonym)) : null,
        ),
        riskChip(entity.risk, entity.risk ? `${entity.risk} risk` : null),
      ),
      el('p.muted', {}, `${data.degree.toLocaleString('en')} links · ${onScreen} on screen`),
      node ? actionsFor(id, node) : el('div.actions', {}, el('button', { type: 'button', onclick: () => app.actions.open(id) }, 'Open here')),
      entity.alerts?.length ? section(`Alerts (${entity.alerts.length})`, el('ul.alerts', {}, entity.alerts.map(alertItem))) : null,
      entity.clusters?.length
        ? section(
            'Clusters',
            el(
              'ul.plain',
              {},
              entity.clusters.map((c) =>
                el(
                  'li',
                  {},
                  el('button.entity-link', { type: 'button', onclick: () => app.actions.openCluster(c.cluster_id) }, riskChip(c.level), ` ${c.cluster_id}`),
                  el('span.muted', {}, ` ${c.kind.replaceAll('_', ' ')} · ${c.size} members · score ${score(c.risk_score)}`),
                ),
              ),
            ),
          )
        : null,
      section('Properties', props.length ? table(props) : el('p.muted', {}, 'none')),
      degrees.length ? section('Links by relation', table(degrees)) : null,
      section(
        `Source rows (${entity.provenance?.length || 0})`,
        el('ul.provenance', {}, (entity.provenance || []).map((p) => el('li', { title: p.file }, el('code', {}, `${basename(p.file)}:${p.line}`)))),
      ),
    );
  }

  function showEdge(edge) {
    const d = edge.data();
    const props = Object.entries(d)
      .filter(([k]) => !['id', 'source', 'target', 'relation', 'caption', 't'].includes(k))
      .map(([k, v]) => [k, propValue(k, v)]);
    show(
      el('header.panel-head', {}, el('div', {}, el('h2', {}, relation(d.relation)), el('div.muted', {}, edgeLabel(d)))),
      section(
        'Between',
        el('ul.plain', {}, [d.source, d.target].map((id) => el('li', {}, entityButton(id, app.view.node(id)?.data('label') || id, app.view.node(id)?.data('type'))))),
      ),
      props.length ? section('Properties', table(props)) : null,
    );
  }

  function showCluster(answer) {
    const c = answer.cluster;
    show(
      el(
        'header.panel-head',
        {},
        el('div', {}, el('h2', {}, `Cluster ${c.cluster_id}`), el('div.muted', {}, `${c.kind.replaceAll('_', ' ')} · score ${score(c.risk_score)}`)),
        riskChip(c.level, `${c.level} risk`),
      ),
      section('Why it was flagged', el('ul.reasons#cluster-reasons', {}, (c.reasons || []).map((r) => el('li', {}, r)))),
      section(
        `Members (${c.size}${c.missing_members ? `, ${c.missing_members} not in this snapshot` : ''})`,
        el(
          'ul.plain.members',
          {},
          (c.members || []).map((id) => {
            const n = app.view.node(id);
            return el('li', {}, entityButton(id, n?.data('label') || id, n?.data('type')));
          }),
        ),
      ),
      el('p.muted', {}, `${count(answer.nodes.length, 'node')} and ${count(answer.edges.length, 'edge')} shown: the members and what links two or more of them.`),
      section(
        'Export this cluster',
        el(
          'div.actions',
          {},
          ['graphml', 'gexf', 'csv', 'json'].map((format) =>
            el('button', { type: 'button', onclick: () => app.exporter.cluster(c.cluster_id, format) }, format.toUpperCase()),
          ),
        ),
      ),
    );
  }

  function showPaths(answer, query) {
    const label = (id) => app.view.node(id)?.data('label') || id;
    show(
      el('header.panel-head', {}, el('div', {}, el('h2', {}, answer.paths.length ? `${count(answer.paths.length, 'path')}` : 'No path'), el('div.muted', {}, `${label(answer.from || query.from)} → ${label(answer.to || query.to)}`))),
      answer.paths.length
        ? el(
            'ol.paths',
            {},
            answer.paths.map((p, i) =>
              el(
                'li',
                {},
                el(
                  'button.path-item',
                  {
                    type: 'button',
                    title: 'Highlight only this path',
                    onclick: () => {
                      const lit = app.view.highlight([p]);
                      app.view.fit(lit);
                    },
                  },
                  el('b', {}, `${p.hops} hop${p.hops === 1 ? '' : 's'}: `),
                  p.nodes.map((id, j) => [j ? ' → ' : '', label(id)]),
                ),
              ),
            ),
          )
        : el('p', {}, `No path of at most ${query.maxHops} hops. Try more hops.`),
      answer.paths.length > 1
        ? el('button', { type: 'button', onclick: () => app.view.fit(app.view.highlight(answer.paths)) }, 'Highlight all')
        : null,
      el('button', { type: 'button', onclick: () => app.path.reset() }, 'Clear highlight'),
    );
  }

  function showAlert(alert) {
    show(el('header.panel-head', {}, el('div', {}, el('h2', {}, alert.rule.replaceAll('_', ' ')), el('div.muted', {}, `score ${score(alert.score)}`)), riskChip(alert.level)), el('ul.alerts', {}, alertItem(alert)));
  }

  /** Keeps the overview's counts current. */
  function refresh() {
    if (mode === 'overview') showOverview();
  }

  function showOverview() {
    const size = app.view.size;
    const scroll = root.scrollTop;
    show(
      el('header.panel-head', {}, el('div', {}, el('h2', {}, size.nodes ? 'This view' : 'Start here'))),
      size.nodes
        ? el('p', {}, `${count(size.nodes, 'node')} and ${count(size.edges, 'edge')} on screen. Click a node for its details; double-click to expand it.`)
        : el(
            'div',
            {},
            el('p', {}, 'Search for a name, resident ID, phone, account, company or claim (press /), or open a cluster or an alert from the list on the left.'),
          ),
      section(
        'Types',
        el('ul.legend', {}, Object.keys(TYPE_COLOURS).map((t) => el('li', {}, typeBadge(t), ' ', t))),
      ),
      section(
        'Risk rings',
        el('ul.legend', {}, RISK_ORDER.map((level) => el('li', {}, el('span.ring', { style: { '--risk': RISK_COLOURS[level] } }), ' ', level))),
        el('p.muted', {}, 'A thick double border marks a busy node (a supernode): its links are summarised until you expand it.'),
      ),
    );
    mode = 'overview';
    root.scrollTop = scroll;
  }

  return { showEntity, showEdge, showCluster, showPaths, showAlert, showOverview, refresh };
}
