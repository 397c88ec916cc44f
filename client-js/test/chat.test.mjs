import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorName, ChatState, chatEntry, formatTime, refusalText } from '../src/lib/chat.js';

test('times are local HH:MM, zero-padded', () => {
  assert.equal(formatTime(new Date(2026, 0, 2, 7, 5)), '07:05');
  assert.equal(formatTime(new Date(2026, 0, 2, 23, 59, 59)), '23:59');
  assert.equal(formatTime(new Date(2026, 0, 2, 0, 0)), '00:00');
});

test('an entry carries the author, the time and whether it is mine', () => {
  const at = new Date(2026, 4, 6, 9, 30);
  assert.deepEqual(chatEntry({ text: 'hi', author: 'Ann', at }), {
    text: 'hi', author: 'Ann', mine: false, time: '09:30', datetime: at.toISOString(),
  });
  assert.equal(chatEntry({ text: 'x', author: 'Me (you)', mine: true, at }).mine, true);
});

test('authors: me, a known name, else the user id, and the server', () => {
  const names = new Map([['p1', 'Ann']]);
  assert.equal(authorName({ from: 'p1', names }), 'Ann');
  assert.equal(authorName({ from: 'p2', names }), 'p2');
  assert.equal(authorName({ from: null, names }), 'Server');
  assert.equal(authorName({ from: 'me', mine: true, myName: 'Bo', names }), 'Bo (you)');
});

test('messages received while the panel is closed are unread; opening clears them', () => {
  const chat = new ChatState();
  assert.equal(chat.badge, '');
  assert.equal(chat.buttonLabel, 'Open chat');
  chat.received();
  chat.received();
  assert.equal(chat.unread, 2);
  assert.equal(chat.badge, '2');
  assert.equal(chat.buttonLabel, 'Open chat (2 unread)');
  chat.toggle();
  assert.equal(chat.open, true);
  assert.equal(chat.badge, '');
  assert.equal(chat.buttonLabel, 'Close chat');
  chat.received();
  assert.equal(chat.unread, 0, 'read as it arrives while open');
  chat.toggle();
  for (let i = 0; i < 120; i++) chat.received();
  assert.equal(chat.badge, '99+');
  chat.setOpen(true);
  assert.equal(chat.unread, 0);
});

test('refusals read as short sentences, unknown codes included', () => {
  assert.match(refusalText({ code: 'rate-limited', message: 'too many messages; slow down' }), /too fast/);
  assert.match(refusalText({ code: 'message-too-large', message: 'x' }), /too long/);
  assert.match(refusalText({ code: 'not-joined', message: 'x' }), /not in the room/);
  assert.equal(refusalText({ code: 'busy', message: 'server busy' }), 'Not sent: server busy.');
  assert.equal(refusalText(undefined), 'Not sent: unknown error.');
});
