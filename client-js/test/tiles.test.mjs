import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TileRegistry } from '../src/lib/tiles.js';
import { FakeCall, recordingView } from './fakes.mjs';

const stream = (id) => ({ id, getVideoTracks: () => [{}] });

test('one tile per peer although stream fires once per track', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const call = new FakeCall('bob');
  tiles.attach('bob', call);
  const remote = stream('s1');
  for (let i = 0; i < 5; i++) tiles.showStream('bob', call, remote); // audio, video, and repeats
  assert.equal(view.live().length, 1);
  assert.equal(view.log.filter(([kind]) => kind === 'stream').length, 1);
  assert.equal(view.live()[0].stream, remote);
});

test('attaching the same call again changes nothing', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const call = new FakeCall('bob');
  tiles.attach('bob', call);
  tiles.attach('bob', call);
  assert.equal(view.tiles.length, 1);
  assert.equal(call.closed, false);
});

test('a departed peer is removed whether we placed the call or answered it', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const placed = new FakeCall('bob');
  const answered = new FakeCall('carol');
  tiles.attach('bob', placed);
  tiles.attach('carol', answered);
  assert.equal(tiles.drop('bob'), true);
  assert.equal(tiles.drop('carol'), true);
  assert.equal(view.live().length, 0);
  assert.ok(placed.closed && answered.closed);
  assert.equal(tiles.size, 0);
});

test('a newer call from a returning peer replaces the tile content, not adds a tile', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const old = new FakeCall('bob');
  old.on('close', () => tiles.drop('bob', old)); // as Calls wires it
  tiles.attach('bob', old);
  tiles.showStream('bob', old, stream('old'));
  const fresh = new FakeCall('bob');
  tiles.attach('bob', fresh);
  assert.equal(old.closed, true, 'the replaced call is closed');
  assert.equal(view.live().length, 1, 'its late close event did not remove the new tile');
  assert.equal(tiles.callOf('bob'), fresh);
  // The old call's stream events are stale now.
  assert.equal(tiles.showStream('bob', old, stream('late')), false);
  const s = stream('new');
  assert.equal(tiles.showStream('bob', fresh, s), true);
  assert.equal(view.live()[0].stream, s);
});

test('drop with a call that is no longer current does nothing', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const a = new FakeCall('bob');
  const b = new FakeCall('bob');
  tiles.attach('bob', a);
  tiles.attach('bob', b);
  assert.equal(tiles.drop('bob', a), false);
  assert.equal(tiles.has('bob'), true);
  assert.equal(tiles.drop('bob', b), true);
  assert.equal(tiles.has('bob'), false);
});

test('retain drops the peers that are no longer in the room', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  for (const id of ['a', 'b', 'c']) tiles.attach(id, new FakeCall(id));
  tiles.retain(['b', 'x']);
  assert.deepEqual(tiles.peers(), ['b']);
  assert.deepEqual(view.live().map((t) => t.peerId), ['b']);
});

test('the local tile counts and names are kept for peers not shown yet', () => {
  const view = recordingView();
  let changes = 0;
  const tiles = new TileRegistry(view, { onChange: () => changes++ });
  tiles.setLocal(null, 'Me (you)');
  tiles.setName('bob', 'Bob');
  assert.equal(tiles.size, 1);
  tiles.attach('bob', new FakeCall('bob'));
  assert.equal(tiles.size, 2);
  assert.equal(view.live().find((t) => t.peerId === 'bob').name, 'Bob');
  assert.equal(view.live().find((t) => t.local).name, 'Me (you)');
  assert.equal(changes, 2);
  tiles.clear();
  assert.equal(tiles.size, 1, 'clear keeps the local tile');
});

test('a call that connects without a stream marks the tile "off"; one with a stream is left alone', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const viewer = new FakeCall('v');
  const camera = new FakeCall('c');
  tiles.attach('v', viewer);
  tiles.attach('c', camera);
  tiles.showStream('c', camera, stream('s'));
  tiles.connected('v', viewer);
  tiles.connected('c', camera);
  tiles.connected('v', new FakeCall('v')); // not the current call: ignored
  assert.deepEqual(view.live().map((t) => t.state), ['off', undefined]);
});

test('an announced state waits for the tile, shows on it, and goes when the peer leaves', () => {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const muted = { mic: false, camera: true };
  tiles.setMedia('bob', muted); // before the call: the usual order
  const call = new FakeCall('bob');
  tiles.attach('bob', call);
  assert.deepEqual(view.live()[0].media, muted);
  const dark = { mic: false, camera: false };
  tiles.setMedia('bob', dark);
  assert.deepEqual(view.live()[0].media, dark);
  // A call that closed by itself: the next call's tile still shows the state.
  tiles.drop('bob', call);
  tiles.attach('bob', new FakeCall('bob'));
  assert.deepEqual(view.live()[0].media, dark);
  // Left the room (user-disconnected): forgotten, so a return starts blank.
  tiles.drop('bob');
  tiles.attach('bob', new FakeCall('bob'));
  assert.equal(view.live()[0].media, null);
});

test('every name heard is passed on, with or without a tile (the join and rename announcements)', () => {
  const heard = [];
  const tiles = new TileRegistry(recordingView(), { onName: (peerId, name) => heard.push([peerId, name]) });
  tiles.setName('bob', 'Bob');
  tiles.ensure('bob');
  tiles.setName('bob', 'Robert');
  assert.deepEqual(heard, [['bob', 'Bob'], ['bob', 'Robert']]);
});
