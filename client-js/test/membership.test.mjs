import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Membership } from '../src/lib/membership.js';
import { Emitter, manualTimers } from './fakes.mjs';

/** A socket with the Socket.IO API whose join-room acks the test answers by hand. */
class FakeSocket extends Emitter {
  constructor() {
    super();
    this.connected = false;
    this.joins = [];
    this.cycles = 0;
  }
  emit(event, room, user, ack) {
    assert.equal(event, 'join-room');
    this.joins.push({ room, user, ack });
  }
  up() {
    this.connected = true;
    this.fire('connect');
  }
  down() {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }
  disconnect() {
    this.cycles += 1;
    this.down();
  }
  connect() {
    this.up();
  }
  last() {
    return this.joins.at(-1);
  }
}

function setup() {
  const socket = new FakeSocket();
  const timers = manualTimers();
  const joined = [];
  const rejected = [];
  const membership = new Membership({
    roomId: 'r1',
    socket,
    timers,
    backoff: { jitter: 0 },
    onJoined: (users, info) => joined.push({ users, ...info }),
    onRejected: (error) => rejected.push(error),
  });
  return { socket, timers, joined, rejected, membership };
}

test('joins only once media, peer id and socket are all ready, in any order', () => {
  for (const order of [['media', 'peer', 'socket'], ['socket', 'peer', 'media'], ['peer', 'socket', 'media']]) {
    const { socket, membership } = setup();
    for (const step of order) {
      assert.equal(socket.joins.length, 0, `joined before ${step} (${order})`);
      if (step === 'media') membership.setMediaReady();
      if (step === 'peer') membership.setPeerId('p1');
      if (step === 'socket') socket.up();
    }
    assert.equal(socket.joins.length, 1);
    assert.deepEqual([socket.last().room, socket.last().user], ['r1', 'p1']);
  }
});

test('a reconnected socket joins again, as a fresh join', () => {
  const { socket, membership, joined } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  socket.last().ack({ ok: true, users: ['a'] });
  socket.down();
  assert.equal(socket.joins.length, 1);
  socket.up();
  assert.equal(socket.joins.length, 2);
  socket.last().ack({ ok: true, users: ['a', 'b'] });
  assert.deepEqual(joined, [
    { users: ['a'], fresh: true },
    { users: ['a', 'b'], fresh: true },
  ]);
});

test('refresh re-joins on the same connection, not fresh', () => {
  const { socket, membership, joined } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  socket.last().ack({ ok: true, users: [] });
  membership.refresh();
  assert.equal(socket.joins.length, 2);
  socket.last().ack({ ok: true, users: ['a'] });
  assert.deepEqual(joined.at(-1), { users: ['a'], fresh: false });
});

test('a new peer id on a joined connection cycles the socket', () => {
  const { socket, membership } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  socket.last().ack({ ok: true, users: [] });
  membership.setPeerId('p2');
  assert.equal(socket.cycles, 1);
  assert.equal(socket.joins.length, 2);
  assert.equal(socket.last().user, 'p2');
});

test('an answer about a connection that is gone is ignored', () => {
  const { socket, membership, joined } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  const stale = socket.last();
  socket.down();
  socket.up();
  stale.ack({ ok: true, users: ['ghost'] });
  assert.equal(joined.length, 0);
  socket.last().ack({ ok: true, users: [] });
  assert.equal(joined.length, 1);
});

test('room-full on the first join is final', () => {
  const { socket, membership, rejected, timers } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  socket.last().ack({ ok: false, error: { code: 'room-full', message: 'full' } });
  assert.deepEqual(rejected, [{ code: 'room-full', message: 'full' }]);
  timers.run();
  socket.down();
  socket.up();
  assert.equal(socket.joins.length, 1, 'never joins again');
});

test('room-full after a reconnect is retried: our ghost may still hold the seat', () => {
  const { socket, membership, rejected, joined, timers } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  socket.last().ack({ ok: true, users: ['a'] });
  socket.down();
  socket.up();
  socket.last().ack({ ok: false, error: { code: 'room-full', message: 'full' } });
  assert.equal(rejected.length, 0);
  assert.equal(socket.joins.length, 2);
  timers.run(); // the backoff timer (and the stale ack timeout, ignored)
  assert.equal(socket.joins.length, 3);
  socket.last().ack({ ok: true, users: ['a'] });
  assert.equal(joined.length, 2);
});

test('user-id-taken is retried with backoff, then given up', () => {
  const { socket, membership, rejected, timers } = setup();
  membership.maxRetries = 2;
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  for (let i = 0; i < 3; i++) {
    socket.last().ack({ ok: false, error: { code: 'user-id-taken', message: 'taken' } });
    timers.run();
  }
  assert.equal(socket.joins.length, 3);
  assert.deepEqual(rejected.map((e) => e.code), ['user-id-taken']);
});

test('no answer within the timeout counts as a failure and is retried', () => {
  const { socket, membership, timers, joined } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  socket.up();
  const first = socket.last();
  timers.run(); // ack timeout -> retry scheduled
  timers.run(); // retry
  assert.equal(socket.joins.length, 2);
  first.ack({ ok: true, users: [] }); // too late
  assert.equal(joined.length, 0);
});

test('inRoom only while joined on the current connection', () => {
  const { socket, membership } = setup();
  membership.setMediaReady();
  membership.setPeerId('p1');
  assert.equal(membership.inRoom, false);
  socket.up();
  assert.equal(membership.inRoom, false, 'join not answered yet');
  socket.last().ack({ ok: true, users: [] });
  assert.equal(membership.inRoom, true);
  socket.down();
  assert.equal(membership.inRoom, false);
  socket.up();
  assert.equal(membership.inRoom, false, 'a new connection needs a new join');
  socket.last().ack({ ok: true, users: [] });
  assert.equal(membership.inRoom, true);
  membership.stop();
  assert.equal(membership.inRoom, false);
});
