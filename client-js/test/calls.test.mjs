import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Calls } from '../src/lib/calls.js';
import { Connectivity } from '../src/lib/connectivity.js';
import { TileRegistry } from '../src/lib/tiles.js';
import { FakeCall, FakeConn, FakePC, FakePeer, manualTimers, recordingView } from './fakes.mjs';

function setup({ stream = { id: 'local' }, name = 'Ann', self = 'ann', beforeCall } = {}) {
  const view = recordingView();
  const tiles = new TileRegistry(view);
  const peer = new FakePeer();
  const timers = manualTimers();
  const states = [];
  let calls = null;
  const connectivity = new Connectivity({
    selfId: () => self,
    recall: (peerId) => calls.call(peerId),
    onState: (peerId, link) => {
      states.push([peerId, link?.state ?? null, link?.reason ?? null]);
      if (link) tiles.setLink(peerId, link);
    },
    timers,
  });
  calls = new Calls({
    tiles,
    connectivity,
    getStream: () => stream,
    getName: () => name,
    emptyStream: () => ({ empty: true }),
    beforeCall,
  });
  calls.bind(peer);
  return { view, tiles, peer, calls, connectivity, timers, states };
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

test('answering: local stream, caller name shown, no second (data) connection', () => {
  const { peer, tiles, view } = setup();
  const call = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', call);
  assert.deepEqual(call.answered, { stream: { id: 'local' } });
  assert.equal(view.live()[0].name, 'Bob');
  assert.equal(peer.conns.length, 0, 'names travel over the signaling channel');
  assert.equal(tiles.size, 1);
});

test('a viewer answers without a stream', () => {
  const { peer } = setup({ stream: null });
  const call = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', call);
  assert.deepEqual(call.answered, { stream: undefined });
});

test('data connections (an older page opening one for names) are refused', () => {
  const { peer } = setup();
  const conn = new FakeConn('bob', { label: 'names' });
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
});

test('a call with someone not in the room that closes by itself removes its tile', () => {
  const { peer, calls, view } = setup();
  calls.call('bob');
  peer.calls[0].close();
  assert.equal(view.live().length, 0);
});

test('a call with a member that closes by itself keeps the tile and is placed again by the deciding side', () => {
  const { peer, calls, view, connectivity, timers, tiles } = setup({ self: 'ann' });
  connectivity.expect('bob');
  calls.call('bob');
  peer.calls[0].fire('stream', { id: 's' });
  peer.calls[0].close();
  assert.equal(view.live().length, 1, 'the tile stays');
  assert.equal(view.live()[0].stream, null, 'without the dead video');
  assert.equal(view.live()[0].link.state, 'reconnecting');
  assert.equal(tiles.callOf('bob'), null);
  timers.run(); // the backoff: 'ann' < 'bob', so we call again
  assert.equal(peer.calls.length, 2);
  assert.equal(tiles.callOf('bob'), peer.calls[1]);
});

test('the side whose id sorts last waits for the other to call again', () => {
  const { peer, calls, connectivity, timers } = setup({ self: 'zoe' });
  connectivity.expect('bob');
  calls.call('bob');
  peer.calls[0].close();
  timers.run();
  assert.equal(peer.calls.length, 1, 'no second call from zoe');
  const again = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', again);
  assert.deepEqual(again.answered, { stream: { id: 'local' } });
});

test('a call crossing the one we placed as the deciding side is refused; the other side takes ours', () => {
  const { peer, calls, connectivity, timers } = setup({ self: 'ann' });
  connectivity.expect('bob');
  calls.call('bob');
  peer.calls[0].close();
  timers.run(); // our second call is out, not connected yet
  const crossing = new FakeCall('bob', { name: 'Bob' });
  peer.fire('call', crossing);
  assert.equal(crossing.closed, true);
  assert.equal(crossing.answered, null);

  const other = setup({ self: 'zoe' });
  other.connectivity.expect('ann');
  other.calls.call('ann');
  const ours = new FakeCall('ann', { name: 'Ann' });
  other.peer.fire('call', ours);
  assert.deepEqual(ours.answered, { stream: { id: 'local' } }, 'zoe answers ann, who decides');
  assert.equal(other.peer.calls[0].closed, true, 'and drops its own');
});

test('peer-unavailable counts as a failed attempt', () => {
  const { calls, connectivity, states } = setup({ self: 'zoe' });
  connectivity.expect('bob');
  calls.call('bob');
  calls.unavailable('bob');
  calls.unavailable('bob'); // PeerJS reports it once per expired message
  assert.deepEqual(states.at(-1), ['bob', 'reconnecting', 'peer-unavailable']);
  assert.equal(connectivity.stateOf('bob').failures, 1);
});

test('the connection state drives the link: connected, no candidates at all, TURN refused', () => {
  const { peer, calls, connectivity, view } = setup({ self: 'zoe' });
  connectivity.expect('bob');
  calls.call('bob');
  const pc = peer.calls[0].peerConnection;
  pc.change('connectionState', 'connected');
  assert.equal(connectivity.stateOf('bob').state, 'connected');
  assert.equal(view.live()[0].state, 'off', 'connected without a stream: a viewer');

  connectivity.expect('carl');
  calls.call('carl');
  const relay = peer.calls[1].peerConnection;
  relay.fire('icecandidateerror', { errorCode: 401 });
  relay.change('iceGatheringState', 'complete');
  assert.deepEqual(connectivity.stateOf('carl'), { state: 'failed', reason: 'turn-refused', failures: 1 });

  connectivity.expect('dora');
  calls.call('dora');
  const lan = peer.calls[2].peerConnection;
  lan.fire('icecandidate', { candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host' } });
  lan.change('iceGatheringState', 'complete');
  assert.equal(connectivity.stateOf('dora').state, 'connecting', 'one candidate: still trying');
});

test('calls and answers wait for fresh credentials when they are being fetched', async () => {
  let release;
  let pending = new Promise((resolve) => {
    release = resolve;
  });
  const { peer, calls } = setup({ beforeCall: () => pending });
  calls.call('bob');
  const incoming = new FakeCall('carl', { name: 'Carl' });
  peer.fire('call', incoming);
  assert.equal(peer.calls.length, 0);
  assert.equal(incoming.answered, null);
  const waiting = pending;
  pending = null;
  release();
  await waiting;
  await Promise.resolve();
  assert.equal(peer.calls.length, 1);
  assert.deepEqual(incoming.answered, { stream: { id: 'local' } });
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
  const { peer, calls, tiles } = setup();
  peer.fire('call', new FakeCall('bob', {}));
  tiles.ensure('dave'); // in the room, no call yet
  calls.heal(['bob', 'carol', 'dave']);
  assert.deepEqual(peer.calls.map((c) => c.peer), ['carol', 'dave']);
});

test('calls from a replaced Peer are refused', () => {
  const { peer, calls, view } = setup();
  calls.bind(new FakePeer());
  const call = new FakeCall('bob', {});
  peer.fire('call', call);
  assert.equal(call.closed, true);
  assert.equal(view.live().length, 0);
});

/**
 * A video transceiver as calls.js looks at it: its directions (negotiated,
 * and the one set up, which is all there is while the call connects) and its
 * sender's track.
 */
function withVideo(call, currentDirection, direction = currentDirection ?? 'sendrecv') {
  const sender = {
    track: null,
    replaceTrack(track) {
      this.track = track;
      return Promise.resolve();
    },
  };
  call.peerConnection.getTransceivers = () => [
    { receiver: { track: { kind: 'audio' } }, currentDirection, direction, sender: {} },
    { receiver: { track: { kind: 'video' } }, currentDirection, direction, sender },
  ];
  return sender;
}

test('sendVideo swaps the track where the call sends video, and calls again where it does not', () => {
  let stream = null;
  const { peer, calls } = setup({ stream: null });
  calls.getStream = () => stream;
  calls.call('bob'); // we send video to bob
  const toBob = withVideo(peer.calls[0], 'sendrecv');
  const fromCarl = new FakeCall('carl', { name: 'Carl' });
  peer.fire('call', fromCarl); // we answered carl as a viewer: nothing sent
  withVideo(fromCarl, 'recvonly');
  const screen = { kind: 'video', id: 'screen' };
  stream = { id: 'with-screen' };
  calls.sendVideo(screen);
  assert.equal(toBob.track, screen);
  assert.equal(peer.calls.length, 2, 'carl is called again, with the screen');
  assert.equal(peer.calls[1].peer, 'carl');
  assert.deepEqual(peer.calls[1].stream, { id: 'with-screen' });
  assert.equal(fromCarl.closed, true, 'the newest call wins');
});

test('sendVideo(null): a call that sends video is placed again without it, one that does not is left alone', () => {
  const { peer, calls } = setup({ stream: null });
  calls.call('bob');
  withVideo(peer.calls[0], 'sendonly');
  calls.call('dan');
  withVideo(peer.calls[1], 'recvonly');
  calls.sendVideo(null);
  assert.deepEqual(peer.calls.map((c) => c.peer), ['bob', 'dan', 'bob']);
  assert.deepEqual(peer.calls[2].stream, { empty: true });
});

test('sendTrack for audio: swapped where the call sends audio, the video untouched; called again where it sends none', () => {
  const { peer, calls } = setup({ stream: null });
  const sender = () => ({
    track: null,
    replaceTrack(track) {
      this.track = track;
      return Promise.resolve();
    },
  });
  const transceivers = (call, audioDirection, audio, video) => {
    call.peerConnection.getTransceivers = () => [
      { receiver: { track: { kind: 'audio' } }, currentDirection: audioDirection, sender: audio },
      { receiver: { track: { kind: 'video' } }, currentDirection: 'sendrecv', sender: video },
    ];
  };
  calls.call('bob');
  const [bobAudio, bobVideo] = [sender(), sender()];
  transceivers(peer.calls[0], 'sendrecv', bobAudio, bobVideo);
  calls.call('dan');
  transceivers(peer.calls[1], 'recvonly', sender(), sender()); // we joined dan's call without a microphone
  const mic = { kind: 'audio', id: 'mic-2' };
  calls.sendTrack('audio', mic);
  assert.equal(bobAudio.track, mic);
  assert.equal(bobVideo.track, null, 'the video sender keeps its track');
  assert.deepEqual(peer.calls.map((c) => c.peer), ['bob', 'dan', 'dan']);
});

test('a camera switched while our call still connects is swapped in place, not placed again', () => {
  const { peer, calls } = setup();
  calls.call('bob'); // sent with our camera; no answer yet: nothing negotiated
  const toBob = withVideo(peer.calls[0], null, 'sendrecv');
  calls.call('dan'); // a call that offers to receive video only
  withVideo(peer.calls[1], null, 'recvonly');
  const camera = { kind: 'video', id: 'camera-2' };
  calls.sendTrack('video', camera);
  assert.equal(toBob.track, camera);
  assert.deepEqual(peer.calls.map((c) => c.peer), ['bob', 'dan', 'dan'], 'only the call that sends no video is placed again');
  assert.equal(peer.calls[0].closed, false);
});

test('a camera switched before and while we answer: the answer carries the new camera, and no call is placed', async () => {
  let release;
  let pending = new Promise((resolve) => {
    release = resolve;
  });
  const camera = (id) => ({ kind: 'video', id });
  let stream = { id: 'local', video: camera('camera-1') };
  const { peer, calls } = setup({ beforeCall: () => pending });
  calls.getStream = () => stream;
  // PeerJS makes the answering side's connection only in answer().
  const incoming = new FakeCall('carl', { name: 'Carl' });
  incoming.peerConnection = undefined;
  let toCarl = null;
  incoming.answer = function (answered) {
    this.answered = { stream: answered };
    this.peerConnection = new FakePC();
    toCarl = withVideo(this, null, 'sendrecv');
    toCarl.track = answered.video;
  };
  peer.fire('call', incoming); // waits for fresh credentials
  stream = { id: 'local', video: camera('camera-2') };
  calls.sendTrack('video', stream.video);
  assert.equal(peer.calls.length, 0, 'not answered yet: nothing to place again');
  const waiting = pending;
  pending = null;
  release();
  await waiting;
  await Promise.resolve();
  assert.equal(incoming.answered.stream.video.id, 'camera-2');
  // Answered, still connecting: the next switch is a swap.
  calls.sendTrack('video', camera('camera-3'));
  assert.equal(toCarl.track.id, 'camera-3');
  assert.equal(peer.calls.length, 0);
  assert.equal(incoming.closed, false);
});
