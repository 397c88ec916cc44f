import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalMedia } from '../src/lib/local-media.js';

const fail = (name) => Object.assign(new Error(name), { name });

class FakeTrack {
  constructor(kind, deviceId) {
    Object.assign(this, { kind, deviceId, enabled: true, stopped: false, listeners: [] });
  }
  getSettings() {
    return { deviceId: this.deviceId };
  }
  stop() {
    this.stopped = true;
  }
  addEventListener(type, fn) {
    if (type === 'ended') this.listeners.push(fn);
  }
  end() {
    this.listeners.forEach((fn) => fn());
  }
}

class FakeStream {
  constructor(tracks = []) {
    this.tracks = [...tracks];
  }
  getTracks() {
    return [...this.tracks];
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  addTrack(t) {
    this.tracks.push(t);
  }
  removeTrack(t) {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
}

/**
 * A browser with `devices` ({kind: 'videoinput'|'audioinput', deviceId}) and
 * a getUserMedia that fails per kind as `errors` says ({video: 'NotAllowedError'}).
 */
function browser(devices, errors = {}) {
  const calls = [];
  const win = {
    isSecureContext: true,
    MediaStream: FakeStream,
    navigator: {
      mediaDevices: {
        async enumerateDevices() {
          return win.devices.map((d) => ({ ...d, label: d.deviceId }));
        },
        async getUserMedia(constraints) {
          calls.push(constraints);
          const tracks = [];
          for (const [kind, infoKind] of [['video', 'videoinput'], ['audio', 'audioinput']]) {
            const wanted = constraints[kind];
            if (!wanted) continue;
            if (errors[kind]) throw fail(errors[kind]);
            const exact = wanted.deviceId?.exact;
            const device = win.devices.find((d) => d.kind === infoKind && (!exact || d.deviceId === exact));
            if (!device) throw fail(exact ? 'OverconstrainedError' : 'NotFoundError');
            tracks.push(new FakeTrack(kind, device.deviceId));
          }
          return new FakeStream(tracks);
        },
      },
    },
  };
  win.devices = devices;
  win.calls = calls;
  return win;
}

const CAMS = [{ kind: 'videoinput', deviceId: 'cam-1' }, { kind: 'videoinput', deviceId: 'cam-2' }];
const MICS = [{ kind: 'audioinput', deviceId: 'mic-1' }];

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)) };
}

test('one request for both kinds; lists known afterwards', async () => {
  const win = browser([...CAMS, ...MICS]);
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  assert.equal(win.calls.length, 1);
  assert.equal(media.mode, 'full');
  assert.deepEqual(media.devices.camera.map((d) => d.id), ['cam-1', 'cam-2']);
  assert.equal(media.selected('camera'), 'cam-1');
});

test('a refusal is not asked again by itself: one prompt, a viewer', async () => {
  const win = browser([...CAMS, ...MICS], { video: 'NotAllowedError', audio: 'NotAllowedError' });
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  assert.equal(win.calls.length, 1);
  assert.equal(media.mode, 'viewer');
  assert.deepEqual(media.problem, { camera: 'refused', microphone: 'refused' });
  await media.start();
  assert.equal(win.calls.length, 1, 'starting again asks nothing');
});

test('an absent camera: the microphone is asked alone, once', async () => {
  const win = browser(MICS);
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  assert.equal(media.mode, 'audio-only');
  assert.equal(media.problem.camera, 'absent');
  assert.deepEqual(win.calls.map((c) => [!!c.video, !!c.audio]), [[true, true], [true, false], [false, true]]);
});

test('switching replaces the track, tells the page, and is remembered', async () => {
  const storage = memoryStorage();
  const win = browser([...CAMS, ...MICS]);
  const changes = [];
  const media = new LocalMedia({ win, storage, onTrack: (kind, track, old) => changes.push([kind, track?.deviceId, old?.deviceId]) });
  await media.start();
  changes.length = 0;
  const before = media.track('camera');
  await media.use('camera', 'cam-2');
  assert.equal(before.stopped, true);
  assert.equal(media.track('camera').deviceId, 'cam-2');
  assert.equal(media.stream.getVideoTracks().length, 1);
  assert.deepEqual(changes, [['camera', 'cam-2', 'cam-1']]);
  assert.equal(new LocalMedia({ win, storage }).choice.camera, 'cam-2', 'the next page starts on it');
});

