// The raw-websocket client against a real `ws` server that speaks the rooms
// protocol (PROTOCOL.md) just enough for these tests.
import assert from 'node:assert/strict';
import { once as onceEvent } from 'node:events';
import { after, before, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { WsClient } from '../src/lib/ws-client.js';

let server;
let url;
const sockets = [];
const frames = [];

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await onceEvent(server, 'listening');
  url = `ws://127.0.0.1:${server.address().port}/rooms?v=2`;
  server.on('connection', (ws, request) => {
    sockets.push(ws);
    ws.path = request.url;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      frames.push(frame);
      const id = frame.id === undefined ? {} : { id: frame.id };
      if (frame.type === 'join' && frame.room === 'full') {
        ws.send(JSON.stringify({ type: 'error', code: 'room-full', message: 'room is full', ...id }));
      } else if (frame.type === 'join' && frame.room === 'silent') {
        // never answers
      } else if (frame.type === 'join') {
        ws.send(JSON.stringify({ type: 'joined', room: frame.room, users: ['bob'], ...id }));
      } else if (frame.type === 'message' && frame.room === 'nope') {
        ws.send(JSON.stringify({ type: 'error', code: 'not-joined', message: 'not in this room', ...id }));
      } else if (frame.type === 'message') {
        ws.send(JSON.stringify({ type: 'sent', room: frame.room, ...id }));
      } else if (frame.type === 'ping') {
        if (!ws.mute) ws.send(JSON.stringify({ type: 'pong', ...id }));
      }
    });
  });
});

after(() => {
  for (const ws of sockets) ws.terminate();
  server.close();
});

function client(options = {}) {
  return new WsClient(url, { WebSocket, backoff: { base: 20, max: 40, jitter: 0 }, pingInterval: 0, ...options });
}

/** Resolves with the arguments of the next `event` of a WsClient or of the server. */
function once(emitter, event) {
  if (emitter === server) return onceEvent(server, event);
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));
}

const nextSocket = () => onceEvent(server, 'connection').then(([ws]) => ws);

test('join-room maps to a join frame and the joined reply to an ok ack', async (t) => {
  const accepted = nextSocket();
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const ws = await accepted;
  assert.equal(ws.path, '/rooms?v=2');
  const reply = await new Promise((resolve) => c.emit('join-room', 'r1', 'alice', resolve));
  assert.deepEqual(reply, { ok: true, users: ['bob'] });
  assert.deepEqual(frames.at(-1), { type: 'join', room: 'r1', user: 'alice', id: 1 });
});

test('an error reply becomes {ok: false, error: {code, message}}', async (t) => {
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const reply = await new Promise((resolve) => c.emit('join-room', 'full', 'alice', resolve));
  assert.deepEqual(reply, { ok: false, error: { code: 'room-full', message: 'room is full' } });
});

test('user-connected and user-disconnected are emitted with the user id', async (t) => {
  const accepted = nextSocket();
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const ws = await accepted;
  const seen = [];
  c.on('user-connected', (user) => seen.push(['+', user]));
  c.on('user-disconnected', (user) => seen.push(['-', user]));
  const done = new Promise((resolve) => c.on('user-disconnected', resolve));
  ws.send(JSON.stringify({ type: 'user-connected', room: 'r1', user: 'carol' }));
  ws.send('not json');
  ws.send(JSON.stringify({ type: 'user-disconnected', room: 'r1', user: 'carol' }));
  await done;
  assert.deepEqual(seen, [['+', 'carol'], ['-', 'carol']]);
});

test('room-message maps to a message frame and the sent reply to an ok ack', async (t) => {
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const data = { kind: 'chat', text: 'hi', nested: [1, null] };
  const reply = await new Promise((resolve) => c.emit('room-message', 'r1', data, resolve));
  assert.deepEqual(reply, { ok: true });
  assert.deepEqual(frames.at(-1), { type: 'message', room: 'r1', data, id: frames.at(-1).id });
  assert.equal(typeof frames.at(-1).id, 'number');
});

test('a refused room-message acks the error; without an ack it is an error event', async (t) => {
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const reply = await new Promise((resolve) => c.emit('room-message', 'nope', 'x', resolve));
  assert.deepEqual(reply, { ok: false, error: { code: 'not-joined', message: 'not in this room' } });
  const error = once(c, 'error');
  c.emit('room-message', 'nope', 'x');
  assert.deepEqual(await error, [{ code: 'not-joined', message: 'not in this room' }]);
  assert.equal(frames.at(-1).id, undefined, 'no ack, no id');
});

