// RoomClient against a real Socket.IO server holding the rooms contract of
// lingua-signal-axum (join ack {ok, users}, room-full, room-message relayed to
// the others with the sender's id), and against a raw-websocket server for the
// rooms protocol. PeerJS is the fake from fakes.mjs: WebRTC needs a browser
// (the embed e2e runs the real thing in Chromium).
import assert from 'node:assert/strict';
import { once as onceEvent } from 'node:events';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { RoomClient } from '../src/client/core.js';
import { FakeCall, FakePeer } from './fakes.mjs';

const MAX = 2;
let server;
let url;
const handshakes = [];

before(async () => {
  const http = createServer();
  server = new Server(http);
  // As a host's authorizer does it: the handshake is refused.
  server.use((socket, next) => next(socket.handshake.auth.token === 'wrong' ? new Error('unauthorized: the token is wrong') : undefined));
  server.on('connection', (socket) => {
    handshakes.push(socket.handshake.auth);
    socket.on('join-room', async (roomId, userId, ack) => {
      const members = await server.in(roomId).fetchSockets();
      if (members.length >= MAX) return ack({ ok: false, error: { code: 'room-full', message: 'room is full' } });
      socket.data.userId = userId;
      socket.join(roomId);
      socket.to(roomId).emit('user-connected', userId);
      socket.on('disconnect', () => socket.to(roomId).emit('user-disconnected', userId));
      ack({ ok: true, users: members.map((m) => m.data.userId) });
    });
    socket.on('room-message', (roomId, data, ack) => {
      socket.to(roomId).emit('room-message', roomId, socket.data.userId, data);
      ack({ ok: true });
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${http.address().port}`;
});

after(() => server.close());

/** A PeerJS Peer made by the client; `open(id)` is the PeerJS server's answer. */
class TestPeer extends FakePeer {
  static made = [];
  constructor(options) {
    super();
    this.options = options;
    this.destroyed = false;
    TestPeer.made.push(this);
  }
  openAs(id) {
    this.id = id;
    this.fire('open', id);
  }
  destroy() {
    this.destroyed = true;
  }
}

class FakeStream {
  constructor(label = 'empty') {
    this.label = label;
  }
  getVideoTracks() {
    return [];
  }
  getAudioTracks() {
    return [];
  }
}

/** A client that records every event, and its PeerJS peer. */
function client(t, options = {}) {
  const room = new RoomClient({ roomId: 'standup', url, io, Peer: TestPeer, MediaStream: FakeStream, ...options });
  const events = [];
  for (const name of ['state', 'joined', 'refused', 'user-joined', 'user-left', 'members', 'message', 'stream', 'stream-removed', 'name']) {
    room.on(name, (...args) => events.push([name, ...args]));
  }
  t.after(() => room.leave());
  const joining = room.join();
  const peer = TestPeer.made.at(-1);
  return { room, peer, events, joining };
}

/** Resolves with the arguments of the next `event` of `room`. */
const next = (room, event) => new Promise((resolve) => room.once(event, (...args) => resolve(args)));

test('two clients join, see each other, call, and see each other leave', async (t) => {
  const a = client(t, { stream: new FakeStream('a-cam'), name: 'Ada', roomId: 'r-two' });
  a.peer.openAs('peer-a');
  assert.deepEqual(await a.joining, { ok: true, users: [] });
  assert.equal(a.room.state, 'joined');
  assert.equal(a.room.userId, 'peer-a');
  assert.equal(a.peer.options.token, handshakes.at(-1).peerToken, 'the PeerJS token is the proof shown to the server');

  const b = client(t, { stream: new FakeStream('b-cam'), name: 'Bob', roomId: 'r-two' });
  const joinedA = next(a.room, 'user-joined');
  b.peer.openAs('peer-b');
  assert.deepEqual(await b.joining, { ok: true, users: ['peer-a'] });
  assert.deepEqual(await joinedA, ['peer-b']);
  assert.deepEqual(a.room.members, ['peer-b']);
  assert.deepEqual(b.room.members, ['peer-a']);

  // The member already there calls the newcomer with its stream and name.
  const [call] = a.peer.calls;
  assert.equal(call.peer, 'peer-b');
  assert.equal(call.stream.label, 'a-cam');
  assert.deepEqual(call.metadata, { name: 'Ada' });
  // PeerJS fires `stream` once per track: one event.
  const remote = new FakeStream('b-cam');
  call.fire('stream', remote);
  call.fire('stream', remote);
  assert.deepEqual(a.events.filter(([e]) => e === 'stream'), [['stream', 'peer-b', remote]]);

  // The newcomer answers with its stream and learns the caller's name.
  const incoming = new FakeCall('peer-a', { name: 'Ada' });
  b.peer.fire('call', incoming);
  assert.equal(incoming.answered.stream.label, 'b-cam');
  assert.deepEqual(b.events.filter(([e]) => e === 'name'), [['name', 'peer-a', 'Ada']]);

  const left = next(a.room, 'user-left');
  b.room.leave();
  assert.deepEqual(await left, ['peer-b']);
  assert.equal(b.room.state, 'left');
  assert.ok(b.peer.destroyed);
  assert.deepEqual(a.room.members, []);
  assert.deepEqual(a.events.filter(([e]) => e === 'stream-removed'), [['stream-removed', 'peer-b']]);
  assert.ok(call.closed, 'the call with the one who left is closed');
});

test('a name set with setName reaches another client as a `name` event, through the `state` message', async (t) => {
  const a = client(t, { name: 'Ada', roomId: 'r-name' });
  a.peer.openAs('n-a');
  await a.joining;
  const b = client(t, { name: 'Bob', roomId: 'r-name' });
  // Each learns the other's name from the `state` sent on join / to the newcomer,
  // before any call: the fake PeerJS places calls but never connects them.
  const bobSeen = next(a.room, 'name');
  const adaSeen = next(b.room, 'name');
  b.peer.openAs('n-b');
  await b.joining;
  assert.deepEqual(await bobSeen, ['n-b', 'Bob']);
  assert.deepEqual(await adaSeen, ['n-a', 'Ada']);

  const states = [];
  b.room.socket.on('room-message', (_room, from, data) => states.push([from, data]));
  const renamed = next(b.room, 'name');
  a.room.setName('  Ada\nLovelace ');
  assert.deepEqual(await renamed, ['n-a', 'Ada Lovelace']);
  // The same wire format as the room page's, so room pages show it too.
  assert.deepEqual(states, [['n-a', { kind: 'state', mic: false, camera: false, screen: false, name: 'Ada Lovelace' }]]);
  // The calls placed from now on carry the new name in their metadata.
  a.room.calls.call('n-b');
  assert.deepEqual(a.peer.calls.at(-1).metadata, { name: '  Ada\nLovelace ' }, 'the answering side cleans it');

  // `state` is the client's own: not a `message` event; the name is not repeated.
  const names = b.events.filter(([e]) => e === 'name');
  assert.deepEqual(names, [['name', 'n-a', 'Ada'], ['name', 'n-a', 'Ada Lovelace']]);
  assert.deepEqual(b.events.filter(([e]) => e === 'message'), []);
});

test('a dropped signaling connection comes back: reconnecting, then joined again, and the others call us', async (t) => {
  const a = client(t, { roomId: 'r-drop' });
  a.peer.openAs('d-a');
  await a.joining;
  const b = client(t, { roomId: 'r-drop' });
  b.peer.openAs('d-b');
  await b.joining;
  const rejoined = next(b.room, 'joined');
  const heardAgain = next(a.room, 'user-left').then(() => next(a.room, 'user-joined'));
  b.room.socket.io.engine.close(); // as a network failure would: Socket.IO reconnects
  const [info] = await rejoined;
  assert.deepEqual(info, { userId: 'd-b', users: ['d-a'], fresh: true });
  assert.deepEqual(await heardAgain, ['d-b']);
  const states = b.events.filter(([e]) => e === 'state').map(([, s]) => s);
  assert.deepEqual(states, ['connecting', 'joined', 'reconnecting', 'joined']);
  assert.equal(a.peer.calls.filter((c) => c.peer === 'd-b').length, 2, 'A calls B again after its new connection');
});

test('a full room refuses the join for good', async (t) => {
  const [a, b] = [client(t, { roomId: 'r-full' }), client(t, { roomId: 'r-full' })];
  a.peer.openAs('f-a');
  await a.joining;
  b.peer.openAs('f-b');
  await b.joining;
  const c = client(t, { roomId: 'r-full' });
  c.peer.openAs('f-c');
  assert.deepEqual(await c.joining, { ok: false, error: { code: 'room-full', message: 'room is full' } });
  assert.equal(c.room.state, 'refused');
  assert.ok(c.peer.destroyed, 'a refused client lets its PeerJS id go');
  assert.deepEqual(c.events.filter(([e]) => e === 'state').map(([, s]) => s), ['connecting', 'refused']);
});

test('a refused handshake is a final answer to join(), with the code the server gave', async (t) => {
  const a = client(t, { roomId: 'r-auth', auth: { token: 'wrong' } });
  a.peer.openAs('u-a');
  const result = await a.joining;
  assert.deepEqual(result, { ok: false, error: { code: 'unauthorized', message: 'unauthorized: the token is wrong' } });
  assert.equal(a.room.state, 'refused');
});

test('application messages reach the others with the sender id; sending before joining is refused', async (t) => {
  const a = client(t, { roomId: 'r-msg' });
  const early = await a.room.send({ kind: 'early' });
  assert.deepEqual(early, { ok: false, error: { code: 'not-joined', message: 'not in the room right now' } });
  a.peer.openAs('m-a');
  await a.joining;
  const b = client(t, { roomId: 'r-msg' });
  b.peer.openAs('m-b');
  await b.joining;
  const heard = next(b.room, 'message');
  assert.deepEqual(await a.room.send({ kind: 'hello', n: 1 }), { ok: true });
  assert.deepEqual(await heard, ['m-a', { kind: 'hello', n: 1 }]);
});

test('with iceServersPath and iceTtl, fresh ICE servers reach the PeerJS options every call uses', async (t) => {
  const fresh = [{ urls: 'turn:127.0.0.1:3478', username: 'u2', credential: 'c2' }];
  const asked = [];
  const fetch = async (where, init) => {
    asked.push([where, init.cache]);
    return { ok: true, status: 200, json: async () => ({ iceServers: fresh, ttl: 600 }) };
  };
  const first = [{ urls: 'turn:127.0.0.1:3478', username: 'u1', credential: 'c1' }];
  const a = client(t, { roomId: 'r-ice', iceServers: first, iceServersPath: '/ice-servers', iceTtl: 1, fetch });
  assert.deepEqual(a.peer.options.config.iceServers, first);
  a.peer.openAs('i-a');
  await a.joining;
  // Halfway through a 1 s life.
  for (let i = 0; i < 100 && asked.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the answer's json()
  assert.deepEqual(a.peer.options.config.iceServers, fresh);
  assert.deepEqual(asked[0], [`${url}/ice-servers`, 'no-store']);
  a.room.leave();
  const count = asked.length;
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(asked.length, count, 'leaving stops the refreshes');
});

test('wrong options fail at construction, naming the field', () => {
  assert.throws(() => new RoomClient({ roomId: 'has space', url, io, Peer: TestPeer }), /roomId/);
  assert.throws(() => new RoomClient({ roomId: 'r', url, transport: 'sse' }), /transport/);
  assert.throws(() => new RoomClient({ roomId: 'r', url, peer: { path: 'no-slash' } }), /peer\.path/);
  assert.throws(() => new RoomClient({ roomId: 'r' }), /url/, 'outside a page the server URL is needed');
  // core imports neither library: without them (and no globals) join() says so at once.
  assert.throws(() => new RoomClient({ roomId: 'r', url, io }).join(), /no PeerJS/);
  assert.throws(() => new RoomClient({ roomId: 'r', url, Peer: TestPeer }).join(), /no Socket\.IO client/);
});

test('the raw websocket transport: the rooms path, auth and the PeerJS token in the query, join answered', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await onceEvent(wss, 'listening');
  t.after(() => wss.close());
  const seen = [];
  wss.on('connection', (ws, request) => {
    seen.push(new URL(request.url, 'ws://x'));
    if (request.url.includes('token=wrong')) {
      // A host's authorizer refusing the connection (PROTOCOL.md §1).
      ws.send(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'a valid token is needed' }));
      return ws.close(4401, 'unauthorized');
    }
    ws.on('message', (text) => {
      const frame = JSON.parse(String(text));
      if (frame.type === 'join' && request.url.includes('token=wrong')) return;
      if (frame.type === 'join') ws.send(JSON.stringify({ type: 'joined', room: frame.room, users: ['old'], id: frame.id }));
    });
  });
  const base = `http://127.0.0.1:${wss.address().port}`;
  const a = client(t, { url: base, transport: 'websocket', roomsPath: '/rtc/rooms', auth: { token: 's3cret' }, WebSocket, peerToken: 'tok-1' });
  a.peer.openAs('w-a');
  assert.deepEqual(await a.joining, { ok: true, users: ['old'] });
  const [where] = seen;
  assert.equal(where.pathname, '/rtc/rooms');
  assert.deepEqual(Object.fromEntries(where.searchParams), { v: '2', token: 's3cret', peer_token: 'tok-1' });
  assert.equal(a.peer.options.token, 'tok-1');
  assert.equal(a.peer.options.path, '/peerjs');
  assert.equal(a.peer.options.port, wss.address().port, 'PeerJS on the server URL port');
  assert.deepEqual(a.room.members, ['old']);

  const refused = client(t, { url: base, transport: 'websocket', auth: { token: 'wrong' }, WebSocket });
  refused.peer.openAs('w-b');
  assert.deepEqual(await refused.joining, { ok: false, error: { code: 'unauthorized', message: 'a valid token is needed' } });
  assert.equal(refused.room.state, 'refused');
});

/** A TileView that records what it is asked to draw, as the room page's DOM view would draw it. */
function recordingView() {
  const drawn = [];
  const view = {
    create(peerId, { local }) {
      const tile = { peerId, local, stream: null, name: null, media: null, destroyed: false };
      drawn.push(tile);
      return tile;
    },
    showStream: (tile, stream) => Object.assign(tile, { stream, shown: (tile.shown ?? 0) + 1 }),
    setName: (tile, name) => Object.assign(tile, { name }),
    setMedia: (tile, media) => Object.assign(tile, { media: { mic: media.mic, camera: media.camera, screen: media.screen } }),
    destroy: (tile) => Object.assign(tile, { destroyed: true }),
  };
  return { view, drawn };
}

test('a page view draws the tiles (ours from the start) while the events still come; the media state; arrivals and departures', async (t) => {
  const { view, drawn } = recordingView();
  const camera = new FakeStream('a-cam');
  const sharing = { on: false };
  const a = client(t, { roomId: 'r-view', name: 'Ada', stream: camera, view, mediaState: () => ({ mic: true, camera: false, screen: sharing.on }) });
  assert.deepEqual(drawn.map(({ peerId, local, name, stream }) => ({ peerId, local, name, stream })), [{ peerId: null, local: true, name: 'Ada', stream: camera }]);
  assert.equal(a.room.tiles.tileOf(null), drawn[0], 'the registry holds the view’s tiles');
  const arrived = next(a.room, 'arrived');
  a.peer.openAs('v-a');
  await a.joining;

  const b = client(t, { roomId: 'r-view', name: 'Bob' });
  const sharedSeen = new Promise((resolve) => b.room.on('media', (from, media) => media.screen && resolve([from, media])));
  const bobNamed = next(a.room, 'name');
  const bobMedia = next(a.room, 'media');
  b.peer.openAs('v-b');
  await b.joining;
  assert.deepEqual(await arrived, ['v-b']);
  assert.deepEqual(await bobNamed, ['v-b', 'Bob']);
  assert.deepEqual(await bobMedia, ['v-b', { mic: false, camera: false, screen: false }]);
  const bobTile = a.room.tiles.tileOf('v-b');
  assert.equal(bobTile.name, 'Bob');
  assert.deepEqual(bobTile.media, { mic: false, camera: false, screen: false });
  assert.ok(a.events.some(([e, id]) => e === 'name' && id === 'v-b'), 'events as without a view');

  // The call's stream: drawn, and an event.
  const [call] = a.peer.calls;
  const remote = new FakeStream('b-cam');
  call.fire('stream', remote);
  assert.equal(bobTile.stream, remote);
  assert.deepEqual(a.events.filter(([e]) => e === 'stream'), [['stream', 'v-b', remote]]);

  // The page shares a screen: mediaState says so in the announcement.
  sharing.on = true;
  a.room.announce();
  assert.deepEqual(await sharedSeen, ['v-a', { mic: true, camera: false, screen: true }]);

  // A new microphone in the same stream: swapped on the call, and our tile shows the stream again.
  const replaced = [];
  const audio = { receiver: { track: { kind: 'audio' } }, currentDirection: 'sendrecv', sender: { replaceTrack: async (track) => replaced.push(track) } };
  call.peerConnection.getTransceivers = () => [audio];
  const shownBefore = drawn[0].shown;
  const mic = { kind: 'audio', label: 'new mic' };
  a.room.setStream(camera, { kind: 'audio', track: mic });
  assert.deepEqual(replaced, [mic]);
  assert.equal(drawn[0].shown, shownBefore + 2, 'our tile is given no stream, then the stream');
  assert.equal(drawn[0].stream, camera);
  a.room.setName('Ada L');
  assert.equal(drawn[0].name, 'Ada L');

  const departed = next(a.room, 'departed');
  b.room.leave();
  assert.deepEqual(await departed, ['v-b']);
  assert.ok(bobTile.destroyed);
  assert.equal(a.room.tiles.tileOf('v-b'), undefined);
});

test('the raw websocket: an error frame that answers nothing, once in the room, is a warning, not a refusal', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await onceEvent(wss, 'listening');
  t.after(() => wss.close());
  wss.on('connection', (ws) => {
    ws.on('message', (text) => {
      const frame = JSON.parse(String(text));
      if (frame.type !== 'join') return;
      ws.send(JSON.stringify({ type: 'joined', room: frame.room, users: [], id: frame.id }));
      // The answer to a request the client already gave up on (its timeout passed).
      ws.send(JSON.stringify({ type: 'error', code: 'rate-limited', message: 'slow down', id: 999 }));
    });
  });
  const a = client(t, { url: `http://127.0.0.1:${wss.address().port}`, transport: 'websocket', WebSocket });
  const warned = next(a.room, 'warning');
  a.peer.openAs('late-a');
  assert.deepEqual(await a.joining, { ok: true, users: [] });
  assert.deepEqual(await warned, ['late answer: rate-limited']);
  assert.equal(a.room.state, 'joined');
});
