// The KPI strip: street lighting energy today vs its baseline and savings this month (the
// IPMVP KPI, GET /api/v1/kpi/lighting-energy, from the daily rollups), the lighting load now
// vs its baseline (from the live state of the lights), open alarms by severity, and devices
// online. The energy figures are the user's municipalities' (the API applies the scope).
import { api } from './api.js';
import { formatNumber, onLanguageChange, t } from './i18n.js';

const REFRESH_MS = 2000;
const ENERGY_REFRESH_MS = 60_000;

function utcDay(date) {
  return date.toISOString().slice(0, 10);
}

export class KpiStrip {
  constructor(live, alarms) {
    this.live = live;
    this.alarms = alarms;
    this.energy = null;
    this.render();
    setInterval(() => this.render(), REFRESH_MS);
    this.loadEnergy();
    setInterval(() => this.loadEnergy(), ENERGY_REFRESH_MS);
    alarms.onChange(() => this.renderAlarms());
    onLanguageChange(() => this.render());
  }

  // Today so far against today's whole baseline (dusk to dawn at full pre-renovation power),
  // and the month's savings up to yesterday (whole days only: a day's baseline is a night's).
  async loadEnergy() {
    const now = new Date();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const tomorrow = new Date(today.getTime() + 86_400_000);
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    try {
      const day = await api(`/api/v1/kpi/lighting-energy?from=${utcDay(today)}&to=${utcDay(tomorrow)}`);
      const month =
        monthStart < today ? await api(`/api/v1/kpi/lighting-energy?from=${utcDay(monthStart)}&to=${utcDay(today)}`) : null;
      this.energy = { day: day.total, month: month ? month.total : null };
    } catch {
      this.energy = null;
    }
    this.renderEnergy();
  }

  renderEnergy() {
    const energy = document.getElementById('kpi-energy-value');
    const savings = document.getElementById('kpi-savings-value');
    if (!this.energy) {
      energy.textContent = '—';
      savings.textContent = '—';
      return;
    }
    const { day, month } = this.energy;
    energy.textContent = `${formatNumber(day.measured_kwh)} / ${formatNumber(day.baseline_kwh)} kWh`;
    energy.title = t('kpi.energy_why');
    if (month && month.baseline_kwh > 0) {
      savings.textContent = `−${formatNumber(month.savings_pct, 1)} %`;
      savings.title = t('kpi.savings_why', {
        led: formatNumber(month.led_retrofit_pct, 1),
        dimming: formatNumber(month.dimming_pct, 1),
        adaptive: formatNumber(month.adaptive_pct, 1),
      });
    } else {
      savings.textContent = '—';
      savings.title = t('kpi.savings_none');
    }
  }

  render() {
    this.renderEnergy();

    const { powerW, baselineW, reporting } = this.live.lightingPower();
    const power = document.getElementById('kpi-power-value');
    if (!reporting || !baselineW) {
      power.textContent = t('kpi.no_lights_on');
    } else {
      const saving = 100 * (1 - powerW / baselineW);
      power.textContent = `${formatNumber(powerW / 1000, 1)} / ${formatNumber(baselineW / 1000, 1)} kW (−${formatNumber(saving)} %)`;
      power.title = t('kpi.power_why', { n: formatNumber(reporting) });
    }

    const online = this.live.onlineCount();
    const total = this.live.index.count;
    document.getElementById('kpi-online-value').textContent = `${formatNumber(online)} / ${formatNumber(total)}`;
    this.renderAlarms();
  }

  renderAlarms() {
    const value = document.getElementById('kpi-alarms-value');
    if (!this.alarms.available) {
      value.textContent = '—';
      return;
    }
    const counts = this.alarms.countsBySeverity();
    value.replaceChildren(
      ...['critical', 'major', 'minor'].map((severity) => {
        const chip = document.createElement('span');
        chip.className = `chip sev-${severity}`;
        chip.id = `kpi-alarms-${severity}`;
        chip.title = t(`severity.${severity}`);
        chip.textContent = String(counts[severity]);
        return chip;
      }),
    );
  }
}
