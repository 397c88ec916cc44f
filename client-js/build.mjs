// Builds the browser bundles into dist/ (or another directory, for check-dist.mjs).
//
//   node build.mjs            -> dist/
//   import { build } ...      -> build(outdir)
//
// The output must be byte-identical across rebuilds and machines: no sourcemaps,
// no timestamps, and a fixed working directory so that no absolute path can
// leak into the bundles.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { licenseFooter, packageDirs } from './tools/licenses.mjs';

export const root = dirname(fileURLToPath(import.meta.url));

/** Entry points as esbuild `{ in, out }` pairs; `out` is relative to outdir, without `.js`. */
export function entryPoints() {
  const vendor = [
    { in: 'src/vendor/peerjs-entry.js', out: 'peerjs.min' },
    { in: 'src/vendor/socket.io-entry.js', out: 'socket.io.min' },
  ];
  const pages = readdirSync(join(root, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ in: `src/${name}`, out: name.slice(0, -'.js'.length) }));
  return [...vendor, ...pages];
}

/**
 * The package's bundle for pages without a bundler (`<script type="module">`):
 * the ES module API with socket.io-client and PeerJS inside.
 */
export const moduleEntryPoints = [{ in: 'src/client/index.js', out: 'lingua-signal-client' }];

/** Empties `outdir` and writes every bundle into it. */
export async function build(outdir) {
  const results = [
    await bundle(outdir, entryPoints(), 'iife'),
    await bundle(outdir, moduleEntryPoints, 'esm'),
  ];
  // Start clean so that a removed src/*.js does not leave a stale bundle behind.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  for (const result of results) {
    for (const file of result.outputFiles) {
      const inputs = Object.keys(result.metafile.outputs[relative(root, file.path)].inputs);
      writeFileSync(file.path, file.text + licenseFooter(root, packageDirs(inputs)));
    }
  }
}

function bundle(outdir, entries, format) {
  return esbuild.build({
    absWorkingDir: root,
    // node_modules may be a symlink (a git worktree sharing one install): keep
    // paths under root so that the license footers list packages in one order.
    preserveSymlinks: true,
    // Not the tsconfig.json of the typecheck: its `strict` would make esbuild
    // prepend "use strict" to the bundles.
    tsconfigRaw: {},
    entryPoints: entries,
    outdir,
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'eof', // keep the licenses of bundled packages
    sourcemap: false,
    charset: 'ascii',
    logLevel: 'warning',
    metafile: true, // tells which packages went into which bundle
    write: false,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build(join(root, 'dist'));
}
