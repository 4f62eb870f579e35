// Domains, the map source each type lives in, and the states assets are coloured by.

export const DOMAINS = [
  { key: 'lighting', types: ['Streetlight', 'StreetlightControlCabinet'] },
  { key: 'traffic', types: ['TrafficSignalController'] },
  { key: 'transit', types: ['Bus'] },
  { key: 'fleet', types: ['FleetVehicle'] },
  { key: 'cctv', types: ['Camera'] },
  { key: 'bollards', types: ['Bollard'] },
  { key: 'buildings', types: ['Building'] },
  { key: 'network', types: ['NetworkNode', 'FibreLink'] },
];

export const DOMAIN_OF_TYPE = Object.fromEntries(
  DOMAINS.flatMap((domain) => domain.types.map((type) => [type, domain.key])),
);

// Which GeoJSON source holds a type: the 34,000 lights are clustered on their own, moving
// vehicles are redrawn as they report, fibre links are lines.
export function sourceOfType(type) {
  if (type === 'Streetlight') return 'lights';
  if (type === 'Bus' || type === 'FleetVehicle') return 'vehicles';
  if (type === 'FibreLink') return 'links';
  return 'points';
}

// State codes, kept in each feature's feature-state `s` (0, the default, is "no data").
export const STATES = ['nodata', 'ok', 'dimmed', 'off', 'offline', 'alarm', 'maintenance'];
export const S = Object.fromEntries(STATES.map((name, code) => [name.toUpperCase(), code]));

export const STATE_COLOURS = {
  nodata: '#7b8794',
  ok: '#22c55e',
  dimmed: '#eab308',
  off: '#475569',
  offline: '#a855f7',
  alarm: '#ef4444',
  maintenance: '#3b82f6',
};

export const DOMAIN_STROKES = {
  lighting: '#fde68a',
  traffic: '#f97316',
  transit: '#38bdf8',
  fleet: '#2dd4bf',
  cctv: '#f472b6',
  bollards: '#e2e8f0',
  buildings: '#c084fc',
  network: '#94a3b8',
};

// A MapLibre expression: the colour of a feature from its feature-state.
export function stateColourExpression() {
  const match = ['match', ['coalesce', ['feature-state', 's'], 0]];
  STATES.forEach((name, code) => match.push(code, STATE_COLOURS[name]));
  match.push(STATE_COLOURS.nodata);
  return match;
}

// Meters report under their own id (urn:ngsi-ld:Meter:<code>:<building>-<n>): they belong to
// the building on the map.
export function mapAssetId(id) {
  const match = /^urn:ngsi-ld:Meter:([^:]+):([^-:]+)-\d+$/.exec(id);
  return match ? `urn:ngsi-ld:Building:${match[1]}:${match[2]}` : id;
}
