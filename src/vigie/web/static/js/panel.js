// The asset panel: identity, live state, a history chart, its alarms and its topology.
// Lighting commands (an override of the light or the cabinet) for roles that may send them.
import { api, streamUrl } from './api.js';
import { alarmDetail, alarmTitle, formatTime, labelOf, onLanguageChange, t } from './i18n.js';
import { CHART_METRICS, MetricChart, readSeries } from './chart.js';
import { STATE_COLOURS, mapAssetId } from './map/catalog.js';
import { setFocus } from './map/layers.js';
import { showTab } from './tabs.js';
import { el, clear } from './dom.js';

export class AssetPanel {
  constructor({ map, index, live, me, names }) {
    this.map = map;
    this.index = index;
    this.live = live;
    this.me = me;
    this.names = names;
    this.body = document.getElementById('panel-body');
    this.empty = document.getElementById('panel-empty');
    this.current = null;
    this.stream = null;
    this.chart = null;
    this.lighting = null;
    this.commands = null;
    this.state = {};
    this.booleans = new Set(); // metrics /state said are booleans (the stream sends 1 and 0)
    onLanguageChange(() => this.current !== null && this.open(this.current));
  }

  focus(i) {
    this.map.flyTo({ center: [this.index.lon[i], this.index.lat[i]], zoom: Math.max(this.map.getZoom(), 17) });
    this.open(i);
  }

  close() {
    if (this.stream) this.stream.close();
    if (this.chart) this.chart.destroy();
    this.stream = null;
    this.chart = null;
  }

  async open(i) {
    this.close();
    this.current = i;
    const id = this.index.ids[i];
    const type = this.index.type(i);
    showTab('panel');
    setFocus(this.map, [this.index.lon[i], this.index.lat[i]]);
    this.empty.hidden = true;
    this.body.hidden = false;
    this.body.dataset.assetId = id;
    this.state = {};
    this.booleans = new Set();
    const stateName = this.live.stateName(i);
    clear(this.body).append(
      el('h3', { className: 'panel-title' }, this.index.names[i]),
      el('p', { className: 'panel-sub' },
        el('span', { className: 'state-badge', style: `background:${STATE_COLOURS[stateName]}`, id: 'panel-state' }, t(`state.${stateName}`)),
        ` ${t(`type.${type}`)} · ${this.names[this.index.municipalityCode(i)] || this.index.municipalityCode(i)}`),
      el('p', { className: 'mono' }, id),
      el('div', { className: 'tool-row', id: 'panel-actions' }),
      el('h4', {}, t('panel.live')),
      el('table', { className: 'kv', id: 'panel-live' }),
      el('h4', {}, t('panel.history')),
      el('div', { id: 'panel-chart-tools', className: 'tool-row' }),
      el('div', { id: 'panel-chart', className: 'chart' }),
      el('h4', {}, t('panel.alarms')),
      el('ul', { id: 'panel-alarms', className: 'plain' }),
      el('h4', {}, t('panel.topology')),
      el('ul', { id: 'panel-topology', className: 'plain' }),
      el('h4', {}, t('panel.identity')),
      el('table', { className: 'kv', id: 'panel-identity' }),
    );
    this.renderActions(i, type);
    this.subscribe(id);
    await Promise.allSettled([this.loadDetail(i, id), this.loadState(id), this.loadChart(id, type), this.loadAlarms(id)]);
  }

  renderActions(i, type) {
    const actions = document.getElementById('panel-actions');
    actions.append(el('button', { type: 'button', onclick: () => this.focus(i) }, t('panel.center')));
    if (!this.lighting) return;
    if (type === 'Streetlight' && this.index.feeder[i] >= 0) {
      actions.append(el('button', { type: 'button', id: 'select-feeder', onclick: () => this.lighting.selectMany(this.index.lightsOfFeeder(this.index.feeder[i])) }, t('panel.select_feeder')));
    }
    if (type === 'StreetlightControlCabinet') {
      actions.append(el('button', { type: 'button', id: 'select-cabinet', onclick: () => this.lighting.selectMany(this.index.lightsOfCabinet(this.index.ids[i])) }, t('panel.select_cabinet')));
    }
    // An override of this light (or of a cabinet's lights) at the lighting form's level and
    // duration, for those who may send commands.
    if (this.commands && (type === 'Streetlight' || type === 'StreetlightControlCabinet')) {
      actions.append(el('button', { type: 'button', id: 'panel-override', onclick: () => this.commands.overrideAsset(this.index.ids[i]) }, t('panel.override')));
    }
  }

  // Live values: GET /state first, then the asset's own stream (every metric) keeps them live.
  subscribe(id) {
    const source = new EventSource(streamUrl('/api/v1/stream/state', { asset: id, metrics: '*' }));
    source.addEventListener('snapshot', (event) => {
      const { columns, rows } = JSON.parse(event.data);
      for (const row of rows) {
        columns.forEach((metric, n) => {
          if (row[n + 2] !== null) this.setValue(metric, row[n + 2], row[1]);
        });
      }
      this.renderState();
    });
    source.addEventListener('changes', (event) => {
      for (const change of JSON.parse(event.data).changes) {
        const value = change.value_text ?? change.value;
        this.setValue(change.metric, value, change.ts);
        if (this.chart && change.metric === this.chart.metric) this.chart.append(change.ts, value);
      }
      this.renderState();
    });
    this.stream = source;
  }

