// Two server processes sharing rooms through a real Redis: a page on each,
// in one room, and video plays both ways. The room events and the PeerJS
// offers, answers and candidates between the pages cross processes through
// Redis (each page's own sockets stay on its process).
//
// redis-server is started here on a free loopback port without persistence
// and killed with the servers at the end. Without /usr/bin/redis-server (or
// `redis-server` on PATH) the scenario fails: scripts/test.sh installs it.

import { spawn } from 'node:child_process';
import { freePort } from './net.mjs';

export function clusterScenario({ serverCmd, children, startServer, openPage, closePage, waitJoined, expectPlaying }) {
  return async function twoProcesses(state) {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(redis);
    let log = '';
    redis.stdout.on('data', (chunk) => { log += chunk; });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10000);
      redis.on('error', (err) => { clearTimeout(timer); reject(err); });
      redis.stdout.on('data', () => {
        if (/Ready to accept connections/.test(log)) { clearTimeout(timer); resolve(); }
      });
    });
    const flags = `--redis-url redis://127.0.0.1:${port}`;
    const one = await startServer(`${serverCmd} ${flags}`);
    const two = await startServer(`${serverCmd} ${flags}`);
    const room = crypto.randomUUID();
    const first = await openPage(state.browser, 'R1');
    await first.goto(`${one}/${room}`);
    await waitJoined(first);
    const second = await openPage(state.browser, 'R2');
    await second.goto(`${two}/${room}`);
    await waitJoined(second);
    // Own video and the other's, on both sides.
    await expectPlaying(first, 2, 'R1 (process one)');
    await expectPlaying(second, 2, 'R2 (process two)');
    for (const [label, page] of [['R1', first], ['R2', second]]) await closePage(label, page);
  };
}

