// The caller's assets as the map holds them: columns from /api/v1/map/assets, an index by id,
// and one GeoJSON collection per map source. Feature ids are positions within their source.
import { api } from '../api.js';
import { DOMAIN_OF_TYPE, sourceOfType } from './catalog.js';

export const SOURCES = ['lights', 'points', 'vehicles', 'links'];

export class AssetIndex {
  constructor(body) {
    this.count = body.count;
    this.ids = body.id;
    this.names = body.name;
    this.typeNames = body.types;
    this.typeCodes = body.type;
    this.municipalityCodes = body.municipalities;
    this.municipality = body.municipality;
    this.status = body.status;
    this.lon = body.lon;
    this.lat = body.lat;
    this.feeder = body.feeder;
    this.baselineW = body.baseline_w;
    this.feeders = body.feeders;
    this.lines = body.lines;
    this.byId = new Map();
    this.source = new Array(this.count);
    this.fid = new Int32Array(this.count);
    this.members = Object.fromEntries(SOURCES.map((name) => [name, []]));
    for (let i = 0; i < this.count; i += 1) {
      this.byId.set(this.ids[i], i);
      const source = sourceOfType(this.type(i));
      this.source[i] = source;
      this.fid[i] = this.members[source].length;
      this.members[source].push(i);
    }
  }

  type(i) {
    return this.typeNames[this.typeCodes[i]];
  }

  domain(i) {
    return DOMAIN_OF_TYPE[this.type(i)];
  }

  municipalityCode(i) {
    return this.municipalityCodes[this.municipality[i]];
  }

  // The lights fed by a cabinet (by any of its feeders), or by one feeder.
  lightsOfCabinet(cabinetId) {
    const feederIndexes = new Set();
    this.feeders.forEach(([, cabinet], n) => {
      if (cabinet === cabinetId) feederIndexes.add(n);
    });
    return this.members.lights.filter((i) => feederIndexes.has(this.feeder[i]));
  }

  lightsOfFeeder(feederIndex) {
    return this.members.lights.filter((i) => this.feeder[i] === feederIndex);
  }

  feature(i) {
    const line = this.lines[String(i)];
    return {
      type: 'Feature',
      id: this.fid[i],
      geometry: line
        ? { type: 'LineString', coordinates: line }
        : { type: 'Point', coordinates: [this.lon[i], this.lat[i]] },
      properties: { i, t: this.type(i), d: this.domain(i), m: this.municipality[i] },
    };
  }

  // Only the assets `keep(i)` accepts, for one source.
  collection(source, keep = () => true) {
    return {
      type: 'FeatureCollection',
      features: this.members[source].filter(keep).map((i) => this.feature(i)),
    };
  }
}

export async function loadAssets() {
  return new AssetIndex(await api('/api/v1/map/assets'));
}
