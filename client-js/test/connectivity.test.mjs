import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connectivity, linkText } from '../src/lib/connectivity.js';
import { manualTimers } from './fakes.mjs';

function setup(self = 'ann', options = {}) {
  const timers = manualTimers();
  const states = [];
  const recalls = [];
  const counts = [];
  const c = new Connectivity({
    selfId: () => self,
    recall: (peerId) => recalls.push(peerId),
    onState: (peerId, link) => states.push([peerId, link && link.state, link && link.reason]),
    onMembers: (n) => counts.push(n),
    timers,
    backoff: { base: 1000, max: 8000, jitter: 0 },
    ...options,
  });
  return { c, timers, states, recalls, counts };
}

const only = (timers) => {
  assert.equal(timers.pending.size, 1, 'one timer pending');
  return [...timers.pending.values()][0];
};

test('members come from the server, not from calls', () => {
  const { c, counts } = setup();
  c.expect('bob');
  c.expect('bob');
  c.attempt('carl', { id: 1 }); // a call from someone the server has not announced
  assert.equal(c.size, 1);
  c.retain(['bob', 'dora']);
  assert.equal(c.size, 2);
  assert.equal(c.isMember('carl'), false);
  c.forget('bob');
  assert.deepEqual(counts, [1, 2, 1]);
});

test('a member connects: connecting, then connected, and no timer is left', () => {
  const { c, timers, states } = setup();
  const call = { id: 1 };
  c.expect('bob');
  c.attempt('bob', call, { placed: true });
  c.connected('bob', call);
  assert.deepEqual(states, [
    ['bob', 'connecting', null],
    ['bob', 'connecting', null],
    ['bob', 'connected', null],
  ]);
  assert.equal(timers.pending.size, 0);
});

test('an attempt that does not connect in time fails; the deciding side calls again after the backoff', () => {
  const { c, timers, states, recalls } = setup('ann');
  const call = { id: 1 };
  c.expect('bob');
  c.attempt('bob', call, { placed: true });
  assert.equal(only(timers).ms, 10000);
  timers.run(); // the deadline
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'timeout']);
  assert.equal(only(timers).ms, 1000); // backoff, no jitter
  timers.run();
  assert.deepEqual(recalls, ['bob']);
  assert.equal(only(timers).ms, 10000, 'should no call come of it, that fails too');
});

test('the other side never calls again: it waits, and a missing call is a failure too', () => {
  const { c, timers, states, recalls } = setup('zoe');
  const call = { id: 1 };
  c.expect('bob');
  c.attempt('bob', call);
  c.failed('bob', call, 'ice-failed');
  assert.equal(c.decides('bob'), false);
  assert.equal(only(timers).ms, 1000 + 10000);
  timers.run();
  assert.deepEqual(recalls, []);
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'no-call']);
  timers.run();
  assert.deepEqual(states.at(-1), ['bob', 'failed', 'no-call'], 'the third failure in a row');
  const next = { id: 2 };
  c.attempt('bob', next);
  assert.deepEqual(states.at(-1), ['bob', 'failed', 'no-call'], 'a new attempt does not take "failed" back');
  c.connected('bob', next);
  assert.deepEqual(c.stateOf('bob'), { state: 'connected', reason: null, failures: 0 });
});

test('a call that fails twice over (ICE failed, then closed) counts once; a stale call not at all', () => {
  const { c } = setup('zoe');
  const old = { id: 1 };
  const call = { id: 2 };
  c.expect('bob');
  c.attempt('bob', old);
  c.connected('bob', old);
  c.attempt('bob', call); // they re-joined: a new call replaces a working one
  assert.equal(c.stateOf('bob').state, 'connecting');
  c.failed('bob', old, 'closed');
  assert.equal(c.stateOf('bob').failures, 0);
  c.failed('bob', call, 'ice-failed');
  c.failed('bob', call, 'closed');
  assert.equal(c.stateOf('bob').failures, 1);
  assert.equal(c.stateOf('bob').reason, 'ice-failed');
});

test('a call replaced by their retry before it connected counts as a failed attempt', () => {
  const { c, states } = setup('zoe');
  c.expect('bob');
  for (let i = 1; i <= 3; i += 1) c.attempt('bob', { id: i });
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'no-connection']);
  c.attempt('bob', { id: 4 });
  assert.deepEqual(c.stateOf('bob'), { state: 'failed', reason: 'no-connection', failures: 3 });
});

