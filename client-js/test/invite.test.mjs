import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invite, inviteMessage } from '../src/lib/invite.js';

const URL = 'https://meet.example/5b1f0c8e-2a4d-4f7b-9c3e-1d2e3f4a5b6c';
const clipboard = (fail = false) => {
  const written = [];
  return { written, writeText: async (text) => (fail ? Promise.reject(new Error('denied')) : written.push(text)) };
};

test('where the share sheet exists it gets the link, and the clipboard is left alone', async () => {
  const shared = [];
  const nav = { share: async (data) => shared.push(data), clipboard: clipboard() };
  assert.equal(await invite(nav, URL), 'shared');
  assert.equal(shared[0].url, URL);
  assert.deepEqual(nav.clipboard.written, []);
  assert.equal(inviteMessage('shared', URL), null);
});

test('closing the share sheet is not an error and copies nothing', async () => {
  const nav = { share: async () => Promise.reject(new DOMException('closed', 'AbortError')), clipboard: clipboard() };
  assert.equal(await invite(nav, URL), 'cancelled');
  assert.deepEqual(nav.clipboard.written, []);
  assert.equal(inviteMessage('cancelled', URL), null);
});

test('without a share sheet, or when it fails, the link is copied', async () => {
  const plain = { clipboard: clipboard() };
  assert.equal(await invite(plain, URL), 'copied');
  assert.deepEqual(plain.clipboard.written, [URL]);
  const failing = { share: async () => Promise.reject(new DOMException('no', 'NotAllowedError')), clipboard: clipboard() };
  assert.equal(await invite(failing, URL), 'copied');
  assert.match(inviteMessage('copied', URL), /copied/);
});

test('without a clipboard the link is shown', async () => {
  assert.equal(await invite({ clipboard: clipboard(true) }, URL), 'shown');
  assert.equal(await invite({}, URL), 'shown');
  assert.ok(inviteMessage('shown', URL).includes(URL));
});
