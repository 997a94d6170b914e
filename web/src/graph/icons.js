// One colour and one line icon per entity type, as SVG data URIs the graph draws inside its
// nodes and the panels show beside names. Unknown types get a neutral dot.

const GLYPHS = {
  person: '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
  phone: '<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18h2"/>',
  address: '<path d="M3 11l9-8 9 8"/><path d="M5 10v10h14V10"/><path d="M10 20v-6h4v6"/>',
  account: '<rect x="2.5" y="5" width="19" height="14" rx="2"/><path d="M2.5 10h19"/><path d="M6 15h4"/>',
  company: '<path d="M4 21V5l8-3v19"/><path d="M12 9h8v12"/><path d="M2 21h20"/><path d="M7 8h2M7 12h2M7 16h2M15 13h2M15 17h2"/>',
  claim: '<path d="M6 2h9l5 5v15H6z"/><path d="M14 2v6h6"/><path d="M9 13h8M9 17h6"/>',
  hospital: '<rect x="3" y="3" width="18" height="18" rx="3"/><path d="M12 7v10M7 12h10"/>',
};

const DOT = '<circle cx="12" cy="12" r="5"/>';

export const TYPE_COLOURS = {
  person: '#3f6ea6',
  phone: '#23907f',
  address: '#7a5aa6',
  account: '#a7741f',
  company: '#54733a',
  claim: '#6b7785',
  hospital: '#b0457a',
};

export const OTHER_COLOUR = '#8a8f98';

export function typeColour(type) {
  return TYPE_COLOURS[type] || OTHER_COLOUR;
}

export function iconSvg(type, stroke = '#fff') {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="${stroke}" ` +
    `stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${GLYPHS[type] || DOT}</svg>`
  );
}

export function iconUri(type, stroke) {
  return `data:image/svg+xml;utf8,${encodeURIComponent(iconSvg(type, stroke))}`;
}

/** An <img> of a type's icon on its colour, for lists and panels. */
export function typeBadge(type) {
  const img = document.createElement('img');
  img.className = 'type-badge';
  img.src = iconUri(type);
  img.alt = '';
  img.style.background = typeColour(type);
  img.title = type;
  return img;
}

export const RISK_COLOURS = { red: '#d62839', orange: '#f07f13', yellow: '#e8c100', blue: '#2d6cdf' };
export const RISK_ORDER = ['red', 'orange', 'yellow', 'blue'];
