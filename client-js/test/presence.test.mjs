import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextAnnouncement, Presence } from '../src/lib/presence.js';

function presence() {
  const said = [];
  const timers = new Map();
  let next = 1;
  const p = new Presence({
    announce: (text) => said.push(text),
    setTimer: (run) => {
      timers.set(next, run);
      return next++;
    },
    clearTimer: (id) => timers.delete(id),
  });
  const fire = () => {
    const runs = [...timers.values()];
    timers.clear();
    for (const run of runs) run();
  };
  return { p, said, timers, fire };
}

test('an arrival is announced by name once the name comes', () => {
  const { p, said, timers } = presence();
  p.arrived('a');
  assert.deepEqual(said, []);
  p.named('a', 'Ada');
  assert.deepEqual(said, ['Ada joined']);
  assert.equal(timers.size, 0, 'the fallback timer is cancelled');
});

test('a name heard before the arrival is announced at the arrival', () => {
  const { p, said } = presence();
  p.named('a', 'Ada');
  assert.deepEqual(said, [], 'someone already in the room is not news');
  p.arrived('a');
  assert.deepEqual(said, ['Ada joined']);
});

test('a newcomer whose name never comes is announced without it', () => {
  const { p, said, fire } = presence();
  p.arrived('a');
  fire();
  assert.deepEqual(said, ['Someone joined']);
  p.named('a', 'Ada');
  assert.deepEqual(said, ['Someone joined'], 'a first name after the fallback is not a rename');
});

test('a departure says the name, also of someone there before us', () => {
  const { p, said } = presence();
  p.named('b', 'Bob');
  p.departed('b');
  p.departed('x');
  assert.deepEqual(said, ['Bob left', 'Someone left']);
});

test('leaving before the name came cancels the join announcement', () => {
  const { p, said, timers } = presence();
  p.arrived('a');
  p.departed('a');
  assert.equal(timers.size, 0);
  assert.deepEqual(said, ['Someone left']);
});

test('a rename of an announced newcomer is announced; the same name again is not', () => {
  const { p, said } = presence();
  p.arrived('a');
  p.named('a', 'Ada');
  p.named('a', 'Ada');
  p.named('a', 'Ada L.');
  assert.deepEqual(said, ['Ada joined', 'Ada is now called Ada L.']);
});

test('arriving twice announces once', () => {
  const { p, said } = presence();
  p.arrived('a');
  p.named('a', 'Ada');
  p.arrived('a');
  assert.deepEqual(said, ['Ada joined']);
});

test('stop cancels every pending announcement', () => {
  const { p, timers } = presence();
  p.arrived('a');
  p.arrived('b');
  p.stop();
  assert.equal(timers.size, 0);
});

test('announcements close together are read together; an unchanged text still changes', () => {
  assert.equal(nextAnnouncement(null, 'Ada joined', 0), 'Ada joined');
  assert.equal(nextAnnouncement({ text: 'Ada joined', at: 0 }, 'Bob joined', 500), 'Ada joined. Bob joined');
  assert.equal(nextAnnouncement({ text: 'Ada joined', at: 0 }, 'Bob left', 5000), 'Bob left');
  assert.equal(nextAnnouncement({ text: 'Bob left', at: 0 }, 'Bob left', 5000), 'Bob left\u00a0');
});

test('the default timers are called as plain functions, as browsers require', async () => {
  const said = [];
  const strict = globalThis.setTimeout;
  // A setTimeout that, like a browser's, refuses to be called as a method of another object.
  globalThis.setTimeout = function (run, ms) {
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
    return strict(run, ms);
  };
  try {
    const p = new Presence({ announce: (text) => said.push(text), wait: 1 });
    p.arrived('a');
    await new Promise((resolve) => strict(resolve, 20));
  } finally {
    globalThis.setTimeout = strict;
  }
  assert.deepEqual(said, ['Someone joined']);
});
