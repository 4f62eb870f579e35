// Moving vehicles: their positions are redrawn at most once a second (setData of the small
// vehicles source; their feature-state, hence their colour, is kept by id).
const REDRAW_MS = 1000;

export class Vehicles {
  constructor(map, index) {
    this.map = map;
    this.index = index;
    this.collection = index.collection('vehicles');
    this.featureOf = new Map(this.collection.features.map((f) => [f.properties.i, f]));
    this.dirty = false;
    this.timer = setInterval(() => this.redraw(), REDRAW_MS);
  }

  move(i, lon, lat) {
    const feature = this.featureOf.get(i);
    if (!feature) return;
    feature.geometry.coordinates = [lon, lat];
    this.index.lon[i] = lon;
    this.index.lat[i] = lat;
    this.dirty = true;
  }

  redraw() {
    if (!this.dirty) return;
    this.dirty = false;
    this.map.getSource('vehicles').setData(this.collection);
  }
}
