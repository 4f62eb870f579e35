// The base map: a production style from VIGIE_MAP_STYLE_URL, or the built-in offline base
// (a plain background; municipality boundaries are added from the API, see layers.js).
import { config } from '../config.js';

export const OFFLINE_STYLE = {
  version: 8,
  name: 'Vigie offline',
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#0b1220' } }],
};

export function baseStyle() {
  return config.styleUrl || OFFLINE_STYLE;
}

// Text labels need glyphs: only a production style that names some can show cluster counts.
export function hasGlyphs(map) {
  return Boolean(map.getStyle().glyphs);
}
