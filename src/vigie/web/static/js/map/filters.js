// Layer toggles per domain, and filters by type, municipality and state.
// Types and domains hide layers or features by layer filters; the clustered lights are
// re-counted by giving their source only the municipality's lights; states act on the paint
// (feature-state cannot be used in layer filters), so hidden states are drawn transparent.
import { t } from '../i18n.js';
import { DOMAINS, STATES, STATE_COLOURS } from './catalog.js';
import { LAYER_DOMAINS } from './layers.js';

export class MapFilters {
  constructor(map, index) {
    this.map = map;
    this.index = index;
    this.domains = new Set(DOMAINS.map((d) => d.key));
    this.types = new Set(index.typeNames);
    this.municipality = null; // an index into index.municipalityCodes, or null for all
    this.hiddenStates = new Set();
  }

  apply() {
    const lightsOn = this.domains.has('lighting') && this.types.has('Streetlight');
    for (const [layerId, domain] of Object.entries(LAYER_DOMAINS)) {
      if (!this.map.getLayer(layerId)) continue;
      const lightLayer = layerId.startsWith('lights');
      const visible = this.domains.has(domain) && (!lightLayer || lightsOn);
      this.map.setLayoutProperty(layerId, 'visibility', visible ? 'visible' : 'none');
      if (!lightLayer) this.map.setFilter(layerId, this.filterFor(layerId, domain));
      this.applyStatePaint(layerId);
    }
  }

  filterFor(layerId, domain) {
    const parts = ['all', ['in', ['get', 't'], ['literal', [...this.types]]]];
    if (layerId !== 'links') parts.push(['==', ['get', 'd'], domain]);
    if (this.municipality !== null) parts.push(['==', ['get', 'm'], this.municipality]);
    return parts;
  }

  applyStatePaint(layerId) {
    const layer = this.map.getLayer(layerId);
    if (layerId === 'lights-clusters' || layerId === 'lights-cluster-count') return;
    const hidden = [...this.hiddenStates].map((name) => STATES.indexOf(name));
    const opacity = hidden.length
      ? ['case', ['in', ['coalesce', ['feature-state', 's'], 0], ['literal', hidden]], 0, 1]
      : 1;
    if (layer.type === 'circle') {
      this.map.setPaintProperty(layerId, 'circle-opacity', opacity);
      this.map.setPaintProperty(layerId, 'circle-stroke-opacity', opacity);
    } else if (layer.type === 'line') {
      this.map.setPaintProperty(layerId, 'line-opacity', opacity);
    }
  }

  setMunicipality(code) {
    const position = code ? this.index.municipalityCodes.indexOf(code) : -1;
    this.municipality = position >= 0 ? position : null;
    const m = this.municipality;
    this.map
      .getSource('lights')
      .setData(this.index.collection('lights', m === null ? undefined : (i) => this.index.municipality[i] === m));
    this.apply();
  }

  // Builds the controls in the left bar.
  render(live, municipalities) {
    const domainBox = document.getElementById('domain-toggles');
    domainBox.replaceChildren(
      ...DOMAINS.map((domain) =>
        this.checkbox(`domain.${domain.key}`, this.domains.has(domain.key), (on) => {
          if (on) this.domains.add(domain.key);
          else this.domains.delete(domain.key);
          this.apply();
        }, `toggle-domain-${domain.key}`),
      ),
    );
    const typeBox = document.getElementById('filter-types');
    typeBox.replaceChildren(
      ...this.index.typeNames.map((type) =>
        this.checkbox(`type.${type}`, true, (on) => {
          if (on) this.types.add(type);
          else this.types.delete(type);
          this.apply();
        }, `toggle-type-${type}`),
      ),
    );
    const stateBox = document.getElementById('filter-states');
    stateBox.replaceChildren(
      ...STATES.map((name) => {
        const label = this.checkbox(`state.${name}`, true, (on) => {
          if (on) this.hiddenStates.delete(name);
          else this.hiddenStates.add(name);
          this.apply();
        }, `toggle-state-${name}`);
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = STATE_COLOURS[name];
        const count = document.createElement('span');
        count.className = 'count';
        count.id = `state-count-${name}`;
        label.prepend(swatch);
        label.append(count);
        return label;
      }),
    );
    const select = document.getElementById('filter-municipality');
    const present = new Set(this.index.municipalityCodes);
    for (const m of municipalities.filter((m) => present.has(m.code))) {
      const option = document.createElement('option');
      option.value = m.code;
      option.textContent = m.name;
      select.append(option);
    }
    select.addEventListener('change', () => this.setMunicipality(select.value || null));
    const updateCounts = () => {
      const counts = live.countsByState();
      STATES.forEach((name, code) => {
        document.getElementById(`state-count-${name}`).textContent = counts[code];
      });
    };
    updateCounts();
    setInterval(updateCounts, 2000);
  }

  checkbox(key, checked, onChange, id) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = checked;
    input.id = id;
    input.addEventListener('change', () => onChange(input.checked));
    const text = document.createElement('span');
    text.dataset.i18n = key;
    text.textContent = t(key);
    label.append(input, text);
    return label;
  }
}
