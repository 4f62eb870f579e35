// Sources and layers: municipality boundaries, then the assets (lights clustered when zoomed
// out, other points per domain, vehicles, fibre links), coloured by feature-state.
import { DOMAINS, DOMAIN_STROKES, stateColourExpression } from './catalog.js';
import { hasGlyphs } from './style.js';

export const CLUSTER_MAX_ZOOM = 13;

// Layers a click on the map may hit, topmost first.
export const CLICKABLE = [];

// Per layer: which domain it belongs to (for the toggles) and its kind.
export const LAYER_DOMAINS = {};

function pointPaint(radius, stroke, strokeWidth) {
  return {
    'circle-color': stateColourExpression(),
    'circle-radius': radius,
    'circle-stroke-color': ['case', ['boolean', ['feature-state', 'sel'], false], '#ffffff', stroke],
    'circle-stroke-width': ['case', ['boolean', ['feature-state', 'sel'], false], 2, strokeWidth],
  };
}

export function addBoundaries(map, municipalities) {
  map.addSource('municipalities', { type: 'geojson', data: municipalities });
  map.addLayer({
    id: 'municipalities-line',
    type: 'line',
    source: 'municipalities',
    paint: { 'line-color': '#64748b', 'line-width': 1.5 },
  });
}

export function addAssetLayers(map, index) {
  map.addSource('links', { type: 'geojson', data: index.collection('links') });
  map.addSource('points', { type: 'geojson', data: index.collection('points') });
  map.addSource('vehicles', { type: 'geojson', data: index.collection('vehicles') });
  map.addSource('lights', {
    type: 'geojson',
    data: index.collection('lights'),
    cluster: true,
    clusterMaxZoom: CLUSTER_MAX_ZOOM,
    clusterRadius: 40,
  });

  map.addLayer({
    id: 'links',
    type: 'line',
    source: 'links',
    paint: {
      'line-color': stateColourExpression(),
      'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 16, 3],
      'line-dasharray': [2, 1],
    },
  });
  LAYER_DOMAINS.links = 'network';

  map.addLayer({
    id: 'lights-clusters',
    type: 'circle',
    source: 'lights',
    filter: ['has', 'point_count'],
    paint: {
      'circle-color': '#334155',
      'circle-opacity': 0.85,
      'circle-stroke-color': DOMAIN_STROKES.lighting,
      'circle-stroke-width': 1,
      'circle-radius': ['step', ['get', 'point_count'], 6, 50, 9, 200, 13, 1000, 18],
    },
  });
  LAYER_DOMAINS['lights-clusters'] = 'lighting';
  if (hasGlyphs(map)) {
    map.addLayer({
      id: 'lights-cluster-count',
      type: 'symbol',
      source: 'lights',
      filter: ['has', 'point_count'],
      layout: { 'text-field': ['get', 'point_count_abbreviated'], 'text-size': 11 },
      paint: { 'text-color': '#f8fafc' },
    });
    LAYER_DOMAINS['lights-cluster-count'] = 'lighting';
  }
  map.addLayer({
    id: 'lights',
    type: 'circle',
    source: 'lights',
    filter: ['!', ['has', 'point_count']],
    paint: pointPaint(['interpolate', ['linear'], ['zoom'], 12, 2, 15, 3.5, 18, 7], '#0b1220', 0.5),
  });
  LAYER_DOMAINS.lights = 'lighting';

  for (const domain of DOMAINS) {
    for (const source of ['points', 'vehicles']) {
      const id = `${source}-${domain.key}`;
      map.addLayer({
        id,
        type: 'circle',
        source,
        filter: ['==', ['get', 'd'], domain.key],
        paint: pointPaint(
          ['interpolate', ['linear'], ['zoom'], 10, 3, 15, 6, 18, 9],
          DOMAIN_STROKES[domain.key],
          1.5,
        ),
      });
      LAYER_DOMAINS[id] = domain.key;
    }
  }
  CLICKABLE.length = 0;
  CLICKABLE.push(
    ...DOMAINS.flatMap((d) => [`vehicles-${d.key}`, `points-${d.key}`]),
    'lights',
    'lights-clusters',
    'links',
  );
}

// A ring around the asset open in the panel.
export function addFocusLayer(map) {
  map.addSource('focus', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({
    id: 'focus',
    type: 'circle',
    source: 'focus',
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 8, 18, 16],
      'circle-color': 'rgba(0, 0, 0, 0)',
      'circle-stroke-color': '#f8fafc',
      'circle-stroke-width': 2.5,
    },
  });
}

export function setFocus(map, lonLat) {
  const features = lonLat ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: lonLat } }] : [];
  map.getSource('focus').setData({ type: 'FeatureCollection', features });
}

// Draw layers for the lighting polygon tool.
export function addDrawLayers(map) {
  map.addSource('draw', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({
    id: 'draw-fill',
    type: 'fill',
    source: 'draw',
    filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': '#38bdf8', 'fill-opacity': 0.15 },
  });
  map.addLayer({
    id: 'draw-line',
    type: 'line',
    source: 'draw',
    paint: { 'line-color': '#38bdf8', 'line-width': 2 },
  });
}
