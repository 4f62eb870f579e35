// The KPI strip: energy today vs baseline (not measured until the time-series API has daily
// energy), the lighting load now vs its baseline (from the live state of the lights), open
// alarms by severity, and devices online.
import { formatNumber, onLanguageChange, t } from './i18n.js';

const REFRESH_MS = 2000;

export class KpiStrip {
  constructor(live, alarms) {
    this.live = live;
    this.alarms = alarms;
    this.render();
    setInterval(() => this.render(), REFRESH_MS);
    alarms.onChange(() => this.renderAlarms());
    onLanguageChange(() => this.render());
  }

  render() {
    const energy = document.getElementById('kpi-energy-value');
    energy.textContent = t('kpi.not_measured');
    energy.title = t('kpi.energy_why');

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
