import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanName, defaultName, loadName, MAX_LENGTH, saveName, STORAGE_KEY } from '../src/lib/names.js';

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)) };
}

test('cleanName flattens, trims and caps', () => {
  assert.equal(cleanName('  Ann \n\t Lee  '), 'Ann Lee');
  assert.equal(cleanName('x'.repeat(100)).length, MAX_LENGTH);
  assert.equal(cleanName('<b>hi</b>'), '<b>hi</b>', 'markup is kept as text; it is shown with textContent');
  assert.equal(cleanName(42), 'Guest');
  assert.equal(cleanName('   '), '');
});

test('a default name is made once and stored', () => {
  const storage = memoryStorage();
  const name = loadName(storage, () => 0.5);
  assert.equal(name, 'Guest 5500');
  assert.equal(storage.data.get(STORAGE_KEY), name);
  assert.equal(loadName(storage, () => 0), name);
  assert.match(defaultName(), /^Guest \d{4}$/);
});

test('saveName refuses blank names and survives a throwing storage', () => {
  const storage = memoryStorage({ [STORAGE_KEY]: 'Ann' });
  assert.equal(saveName(storage, '  '), '');
  assert.equal(storage.data.get(STORAGE_KEY), 'Ann');
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  assert.match(loadName(broken), /^Guest \d{4}$/);
  assert.equal(saveName(broken, 'Bo'), 'Bo');
  assert.match(loadName(null), /^Guest \d{4}$/);
});
