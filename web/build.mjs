// Copies the browser files of the npm packages the UI uses into the Python package's static
// folder (src/vigie/web/static/vendor/, not in git). No bundler: MapLibre GL JS 6 and uPlot
// ship ES modules the browser loads as they are.
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'src', 'vigie', 'web', 'static', 'vendor');
const files = [
  ['maplibre-gl/dist/maplibre-gl.mjs', 'maplibre-gl.mjs'],
  ['maplibre-gl/dist/maplibre-gl-worker.mjs', 'maplibre-gl-worker.mjs'],
  ['maplibre-gl/dist/maplibre-gl.css', 'maplibre-gl.css'],
  ['maplibre-gl/LICENSE.txt', 'maplibre-gl.LICENSE.txt'],
  ['uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['uplot/LICENSE', 'uPlot.LICENSE.txt'],
];

mkdirSync(target, { recursive: true });
for (const [from, to] of files) {
  const source = join(here, 'node_modules', from);
  if (!existsSync(source)) {
    console.error(`missing ${source}: run npm ci in web/ first`);
    process.exit(1);
  }
  copyFileSync(source, join(target, to));
}
console.log(`copied ${files.length} files to ${target}`);
