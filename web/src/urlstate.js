// The URL encodes the view, so a link reopens it: the page, the entities opened and expanded,
// the cluster shown, the paths asked for, hidden nodes, the time window and the selection.
// Replaying these steps against the server rebuilds the same picture (positions aside).
//
//   #/graph?open=person:…&expand=account:…&cluster=ring-1&path=A~B~3&hide=…&after=2021-01-01&sel=…&hops=2
//   #/cockpit

export function emptyView() {
  return { open: [], expand: [], cluster: null, paths: [], hide: [], after: null, before: null, sel: null, hops: 2 };
}

/** Reads `location.hash` into a page name and a view. */
export function decode(hash = location.hash) {
  const text = hash.replace(/^#\/?/, '');
  const [page, query = ''] = text.split('?');
  const params = new URLSearchParams(query);
  const view = emptyView();
  view.open = params.getAll('open');
  view.expand = params.getAll('expand');
  view.cluster = params.get('cluster');
  view.hide = params.getAll('hide');
  view.paths = params
    .getAll('path')
    .map((p) => p.split('~'))
    .filter((p) => p.length >= 2)
    .map(([from, to, k, maxHops]) => ({ from, to, k: Number(k) || 1, maxHops: Number(maxHops) || 4 }));
  view.after = params.get('after');
  view.before = params.get('before');
  view.sel = params.get('sel');
  const hops = Number(params.get('hops'));
  if (hops >= 1 && hops <= 3) view.hops = hops;
  return { page: page || 'graph', view };
}

/** A view → the hash that encodes it. */
export function encode(page, view) {
  if (page !== 'graph') return `#/${page}`;
  const params = new URLSearchParams();
  for (const id of view.open) params.append('open', id);
  if (view.cluster) params.set('cluster', view.cluster);
  for (const id of view.expand) params.append('expand', id);
  for (const p of view.paths) params.append('path', [p.from, p.to, p.k, p.maxHops].join('~'));
  for (const id of view.hide) params.append('hide', id);
  if (view.after) params.set('after', view.after);
  if (view.before) params.set('before', view.before);
  if (view.sel) params.set('sel', view.sel);
  if (view.hops !== 2) params.set('hops', String(view.hops));
  const query = params.toString();
  return query ? `#/graph?${query}` : '#/graph';
}

/** Writes the view to the address bar without adding a history entry per click. */
export function store(page, view, { push = false } = {}) {
  const hash = encode(page, view);
  if (hash === location.hash) return;
  if (push) history.pushState(null, '', hash);
  else history.replaceState(null, '', hash);
}

function unique(list) {
  return [...new Set(list)];
}

/** Adds an item to one of the view's lists, once. */
export function remember(view, list, value) {
  view[list] = unique([...view[list], value]);
}