test('a remembered device that is gone: the default instead of no camera', async () => {
  const win = browser([...CAMS, ...MICS]);
  const media = new LocalMedia({ win, storage: null });
  media.choice.camera = 'unplugged';
  await media.start();
  assert.equal(media.track('camera').deviceId, 'cam-1');
});

test('the camera in use is unplugged: the other one takes over', async () => {
  const win = browser([...CAMS, ...MICS]);
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  win.devices = win.devices.filter((d) => d.deviceId !== 'cam-1');
  await media.refresh(); // what devicechange does
  assert.equal(media.track('camera').deviceId, 'cam-2');
  assert.equal(media.problem.camera, null);
});

test('the only camera ends: no video track, and the state says lost', async () => {
  const win = browser([CAMS[0], ...MICS]);
  const changes = [];
  const media = new LocalMedia({ win, storage: null, onTrack: (kind, track) => changes.push([kind, track]) });
  await media.start();
  const track = media.track('camera');
  win.devices = MICS;
  track.end();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(media.track('camera'), null);
  assert.equal(media.problem.camera, 'lost');
  assert.deepEqual(changes.at(-1), ['camera', null]);
  assert.equal(media.mode, 'audio-only');
});

test('the camera permission taken back: the tracks end, the other camera is refused too, and the state says refused', async () => {
  const win = browser([...CAMS, ...MICS]);
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  const track = media.track('camera');
  win.navigator.mediaDevices.getUserMedia = async () => {
    throw fail('NotAllowedError');
  };
  track.end();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(media.track('camera'), null);
  assert.equal(media.problem.camera, 'refused');
});

test('the only camera ends while the browser says its permission is denied: refused, not lost', async () => {
  const win = browser([CAMS[0], ...MICS]);
  win.navigator.permissions = { query: async ({ name }) => ({ state: name === 'camera' ? 'denied' : 'granted' }) };
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  const track = media.track('camera');
  win.devices = MICS; // without the permission, the camera is no longer listed
  track.end();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(media.problem.camera, 'refused');
});

test('a camera put in the stream by someone else (the flip) and watched: when it ends, another takes over', async () => {
  const win = browser([...CAMS, ...MICS]);
  const changes = [];
  const media = new LocalMedia({ win, storage: null, onTrack: (kind, track) => changes.push([kind, track?.deviceId]) });
  await media.start();
  const first = media.track('camera');
  first.stop();
  media.stream.removeTrack(first);
  const flipped = new FakeTrack('video', 'cam-2');
  media.stream.addTrack(flipped);
  media.watch('camera', flipped);
  first.end(); // the old track's listener must not act on the new one
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(media.track('camera'), flipped);
  flipped.end();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(media.track('camera').deviceId, 'cam-1');
  assert.deepEqual(changes.at(-1), ['camera', 'cam-1']);
});

test('a device turned off is released; turned on again it is asked for alone', async () => {
  const win = browser([...CAMS, ...MICS]);
  const media = new LocalMedia({ win, storage: null });
  await media.start();
  const camera = media.track('camera');
  media.disable('camera');
  assert.equal(camera.stopped, true);
  assert.equal(media.mode, 'audio-only');
  assert.equal(await media.enable('camera'), true);
  assert.deepEqual(win.calls.at(-1), { video: { deviceId: { exact: 'cam-1' } }, audio: false });
});

test('plain HTTP: nothing is asked, and nothing can be turned on', async () => {
  const media = new LocalMedia({ win: { isSecureContext: false, navigator: {} }, storage: null });
  await media.start();
  assert.equal(media.mode, 'viewer');
  assert.equal(media.canAsk('camera'), false);
});
