// How values read on screen: money, dates, relation names, entity types.

const yuan = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function money(value) {
  return typeof value === 'number' ? yuan.format(value) : String(value);
}

export function shortMoney(value) {
  return typeof value === 'number' ? `¥${compact.format(value)}` : String(value);
}

/** Seconds since the epoch → `2023-07-16`. */
export function day(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** `2023-01-31` (or a date-time) → seconds since the epoch, or null. */
export function parseDay(text) {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

export function relation(name) {
  return String(name).replaceAll('_', ' ');
}

/** The short label an edge shows: relation, amount, date. */
export function edgeLabel(d) {
  const parts = [relation(d.relation)];
  if (typeof d.amount === 'number') parts.push(shortMoney(d.amount));
  if (typeof d.share === 'number') parts.push(`${d.share}%`);
  if (d.t) parts.push(day(d.t));
  return parts.join(' · ');
}

export function count(n, word) {
  return `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
}

/** A property value for the side panel. */
export function propValue(name, value) {
  if (typeof value === 'number' && /amount|billed|reimbursed|paid|balance/.test(name)) return money(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** A score or ratio with at most two decimals. */
export function score(value) {
  return typeof value === 'number' ? String(Math.round(value * 100) / 100) : String(value);
}