  setValue(metric, value, ts) {
    const known = this.state[metric];
    if (!known || !ts || !known.ts || ts >= known.ts) this.state[metric] = { value, ts };
  }

  async loadState(id) {
    try {
      const body = await api(`/api/v1/assets/${encodeURIComponent(id)}/state`);
      for (const [metric, entry] of Object.entries(body.metrics || {})) {
        const bool = typeof entry.value === 'boolean';
        if (bool) this.booleans.add(metric);
        this.setValue(metric, bool ? Number(entry.value) : entry.value, entry.ts);
      }
      this.renderState();
    } catch {
      // The stream's snapshot carries the same values.
    }
  }

  renderState() {
    const table = document.getElementById('panel-live');
    if (!table) return;
    const rows = Object.keys(this.state).sort().map((metric) => {
      const { value, ts } = this.state[metric];
      return el('tr', { dataset: { metric } }, el('th', { title: metric }, labelOf('metric', metric)), el('td', {}, this.booleans.has(metric) ? t(value ? 'value.true' : 'value.false') : formatValue(value)), el('td', { className: 'hint' }, formatTime(ts)));
    });
    clear(table).append(...(rows.length ? rows : [el('tr', {}, el('td', { className: 'hint' }, t('panel.no_data')))]));
    const i = this.current;
    const badge = document.getElementById('panel-state');
    if (badge && i !== null) {
      const name = this.live.stateName(i);
      badge.textContent = t(`state.${name}`);
      badge.style.background = STATE_COLOURS[name];
    }
  }

  async loadChart(id, type, metric) {
    const metrics = CHART_METRICS[type] || [];
    const tools = document.getElementById('panel-chart-tools');
    const box = document.getElementById('panel-chart');
    if (!metrics.length) {
      box.replaceChildren(el('p', { className: 'hint' }, t('panel.no_chart')));
      return;
    }
    const chosen = metric || metrics[0];
    clear(tools).append(...metrics.map((m) => el('button', { type: 'button', className: m === chosen ? 'active' : '', onclick: () => this.loadChart(id, type, m) }, labelOf('metric', m))));
    try {
      const series = await readSeries(id, chosen);
      if (this.index.ids[this.current] !== id) return;
      if (this.chart) this.chart.destroy();
      clear(box);
      this.chart = new MetricChart(box, chosen, series);
      box.dataset.points = String(this.chart.points);
    } catch (error) {
      box.replaceChildren(el('p', { className: 'hint' }, t('panel.history_unavailable', { error: error.message })));
    }
  }

  async loadAlarms(id) {
    const list = document.getElementById('panel-alarms');
    try {
      const body = await api(`/api/v1/alarms?${new URLSearchParams({ asset: id, limit: '20' })}`);
      const items = body.items || [];
      clear(list).append(...(items.length
        ? items.map((a) => el('li', { className: `sev-${a.severity}` }, `${t(`severity.${a.severity}`)} · ${alarmTitle(a)} (${alarmDetail(a)}) · ${t(`alarm_state.${a.state}`)} · ${formatTime(a.raised_at)}`))
        : [el('li', { className: 'hint' }, t('panel.no_alarms'))]));
    } catch {
      list.replaceChildren(el('li', { className: 'hint' }, t('panel.alarms_unavailable')));
    }
  }

  async loadDetail(i, id) {
    const asset = await api(`/api/v1/assets/${encodeURIComponent(id)}`);
    const identity = document.getElementById('panel-identity');
    const rows = [
      ['panel.status', t(`status.${asset.status}`)],
      ...Object.entries(asset.attributes || {}).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : String(value)]),
      ['panel.updated', formatTime(asset.updated_at)],
    ];
    clear(identity).append(...rows.map(([key, value]) => el('tr', {}, el('th', {}, key.startsWith('panel.') ? t(key) : labelOf('attribute', key)), el('td', {}, value))));
    const topology = document.getElementById('panel-topology');
    const entries = [];
    for (const link of asset.links || []) entries.push(this.linkItem(link.relation, link.target_id));
    for (const part of asset.parts || []) entries.push(el('li', {}, `${t(`part.${part.kind}`)} · ${part.name}`));
    if (this.index.type(i) === 'StreetlightControlCabinet') {
      entries.push(el('li', {}, t('panel.lights_fed', { n: this.index.lightsOfCabinet(id).length })));
    }
    clear(topology).append(...(entries.length ? entries : [el('li', { className: 'hint' }, t('panel.no_links'))]));
  }

  linkItem(relation, targetId) {
    const feeder = this.index.feeders.find(([feederId]) => feederId === targetId);
    const target = feeder && feeder[1] ? feeder[1] : mapAssetId(targetId);
    const j = this.index.byId.get(target);
    const label = `${t(`relation.${relation}`)} · ${j !== undefined ? this.index.names[j] : targetId}`;
    if (j === undefined) return el('li', {}, label);
    return el('li', {}, el('a', { href: '#', onclick: (event) => { event.preventDefault(); this.focus(j); } }, label));
  }
}

function formatValue(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

