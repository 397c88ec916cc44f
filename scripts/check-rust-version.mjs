#!/usr/bin/env node
// Checks that each publishable workspace crate declares a true `rust-version`:
// no dependency it pulls in as a normal dependency (transitively, on any
// target, as resolved in Cargo.lock) needs a newer Rust than the crate says.
// A user on the declared Rust would otherwise fail to build our crate.
// Dev- and build-dependencies are not followed. Node only, no packages.
// Usage: ./scripts/check-rust-version.mjs   (exit 1 on a violation)
import { execFileSync } from 'node:child_process';

function cargoMetadata() {
  try {
    const args = ['metadata', '--format-version', '1', '--locked'];
    const options = { cwd: new URL('..', import.meta.url), maxBuffer: 256 << 20 };
    return JSON.parse(execFileSync('cargo', args, { ...options, encoding: 'utf8' }));
  } catch {
    // cargo has printed its error already.
    console.error('FAIL cargo metadata --locked');
    process.exit(1);
  }
}
const metadata = cargoMetadata();

const packages = new Map(metadata.packages.map((p) => [p.id, p]));
const nodes = new Map(metadata.resolve.nodes.map((n) => [n.id, n]));

// "1.94" > "1.9", and "1.85.0" equals "1.85".
function compare(a, b) {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// A dependency is normal when any of its kinds is (kind null), whatever
// target cfg it is limited to: the crate must build on every target.
function normalDeps(id) {
  return (nodes.get(id)?.deps ?? [])
    .filter((d) => d.dep_kinds.some((k) => k.kind === null))
    .map((d) => d.pkg);
}

// Breadth first, so each dependency is reported with a shortest chain.
function chains(root) {
  const parent = new Map([[root, null]]);
  const queue = [root];
  while (queue.length > 0) {
    const id = queue.shift();
    for (const dep of normalDeps(id)) {
      if (!parent.has(dep)) {
        parent.set(dep, id);
        queue.push(dep);
      }
    }
  }
  const chain = (id) => (id === null ? [] : [...chain(parent.get(id)), packages.get(id).name]);
  return [...parent.keys()].filter((id) => id !== root).map((id) => ({ id, chain: chain(id) }));
}

let failed = false;
const publishable = metadata.workspace_members.filter((id) => packages.get(id).publish === null);
for (const id of publishable) {
  const crate = packages.get(id);
  const declared = crate.rust_version;
  if (!declared) {
    console.error(`FAIL ${crate.name}: declares no rust-version`);
    failed = true;
    continue;
  }
  let max = { version: '0', via: 'no dependency declares one' };
  for (const { id: dep, chain } of chains(id)) {
    const needed = packages.get(dep).rust_version;
    if (!needed) continue;
    const via = `${chain.join(' -> ')} ${packages.get(dep).version}`;
    if (compare(needed, max.version) > 0) max = { version: needed, via };
    if (compare(needed, declared) > 0) {
      console.error(`FAIL ${via} requires ${needed}, ${crate.name} declares ${declared}`);
      failed = true;
    }
  }
  if (compare(max.version, declared) <= 0) {
    const { version, via } = max;
    console.log(`OK ${crate.name}: declares ${declared}, highest needed ${version} (${via})`);
  }
}
process.exit(failed ? 1 : 0);
