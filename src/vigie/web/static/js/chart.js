// A history chart of one metric of one asset (uPlot), from GET /api/v1/assets/{id}/readings,
// with the live values of the asset panel appended as they come.
import uPlot from '/static/vendor/uPlot.esm.js';
import { api } from './api.js';
import { config } from './config.js';
import { currentLanguage, formatTime, labelOf, t } from './i18n.js';

// Which metrics are worth a chart, per type (the first is shown first).
export const CHART_METRICS = {
  Streetlight: ['power_w', 'dim_pct'],
  StreetlightControlCabinet: ['current_l1_a', 'supply_v', 'current_l2_a', 'current_l3_a'],
  TrafficSignalController: ['vehicles_per_h', 'cycle_s'],
  Camera: ['bitrate_kbps'],
  Bollard: [],
  Bus: ['speed_kmh'],
  FleetVehicle: ['speed_kmh'],
  Building: ['indoor_temp_c', 'setpoint_c'],
  NetworkNode: ['latency_ms'],
  FibreLink: ['optical_power_dbm', 'latency_ms'],
};

// The points of a /readings page ({items: [...]}): raw items {metric, ts, value}, or rollup
// buckets {metric, start, mean, …}; booleans and text are not charted.
export function parseSeries(body) {
  const rows = body.items || [];
  const xs = [];
  const ys = [];
  for (const row of rows) {
    const ts = row.ts ?? row.start;
    const value = row.value ?? row.mean;
    if (ts === undefined || typeof value !== 'number') continue;
    xs.push(new Date(ts).getTime() / 1000);
    ys.push(value);
  }
  const order = xs.map((_, n) => n).sort((a, b) => xs[a] - xs[b]);
  return [order.map((n) => xs[n]), order.map((n) => ys[n])];
}

export async function readSeries(assetId, metric, hours = 24) {
  const to = new Date();
  const from = new Date(to.getTime() - hours * 3600 * 1000);
  const resolution = hours > 72 ? 'hour' : 'raw';
  const query = new URLSearchParams({ metric, from: from.toISOString(), to: to.toISOString(), resolution, limit: '10000' });
  return parseSeries(await api(`/api/v1/assets/${encodeURIComponent(assetId)}/readings?${query}`));
}

// An hour on the time axis, in the UI's language and the city's time zone (uPlot's own labels
// are in English: "6pm").
function hourLabel(ts) {
  return new Date(ts * 1000).toLocaleTimeString(currentLanguage() === 'fr' ? 'fr-FR' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/Paris',
  });
}

export class MetricChart {
  constructor(container, metric, [xs, ys]) {
    this.metric = metric;
    this.data = [xs, ys];
    const width = Math.max(260, container.clientWidth || 320);
    this.plot = new uPlot(
      {
        width,
        height: 180,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), config.timeZone),
        scales: { x: { time: true } },
        legend: { show: true },
        axes: [
          { stroke: '#cbd5e1', grid: { stroke: '#1e293b' }, values: (u, splits) => splits.map(hourLabel) },
          { stroke: '#cbd5e1', grid: { stroke: '#1e293b' } },
        ],
        series: [{ label: t('chart.time'), value: (u, ts) => (ts == null ? '--' : formatTime(new Date(ts * 1000).toISOString())) }, { label: labelOf('metric', metric), stroke: '#38bdf8', width: 1.5, points: { show: xs.length < 60 } }],
      },
      this.data,
      container,
    );
  }

  append(tsIso, value) {
    if (typeof value !== 'number') return;
    const ts = new Date(tsIso).getTime() / 1000;
    const [xs, ys] = this.data;
    if (xs.length && ts <= xs[xs.length - 1]) return;
    xs.push(ts);
    ys.push(value);
    this.plot.setData(this.data);
  }

  get points() {
    return this.data[0].length;
  }

  destroy() {
    this.plot.destroy();
  }
}
