// Selecting luminaires: by click, by group (a feeder or a cabinet, from the asset panel) or
// inside a drawn polygon. Selected lights are outlined (feature-state `sel`); commands on the
// selection are sent by commands.js beside it.

export class LightingSelection {
  constructor(map, index) {
    this.map = map;
    this.index = index;
    this.selected = new Set();
    this.clicking = false;
    this.drawing = false;
    this.vertices = [];
    this.listeners = [];
    // The ring of the one polygon the whole selection came from, else null.
    this.polygon = null;
    this.clickButton = document.getElementById('select-click');
    this.polygonButton = document.getElementById('select-polygon');
    this.hint = document.getElementById('polygon-hint');
    this.counter = document.getElementById('selection-count');
    this.clickButton.addEventListener('click', () => this.setMode(this.clicking ? null : 'click'));
    this.polygonButton.addEventListener('click', () => this.setMode(this.drawing ? null : 'polygon'));
    document.getElementById('select-clear').addEventListener('click', () => this.clear());
    map.on('dblclick', (event) => {
      if (!this.drawing) return;
      event.preventDefault();
      this.closePolygon();
    });
  }

  setMode(mode) {
    this.clicking = mode === 'click';
    this.drawing = mode === 'polygon';
    this.clickButton.setAttribute('aria-pressed', String(this.clicking));
    this.polygonButton.setAttribute('aria-pressed', String(this.drawing));
    this.hint.hidden = !this.drawing;
    if (this.drawing) this.map.doubleClickZoom.disable();
    else this.map.doubleClickZoom.enable();
    this.vertices = [];
    this.drawShape();
  }

  isLight(i) {
    return this.index.source[i] === 'lights';
  }

  mark(i, on) {
    this.map.setFeatureState({ source: 'lights', id: this.index.fid[i] }, { sel: on });
  }

  toggle(i) {
    if (!this.isLight(i)) {
      if (this.index.type(i) === 'StreetlightControlCabinet') this.selectMany(this.index.lightsOfCabinet(this.index.ids[i]));
      return;
    }
    this.polygon = null;
    if (this.selected.has(i)) {
      this.selected.delete(i);
      this.mark(i, false);
    } else {
      this.selected.add(i);
      this.mark(i, true);
    }
    this.update();
  }

  selectMany(indexes) {
    this.polygon = null;
    for (const i of indexes) {
      if (!this.isLight(i) || this.selected.has(i)) continue;
      this.selected.add(i);
      this.mark(i, true);
    }
    this.update();
  }

  clear() {
    for (const i of this.selected) this.mark(i, false);
    this.selected.clear();
    this.polygon = null;
    this.vertices = [];
    this.drawShape();
    this.update();
  }

  addVertex(lngLat) {
    this.vertices.push([lngLat.lng, lngLat.lat]);
    this.drawShape();
  }

  closePolygon() {
    // A double click also fired two clicks: the last vertex is repeated.
    const ring = this.vertices.filter((v, n, all) => n === 0 || v[0] !== all[n - 1][0] || v[1] !== all[n - 1][1]);
    if (ring.length >= 3) this.selectInPolygon(ring);
    this.setMode(null);
  }

  // Every light of the map inside the polygon (a ring of [lon, lat]).
  selectInPolygon(ring) {
    const inside = this.index.members.lights.filter((i) => pointInRing(this.index.lon[i], this.index.lat[i], ring));
    const alone = this.selected.size === 0;
    this.selectMany(inside);
    this.polygon = alone && inside.length ? ring : null;
    return inside.length;
  }

  drawShape() {
    const features = [];
    if (this.vertices.length >= 2) {
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: this.vertices } });
    }
    if (this.vertices.length >= 3) {
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...this.vertices, this.vertices[0]]] } });
    }
    const source = this.map.getSource('draw');
    if (source) source.setData({ type: 'FeatureCollection', features });
  }

  update() {
    this.counter.textContent = String(this.selected.size);
    for (const listener of this.listeners) listener();
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  polygonOnly() {
    return this.polygon;
  }

  ids() {
    return [...this.selected].map((i) => this.index.ids[i]);
  }
}

// Ray casting (even-odd rule) in lon/lat: fine at a city's scale.
export function pointInRing(x, y, ring) {
  let inside = false;
  for (let a = 0, b = ring.length - 1; a < ring.length; b = a, a += 1) {
    const [xa, ya] = ring[a];
    const [xb, yb] = ring[b];
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}
