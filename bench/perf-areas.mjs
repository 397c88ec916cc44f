// Groups a flat perf profile by where the time went: the kernel, libc's
// allocator and copies, and each Rust crate (the first crate named in the
// symbol, at a path's start, that is not core/alloc/std, so `drop_in_place<engineioxide::…>`
// counts for engineioxide). Reads
//   perf report --no-children --sort dso,symbol --stdio -g none --percent-limit 0
// on stdin; prints two Markdown tables: areas, and the top symbols.
import { readFileSync } from 'node:fs';

const STD = new Set(['core', 'alloc', 'std']);
const LINE = /^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)$/;

const rows = [];
for (const line of readFileSync(0, 'utf8').split('\n')) {
  const m = LINE.exec(line);
  if (m) rows.push({ pct: Number(m[1]), dso: m[2], kind: m[3], symbol: m[4].replace(/[\s-]+$/, '') });
}
if (rows.length === 0) {
  console.error('no samples in the perf report on stdin');
  process.exit(1);
}

const areas = new Map();
for (const row of rows) areas.set(area(row), (areas.get(area(row)) ?? 0) + row.pct);

console.log('| where | % of server CPU samples |');
console.log('|---|---:|');
for (const [name, pct] of [...areas].sort((a, b) => b[1] - a[1])) {
  if (pct >= 0.5) console.log(`| ${name} | ${pct.toFixed(1)} |`);
}
console.log('\n| top symbols (self) | area | % |');
console.log('|---|---|---:|');
for (const row of rows.slice(0, 20)) console.log(`| \`${short(row.symbol)}\` | ${area(row)} | ${row.pct.toFixed(1)} |`);

function area({ dso, kind, symbol }) {
  if (kind === 'k' || dso.startsWith('[kernel')) return 'kernel';
  if (dso.startsWith('libc')) {
    return /^(_int_)?(malloc|free|realloc|calloc|cfree)|^(__)?mem(cpy|move|set)|^_int_|^unlink_chunk|^malloc_/.test(symbol)
      ? 'libc: malloc/free, memcpy/memset'
      : 'libc: other';
  }
  for (const [, crate] of symbol.matchAll(/(?:^|[<\s&(\[,*])([A-Za-z_][A-Za-z0-9_]*)::/g)) {
    if (!STD.has(crate)) return crate;
  }
  return /::/.test(symbol) ? 'core/alloc/std' : `${dso} (unresolved)`;
}

function short(symbol) {
  return symbol.length > 110 ? `${symbol.slice(0, 107)}…` : symbol;
}
