// Type-ahead search over names, resident IDs, phones, accounts, companies and claims: an ARIA
// combobox that asks /search as you type (debounced, the previous request aborted), and opens
// the chosen entity as the centre of a neighbourhood (Shift+Enter adds it to the view).
// The query is never echoed back in messages: a viewer's screen shows only what the server masked.

import { endpoints } from './api.js';
import { $, el, fill } from './dom.js';
import { typeBadge } from './graph/icons.js';
import { riskChip } from './panel.js';

const TYPES = ['', 'person', 'phone', 'address', 'account', 'company', 'claim', 'hospital'];
const MATCH = { key: 'key', pseudonym: 'pseudonym', name: 'name', key_prefix: 'key starts', name_prefix: 'name starts' };

export function createSearch(app) {
  const input = $('#search-input');
  const list = $('#search-results');
  const typeSelect = $('#search-type');
  let results = [];
  let active = -1;
  let timer = null;
  let controller = null;
  let enterPending = false;

  fill(typeSelect, TYPES.map((t) => el('option', { value: t }, t || 'any type')));

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function renderMessage(text) {
    fill(list, el('li.search-note', { role: 'presentation' }, text));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function render() {
    if (!results.length) {
      renderMessage('No matches. Try a full resident ID, phone or account number, or the start of a name.');
      return;
    }
    fill(
      list,
      results.map((hit, i) => {
        const d = hit.data;
        return el(
          'li.search-hit',
          {
            id: `search-hit-${i}`,
            role: 'option',
            'aria-selected': i === active ? 'true' : 'false',
            dataset: { id: d.id },
            onmousedown: (event) => {
              event.preventDefault();
              choose(i, event.shiftKey);
            },
            onmousemove: () => setActive(i),
          },
          typeBadge(d.type),
          el('span.hit-main', {}, el('span.hit-label', {}, d.label), el('span.hit-key', {}, d.type, ' · ', d.key)),
          riskChip(d.risk),
          el('span.hit-match', {}, MATCH[hit.match] || hit.match, ` · ${d.degree} links`),
        );
      }),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function setActive(i) {
    active = i;
    for (const [j, item] of [...list.querySelectorAll('.search-hit')].entries()) item.setAttribute('aria-selected', j === i ? 'true' : 'false');
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `search-hit-${i}`);
      list.querySelector(`#search-hit-${i}`)?.scrollIntoView({ block: 'nearest' });
    }
  }

  async function run() {
    const q = input.value.trim();
    controller?.abort();
    if (!q) {
      close();
      return;
    }
    controller = new AbortController();
    const signal = controller.signal;
    input.classList.add('searching');
    try {
      const answer = await endpoints.search(q, { type: typeSelect.value || undefined, limit: 12, signal });
      if (signal.aborted) return;
      results = answer.results || [];
      active = results.length ? 0 : -1;
      render();
      setActive(active);
      if (enterPending && results.length) choose(0, false);
    } catch (err) {
      if (err.name === 'AbortError') return;
      results = [];
      renderMessage(`Search failed: ${err.message}`);
    } finally {
      if (!signal.aborted) {
        input.classList.remove('searching');
        enterPending = false;
      }
    }
  }

  function choose(i, add) {
    const hit = results[i];
    if (!hit) return;
    close();
    input.value = '';
    results = [];
    // The keyboard carries on in the graph: n steps through nodes, e expands.
    document.getElementById('cy').focus({ preventScroll: true });
    app.go('graph');
    app.actions.open(hit.data.id, { replace: !add || app.view.size.all === 0 });
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    enterPending = false;
    timer = setTimeout(() => {
      timer = null;
      run();
    }, 180);
  });
  typeSelect.addEventListener('change', () => input.value.trim() && run());
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && results.length) {
      event.preventDefault();
      if (list.hidden) render();
      setActive((active + 1) % results.length);
    } else if (event.key === 'ArrowUp' && results.length) {
      event.preventDefault();
      setActive((active - 1 + results.length) % results.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(timer);
      const stale = timer !== null;
      timer = null;
      if (!list.hidden && active >= 0 && !input.classList.contains('searching') && !stale) choose(active, event.shiftKey);
      else {
        enterPending = true;
        run();
      }
    } else if (event.key === 'Escape') {
      if (!list.hidden) {
        event.stopPropagation();
        close();
      } else {
        input.blur();
      }
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 120));
  input.addEventListener('focus', () => results.length && input.value.trim() && render());

  return { focus: () => input.focus(), close };
}
