import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  STORAGE_KEY, canPickSpeaker, constraintsFor, listDevices, loadChoices, lostText, pickDevice, replacementFor, saveChoice,
} from '../src/lib/devices.js';

const info = (kind, deviceId, label = '') => ({ kind, deviceId, label });

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)) };
}

test('devices are grouped by kind; hidden labels get a number, hidden ids are left out', () => {
  const lists = listDevices([
    info('videoinput', 'cam-a', 'Front'),
    info('videoinput', 'cam-b'),
    info('audioinput', 'mic-a', 'Headset'),
    info('audioinput', 'mic-a', 'Headset'),
    info('audiooutput', ''),
  ]);
  assert.deepEqual(lists.camera, [{ id: 'cam-a', label: 'Front' }, { id: 'cam-b', label: 'Camera 2' }]);
  assert.deepEqual(lists.microphone, [{ id: 'mic-a', label: 'Headset' }]);
  assert.deepEqual(lists.speaker, []);
});

test('the chosen device while it is there, else the default (first)', () => {
  const list = [{ id: 'default' }, { id: 'usb' }];
  assert.equal(pickDevice(list, 'usb'), 'usb');
  assert.equal(pickDevice(list, 'unplugged'), 'default');
  assert.equal(pickDevice([], 'usb'), null);
});

test('a replacement is another device of the kind, or none', () => {
  assert.equal(replacementFor([{ id: 'a' }, { id: 'b' }], 'a'), 'b');
  assert.equal(replacementFor([{ id: 'a' }], 'a'), null);
});

test('constraints ask for the chosen device exactly, and leave out a kind turned off', () => {
  assert.deepEqual(constraintsFor({ camera: 'c1' }, { video: true, audio: true }), { video: { deviceId: { exact: 'c1' } }, audio: true });
  assert.deepEqual(constraintsFor({ camera: 'c1', microphone: 'm1' }, { video: false, audio: true }), { video: false, audio: { deviceId: { exact: 'm1' } } });
});

test('choices are remembered per kind; garbage and a broken storage give none', () => {
  const storage = memoryStorage();
  saveChoice(storage, 'camera', 'c1');
  saveChoice(storage, 'speaker', 's1');
  saveChoice(storage, 'printer', 'p1');
  assert.deepEqual(loadChoices(storage), { camera: 'c1', speaker: 's1' });
  assert.deepEqual(loadChoices(memoryStorage({ [STORAGE_KEY]: '{not json' })), {});
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  assert.deepEqual(loadChoices(broken), {});
  assert.doesNotThrow(() => saveChoice(broken, 'camera', 'c1'));
});

test('a speaker can be picked only where setSinkId exists', () => {
  assert.equal(canPickSpeaker({ HTMLMediaElement: { prototype: { setSinkId() {} } } }), true);
  assert.equal(canPickSpeaker({ HTMLMediaElement: { prototype: {} } }), false);
  assert.equal(lostText('camera'), 'Camera disconnected.');
});
