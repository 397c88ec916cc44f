import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IceRefresher } from '../src/lib/ice-refresh.js';
import { manualTimers } from './fakes.mjs';

const TURN = (n) => [{ urls: 'turn:t', username: `${n}:lingua-connect`, credential: `c${n}` }];

function setup({ ttl = 3600, answers = [] } = {}) {
  const clock = { now: 1_000_000 };
  const timers = manualTimers();
  const applied = [];
  const requests = [];
  const logs = [];
  const refresher = new IceRefresher({
    servers: TURN(0),
    ttl,
    url: '/ice-servers',
    now: () => clock.now,
    timers,
    apply: (servers) => applied.push(servers),
    log: (line) => logs.push(line),
    fetch: async (url, init) => {
      requests.push([url, init]);
      const answer = answers.shift() ?? { status: 500 };
      return { ok: answer.status === 200, status: answer.status, json: async () => answer.body };
    },
  });
  return { refresher, clock, timers, applied, requests, logs };
}

const ok = (n, ttl = 3600) => ({ status: 200, body: { iceServers: TURN(n), ttl } });

test('credentials that do not expire are never fetched', () => {
  const { refresher, timers } = setup({ ttl: null });
  refresher.start();
  assert.equal(timers.pending.size, 0);
  assert.equal(refresher.ensureFresh(), null);
});

test('halfway through their life the credentials are replaced', async () => {
  const { refresher, timers, applied, requests, clock } = setup({ answers: [ok(1)] });
  refresher.start();
  const [{ ms }] = timers.pending.values();
  assert.equal(ms, 1800 * 1000);
  clock.now += ms;
  timers.run();
  await refresher.inFlight;
  assert.deepEqual(applied, [TURN(1)]);
  assert.deepEqual(requests, [['/ice-servers', { cache: 'no-store', credentials: 'same-origin' }]]);
  assert.equal([...timers.pending.values()][0].ms, 1800 * 1000, 'and the next refresh is scheduled');
});

test('before a call: fresh credentials go at once, older ones are fetched first', async () => {
  const { refresher, clock, applied } = setup({ answers: [ok(2)] });
  assert.equal(refresher.ensureFresh(), null, 'just handed out with the page');
  clock.now += 59_000;
  assert.equal(refresher.ensureFresh(), null);
  clock.now += 2_000;
  const waiting = refresher.ensureFresh();
  assert.ok(waiting instanceof Promise);
  assert.equal(refresher.ensureFresh(), waiting, 'one fetch at a time');
  await waiting;
  assert.deepEqual(applied, [TURN(2)]);
  assert.equal(refresher.ensureFresh(), null);
});

test('a short lifetime counts as fresh for a tenth of it', () => {
  const { refresher, clock } = setup({ ttl: 100 });
  clock.now += 9_000;
  assert.equal(refresher.ensureFresh(), null);
  clock.now += 2_000;
  assert.ok(refresher.ensureFresh());
});

test('a failed fetch never rejects, lets calls go ahead, and is retried with backoff', async () => {
  const bad = [{ status: 503 }, { status: 200, body: { iceServers: 'nope', ttl: 60 } }, { status: 200, body: { iceServers: [], ttl: -1 } }];
  const { refresher, clock, timers, applied, logs } = setup({ answers: [...bad, ok(3)] });
  clock.now += 120_000;
  await refresher.ensureFresh();
  assert.match(logs[0], /HTTP 503/);
  assert.equal(refresher.ensureFresh(), null, 'calls do not wait for a server that just failed');
  for (const why of [/iceServers must be an array/, /ttl must be null or a positive number/]) {
    timers.run();
    await refresher.inFlight;
    assert.match(logs.at(-1), why);
  }
  assert.deepEqual(applied, []);
  timers.run();
  await refresher.inFlight;
  assert.deepEqual(applied, [TURN(3)]);
});

test('stop() cancels the schedule', () => {
  const { refresher, timers } = setup();
  refresher.start();
  refresher.stop();
  assert.equal(timers.pending.size, 0);
  assert.equal(refresher.ensureFresh(), null);
});
