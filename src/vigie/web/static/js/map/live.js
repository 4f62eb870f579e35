// The live state of every asset on the map: metric values from the state stream, open alarms
// from the console, and the state each is shown in, pushed to the map with setFeatureState
// (only for assets whose state changed).
import { config } from '../config.js';
import { S, STATES, mapAssetId } from './catalog.js';
import { classify, isOnline } from './classify.js';

const SWEEP_MS = 15000;

export class LiveState {
  constructor(map, index, vehicles) {
    this.map = map;
    this.index = index;
    this.vehicles = vehicles;
    this.metrics = new Array(index.count); // undefined: never reported
    this.seenMs = new Float64Array(index.count);
    this.codes = new Uint8Array(index.count); // S.NODATA everywhere at first
    this.online = new Uint8Array(index.count);
    this.alarmed = new Set();
    this.clockOffsetMs = 0;
    this.listeners = [];
    this.changesApplied = 0;
    this.limitS = this.index.typeNames.map((type) => config.offlineAfterS[type] ?? 3600);
    for (let i = 0; i < index.count; i += 1) this.refresh(i);
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
  }

  now() {
    return Date.now() + this.clockOffsetMs;
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  notify() {
    for (const listener of this.listeners) listener(this);
  }

  // event: snapshot — {now, columns, rows: [[asset_id, seen, v1, v2, …]]}
  applySnapshot({ now, columns, rows }) {
    this.clockOffsetMs = new Date(now).getTime() - Date.now();
    const touched = new Set();
    for (const row of rows) {
      const i = this.index.byId.get(mapAssetId(row[0]));
      if (i === undefined) continue;
      const metrics = this.metrics[i] || (this.metrics[i] = {});
      columns.forEach((metric, n) => {
        if (row[n + 2] !== null) metrics[metric] = row[n + 2];
      });
      this.seenMs[i] = Math.max(this.seenMs[i], new Date(row[1]).getTime());
      touched.add(i);
    }
    for (const i of touched) this.refresh(i);
    this.moveVehicles(touched);
    this.notify();
  }

  // event: changes — {changes: [{asset_id, metric, value, value_text, ts}]}
  applyChanges(changes) {
    const touched = new Set();
    for (const change of changes) {
      const i = this.index.byId.get(mapAssetId(change.asset_id));
      if (i === undefined) continue;
      const metrics = this.metrics[i] || (this.metrics[i] = {});
      metrics[change.metric] = change.value_text ?? change.value;
      const ts = new Date(change.ts).getTime();
      if (ts > this.seenMs[i]) this.seenMs[i] = ts;
      touched.add(i);
    }
    for (const i of touched) this.refresh(i);
    this.moveVehicles(touched);
    this.changesApplied += changes.length;
    this.notify();
  }

  setAlarmed(assetIds) {
    const next = new Set();
    for (const id of assetIds) {
      const i = this.index.byId.get(mapAssetId(id));
      if (i !== undefined) next.add(i);
    }
    const touched = [...this.alarmed, ...next];
    this.alarmed = next;
    for (const i of touched) this.refresh(i);
    this.notify();
  }

  refresh(i) {
    const silentS = this.seenMs[i] ? (this.now() - this.seenMs[i]) / 1000 : Infinity;
    const limit = this.limitS[this.index.typeCodes[i]];
    const metrics = this.metrics[i];
    this.online[i] = isOnline(metrics, silentS, limit) ? 1 : 0;
    const code = classify(this.index.status[i], metrics, silentS, limit, this.alarmed.has(i));
    if (code === this.codes[i]) return;
    this.codes[i] = code;
    this.map.setFeatureState({ source: this.index.source[i], id: this.index.fid[i] }, { s: code });
  }

  moveVehicles(touched) {
    for (const i of touched) {
      if (this.index.source[i] !== 'vehicles') continue;
      const metrics = this.metrics[i];
      if (typeof metrics.lon === 'number' && typeof metrics.lat === 'number') {
        this.vehicles.move(i, metrics.lon, metrics.lat);
      }
    }
  }

  // Silence is the absence of events: look for it now and then.
  sweep() {
    for (let i = 0; i < this.index.count; i += 1) {
      if (this.seenMs[i]) this.refresh(i);
    }
    this.notify();
  }

  stateName(i) {
    return STATES[this.codes[i]];
  }

  countsByState() {
    const counts = new Array(STATES.length).fill(0);
    for (const code of this.codes) counts[code] += 1;
    return counts;
  }

  onlineCount() {
    let n = 0;
    for (const flag of this.online) n += flag;
    return n;
  }

  // Streetlights only: the power they draw now, and what they would draw at their baseline
  // (the luminaires they replaced) — for those that report being on.
  lightingPower() {
    let powerW = 0;
    let baselineW = 0;
    let reporting = 0;
    const types = this.index.typeNames;
    for (let i = 0; i < this.index.count; i += 1) {
      if (types[this.index.typeCodes[i]] !== 'Streetlight') continue;
      const metrics = this.metrics[i];
      if (!metrics || metrics.on !== 1 || typeof metrics.power_w !== 'number') continue;
      powerW += metrics.power_w;
      baselineW += this.index.baselineW[i] || 0;
      reporting += 1;
    }
    return { powerW, baselineW, reporting };
  }
}

export { S };
