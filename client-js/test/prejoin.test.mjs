import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL, countText, fetchRoomInfo, roomInfoUrl, step } from '../src/lib/prejoin.js';

const answer = (status, body) => async () => ({ ok: status < 300, status, json: async () => body });

test('the room-info URL is the configured path and the room id', () => {
  assert.equal(roomInfoUrl({ roomInfoPath: '/room-info', roomId: 'abc-1' }), '/room-info/abc-1');
});

test('a well-formed answer is kept; anything else means "unknown"', async () => {
  assert.deepEqual(await fetchRoomInfo(answer(200, { members: 2, capacity: 2, full: true }), '/x'), { members: 2, capacity: 2, full: true });
  assert.equal(await fetchRoomInfo(answer(400, { error: { code: 'invalid-room-id' } }), '/x'), null);
  assert.equal(await fetchRoomInfo(answer(200, { members: -1, capacity: 2, full: false }), '/x'), null);
  assert.equal(await fetchRoomInfo(answer(200, { members: 1, capacity: 2 }), '/x'), null);
  assert.equal(await fetchRoomInfo(async () => { throw new TypeError('network'); }, '/x'), null);
});

test('a full room ends the screen before any media; a room with space gets to Join', () => {
  assert.equal(step(INITIAL, { type: 'info', info: { members: 2, capacity: 2, full: true } }).state, 'full');
  const ready = step(INITIAL, { type: 'info', info: { members: 1, capacity: 2, full: false } });
  assert.equal(ready.state, 'ready');
  assert.equal(step(ready, { type: 'join' }).state, 'joining');
});

test('without an answer the screen still lets the user join (the join decides)', () => {
  assert.equal(step(INITIAL, { type: 'info', info: null }).state, 'ready');
});

test('Join before the server answered, or twice, changes nothing', () => {
  assert.equal(step(INITIAL, { type: 'join' }), INITIAL);
  const joining = { state: 'joining', info: null };
  assert.equal(step(joining, { type: 'join' }), joining);
  assert.equal(step(joining, { type: 'info', info: { full: true } }), joining);
});

test('the count reads as people in the room and the cap', () => {
  assert.equal(countText({ members: 0, capacity: 50 }), 'Nobody is here yet · max 50');
  assert.equal(countText({ members: 1, capacity: 50 }), '1 person in the room · max 50');
  assert.equal(countText({ members: 3, capacity: 4 }), '3 people in the room · max 4');
  assert.equal(countText(null), '');
});