test('no candidates, or TURN refusing us, is "failed" at once; retries go on with growing delays', () => {
  const { c, timers, states, recalls } = setup('ann');
  const call = { id: 1 };
  c.expect('bob');
  c.attempt('bob', call, { placed: true });
  c.note('bob', call, 'turn-refused');
  c.failed('bob', call, 'no-candidates');
  assert.deepEqual(states.at(-1), ['bob', 'failed', 'turn-refused']);
  const delays = [];
  for (let i = 0; i < 5; i += 1) {
    delays.push(only(timers).ms);
    timers.run(); // the backoff: recall
    const next = { id: 10 + i };
    c.attempt('bob', next, { placed: true });
    c.failed('bob', next, 'no-candidates');
    assert.equal(c.stateOf('bob').state, 'failed');
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
  assert.equal(recalls.length, 5);
});

test('a connected call that goes "disconnected" gets a grace period before it counts as failed', () => {
  const { c, timers, states } = setup('ann');
  const call = { id: 1 };
  c.expect('bob');
  c.attempt('bob', call, { placed: true });
  c.connected('bob', call);
  c.interrupted('bob', call);
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'interrupted']);
  assert.equal(only(timers).ms, 5000);
  c.connected('bob', call); // it came back by itself
  assert.equal(timers.pending.size, 0);
  c.interrupted('bob', call);
  timers.run();
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'interrupted']);
  assert.equal(c.stateOf('bob').failures, 1);
});

test('a member that leaves stops every retry', () => {
  const { c, timers, recalls } = setup('ann');
  const call = { id: 1 };
  c.expect('bob');
  c.attempt('bob', call, { placed: true });
  c.failed('bob', call, 'closed');
  c.forget('bob');
  assert.equal(timers.pending.size, 0);
  assert.equal(timers.run(), 0);
  assert.deepEqual(recalls, []);
  c.failed('bob', call, 'closed'); // late events are ignored
  assert.equal(c.stateOf('bob'), undefined);
});

test('a failed call with someone not in the room is dropped, not retried', () => {
  const { c, timers, states } = setup('ann');
  const call = { id: 1 };
  c.attempt('carl', call);
  c.failed('carl', call, 'closed');
  assert.deepEqual(states.at(-1), ['carl', null, null]);
  assert.equal(c.stateOf('carl'), undefined);
  assert.equal(timers.pending.size, 0);
});

test('expected calls that never come fail too, and the deciding side places one', () => {
  const { c, timers, recalls, states } = setup('ann');
  c.expect('bob');
  timers.run();
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'no-call']);
  timers.run();
  assert.deepEqual(recalls, ['bob']);
});

test('crossing calls: only the call placed by the deciding side survives, on both sides', () => {
  const ann = setup('ann').c;
  const zoe = setup('zoe').c;
  const fromAnn = { id: 'a' };
  const fromZoe = { id: 'z' };
  ann.expect('zoe');
  zoe.expect('ann');
  ann.attempt('zoe', fromAnn, { placed: true });
  zoe.attempt('ann', fromZoe, { placed: true });
  assert.equal(ann.acceptsCall('zoe', fromZoe), false, 'ann keeps hers');
  assert.equal(zoe.acceptsCall('ann', fromAnn), true, 'zoe takes ann’s');
  ann.connected('zoe', fromAnn);
  assert.equal(ann.acceptsCall('zoe', { id: 'later' }), true, 'a newer call after a connected one is a re-join');
});

test('without a peer id of our own we never decide', () => {
  const { c } = setup(null);
  assert.equal(c.decides('bob'), false);
});

test('the words on a tile', () => {
  assert.equal(linkText({ state: 'connected', reason: null }, 'Bob'), null);
  assert.equal(linkText(undefined, 'Bob'), null);
  assert.equal(linkText({ state: 'connecting', reason: null }, 'Bob'), 'Connecting…');
  assert.equal(linkText({ state: 'reconnecting', reason: 'timeout' }, 'Bob'), 'Reconnecting…');
  assert.match(linkText({ state: 'failed', reason: 'no-candidates' }, 'Bob'), /^Cannot connect to Bob: your network may block video calls \(a TURN relay is needed\)\. Retrying…$/);
  assert.match(linkText({ state: 'failed', reason: 'turn-refused' }, 'Bob'), /relay \(TURN\) server refused/);
  assert.match(linkText({ state: 'failed', reason: 'peer-unavailable' }, 'Bob'), /no longer reachable/);
});
