import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpeakerPicker } from '../src/lib/speaker.js';

const levels = (entries) => new Map(Object.entries(entries));

test('nobody speaks: no speaker', () => {
  const picker = new SpeakerPicker();
  assert.equal(picker.update(levels({ a: 0, b: 0.001 }), 0), null);
});

test('the loudest one above the threshold becomes the speaker', () => {
  const picker = new SpeakerPicker();
  assert.equal(picker.update(levels({ a: 0.1, b: 0.3, c: 0 }), 0), 'b');
});

test('the speaker keeps the role while talking, even when someone is louder', () => {
  const picker = new SpeakerPicker({ hold: 1500 });
  picker.update(levels({ a: 0.2, b: 0 }), 0);
  assert.equal(picker.update(levels({ a: 0.05, b: 0.9 }), 500), 'a');
  assert.equal(picker.update(levels({ a: 0.05, b: 0.9 }), 5000), 'a');
});

test('someone else takes over after the speaker was quiet for the hold time', () => {
  const picker = new SpeakerPicker({ hold: 1500 });
  picker.update(levels({ a: 0.2, b: 0 }), 0);
  assert.equal(picker.update(levels({ a: 0, b: 0.3 }), 1000), 'a', 'too early');
  assert.equal(picker.update(levels({ a: 0, b: 0.3 }), 1600), 'b');
});

test('silence keeps the last speaker; leaving clears it', () => {
  const picker = new SpeakerPicker();
  picker.update(levels({ a: 0.2 }), 0);
  assert.equal(picker.update(levels({ a: 0, b: 0 }), 60000), 'a');
  assert.equal(picker.update(levels({ b: 0 }), 61000), null);
  assert.equal(picker.update(levels({ b: 0.2 }), 61100), 'b', 'a newcomer need not wait for the one who left');
});