test('a message frame becomes room-message(room, from, data); from may be null', async (t) => {
  const accepted = nextSocket();
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const ws = await accepted;
  const seen = [];
  const done = new Promise((resolve) => c.on('user-disconnected', resolve));
  c.on('room-message', (...args) => seen.push(args));
  ws.send(JSON.stringify({ type: 'message', room: 'r1', from: 'bob', data: { kind: 'chat', text: 'hey' } }));
  ws.send(JSON.stringify({ type: 'message', room: 'r1', from: null, data: [1, 2] }));
  ws.send(JSON.stringify({ type: 'message', room: 'r1', from: 'bob', data: null, id: 1 }));
  ws.send(JSON.stringify({ type: 'user-disconnected', room: 'r1', user: 'bob' }));
  await done;
  assert.deepEqual(seen, [
    ['r1', 'bob', { kind: 'chat', text: 'hey' }],
    ['r1', null, [1, 2]],
    ['r1', 'bob', null],
  ]);
});

test('emit while disconnected acks not-connected at once, and unknown events throw', async () => {
  const c = client({ autoConnect: false });
  const reply = await new Promise((resolve) => c.emit('join-room', 'r1', 'alice', resolve));
  assert.equal(reply.error.code, 'not-connected');
  assert.throws(() => c.emit('chat', 'hi'), /no event "chat"/);
});

test('a dropped connection fails pending acks, then reconnects with backoff', async (t) => {
  const accepted = nextSocket();
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const ws = await accepted;
  const pending = new Promise((resolve) => c.emit('join-room', 'silent', 'alice', resolve));
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the frame reach the server
  const reconnected = nextSocket();
  const disconnect = once(c, 'disconnect');
  ws.terminate();
  const [reason] = await disconnect;
  assert.match(reason, /transport close/);
  assert.deepEqual(await pending, { ok: false, error: { code: 'disconnected', message: 'connection lost' } });
  assert.equal(c.connected, false);
  await once(c, 'connect');
  await reconnected;
  assert.equal(c.connected, true);
  const reply = await new Promise((resolve) => c.emit('join-room', 'r1', 'alice', resolve));
  assert.equal(reply.ok, true);
});

test('disconnect() closes for good: no reconnect', async () => {
  const c = client();
  await once(c, 'connect');
  const reason = once(c, 'disconnect');
  c.disconnect();
  assert.deepEqual(await reason, ['io client disconnect']);
  await new Promise((resolve) => setTimeout(resolve, 120)); // several backoff periods
  assert.equal(c.connected, false);
  assert.equal(c.ws, null);
});

test('an unreachable server gives connect_error and keeps retrying', async (t) => {
  const c = new WsClient('ws://127.0.0.1:9/rooms?v=1', { WebSocket, backoff: { base: 10, max: 10, jitter: 0 }, pingInterval: 0 });
  t.after(() => c.disconnect());
  let errors = 0;
  await new Promise((resolve) => c.on('connect_error', () => ++errors === 2 && resolve()));
  assert.equal(errors, 2);
});

test('a server that stops answering pings is dropped and reconnected', async (t) => {
  const accepted = nextSocket();
  const c = client({ pingInterval: 20, pingTimeout: 30 });
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const ws = await accepted;
  ws.mute = true;
  const [reason] = await once(c, 'disconnect');
  assert.equal(reason, 'ping timeout');
  await once(c, 'connect');
});

test('a page whose thread stalls past the ping deadline keeps a server that answered', async (t) => {
  const accepted = nextSocket();
  const c = client({ pingInterval: 20, pingTimeout: 100 });
  t.after(() => c.disconnect());
  await once(c, 'connect');
  await accepted;
  // Block the thread right after the first ping goes out, for three ping
  // timeouts: the (in-process) server answers only afterwards, and the
  // overdue deadline runs before that answer is read.
  const emit = c.emit.bind(c);
  let stalled = false;
  c.emit = (event, ...args) => {
    const out = emit(event, ...args);
    if (event === 'ping' && !stalled) {
      stalled = true;
      const until = Date.now() + 300;
      while (Date.now() < until); // busy: no timer, no socket read
    }
    return out;
  };
  const drops = [];
  c.on('disconnect', (reason) => drops.push(reason));
  await new Promise((resolve) => setTimeout(resolve, 700)); // the stall and several pings after it
  assert.ok(stalled, 'a ping was sent');
  assert.deepEqual(drops, []);
  assert.equal(c.connected, true);
});

test('unsupported-version stops reconnecting', async (t) => {
  const accepted = nextSocket();
  const c = client();
  t.after(() => c.disconnect());
  await once(c, 'connect');
  const ws = await accepted;
  const error = once(c, 'connect_error');
  ws.send(JSON.stringify({ type: 'error', code: 'unsupported-version', message: 'this server speaks 2' }));
  ws.close(4400, 'unsupported version');
  const [err] = await error;
  assert.match(err.message, /speaks 2/);
  await once(c, 'disconnect');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(c.connected, false);
  assert.equal(c.retryTimer, null);
});
