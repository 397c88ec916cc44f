// License footers for the bundles. The ESM builds that esbuild bundles carry no
// license comments of their own (`legalComments` finds nothing to keep), so the
// license text of every bundled package is appended here instead.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LICENSE_FILE = /^licen[cs]e(\.(md|txt))?$/i;

// Packages whose published build already contains copies of some of their
// dependencies, which the metafile therefore cannot see. Checked by hand
// against the pinned versions (peerjs 1.5.5 inlines eventemitter3).
const INLINED = {
  peerjs: ['eventemitter3'],
};

/**
 * The package folders (relative to `root`) that `inputs` come from, sorted.
 * `inputs` are esbuild metafile input paths such as
 * `node_modules/@msgpack/msgpack/dist.es5+esm/index.mjs`.
 */
export function packageDirs(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    // The last node_modules/ wins, so nested copies are credited separately.
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) continue;
    dirs.add(match[1]);
    const name = match[1].replace(/^.*node_modules\//, '');
    for (const inlined of INLINED[name] ?? []) dirs.add(`node_modules/${inlined}`);
  }
  return [...dirs].sort();
}

/** A `/*! ... *\/` comment block with the license of every package in `dirs`. */
export function licenseFooter(root, dirs) {
  return dirs.map((dir) => licenseComment(join(root, dir))).join('');
}

function licenseComment(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((name) => LICENSE_FILE.test(name));
  if (!file) throw new Error(`no license file in ${dir}`);
  const text = readFileSync(join(dir, file), 'utf8')
    .replace(/\r\n?/g, '\n')
    .trim()
    .replaceAll('*/', '* /'); // must not end the comment early
  const heading = `${manifest.name}@${manifest.version} (${manifest.license})`;
  return `/*! ${heading}\n\n${text}\n*/\n`;
}
