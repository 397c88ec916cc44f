// The npm package: what `npm pack` ships is exactly what its entry points
// need (nothing of the room page, the tests or the tools), and the
// hand-written declarations name exactly what the modules export.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Files reached from `files` through relative imports (`from './x.js'`). */
function closure(files) {
  const seen = new Set();
  const todo = [...files];
  while (todo.length > 0) {
    const file = normalize(todo.pop());
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import)\s*['"](\.\.?\/[^'"]+)['"]/g)) {
      // A declaration file's `./core.js` is the declarations next to it.
      const target = file.endsWith('.d.ts') ? spec.replace(/\.js$/, '.d.ts') : spec;
      todo.push(join(dirname(file), target));
    }
  }
  return seen;
}

function exportTargets() {
  const targets = [];
  for (const entry of Object.values(pkg.exports)) {
    if (typeof entry === 'string') targets.push(entry);
    else targets.push(...Object.values(entry));
  }
  return targets.map((path) => normalize(path));
}

test('npm pack ships the entry points, what they import, their types, README, both licenses and package.json: nothing else', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const packed = JSON.parse(out)[0].files.map((f) => f.path).sort();
  // package.json is an export target too; a `.js` or `.d.ts` one brings what it imports.
  const needed = new Set([...closure([...exportTargets(), normalize(pkg.types)].filter((p) => p.endsWith('.js') || p.endsWith('.d.ts')))]);
  for (const other of [...exportTargets().filter((p) => p.endsWith('.json')), 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE']) needed.add(other);
  assert.deepEqual(packed, [...needed].sort());
  assert.ok(packed.includes('dist/lingua-signal-client.js'), 'the bundle for pages without a bundler');
  assert.ok(!packed.some((p) => /^(test|e2e|tools|templates|static)\/|src\/room\.js|src\/vendor/.test(p)), packed.join(' '));
});

test('the package is publishable, ES modules only, without side effects on import', () => {
  assert.equal(pkg.name, 'lingua-signal-client');
  assert.equal(pkg.private, undefined);
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false);
  // What the default entry imports is a dependency of the package, not a dev one.
  for (const dep of ['peerjs', 'socket.io-client']) assert.ok(pkg.dependencies[dep], dep);
});

/** `export declare class X` / `function X` of a declaration file. */
function declaredValues(file) {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^export declare (?:class|function) (\w+)/gm)].map((m) => m[1]).sort();
}

test('the declarations name exactly what each entry exports, bundle included', async () => {
  const declared = declaredValues('src/client/core.d.ts');
  assert.ok(declared.includes('RoomClient'));
  for (const entry of ['../src/client/core.js', '../src/client/index.js', '../dist/lingua-signal-client.js']) {
    const module = await import(entry);
    assert.deepEqual(Object.keys(module).sort(), declared, entry);
  }
});
