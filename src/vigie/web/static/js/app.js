// The control room: map, live state, alarm console, asset panel, lighting selection, KPIs.
import { api, leaveSession, token } from './api.js';
import { config, roleCan } from './config.js';
import { applyTranslations, installLanguageButtons, t } from './i18n.js';
import { loadAssets } from './map/assets.js';
import { addAssetLayers, addBoundaries, addDrawLayers, addFocusLayer, CLICKABLE } from './map/layers.js';
import { baseStyle } from './map/style.js';
import { LiveState } from './map/live.js';
import { Vehicles } from './map/vehicles.js';
import { StateStream } from './map/stream.js';
import { MapFilters } from './map/filters.js';
import { AlarmConsole } from './console.js';
import { AssetPanel } from './panel.js';
import { LightingSelection } from '/ui/lighting/selection.js';
import { LightingCommands } from '/ui/lighting/commands.js';
import { Search } from './search.js';
import { KpiStrip } from './kpi.js';
import { installTabs, showTab } from './tabs.js';

async function start() {
  if (!token()) {
    window.location.replace('/login');
    return;
  }
  applyTranslations();
  installLanguageButtons();
  document.title = `Vigie · ${config.territory}`;
  const started = performance.now();
  const vigie = (window.vigie = { ready: false, started });

  // The map library, the map's style and workers, and the data load side by side.
  const data = Promise.all([
    api('/api/v1/me'),
    api('/api/v1/municipalities?format=geojson&limit=1000'),
    loadAssets(),
  ]);
  const maplibregl = await import('/static/vendor/maplibre-gl.mjs');
  const map = new maplibregl.Map({
    container: 'map',
    style: baseStyle(),
    center: config.mapCenter,
    zoom: config.mapZoom,
    attributionControl: false,
    fadeDuration: 0,
  });
  const loaded = new Promise((resolve) => map.once('load', resolve));
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'bottom-left');
  const [me, municipalities, index] = await data;
  Object.assign(vigie, { map, index, me, maplibregl });
  document.getElementById('user-name').textContent = me.username;
  const role = document.getElementById('user-role');
  role.dataset.i18n = `role.${me.role}`;
  role.textContent = t(`role.${me.role}`);
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('/api/v1/auth/logout', { method: 'POST' });
    } finally {
      leaveSession();
    }
  });
  await loaded;
  addBoundaries(map, municipalities);
  addAssetLayers(map, index);
  addDrawLayers(map);
  addFocusLayer(map);
  fitTo(map, index);

  const vehicles = new Vehicles(map, index);
  const live = new LiveState(map, index, vehicles);
  const filters = new MapFilters(map, index);
  const items = municipalities.features.map((f) => ({ code: f.properties.code, name: f.properties.name }));
  filters.render(live, items);
  const names = Object.fromEntries(items.map((m) => [m.code, m.name]));
  const panel = new AssetPanel({ map, index, live, me, names, maplibregl });
  const lighting = new LightingSelection(map, index, panel);
  panel.lighting = lighting;
  const alarms = new AlarmConsole({ map, index, live, me, names, panel, canAct: roleCan(me.role, 'alarms.act') });
  // Commands only for those who may send them (the API refuses the others anyway).
  const commands = roleCan(me.role, 'commands.send') ? new LightingCommands(lighting, (text) => alarms.toast(text)) : null;
  document.getElementById('override-form').hidden = !commands;
  panel.commands = commands;
  const stream = new StateStream(live, document.getElementById('live-indicator'));
  new Search(index, (i) => panel.focus(i));
  const kpis = new KpiStrip(live, alarms);
  installTabs();
  Object.assign(vigie, { live, filters, panel, lighting, commands, alarms, stream, kpis, vehicles, showTab });

  map.on('click', (event) => onClick(map, event, { panel, lighting }));
  map.on('mousemove', (event) => {
    const hit = map.queryRenderedFeatures(event.point, { layers: CLICKABLE.filter((id) => map.getLayer(id)) });
    map.getCanvas().style.cursor = hit.length || lighting.drawing ? 'pointer' : '';
  });

  stream.open();
  alarms.start();
  map.once('idle', () => {
    vigie.firstRenderMs = performance.now() - started;
    vigie.readyAtMs = performance.now(); // since navigation started
    vigie.ready = true;
    document.body.dataset.ready = 'true';
  });
  map.triggerRepaint();
}

function fitTo(map, index) {
  if (!index.count) return;
  let [west, south, east, north] = [180, 90, -180, -90];
  for (let i = 0; i < index.count; i += 1) {
    west = Math.min(west, index.lon[i]);
    east = Math.max(east, index.lon[i]);
    south = Math.min(south, index.lat[i]);
    north = Math.max(north, index.lat[i]);
  }
  map.fitBounds([[west, south], [east, north]], { padding: 30, duration: 0, maxZoom: 15 });
}

async function onClick(map, event, { panel, lighting }) {
  if (lighting.drawing) {
    lighting.addVertex(event.lngLat);
    return;
  }
  const layers = CLICKABLE.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
  const hits = map.queryRenderedFeatures(event.point, { layers });
  if (!hits.length) return;
  const hit = hits[0];
  if (hit.layer.id === 'lights-clusters') {
    const zoom = await map.getSource('lights').getClusterExpansionZoom(hit.properties.cluster_id);
    map.easeTo({ center: hit.geometry.coordinates, zoom: zoom + 0.5 });
    return;
  }
  const i = hit.properties.i;
  if (lighting.clicking) lighting.toggle(i);
  else panel.open(i);
}

window.addEventListener('error', (event) => {
  // Chromium reports a ResizeObserver that needed a second pass as an error event: the map
  // resizing while the side bars settle, not a failure of the page.
  if (String(event.message).startsWith('ResizeObserver loop')) return;
  document.body.dataset.error = String(event.message);
});
start().catch((error) => {
  document.body.dataset.error = String(error && error.stack ? error.stack : error);
  console.error(error);
});
