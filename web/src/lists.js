// The left-hand lists: clusters by risk (filterable by level) and alerts grouped by rule.
// Opening a cluster shows its subgraph and reasons; opening an alert shows the record's
// neighbourhood and the alert's reasons.

import { endpoints } from './api.js';
import { $, el, fill } from './dom.js';
import { RISK_ORDER } from './graph/icons.js';
import { riskChip } from './panel.js';
import { score } from './format.js';

const PAGE = 200;

export function createLists(app) {
  const tabs = { clusters: $('#tab-clusters'), alerts: $('#tab-alerts') };
  const panes = { clusters: $('#pane-clusters'), alerts: $('#pane-alerts') };
  let level = '';
  let loaded = { clusters: false, alerts: false };

  function select(name) {
    for (const [key, tab] of Object.entries(tabs)) {
      tab.setAttribute('aria-selected', key === name ? 'true' : 'false');
      tab.tabIndex = key === name ? 0 : -1;
      panes[key].hidden = key !== name;
    }
    if (!loaded[name]) load(name);
  }

  for (const [name, tab] of Object.entries(tabs)) {
    tab.addEventListener('click', () => select(name));
    tab.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
        const other = name === 'clusters' ? 'alerts' : 'clusters';
        select(other);
        tabs[other].focus();
      }
    });
  }

  async function load(name) {
    loaded[name] = true;
    const pane = panes[name];
    fill(pane, el('p.loading', {}, `Loading ${name}…`));
    try {
      if (name === 'clusters') await loadClusters(pane);
      else await loadAlerts(pane);
    } catch (err) {
      loaded[name] = false;
      fill(pane, el('p.error', { role: 'alert' }, `Could not load ${name}: ${err.message}`), el('button', { type: 'button', onclick: () => load(name) }, 'Try again'));
    }
  }

  async function loadClusters(pane) {
    const answer = await endpoints.clusters({ limit: PAGE, level: level || undefined });
    const filters = el(
      'div.level-filter',
      { role: 'group', 'aria-label': 'Filter clusters by risk level' },
      ['', ...RISK_ORDER].map((l) =>
        el(
          'button.filter',
          {
            type: 'button',
            'aria-pressed': l === level ? 'true' : 'false',
            'data-level': l || 'all',
            onclick: () => {
              level = l;
              load('clusters');
            },
          },
          l || 'all',
        ),
      ),
    );
    if (!answer.clusters.length) {
      fill(pane, filters, el('p.muted', {}, level ? `No ${level} clusters.` : 'No clusters: the analysis has not run on this snapshot.'));
      return;
    }
    fill(
      pane,
      filters,
      el('p.muted.count', {}, `${answer.total} cluster${answer.total === 1 ? '' : 's'}, riskiest first`),
      el(
        'ul.items#cluster-list',
        {},
        answer.clusters.map((c) =>
          el(
            'li',
            {},
            el(
              'button.item',
              { type: 'button', 'data-cluster': c.cluster_id, 'data-level': c.level, onclick: () => app.openCluster(c.cluster_id) },
              el('span.item-head', {}, riskChip(c.level), el('b', {}, c.cluster_id), el('span.muted', {}, ` ${c.kind.replaceAll('_', ' ')}`)),
              el('span.item-sub', {}, `${c.size} members · score ${score(c.risk_score)}`),
              c.reasons?.[0] ? el('span.item-reason', {}, c.reasons[0]) : null,
            ),
          ),
        ),
      ),
    );
  }

  async function loadAlerts(pane) {
    const answer = await endpoints.alerts({ limit: PAGE });
    if (!answer.alerts.length) {
      fill(pane, el('p.muted', {}, 'No alerts: the analysis has not run on this snapshot.'));
      return;
    }
    const byRule = new Map();
    for (const a of answer.alerts) {
      if (!byRule.has(a.rule)) byRule.set(a.rule, []);
      byRule.get(a.rule).push(a);
    }
    fill(
      pane,
      el('p.muted.count', {}, `${answer.total} alert${answer.total === 1 ? '' : 's'}${answer.total > answer.alerts.length ? `, the ${answer.alerts.length} highest shown` : ''}, by rule`),
      [...byRule.entries()].map(([rule, alerts]) =>
        el(
          'details.rule',
          { open: byRule.size <= 3 },
          el('summary', {}, el('b', {}, rule.replaceAll('_', ' ')), el('span.badge', {}, String(alerts.length))),
          el(
            'ul.items',
            {},
            alerts.map((a) =>
              el(
                'li',
                {},
                el(
                  'button.item',
                  { type: 'button', onclick: () => app.openAlert(a) },
                  el('span.item-head', {}, riskChip(a.level), el('b', {}, a.record?.data?.label || a.record?.data?.key || '?')),
                  a.reasons?.[0] ? el('span.item-reason', {}, a.reasons[0]) : null,
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  select('clusters');
  return { select, reload: () => (loaded = { clusters: false, alerts: false }) };
}
