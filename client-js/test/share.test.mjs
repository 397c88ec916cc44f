import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScreenShare } from '../src/lib/share.js';

class FakeTrack extends EventTarget {
  constructor() {
    super();
    this.readyState = 'live';
  }
  stop() {
    this.readyState = 'ended'; // like the real one: stop() fires no `ended`
  }
}

function setup(getDisplayMedia) {
  const changes = [];
  const errors = [];
  const share = new ScreenShare({
    mediaDevices: getDisplayMedia === undefined ? {} : { getDisplayMedia },
    onChange: (track) => changes.push(track),
    onError: (message) => errors.push(message),
  });
  return { share, changes, errors };
}

const display = (track) => async () => ({ getVideoTracks: () => [track] });

test('start sends the screen; stop ends the capture and goes back', async () => {
  const track = new FakeTrack();
  const { share, changes } = setup(display(track));
  assert.equal(share.supported, true);
  await share.start();
  assert.equal(share.active, true);
  assert.deepEqual(changes, [track]);
  share.stop();
  assert.equal(track.readyState, 'ended');
  assert.deepEqual(changes, [track, null]);
  share.stop();
  assert.equal(changes.length, 2, 'stopping twice tells once');
});

test("the browser's own Stop sharing (the track ends) stops it the same way", async () => {
  const track = new FakeTrack();
  const { share, changes } = setup(display(track));
  await share.start();
  track.dispatchEvent(new Event('ended'));
  assert.equal(share.active, false);
  assert.deepEqual(changes, [track, null]);
});

test('a cancelled picker says nothing; another failure is reported', async () => {
  const refused = setup(async () => {
    throw new DOMException('no', 'NotAllowedError');
  });
  await refused.share.start();
  assert.deepEqual([refused.changes, refused.errors], [[], []]);
  const broken = setup(async () => {
    throw new DOMException('no screen', 'NotReadableError');
  });
  await broken.share.start();
  assert.deepEqual(broken.errors, ['Screen sharing failed: no screen']);
});

test('closing (leaving, failure, full room) stops the capture, also one still in the picker', async () => {
  const track = new FakeTrack();
  let pick;
  const { share, changes } = setup(() => new Promise((resolve) => (pick = resolve)));
  const starting = share.start();
  share.close();
  pick({ getVideoTracks: () => [track] });
  await starting;
  assert.equal(track.readyState, 'ended');
  assert.deepEqual(changes, []);
  await share.start();
  assert.equal(share.active, false, 'no new share after leaving');
});

test('without getDisplayMedia sharing is not supported', () => {
  assert.equal(setup(undefined).share.supported, false);
});
