import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquireMedia, classifyMediaError, describeMedia, mediaBlocker } from '../src/lib/media.js';

const fail = (name) => Object.assign(new Error(name), { name });

/** A window whose getUserMedia answers per kind: `devices.audio`/`devices.video` are true or an error name. */
function browser(devices) {
  const asked = [];
  return {
    asked,
    isSecureContext: true,
    navigator: {
      mediaDevices: {
        async getUserMedia(constraints) {
          asked.push(Object.keys(constraints).sort().join('+'));
          for (const kind of ['audio', 'video']) {
            if (constraints[kind] && devices[kind] !== true) throw fail(devices[kind]);
          }
          return { constraints };
        },
      },
    },
  };
}

test('error classification', () => {
  assert.equal(classifyMediaError(fail('NotAllowedError')), 'refused');
  assert.equal(classifyMediaError(fail('SecurityError')), 'refused');
  assert.equal(classifyMediaError(fail('NotFoundError')), 'absent');
  assert.equal(classifyMediaError(fail('OverconstrainedError')), 'absent');
  assert.equal(classifyMediaError(fail('NotReadableError')), 'busy');
  assert.equal(classifyMediaError(fail('TypeError')), 'unknown');
  assert.equal(classifyMediaError(undefined), 'unknown');
});

test('both devices work: one request', async () => {
  const win = browser({ audio: true, video: true });
  const result = await acquireMedia(win);
  assert.equal(result.mode, 'full');
  assert.deepEqual(win.asked, ['audio+video']);
  assert.equal(describeMedia(result), null);
});

test('camera refused, microphone fine: audio only, and the message says camera', async () => {
  const result = await acquireMedia(browser({ audio: true, video: 'NotAllowedError' }));
  assert.equal(result.mode, 'audio-only');
  assert.equal(result.camera, 'refused');
  assert.equal(result.microphone, null);
  assert.match(describeMedia(result), /^Camera: permission refused\. You joined with your microphone only\.$/);
});

test('no microphone, camera busy: viewer, both named', async () => {
  const result = await acquireMedia(browser({ audio: 'NotFoundError', video: 'NotReadableError' }));
  assert.equal(result.mode, 'viewer');
  assert.equal(result.stream, null);
  const text = describeMedia(result);
  assert.match(text, /Camera: in use by another application\./);
  assert.match(text, /Microphone: not found\./);
  assert.match(text, /joined as a viewer/);
});

test('everything refused: viewer, one sentence for both', async () => {
  const result = await acquireMedia(browser({ audio: 'NotAllowedError', video: 'NotAllowedError' }));
  assert.equal(result.mode, 'viewer');
  assert.match(describeMedia(result), /^Camera and microphone: permission refused\. You joined as a viewer/);
});

test('microphone absent, camera fine: video only', async () => {
  const result = await acquireMedia(browser({ audio: 'NotFoundError', video: true }));
  assert.equal(result.mode, 'video-only');
  assert.match(describeMedia(result), /^Microphone: not found\. You joined with your camera only/);
});

test('plain HTTP off localhost: no mediaDevices, says so instead of crashing', async () => {
  const win = { isSecureContext: false, navigator: {} };
  assert.equal(mediaBlocker(win), 'insecure');
  const result = await acquireMedia(win);
  assert.equal(result.mode, 'viewer');
  const text = describeMedia(result, { host: '192.168.1.20:3000' });
  assert.match(text, /secure connection: HTTPS or localhost \(this page is plain HTTP on 192\.168\.1\.20:3000\)/);
  assert.match(text, /viewer/);
});

test('a secure page without getUserMedia is "unsupported"', () => {
  assert.equal(mediaBlocker({ isSecureContext: true, navigator: {} }), 'unsupported');
  assert.equal(mediaBlocker(browser({})), null);
});
