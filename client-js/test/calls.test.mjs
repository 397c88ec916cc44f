import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Calls, NAME_LABEL } from '../src/lib/calls.js';
import { TileRegistry } from '../src/lib/tiles.js';
import { FakeCall, FakeConn, FakePeer, recordingView } from './fakes.mjs';

function setup({ stream = { id: 'local' }, name = 'Ann' } = {}) {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const peer = new FakePeer();
  const calls = new Calls({ tiles, getStream: () => stream, getName: () => name, emptyStream: () => ({ empty: true }) });
  calls.bind(peer);
  return { view, tiles, peer, calls };
}

test('calling a newcomer puts our name in the metadata and asks to receive both kinds', () => {
  const { peer, calls, tiles } = setup();
  calls.call('bob');
  assert.equal(peer.calls.length, 1);
  const [call] = peer.calls;
  assert.deepEqual(call.metadata, { name: 'Ann' });
  assert.deepEqual(call.options.constraints, { offerToReceiveAudio: true, offerToReceiveVideo: true });
  assert.equal(tiles.has('bob'), true);
});

test('a viewer calls with an empty stream', () => {
  const { peer, calls } = setup({ stream: null });
  calls.call('bob');
  assert.deepEqual(peer.calls[0].stream, { empty: true });
});

test('answering: local stream, caller name shown, a names link back to the caller', () => {
  const { peer, tiles, view } = setup();
  const call = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', call);
  assert.deepEqual(call.answered, { stream: { id: 'local' } });
  assert.equal(view.live()[0].name, 'Bob');
  assert.equal(peer.conns.length, 1);
  assert.equal(peer.conns[0].peer, 'bob');
  assert.equal(peer.conns[0].label, NAME_LABEL);
  assert.deepEqual(peer.conns[0].metadata, { name: 'Ann' });
  assert.equal(tiles.size, 1);
});

test('a viewer answers without a stream', () => {
  const { peer } = setup({ stream: null });
  const call = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', call);
  assert.deepEqual(call.answered, { stream: undefined });
});

test('the caller learns the answerer name from the incoming names link, and renames', () => {
  const { peer, calls, view } = setup();
  calls.call('bob');
  const conn = new FakeConn('bob', { label: NAME_LABEL, metadata: { name: 'Bob' } });
  peer.fire('connection', conn);
  assert.equal(view.live()[0].name, 'Bob');
  conn.fire('data', { type: 'name', name: '  Robert\n' });
  assert.equal(view.live()[0].name, 'Robert');
  conn.open = true;
  calls.rename('Annie');
  assert.deepEqual(conn.sent, [{ type: 'name', name: 'Annie' }]);
});

test('connections with another label are refused', () => {
  const { peer } = setup();
  const conn = new FakeConn('bob', { label: 'other' });
  peer.fire('connection', conn);
  assert.equal(conn.closed, true);
});

test('user-disconnected removes the tile on the calling side', () => {
  const { peer, calls, view } = setup();
  calls.call('bob');
  peer.calls[0].fire('stream', { id: 's' });
  peer.calls[0].fire('stream', { id: 's' });
  calls.hangUp('bob');
  assert.equal(view.live().length, 0);
  assert.equal(peer.calls[0].closed, true);
});

test('user-disconnected removes the tile on the answering side too', () => {
  const { peer, calls, view } = setup();
  const call = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', call);
  const s = { id: 's' };
  call.fire('stream', s); // audio track
  call.fire('stream', s); // video track
  assert.equal(view.live().length, 1);
  calls.hangUp('bob');
  assert.equal(view.live().length, 0);
  assert.equal(call.closed, true);
  assert.equal(peer.conns[0].closed, true, 'the names link is closed too');
});

test('a peer that re-joins and calls again keeps one tile', () => {
  const { peer, view } = setup();
  const first = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', first);
  first.fire('stream', { id: 'a' });
  const second = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', second);
  second.fire('stream', { id: 'b' });
  assert.equal(view.live().length, 1);
  assert.deepEqual(view.live()[0].stream, { id: 'b' });
  assert.equal(first.closed, true);
  assert.equal(peer.conns[0].closed, true, 'the old names link is replaced');
  assert.equal(peer.conns[1].closed, false);
});

test('a call whose connection closes by itself removes its tile', () => {
  const { peer, calls, view } = setup();
  calls.call('bob');
  peer.calls[0].close();
  assert.equal(view.live().length, 0);
});

test('calls wait while the PeerJS server is unreachable, then go out once', () => {
  const { peer, calls } = setup();
  peer.disconnected = true;
  calls.call('bob');
  calls.call('bob');
  assert.equal(peer.calls.length, 0);
  peer.disconnected = false;
  calls.flush();
  calls.flush();
  assert.equal(peer.calls.length, 1);
});

test('a deferred call to someone who left is forgotten', () => {
  const { peer, calls } = setup();
  peer.open = false;
  calls.call('bob');
  calls.hangUp('bob');
  peer.open = true;
  calls.flush();
  assert.equal(peer.calls.length, 0);
});

test('heal calls only the members we have no call with', () => {
  const { peer, calls } = setup();
  peer.fire('call', new FakeCall('bob', {}));
  calls.heal(['bob', 'carol']);
  assert.deepEqual(peer.calls.map((c) => c.peer), ['carol']);
});

test('calls from a replaced Peer are refused', () => {
  const { peer, calls, view } = setup();
  calls.bind(new FakePeer());
  const call = new FakeCall('bob', {});
  peer.fire('call', call);
  assert.equal(call.closed, true);
  assert.equal(view.live().length, 0);
});
