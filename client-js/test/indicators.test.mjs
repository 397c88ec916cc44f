import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indicatorsFor, mediaState, tileLabel } from '../src/lib/indicators.js';

const track = (enabled) => ({ enabled });
const stream = (audio, video) => ({
  getAudioTracks: () => (audio ? [audio] : []),
  getVideoTracks: () => (video ? [video] : []),
});

test('my state follows the enabled flag of my tracks', () => {
  assert.deepEqual(mediaState(stream(track(true), track(true))), { mic: true, camera: true });
  assert.deepEqual(mediaState(stream(track(false), track(true))), { mic: false, camera: true });
  assert.deepEqual(mediaState(stream(track(true), track(false))), { mic: true, camera: false });
});

test('a missing device, or no stream at all (a viewer), counts as off', () => {
  assert.deepEqual(mediaState(stream(track(true), null)), { mic: true, camera: false });
  assert.deepEqual(mediaState(null), { mic: false, camera: false });
});

test('indicators show what is off, with an accessible label', () => {
  assert.deepEqual(indicatorsFor(null), [], 'unknown: nothing shown');
  assert.deepEqual(indicatorsFor({ mic: true, camera: true }), []);
  assert.deepEqual(indicatorsFor({ mic: false, camera: true }), [{ key: 'mic', text: 'muted', label: 'Microphone muted' }]);
  assert.deepEqual(indicatorsFor({ mic: false, camera: false }).map((i) => i.key), ['mic', 'camera']);
  assert.equal(indicatorsFor({ mic: true, camera: false })[0].label, 'Camera off');
});

test('the tile label names what is off', () => {
  assert.equal(tileLabel('Ann', null), 'Ann');
  assert.equal(tileLabel('Ann', { mic: true, camera: true }), 'Ann');
  assert.equal(tileLabel('Ann', { mic: false, camera: false }), 'Ann, muted, camera off');
});
