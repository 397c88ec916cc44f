import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatData, cleanText, MAX_TEXT, readData, stateData } from '../src/lib/app-messages.js';

test('chat data is one trimmed line of at most MAX_TEXT characters', () => {
  assert.deepEqual(chatData('  hello  '), { kind: 'chat', text: 'hello' });
  assert.deepEqual(chatData('a\nb\tc'), { kind: 'chat', text: 'a b c' });
  assert.equal(chatData('x'.repeat(MAX_TEXT + 50)).text.length, MAX_TEXT);
  assert.equal([...chatData('😀'.repeat(MAX_TEXT + 1)).text].length, MAX_TEXT, 'counted in characters, not halves');
  assert.equal(chatData('   '), null);
  assert.equal(chatData(''), null);
  assert.equal(chatData(undefined), null);
});

test('markup is kept as text: it is only shown with textContent', () => {
  const html = '<img src=x onerror=alert(1)>';
  assert.equal(cleanText(html), html);
});

test('state data holds three booleans and the cleaned name, if any', () => {
  assert.deepEqual(stateData({ mic: true, camera: false }), { kind: 'state', mic: true, camera: false, screen: false });
  assert.deepEqual(stateData({ mic: 1, camera: 'yes', screen: 1 }), { kind: 'state', mic: false, camera: false, screen: false });
  assert.deepEqual(stateData({ mic: true, camera: true, screen: true, name: ' Ann\nB ' }), { kind: 'state', mic: true, camera: true, screen: true, name: 'Ann B' });
  assert.equal('name' in stateData({ mic: true, camera: true, name: '  ' }), false);
});

test('readData accepts our two kinds, cleaned', () => {
  assert.deepEqual(readData({ kind: 'chat', text: ' hi\n' }), { kind: 'chat', text: 'hi' });
  assert.deepEqual(readData({ kind: 'chat', text: 'y'.repeat(5000) }).text.length, MAX_TEXT);
  assert.deepEqual(readData({ kind: 'state', mic: false, camera: true, extra: 1 }), { kind: 'state', mic: false, camera: true, screen: false });
  assert.deepEqual(readData({ kind: 'state', mic: false, camera: false, screen: true, name: 'x'.repeat(99) }), { kind: 'state', mic: false, camera: false, screen: true, name: 'x'.repeat(40) });
  // Optional fields of the wrong type read as absent; the message stays.
  assert.deepEqual(readData({ kind: 'state', mic: true, camera: true, screen: 'yes', name: 7 }), { kind: 'state', mic: true, camera: true, screen: false });
});

test('readData ignores anything else instead of throwing', () => {
  const junk = [
    null, undefined, 42, 'chat', [], [{ kind: 'chat', text: 'x' }], {}, { kind: 'hand' },
    { kind: 'chat' }, { kind: 'chat', text: 5 }, { kind: 'chat', text: '  ' }, { kind: 'chat', text: { toString: 1 } },
    { kind: 'state', mic: 'no', camera: true }, { kind: 'state', mic: false }, { kind: '__proto__' },
    JSON.parse('{"__proto__": {"kind": "chat", "text": "x"}}'),
  ];
  for (const data of junk) assert.equal(readData(data), null, JSON.stringify(data));
});
