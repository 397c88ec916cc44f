import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Messenger } from '../src/lib/messenger.js';
import { Emitter, manualTimers } from './fakes.mjs';

/** A socket with the Socket.IO API that records room-message emits. */
class FakeSocket extends Emitter {
  constructor() {
    super();
    this.sent = [];
  }
  emit(event, room, data, ack) {
    this.sent.push({ event, room, data, ack });
  }
}

function setup({ member = true } = {}) {
  const socket = new FakeSocket();
  const timers = manualTimers();
  const state = { member };
  const messenger = new Messenger({ socket, roomId: 'r1', isMember: () => state.member, timers });
  return { socket, timers, state, messenger };
}

test('send emits room-message with the room and an ack, and resolves with the ack', async () => {
  const { socket, messenger, timers } = setup();
  const sent = messenger.send({ kind: 'chat', text: 'hi' });
  assert.deepEqual(socket.sent.map(({ event, room, data }) => [event, room, data]), [['room-message', 'r1', { kind: 'chat', text: 'hi' }]]);
  socket.sent[0].ack({ ok: true });
  assert.deepEqual(await sent, { ok: true });
  assert.equal(timers.pending.size, 0, 'the timeout is cleared');
});

test('a refusal resolves with its error', async () => {
  const { socket, messenger } = setup();
  const sent = messenger.send('x');
  socket.sent[0].ack({ ok: false, error: { code: 'rate-limited', message: 'slow down' } });
  assert.deepEqual(await sent, { ok: false, error: { code: 'rate-limited', message: 'slow down' } });
});

test('outside the room nothing is emitted: not-joined at once', async () => {
  const { socket, messenger } = setup({ member: false });
  assert.equal((await messenger.send('x')).error.code, 'not-joined');
  assert.equal(socket.sent.length, 0);
});

test('no answer becomes a timeout; a late answer changes nothing', async () => {
  const { socket, messenger, timers } = setup();
  const sent = messenger.send('x');
  timers.run();
  assert.equal((await sent).error.code, 'timeout');
  socket.sent[0].ack({ ok: true });
  assert.equal((await sent).error.code, 'timeout');
});

test('a malformed answer is a bad-reply refusal', async () => {
  const { socket, messenger } = setup();
  const sent = messenger.send('x');
  socket.sent[0].ack('yes');
  assert.equal((await sent).error.code, 'bad-reply');
});

test('onMessage passes on messages for our room only, from null for the server', () => {
  const { socket, messenger } = setup();
  const seen = [];
  messenger.onMessage((from, data) => seen.push([from, data]));
  socket.fire('room-message', 'r1', 'bob', { kind: 'chat', text: 'hi' });
  socket.fire('room-message', 'other', 'bob', 1);
  socket.fire('room-message', 'r1', null, 2);
  socket.fire('room-message', 'r1', undefined, 3);
  assert.deepEqual(seen, [['bob', { kind: 'chat', text: 'hi' }], [null, 2], [null, 3]]);
});
