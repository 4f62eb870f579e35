// The alarm console: the live list of alarms (roots with their consequences folded), what
// operators do to them, a sound and a highlight for a new critical alarm, and the map's
// alarm colours. Built on GET /api/v1/alarms, POST /api/v1/alarms/{id}/… and the SSE stream
// GET /api/v1/alarms/stream.
import { api, streamUrl } from './api.js';
import { el, clear } from './dom.js';
import { alarmDetail, alarmTitle, currentLanguage, formatAge, formatTime, onLanguageChange, t } from './i18n.js';
import { mapAssetId } from './map/catalog.js';

const CONDITION_STATES = new Set(['raised', 'acknowledged', 'shelved']);
const LISTED_STATES = 'raised,acknowledged,shelved,cleared';
const SEVERITY_RANK = { critical: 0, major: 1, minor: 2 };
const MAX_PAGES = 10;
const SHELVE_HOURS = [1, 4, 24];
// The list shows the most urgent first; past this many, it says how many more there are.
const MAX_SHOWN = 200;

export class AlarmConsole {
  constructor({ map, index, live, names, panel, canAct }) {
    this.map = map;
    this.index = index;
    this.live = live;
    this.names = names;
    this.panel = panel;
    this.canAct = canAct;
    this.alarms = new Map(); // id → alarm, every listed (not closed) alarm of every level
    this.expanded = new Set();
    this.fresh = new Set();
    this.list = document.getElementById('alarm-list');
    this.status = document.getElementById('console-status');
    this.badge = document.getElementById('console-count');
    this.sound = document.getElementById('console-sound');
    this.source = null;
    this.available = false;
    this.audio = null;
    this.listeners = [];
    this.reloading = false;
    this.reloadAgain = false;
    this.pending = null;
    this.commenting = null;
    onLanguageChange(() => this.render());
    setInterval(() => this.refreshAges(), 10000);
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  async start() {
    this.openStream();
    await this.reload();
  }

  // One reload at a time: a burst of `resync` events asks for one more, not for twenty.
  async reload() {
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = true;
    try {
      do {
        this.reloadAgain = false;
        await this.load();
      } while (this.reloadAgain);
    } finally {
      this.reloading = false;
    }
  }

  async load() {
    const alarms = new Map();
    try {
      let cursor = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const query = new URLSearchParams({ state: LISTED_STATES, limit: '1000' });
        if (cursor) query.set('cursor', cursor);
        const body = await api(`/api/v1/alarms?${query}`);
        for (const alarm of body.items) alarms.set(alarm.id, alarm);
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      this.available = true;
      this.status.textContent = '';
    } catch (error) {
      this.available = false;
      this.status.textContent = t('console.unavailable', { error: error.message });
    }
    this.alarms = alarms;
    this.redraw();
  }

  openStream() {
    if (this.source) this.source.close();
    const source = new EventSource(streamUrl('/api/v1/alarms/stream', { lang: currentLanguage() }));
    source.addEventListener('alarm', (event) => this.onEvent(JSON.parse(event.data)));
    source.addEventListener('resync', () => this.reload());
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) this.status.textContent = t('console.stream_down');
    };
    this.source = source;
  }

  onEvent({ change, alarm }) {
    if (alarm.state === 'closed') this.alarms.delete(alarm.id);
    else this.alarms.set(alarm.id, alarm);
    const isNew = change === 'raised' || change === 'escalated' || change === 'promoted';
    if (isNew && alarm.severity === 'critical') this.announce(alarm);
    this.changed();
  }

  // Alarms come in bursts (a cabinet and its forty lights): redraw at most every 200 ms.
  changed() {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.redraw();
    }, 200);
  }

  redraw() {
    const alarmed = [];
    for (const alarm of this.alarms.values()) if (CONDITION_STATES.has(alarm.state)) alarmed.push(alarm.asset_id);
    this.live.setAlarmed(alarmed);
    this.render();
    for (const listener of this.listeners) listener(this);
  }

  countsBySeverity() {
    const counts = { critical: 0, major: 0, minor: 0 };
    for (const alarm of this.alarms.values()) if (CONDITION_STATES.has(alarm.state)) counts[alarm.severity] += 1;
    return counts;
  }

  announce(alarm) {
    this.fresh.add(alarm.id);
    setTimeout(() => {
      this.fresh.delete(alarm.id);
      const item = this.list.querySelector(`[data-alarm-id="${alarm.id}"]`);
      if (item) item.classList.remove('flash');
    }, 10000);
    if (this.sound.checked) this.beep();
  }

  beep() {
    try {
      this.audio = this.audio || new AudioContext();
      const oscillator = this.audio.createOscillator();
      const gain = this.audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.15;
      oscillator.connect(gain).connect(this.audio.destination);
      oscillator.start();
      oscillator.stop(this.audio.currentTime + 0.35);
      document.body.dataset.lastBeep = String(Date.now());
    } catch {
      // No audio device: the highlight remains.
    }
  }

  children(id) {
    return [...this.alarms.values()].filter((a) => a.caused_by === id);
  }

  render() {
    const top = [...this.alarms.values()]
      .filter((a) => a.caused_by === null || !this.alarms.has(a.caused_by))
      .sort((a, b) => (a.state === 'shelved') - (b.state === 'shelved') || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.raised_at.localeCompare(a.raised_at));
    this.badge.textContent = String(top.filter((a) => CONDITION_STATES.has(a.state)).length);
    clear(this.list).append(...top.slice(0, MAX_SHOWN).map((alarm) => this.item(alarm, false)));
    if (top.length > MAX_SHOWN) this.list.append(el('li', { className: 'hint more' }, t('console.more', { n: top.length - MAX_SHOWN })));
    if (!top.length) this.list.append(el('li', { className: 'hint' }, t(this.available ? 'console.empty' : 'console.none_loaded')));
  }

  item(alarm, nested) {
    const i = this.index.byId.get(mapAssetId(alarm.asset_id));
    const assetName = i !== undefined ? this.index.names[i] : alarm.asset_id;
    const children = nested ? [] : this.children(alarm.id);
    const classes = ['alarm', `sev-${alarm.severity}`, `state-${alarm.state}`];
    if (this.fresh.has(alarm.id)) classes.push('flash');
    const item = el('li', { className: classes.join(' '), dataset: { alarmId: String(alarm.id), assetId: alarm.asset_id } },
      el('div', { className: 'alarm-head', onclick: () => this.goTo(alarm) },
        el('span', { className: 'sev' }, t(`severity.${alarm.severity}`)),
        el('span', { className: 'title', title: alarmDetail(alarm) }, alarmTitle(alarm)),
        el('span', { className: 'age', dataset: { since: alarm.raised_at }, title: formatTime(alarm.raised_at) }, formatAge(alarm.raised_at))),
      el('div', { className: 'alarm-meta' },
        `${assetName} · ${this.names[alarm.municipality_code] || alarm.municipality_code} · ${t(`alarm_state.${alarm.state}`)}`),
    );
    if (children.length) {
      const open = this.expanded.has(alarm.id);
      item.append(el('button', { type: 'button', className: 'link fold', onclick: () => this.toggle(alarm.id) },
        `${open ? '▾' : '▸'} ${t('console.consequences', { n: children.length })}`));
      if (open) item.append(el('ul', { className: 'children' }, ...children.map((child) => this.item(child, true))));
    }
    if (this.canAct) item.append(this.actions(alarm));
    return item;
  }

  actions(alarm) {
    const row = el('div', { className: 'alarm-actions' });
    if (alarm.state === 'raised') {
      row.append(el('button', { type: 'button', className: 'act-ack', onclick: () => this.act(alarm, 'acknowledge') }, t('console.acknowledge')));
    }
    if (alarm.state === 'raised' || alarm.state === 'acknowledged') {
      const select = el('select', { className: 'shelve-hours', title: t('console.shelve') },
        el('option', { value: '' }, t('console.shelve')),
        ...SHELVE_HOURS.map((h) => el('option', { value: String(h) }, `${h} h`)));
      select.addEventListener('change', () => {
        if (!select.value) return;
        const until = new Date(Date.now() + Number(select.value) * 3600 * 1000).toISOString();
        this.act(alarm, 'shelve', { until });
      });
      row.append(select);
    }
    row.append(el('button', { type: 'button', className: 'act-comment', onclick: () => {
      this.commenting = this.commenting === alarm.id ? null : alarm.id;
      this.redraw();
    } }, t('console.comment')));
    if (alarm.state === 'cleared') row.append(el('button', { type: 'button', className: 'act-close', onclick: () => this.act(alarm, 'close') }, t('console.close')));
    if (this.commenting === alarm.id) {
      const input = el('input', { className: 'comment-text', placeholder: t('console.comment_placeholder'), maxLength: 2000 });
      const send = () => {
        if (!input.value.trim()) return;
        this.commenting = null;
        this.act(alarm, 'comment', { text: input.value.trim() });
      };
      input.addEventListener('keydown', (event) => event.key === 'Enter' && send());
      row.append(input, el('button', { type: 'button', className: 'act-comment-send', onclick: send }, '↵'));
      setTimeout(() => input.focus(), 0);
    }
    return row;
  }

  async act(alarm, action, body) {
    this.fresh.delete(alarm.id); // seen: the highlight has done its job
    try {
      const after = await api(`/api/v1/alarms/${alarm.id}/${action}`, { method: 'POST', body });
      if (after && after.id === alarm.id && after.state) {
        if (after.state === 'closed') this.alarms.delete(alarm.id);
        else this.alarms.set(alarm.id, after);
      }
      this.toast(t(`console.done_${action}`));
      this.redraw();
    } catch (error) {
      this.toast(t('console.failed', { error: error.message }));
    }
  }

  toggle(id) {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.render();
  }

  goTo(alarm) {
    const i = this.index.byId.get(mapAssetId(alarm.asset_id));
    if (i === undefined) return;
    this.map.flyTo({ center: [this.index.lon[i], this.index.lat[i]], zoom: Math.max(this.map.getZoom(), 17) });
    this.panel.open(i);
  }

  refreshAges() {
    for (const age of this.list.querySelectorAll('.age')) age.textContent = formatAge(age.dataset.since);
  }

  toast(text) {
    const toast = document.getElementById('toast');
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (toast.hidden = true), 3000);
  }
}
