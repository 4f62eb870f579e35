// The state an asset is shown in, from its lifecycle status, its open alarms and its metrics.
import { S } from './catalog.js';

const FAULT_FLAGS = ['lamp_fault', 'driver_fault', 'breaker_tripped', 'detector_fault', 'signal_lamp_fault', 'fault'];
const LINK_FLAGS = ['online', 'reachable', 'link_up'];

// `metrics` is undefined for an asset that never reported; `silentS` is how long it has been
// silent and `limitS` how long it may be before it counts as offline.
export function classify(status, metrics, silentS, limitS, alarmed) {
  if (status === 'maintenance') return S.MAINTENANCE;
  if (alarmed || status === 'faulty') return S.ALARM;
  if (metrics === undefined) return S.NODATA;
  for (const flag of FAULT_FLAGS) if (metrics[flag] === 1) return S.ALARM;
  if (metrics.video_ok === 0) return S.ALARM;
  for (const flag of LINK_FLAGS) if (metrics[flag] === 0) return S.OFFLINE;
  if (silentS > limitS) return S.OFFLINE;
  if (metrics.on === 0 || metrics.mode === 'off' || metrics.ignition_on === 0) return S.OFF;
  if (typeof metrics.dim_pct === 'number' && metrics.dim_pct < 100) return S.DIMMED;
  return S.OK;
}

// Reporting, and neither silent for too long nor saying it has lost its link.
export function isOnline(metrics, silentS, limitS) {
  if (metrics === undefined || silentS > limitS) return false;
  return !LINK_FLAGS.some((flag) => metrics[flag] === 0);
}
