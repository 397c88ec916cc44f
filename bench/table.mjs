// Prints the table of bench/compare.sh from loadgen's JSON reports in DIR
// (SERVER.LABEL.json, SERVER one of node, axum, warp): the rows of issue
// 10's table, each figure for the Node original and our two apps, the ratio
// Node / ours, and whether the issue's target holds; then a few more
// figures, and the runs that broke down or failed their check.
// Usage: node bench/table.mjs DIR
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const reports = {};
const broken = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const text = readFileSync(join(dir, file), 'utf8').trim();
  // An empty file: loadgen broke down (its message went to stderr).
  if (text) reports[file.slice(0, -5)] = JSON.parse(text);
  else broken.push(file.slice(0, -5));
}
const servers = ['node', 'axum', 'warp'];
const get = (server, label) => reports[`${server}.${label}`];
const cpu = (r, phase) => r?.server_cpu?.find((c) => c.phase === phase)?.per_op_us;
// The relay report's CPU entry for its measured (sending) phase.
const relayCpu = (r) => r?.server_cpu?.find((c) => /relay|message/.test(`${c.op} ${c.phase}`))?.per_op_us;
const held = (label, fallback) => get('node', label)?.connections ?? get('axum', label)?.connections ?? fallback;
const heldWarp = get('warp', 'hold')?.connections ?? 5000;
const n = (x) => Number(x).toLocaleString('en-US');

// Each row: the figure, how to read it per server, and the target as the
// least ratio Node / ours (`null`: no target). `node` overrides where the
// Node column shows another figure (warp's raw websockets against Node's
// Socket.IO).
const rows = [
  { name: 'server CPU per join, rooms of 10, C=2000 (µs)', of: (s) => cpu(get(s, 'fanout10'), 'join'), target: 10 },
  { name: 'server CPU per join, rooms of 2, C=2000 (µs)', of: (s) => cpu(get(s, 'fanout2'), 'join'), target: 10 },
  { name: 'server CPU per new connection: websocket handshake + CONNECT (µs)', of: (s) => cpu(get(s, 'fanout10'), 'connect'), target: 10 },
  { name: 'server CPU per relayed 2 KB PeerJS message, 100 pairs (µs)', of: (s) => relayCpu(get(s, 'relay')), target: 10 },
  { name: 'server CPU per churn cycle: connect, join, disconnect (µs)', of: (s) => cpu(get(s, 'churn'), 'churn'), target: 10 },
  {
    name: `RSS per held, joined Socket.IO connection, ${n(held('hold', 19000))} held (KiB)`,
    of: (s) => (s === 'warp' ? undefined : get(s, 'hold')?.server_rss?.per_connection_kib),
    target: 4,
  },
  { name: 'RSS per registered PeerJS websocket, 3,000 held, both apps (KiB)', of: (s) => get(s, 'peer-hold')?.server_rss?.per_connection_kib, target: 4 },
  {
    name: `RSS per joined raw-websocket rooms connection (lingua-connect-warp, ${n(heldWarp)} held; Node: its Socket.IO) (KiB)`,
    of: (s) => (s === 'warp' ? get(s, 'hold')?.server_rss?.per_connection_kib : undefined),
    node: () => get('node', 'hold')?.server_rss?.per_connection_kib,
    target: 4,
  },
  { name: 'join fan-out latency p99, C=2000, K=10 (ms)', of: (s) => get(s, 'fanout10')?.join_latency?.p99_ms, target: 5 },
];
const extra = [
  { name: 'joins/s, one after another, K=10', of: (s) => get(s, 'fanout10')?.joins_per_sec, more: true },
  { name: 'server CPU per PeerJS registration (µs)', of: (s) => cpu(get(s, 'peer-hold'), 'connect') },
  { name: 'churn cycles/s, 50 workers', of: (s) => get(s, 'churn')?.cycles_per_sec, more: true },
  { name: 'churn: server RSS growth after warm-up (KiB per 1000 cycles)', of: (s) => get(s, 'churn')?.server_rss?.kib_per_1000_cycles, raw: true },
  { name: 'churn: server RSS, mean of the first → last third of the run (MiB)', of: (s) => get(s, 'churn')?.server_rss },
];

