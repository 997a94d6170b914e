// The cockpit: an overview of the snapshot and its analysis on one page. Counts of clusters
// by risk level, the riskiest clusters, alerts by rule and entities by type as plain SVG bar
// charts, and where the data came from.

import { endpoints } from './api.js';
import { $, el, fill, loading } from './dom.js';
import { RISK_COLOURS, RISK_ORDER, typeColour } from './graph/icons.js';
import { riskChip } from './panel.js';
import { score } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A horizontal bar chart: one row per item, label left, value right of the bar. */
export function barChart(items, { title, width = 460 } = {}) {
  const row = 22;
  const labelWidth = 150;
  const barWidth = width - labelWidth - 60;
  const height = items.length * row + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title || 'bar chart', class: 'chart' });
  if (title) root.append(svg('title', {}, title));
  items.forEach((item, i) => {
    const y = i * row + 4;
    const w = Math.max(1, (item.value / max) * barWidth);
    root.append(
      svg('text', { x: labelWidth - 8, y: y + 14, 'text-anchor': 'end', class: 'chart-label' }, item.label),
      svg('rect', { x: labelWidth, y: y + 2, width: w, height: row - 8, rx: 3, fill: item.colour || '#64748b' }),
      svg('text', { x: labelWidth + w + 6, y: y + 14, class: 'chart-value' }, item.value.toLocaleString('en')),
    );
  });
  return root;
}

function tile(level, n, onClick) {
  return el(
    'button.tile',
    { type: 'button', 'data-level': level, style: { '--risk': RISK_COLOURS[level] }, onclick: onClick, title: `Show the ${level} clusters` },
    el('span.tile-n', {}, n.toLocaleString('en')),
    el('span.tile-label', {}, `${level} cluster${n === 1 ? '' : 's'}`),
  );
}

export function createCockpit(app) {
  const root = $('#cockpit-page');

  async function render() {
    fill(root, el('p.loading', {}, 'Loading the overview…'));
    let stats;
    let top;
    try {
      [stats, top] = await loading('Loading the overview', () => Promise.all([endpoints.stats(), endpoints.clusters({ limit: 10 })]));
    } catch (err) {
      fill(root, el('p.error', { role: 'alert' }, `Could not load the overview: ${err.message}`), el('button', { type: 'button', onclick: render }, 'Try again'));
      return;
    }
    const a = stats.analysis || {};
    const snap = stats.snapshot || {};
    const byLevel = a.clusters_by_level || {};
    const rules = Object.entries(a.alerts_by_rule || {}).sort((x, y) => y[1] - x[1]);
    const types = (snap.nodes_by_type || []).slice().sort((x, y) => y[1] - x[1]);
    fill(
      root,
      el(
        'header.cockpit-head',
        {},
        el('h1', {}, 'Cockpit'),
        el(
          'p.muted',
          {},
          `${(snap.nodes || 0).toLocaleString('en')} entities · ${(snap.edges || 0).toLocaleString('en')} links · built ${snap.build?.built_at || '?'}`,
          a.present ? ` · analysed ${a.analysed_at}` : ' · no analysis yet',
        ),
      ),
      el(
        'section.tiles',
        { 'aria-label': 'Clusters by risk level' },
        RISK_ORDER.map((level) => tile(level, byLevel[level] || 0, () => app.showClusters(level))),
        el('div.tile.plain', {}, el('span.tile-n', {}, (a.alerts || 0).toLocaleString('en')), el('span.tile-label', {}, 'alerts')),
      ),
      el(
        'div.cockpit-grid',
        {},
        el(
          'section.card',
          {},
          el('h2', {}, 'Top clusters'),
          top.clusters.length
            ? el(
                'table.top-clusters',
                {},
                el('thead', {}, el('tr', {}, ['Risk', 'Cluster', 'Kind', 'Members', 'Score', 'Why'].map((h) => el('th', { scope: 'col' }, h)))),
                el(
                  'tbody',
                  {},
                  top.clusters.map((c) =>
                    el(
                      'tr',
                      {},
                      el('td', {}, riskChip(c.level)),
                      el('td', {}, el('button.link', { type: 'button', onclick: () => app.openCluster(c.cluster_id) }, c.cluster_id)),
                      el('td', {}, c.kind.replaceAll('_', ' ')),
                      el('td.num', {}, String(c.size)),
                      el('td.num', {}, score(c.risk_score)),
                      el('td.why', {}, c.reasons?.[0] || ''),
                    ),
                  ),
                ),
              )
            : el('p.muted', {}, 'No clusters: run the analysis on this snapshot.'),
        ),
        el(
          'section.card',
          {},
          el('h2', {}, 'Clusters by risk level'),
          barChart(RISK_ORDER.map((l) => ({ label: l, value: byLevel[l] || 0, colour: RISK_COLOURS[l] })), { title: 'Clusters by risk level' }),
          el('h2', {}, 'Alerts by rule'),
          rules.length
            ? barChart(rules.map(([rule, n]) => ({ label: rule.replaceAll('_', ' '), value: n, colour: '#7c3aed' })), { title: 'Alerts by rule' })
            : el('p.muted', {}, 'No alerts.'),
        ),
        el(
          'section.card',
          {},
          el('h2', {}, 'Entities by type'),
          barChart(types.map(([t, n]) => ({ label: t, value: n, colour: typeColour(t) })), { title: 'Entities by type' }),
        ),
        el(
          'section.card',
          {},
          el('h2', {}, 'Sources'),
          el(
            'table.sources',
            {},
            el('thead', {}, el('tr', {}, ['Source', 'Rows', 'Rejected', 'Flagged'].map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              (snap.build?.inputs || []).map((i) =>
                el('tr', {}, el('td', { title: i.path }, i.source), el('td.num', {}, i.rows.toLocaleString('en')), el('td.num', {}, String(i.rejected)), el('td.num', {}, String(i.flagged))),
              ),
            ),
          ),
        ),
      ),
    );
  }

  return { render };
}
