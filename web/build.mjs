// Builds the viewer into dist/: index.html, app.js and app.css (one bundle each, minified,
// with source maps). `--watch` rebuilds on change.

import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const dist = path.join(here, 'dist');
const watch = process.argv.includes('--watch');

fs.mkdirSync(dist, { recursive: true });
fs.copyFileSync(path.join(here, 'index.html'), path.join(dist, 'index.html'));

const options = {
  entryPoints: { app: path.join(here, 'src/main.js') },
  outdir: dist,
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: !watch,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'info',
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
