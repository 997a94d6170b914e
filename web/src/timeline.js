// The time slider: two range inputs over the dates of the claims and transfers on screen,
// with a small histogram behind them. Moving either end hides the claims and transfers
// outside the window at once (no server call); the window goes into the URL.

import { $, fill } from './dom.js';
import { day, parseDay } from './format.js';

const DAY = 86400;
const SVG = 'http://www.w3.org/2000/svg';

export function createTimeline(app) {
  const root = $('#timebar');
  const from = $('#time-from');
  const to = $('#time-to');
  const label = $('#time-label');
  const histogram = $('#time-histogram');
  const reset = $('#time-reset');
  let range = null;

  function current() {
    if (!range) return { after: null, before: null };
    const a = Number(from.value);
    const b = Number(to.value);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    return { after: lo <= range[0] ? null : lo, before: hi >= range[1] ? null : hi + DAY - 1 };
  }

  function showLabel() {
    const { after, before } = current();
    const text = range
      ? after === null && before === null
        ? `Claims and transfers: all dates (${day(range[0])} – ${day(range[1])})`
        : `Claims and transfers from ${day(after ?? range[0])} to ${day(before ?? range[1])}`
      : 'No dated claims or transfers on screen';
    fill(label, text);
    reset.hidden = !range || (after === null && before === null);
    from.setAttribute('aria-valuetext', day(Number(from.value) || 0));
    to.setAttribute('aria-valuetext', day(Number(to.value) || 0));
  }

  function apply() {
    const { after, before } = current();
    app.view.setWindow(after, before);
    app.state.after = after === null ? null : day(after);
    app.state.before = before === null ? null : day(before);
    showLabel();
    app.changed({ keepTimeline: true });
  }

  function drawHistogram() {
    histogram.replaceChildren();
    if (!range) return;
    const bins = 48;
    const counts = new Array(bins).fill(0);
    const span = Math.max(range[1] - range[0], DAY);
    for (const { t } of app.view.timedElements()) {
      counts[Math.min(bins - 1, Math.floor(((t - range[0]) / span) * bins))] += 1;
    }
    const max = Math.max(...counts, 1);
    histogram.setAttribute('viewBox', `0 0 ${bins} 10`);
    histogram.setAttribute('preserveAspectRatio', 'none');
    counts.forEach((c, i) => {
      const h = (c / max) * 10;
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(i + 0.1));
      rect.setAttribute('width', '0.8');
      rect.setAttribute('y', String(10 - h));
      rect.setAttribute('height', String(h));
      histogram.append(rect);
    });
  }

  /** Re-reads the dates on screen; keeps the chosen window where it still fits. */
  function refresh() {
    const found = app.view.timeRange();
    const keep = current();
    if (!found) {
      range = null;
      root.classList.add('empty');
      from.disabled = to.disabled = true;
      drawHistogram();
      showLabel();
      return;
    }
    const lo = Math.floor(found[0] / DAY) * DAY;
    const hi = Math.floor(found[1] / DAY) * DAY;
    range = [lo, hi];
    root.classList.remove('empty');
    for (const input of [from, to]) {
      input.disabled = false;
      input.min = String(lo);
      input.max = String(hi);
      input.step = String(DAY);
    }
    from.value = String(keep.after !== null ? Math.max(lo, Math.floor(keep.after / DAY) * DAY) : lo);
    to.value = String(keep.before !== null ? Math.min(hi, Math.floor(keep.before / DAY) * DAY) : hi);
    drawHistogram();
    showLabel();
  }

  /** Sets the window from URL dates (`2021-01-01`). */
  function restore(after, before) {
    refresh();
    if (!range) return;
    const a = parseDay(after);
    const b = parseDay(before);
    if (a !== null) from.value = String(Math.max(range[0], a));
    if (b !== null) to.value = String(Math.min(range[1], b));
    apply();
  }

  from.addEventListener('input', apply);
  to.addEventListener('input', apply);
  reset.addEventListener('click', () => {
    if (!range) return;
    from.value = String(range[0]);
    to.value = String(range[1]);
    apply();
  });
  refresh();
  return { refresh, restore };
}

