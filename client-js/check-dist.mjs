// Rebuilds the bundles into a temporary directory and compares them byte for
// byte with the committed dist/. Exits 1 naming every file that differs, is
// missing from dist/, or is in dist/ without being built.
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, root } from './build.mjs';

const committed = join(root, 'dist');
const scratch = mkdtempSync(join(tmpdir(), 'lingua-signal-dist-'));

try {
  const fresh = join(scratch, 'dist');
  await build(fresh);
  const problems = compare(fresh, committed);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error('dist/ is out of date: run `npm run build` and commit the result.');
    process.exitCode = 1;
  } else {
    console.log(`dist/ matches a fresh build (${listFiles(fresh).length} files).`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function compare(fresh, current) {
  const built = listFiles(fresh);
  const present = existsSync(current) ? listFiles(current) : [];
  const problems = [];
  for (const file of built) {
    if (!present.includes(file)) problems.push(`missing: dist/${file}`);
    else if (!readFileSync(join(fresh, file)).equals(readFileSync(join(current, file)))) {
      problems.push(`differs: dist/${file}`);
    }
  }
  for (const file of present) {
    if (!built.includes(file)) problems.push(`extra: dist/${file}`);
  }
  return problems;
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}