const fmt = (v) => {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'object') return `${(v.first_third_kib / 1024).toFixed(1)} → ${(v.last_third_kib / 1024).toFixed(1)}`;
  const a = Math.abs(v);
  return Number(v).toFixed(a < 10 ? 2 : a < 100 ? 1 : 0);
};
// Node / ours, or ours / Node for rates (`more`: higher is better).
const ratioOf = (row, node, ours) => {
  if (typeof node !== 'number' || typeof ours !== 'number' || row.raw || node <= 0 || ours <= 0) return undefined;
  return row.more ? ours / node : node / ours;
};
const showRatio = (r) => (r === undefined ? '—' : `${r.toFixed(1)}×`);
const verdict = (row, r) => (r === undefined ? 'no figure' : r >= row.target ? 'met' : 'not met');

console.log('| figure | Node original | lingua-connect | ratio | lingua-connect-warp | ratio | target | lingua-connect / warp |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const node = (row.node ?? (() => row.of('node')))();
  const [a, w] = ['axum', 'warp'].map(row.of);
  const [ra, rw] = [a, w].map((x) => ratioOf(row, node, x));
  const nodeShown = row.node ? `(${fmt(node)})` : fmt(node);
  const target = row.target === 5 ? '≤ 1/5 of Node (keep)' : `≤ 1/${row.target} of Node`;
  const met = [[a, ra], [w, rw]].map(([x, r]) => (x === undefined ? '—' : verdict(row, r))).join(' / ');
  console.log(`| ${row.name} | ${nodeShown} | ${fmt(a)} | ${showRatio(ra)} | ${fmt(w)} | ${showRatio(rw)} | ${target} | ${met} |`);
}

// Exactness over every run of a server: deliveries (fanout, hold, churn)
// lost, duplicated, misaddressed; relay and peer-hold mismatches.
const exactness = (server) => {
  const t = { lost: 0, dup: 0, mis: 0, other: 0 };
  for (const [name, r] of Object.entries(reports)) {
    if (!name.startsWith(`${server}.`)) continue;
    if (r.delivery) {
      t.lost += r.delivery.lost;
      t.dup += r.delivery.duplicated;
      t.mis += r.delivery.misaddressed;
    }
    t.other += (r.mismatches ?? 0) + (r.unexpected ?? 0);
  }
  return t;
};
const totals = Object.fromEntries(servers.map((s) => [s, exactness(s)]));
const show = (t) => `${t.lost} / ${t.dup} / ${t.mis}${t.other ? ` (+${t.other} relay/peer mismatches)` : ''}`;
const zero = (t) => t.lost + t.dup + t.mis + t.other === 0;
console.log(
  `| lost / duplicated / misaddressed, every run | ${show(totals.node)} | ${show(totals.axum)} | | ${show(totals.warp)} | | 0 | ` +
    `${zero(totals.axum) ? 'met' : 'not met'} / ${zero(totals.warp) ? 'met' : 'not met'} |`,
);

console.log('\n| more figures | Node original | lingua-connect | ratio | lingua-connect-warp | ratio |');
console.log('|---|---|---|---|---|---|');
for (const row of extra) {
  const [node, a, w] = servers.map(row.of);
  console.log(`| ${row.name} | ${fmt(node)} | ${fmt(a)} | ${showRatio(ratioOf(row, node, a))} | ${fmt(w)} | ${showRatio(ratioOf(row, node, w))} |`);
}

const failed = Object.entries(reports).filter(([, r]) => !r.passed).map(([name]) => name);
console.log(
  '\nRatios are Node / ours (ours / Node for rates): higher is better. lingua-connect-warp runs the rooms ' +
    'scenarios (fanout, hold, churn) over its raw websockets, the others over Socket.IO.',
);
if (failed.length) console.log(`Failed their check (MISMATCH): ${failed.join(', ')}`);
if (broken.length) console.log(`Broke down (no report; see the messages above): ${broken.join(', ')}`);
