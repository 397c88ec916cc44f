// Prints the table of bench/compare.sh from loadgen's JSON reports in DIR:
// each figure for the Node original and our servers, and the ratio.
// Usage: node bench/table.mjs DIR
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const reports = Object.fromEntries(
  readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(dir, f), 'utf8'))]),
);
const cpu = (r, phase) => r?.server_cpu?.find((c) => c.phase === phase)?.per_op_us;
// The relay report's CPU entry for its measured (sending) phase.
const relayCpu = (r) => r?.server_cpu?.find((c) => /relay|message/.test(`${c.op} ${c.phase}`))?.per_op_us;
const rows = [
  ['server CPU per new connection (µs), fanout K=10', (s) => cpu(reports[`${s}-fanout---clients 2000 --room-size 10`], 'connect')],
  ['server CPU per join, rooms of 10 (µs)', (s) => cpu(reports[`${s}-fanout---clients 2000 --room-size 10`], 'join')],
  ['server CPU per join, rooms of 2 (µs)', (s) => cpu(reports[`${s}-fanout---clients 2000 --room-size 2`], 'join')],
  ['join fan-out latency p99, K=10 (ms)', (s) => reports[`${s}-fanout---clients 2000 --room-size 10`]?.join_latency?.p99_ms],
  ['RSS per held, joined Socket.IO connection (KiB)', (s) => reports[`${s}-hold---connections 5000 --room-size 10`]?.server_rss?.per_connection_kib],
  ['RSS per registered PeerJS websocket (KiB)', (s) => reports[`${s}-peer-hold---connections 3000`]?.server_rss?.per_connection_kib],
  ['server CPU per PeerJS registration (µs)', (s) => cpu(reports[`${s}-peer-hold---connections 3000`], 'connect')],
  ['server CPU per relayed 2 KB PeerJS message, 100 pairs (µs)', (s) => relayCpu(reports[`${s}-relay---pairs 100 --payload 2048 --duration 5s`])],
];
const fmt = (v) => (v === undefined ? '—' : Number(v).toFixed(v < 10 ? 2 : 0));
console.log('| figure | Node original | lingua-connect | ratio | lingua-connect-warp | ratio |');
console.log('|---|---|---|---|---|---|');
for (const [name, get] of rows) {
  const [n, a, w] = ['node', 'axum', 'warp'].map(get);
  const ratio = (x) => (n && x ? `${(n / x).toFixed(1)}×` : '—');
  console.log(`| ${name} | ${fmt(n)} | ${fmt(a)} | ${ratio(a)} | ${fmt(w)} | ${ratio(w)} |`);
}
const lost = Object.values(reports).reduce((sum, r) => sum + (r.delivery ? r.delivery.lost + r.delivery.duplicated + r.delivery.misaddressed : 0), 0);
console.log(`\nlost + duplicated + misaddressed over every run: ${lost}; ratios are Node / ours (higher is better)`);
