// Sending lighting commands on the selection (an override for a while, or a programme) and
// following each command's per-device progress until every device has answered or expired.
// A selection made by one drawn polygon goes as that polygon (the server resolves it, so a
// light added since the page loaded is included); otherwise as the list of selected lights.
import { api, ApiError } from '/static/js/api.js';
import { formatNumber, t } from '/static/js/i18n.js';

const POLL_MS = 1000;
const OPEN_STATUSES = ['pending', 'sent'];

export class LightingCommands {
  constructor(selection, toast) {
    this.selection = selection;
    this.toast = toast;
    this.form = document.getElementById('override-form');
    this.level = document.getElementById('override-level');
    this.duration = document.getElementById('override-duration');
    this.programs = document.getElementById('program-select');
    this.progress = document.getElementById('command-progress');
    this.bar = document.getElementById('command-bar');
    this.counts = document.getElementById('command-counts');
    this.title = document.getElementById('command-title');
    this.timer = null;
    this.last = null;
    document.getElementById('override-send').addEventListener('click', () => this.sendOverride());
    document.getElementById('program-send').addEventListener('click', () => this.sendProgram());
    selection.onChange(() => this.enable());
    this.enable();
    this.loadPrograms();
  }

  enable() {
    this.form.disabled = this.selection.selected.size === 0;
  }

  async loadPrograms() {
    try {
      const { items } = await api('/api/v1/lighting/programs');
      this.programs.replaceChildren(
        ...items.map((program) => {
          const option = document.createElement('option');
          option.value = program.id;
          option.textContent = program.name || program.id;
          return option;
        }),
      );
    } catch {
      this.programs.replaceChildren();
    }
    document.getElementById('program-send').disabled = this.programs.options.length === 0;
  }

  target() {
    const polygon = this.selection.polygonOnly();
    return polygon ? { polygon } : { assets: this.selection.ids() };
  }

  sendOverride() {
    const level = Number(this.level.value);
    const until = new Date(Date.now() + Number(this.duration.value) * 1000).toISOString();
    return this.send('set_level', { level_pct: level, until }, t('lighting.override_title', { level: formatNumber(level) }));
  }

  sendProgram() {
    const programId = this.programs.value;
    return this.send('assign_program', { program_id: programId }, t('lighting.program_title', { program: programId }));
  }

  // From the asset panel: the form's level and duration, on one light or a cabinet's lights.
  overrideAsset(assetId) {
    const level = Number(this.level.value);
    const until = new Date(Date.now() + Number(this.duration.value) * 1000).toISOString();
    const title = t('lighting.override_title', { level: formatNumber(level) });
    return this.send('set_level', { level_pct: level, until }, title, { assets: [assetId] });
  }

  async send(action, params, title, target = this.target()) {
    try {
      const command = await api('/api/v1/commands', {
        method: 'POST',
        body: { domain: 'lighting', action, target, params },
      });
      this.follow(command, title);
    } catch (error) {
      const reason = error instanceof ApiError ? error.message : String(error);
      this.toast(t('lighting.refused', { reason }));
    }
  }

  follow(command, title) {
    if (this.timer) clearInterval(this.timer);
    this.progress.hidden = false;
    this.progress.dataset.commandId = command.id;
    this.title.textContent = title;
    this.render(command);
    this.timer = setInterval(() => this.poll(command.id), POLL_MS);
  }

  async poll(commandId) {
    try {
      const command = await api(`/api/v1/commands/${encodeURIComponent(commandId)}`);
      this.render(command);
      const open = OPEN_STATUSES.reduce((sum, status) => sum + (command.devices[status] || 0), 0);
      if (open === 0) {
        clearInterval(this.timer);
        this.timer = null;
      }
    } catch {
      // The next poll tries again; a lost connection shows on the live indicator.
    }
  }

  render(command) {
    this.last = command;
    const done = command.devices.acknowledged + command.devices.failed + command.devices.expired;
    this.bar.max = Math.max(command.device_count, 1);
    this.bar.value = done;
    this.progress.dataset.status = command.status;
    this.counts.textContent = t('lighting.progress', {
      acknowledged: formatNumber(command.devices.acknowledged),
      total: formatNumber(command.device_count),
      failed: formatNumber(command.devices.failed),
      expired: formatNumber(command.devices.expired),
    });
  }
}
