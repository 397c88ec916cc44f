import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraCount, nextCamera, setupCameraFlip } from '../src/lib/camera-flip.js';

const cam = (deviceId) => ({ kind: 'videoinput', deviceId });
const mic = (deviceId) => ({ kind: 'audioinput', deviceId });

test('the next camera goes round the cameras, skipping other kinds', () => {
  const devices = [cam('front'), mic('m'), cam('back')];
  assert.equal(nextCamera(devices, 'front'), 'back');
  assert.equal(nextCamera(devices, 'back'), 'front');
  assert.equal(nextCamera(devices, 'unknown'), 'front');
  assert.equal(cameraCount(devices), 2);
});

test('with one camera, or cameras without ids (no permission yet), there is no next one', () => {
  assert.equal(nextCamera([cam('front'), mic('m')], 'front'), null);
  assert.equal(nextCamera([cam(''), cam('')], undefined), null);
});

class Track {
  constructor(deviceId) {
    Object.assign(this, { deviceId, kind: 'video', enabled: true, stopped: false });
  }
  getSettings() {
    return { deviceId: this.deviceId };
  }
  stop() {
    this.stopped = true;
  }
}
class Stream {
  constructor(tracks) {
    this.tracks = tracks;
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  removeTrack(t) {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
  addTrack(t) {
    this.tracks.push(t);
  }
}
class Button {
  constructor() {
    this.hidden = true;
    this.disabled = false;
  }
  addEventListener(type, fn) {
    this.click = fn;
  }
}

function rig({ devices, fail = [] }) {
  const button = new Button();
  const old = new Track('front');
  old.enabled = false;
  const stream = new Stream([old]);
  const log = { swapped: [], reports: [], opened: [] };
  const mediaDevices = {
    enumerateDevices: async () => devices,
    getUserMedia: async ({ video }) => {
      const id = video.deviceId.exact;
      log.opened.push({ id, oldStopped: old.stopped });
      if (fail.includes(id)) throw new Error(`${id} busy`);
      return new Stream([new Track(id)]);
    },
  };
  const flip = setupCameraFlip(button, {
    mediaDevices,
    getStream: () => stream,
    swapped: (t) => log.swapped.push(t),
    report: (text) => log.reports.push(text),
  });
  return { button, old, stream, log, flip };
}

test('the button shows only with two cameras', async () => {
  const one = rig({ devices: [cam('front'), mic('m')] });
  await one.flip.refresh();
  assert.equal(one.button.hidden, true);
  const two = rig({ devices: [cam('front'), cam('back')] });
  await two.flip.refresh();
  assert.equal(two.button.hidden, false);
});

test('a flip stops the old camera first, puts the next in the stream and keeps it off if it was', async () => {
  const { button, old, stream, log } = rig({ devices: [cam('front'), cam('back')] });
  await button.click();
  assert.deepEqual(log.opened, [{ id: 'back', oldStopped: true }]);
  assert.deepEqual(stream.getVideoTracks().map((t) => t.deviceId), ['back']);
  assert.equal(stream.getVideoTracks()[0].enabled, false);
  assert.equal(log.swapped[0], stream.getVideoTracks()[0]);
  assert.ok(old.stopped);
});

test('a camera that will not open is reported and the old one comes back', async () => {
  const { button, stream, log } = rig({ devices: [cam('front'), cam('back')], fail: ['back'] });
  await button.click();
  assert.match(log.reports[0], /back busy/);
  assert.deepEqual(stream.getVideoTracks().map((t) => t.deviceId), ['front']);
  assert.equal(log.swapped.length, 1);
});

test('when neither opens, the stream has no video and the page is told', async () => {
  const { button, stream, log } = rig({ devices: [cam('front'), cam('back')], fail: ['back', 'front'] });
  await button.click();
  assert.deepEqual(stream.getVideoTracks(), []);
  assert.deepEqual(log.swapped, [null]);
});
