// The Cytoscape stylesheet: type colours and icons, risk as a coloured ring outside a white
// gap, supernodes larger with their degree, labels that appear as you zoom in (so 500 nodes
// stay readable), and the classes the viewer sets: selected, pinned, path, faded, filtered.

import { RISK_COLOURS, TYPE_COLOURS, iconUri, OTHER_COLOUR } from './icons.js';

const PATH = '#e0119d';

/** Nodes whose labels stay readable at any zoom. */
export const KEY_NODES = 'node[risk = "red"], node[risk = "orange"], node[?capped], node.seed, node.member, node.path, node:selected';
const SELECT = '#111827';

export function stylesheet() {
  const rules = [
    {
      selector: 'node',
      style: {
        width: 26,
        height: 26,
        'background-color': OTHER_COLOUR,
        'background-image': iconUri('other'),
        'background-width': '58%',
        'background-height': '58%',
        'border-width': 2,
        'border-color': '#ffffff',
        label: 'data(caption)',
        'font-family': 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif',
        'font-size': 9,
        color: '#1f2937',
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-wrap': 'ellipsis',
        'text-max-width': 96,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.75,
        'text-background-padding': 1,
        'text-background-shape': 'roundrectangle',
        // Ordinary names appear once zoomed in; risky, busy and central nodes keep theirs longer.
        'min-zoomed-font-size': 9.5,
        'overlay-padding': 4,
      },
    },
    ...Object.entries(TYPE_COLOURS).map(([type, colour]) => ({
      selector: `node[type = "${type}"]`,
      style: { 'background-color': colour, 'background-image': iconUri(type) },
    })),
    { selector: 'node[type = "claim"]', style: { width: 18, height: 18, shape: 'round-rectangle', 'font-size': 8 } },
    { selector: 'node[type = "company"], node[type = "hospital"]', style: { shape: 'round-rectangle', width: 30, height: 30 } },
    ...Object.entries(RISK_COLOURS).map(([level, colour]) => ({
      selector: `node[risk = "${level}"]`,
      style: { 'outline-color': colour, 'outline-width': level === 'red' ? 5 : 4, 'outline-opacity': 1, 'outline-offset': 0 },
    })),
    // Key nodes (risky, busy, central, on a path) keep a readable name when zoomed out: their
    // font grows as the zoom shrinks (graph/view.js sets `fs`), the others' names wait for zoom.
    { selector: KEY_NODES, style: { 'font-size': 'data(fs)', 'min-zoomed-font-size': 6, 'font-weight': 600, 'text-max-width': 'data(tw)', 'z-index': 10 } },
    {
      selector: 'node[?capped]',
      style: {
        width: 44,
        height: 44,
        'border-width': 3,
        'border-style': 'double',
        'border-color': '#374151',
        'font-weight': 600,
        'text-wrap': 'wrap',
      },
    },
    { selector: 'node.seed', style: { width: 36, height: 36, 'font-weight': 700 } },
    { selector: 'node.seed[type = "claim"]', style: { width: 24, height: 24 } },
        { selector: 'node.pinned', style: { 'border-color': '#111827', 'border-width': 3, 'border-style': 'dashed' } },
    {
      selector: 'node:selected',
      style: { 'underlay-color': SELECT, 'underlay-opacity': 0.22, 'underlay-padding': 9, 'underlay-shape': 'ellipse', 'z-index': 20 },
    },
    {
      selector: 'edge',
      style: {
        width: 1.2,
        'line-color': '#aab4c3',
        'curve-style': 'bezier',
        'target-arrow-shape': 'triangle',
        'target-arrow-color': '#aab4c3',
        'arrow-scale': 0.55,
        label: 'data(caption)',
        'font-size': 7,
        color: '#4b5563',
        'text-rotation': 'autorotate',
        'text-background-color': '#f8fafc',
        'text-background-opacity': 0.85,
        'text-background-padding': 1,
        'min-zoomed-font-size': 9,
      },
    },
    {
      selector: 'edge[relation = "transfer"]',
      style: { 'line-color': '#c79a2b', 'target-arrow-color': '#c79a2b', width: 'mapData(amount, 0, 100000, 1.2, 5)' },
    },
    { selector: 'edge[relation = "paid_to"]', style: { 'line-color': '#d0a35b', 'target-arrow-color': '#d0a35b', 'line-style': 'dashed' } },
    {
      selector: 'edge[relation = "has_phone"], edge[relation = "lives_at"], edge[relation = "registered_at"]',
      style: { 'line-color': '#8fb3d9', 'target-arrow-color': '#8fb3d9' },
    },
    { selector: 'edge:selected', style: { 'line-color': SELECT, 'target-arrow-color': SELECT, width: 3, 'min-zoomed-font-size': 0 } },
    { selector: '.faded', style: { opacity: 0.14, 'text-opacity': 0 } },
    {
      selector: 'edge.path',
      style: {
        'line-color': PATH,
        'target-arrow-color': PATH,
        width: 5,
        opacity: 1,
        'z-index': 30,
        'min-zoomed-font-size': 0,
        'font-size': 9,
        'font-weight': 700,
        color: '#831843',
        'line-style': 'solid',
      },
    },
    {
      selector: 'node.path',
      style: { 'border-color': PATH, 'border-width': 4, 'border-style': 'solid', opacity: 1, 'z-index': 30, 'font-weight': 700 },
    },
    { selector: 'node.path-end', style: { width: 40, height: 40 } },
    { selector: '.filtered', style: { display: 'none' } },
    { selector: '.hidden', style: { display: 'none' } },
  ];
  return rules;
}

export const PATH_COLOUR = PATH;
