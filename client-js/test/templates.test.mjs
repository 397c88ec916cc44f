// The contract with the Rust server's minijinja templates (see DEVELOPING.md).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfig } from '../src/lib/config.js';

const read = (path) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const room = read('templates/room.html');
const notFound = read('templates/not-found.html');

// minijinja's HTML auto-escaping (v2): & < > " ' and /.
const escape = (s) =>
  s.replace(/[&<>"'/]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '/': '&#x2f;' })[c]);
const unescape = (s) =>
  s.replace(/&(amp|lt|gt|quot|#x27|#x2f);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#x2f': '/' })[e]);

test('room.html has one variable, config, inside the data-config attribute of <body>', () => {
  const tags = room.match(/\{[{%#][\s\S]*?[}%#]\}/g);
  assert.deepEqual(tags, ['{{ config }}']);
  assert.match(room, /<body data-config="\{\{ config \}\}">/);
});

test('an escaped config survives the attribute and cannot break out of it', () => {
  const config = {
    roomId: 'abc',
    transport: 'socketio',
    socketPath: '/socket.io',
    roomsPath: '/rooms',
    peer: { path: '/peerjs', key: 'peerjs', port: null },
    iceServers: [{ urls: 'turn:x"><script>alert(1)</script>', username: "o'neil", credential: '&' }],
    iceServersPath: '/ice-servers',
    iceTtl: 3600,
    maxRoomSize: 2,
    roomInfoPath: '/room-info',
  };
  const html = room.replace('{{ config }}', escape(JSON.stringify(config)));
  const attribute = /<body data-config="([^"]*)">/.exec(html)[1];
  assert.doesNotMatch(attribute, /[<>"]/);
  assert.deepEqual(parseConfig(unescape(attribute)), config);
  assert.equal((html.match(/<script/g) ?? []).length, 3);
});

test('room.html loads the three scripts from /assets with defer, and the stylesheet', () => {
  const scripts = [...room.matchAll(/<script([^>]*)><\/script>/g)].map((m) => m[1].trim());
  assert.deepEqual(scripts, [
    'defer src="/assets/peerjs.min.js"',
    'defer src="/assets/socket.io.min.js"',
    'defer src="/assets/room.js"',
  ]);
  assert.match(room, /<link rel="stylesheet" href="\/assets\/room\.css">/);
  for (const file of ['dist/peerjs.min.js', 'dist/socket.io.min.js', 'dist/room.js', 'static/room.css']) {
    assert.ok(existsSync(new URL(`../${file}`, import.meta.url)), file);
  }
});

test('room.html has the elements room.js looks up', () => {
  const ids = ['status', 'video-grid', 'participant-count', 'name-input', 'room-state', 'room-state-title',
    'room-state-text', 'rejoin', 'controls', 'btn-mic', 'btn-cam', 'btn-screen', 'btn-invite', 'btn-chat',
    'btn-leave', 'btn-flip', 'announcer', 'chat', 'chat-unread', 'chat-list', 'chat-form', 'chat-input', 'chat-error',
    // The pre-join screen and the device pickers.
    'prejoin', 'prejoin-count', 'prejoin-video', 'prejoin-no-video', 'mic-level', 'prejoin-media', 'prejoin-name', 'prejoin-camera',
    'prejoin-mic', 'join', 'devices', 'devices-panel', 'speaker-field'];
  for (const id of ids) assert.match(room, new RegExp(`id="${id}"`), id);
  // device-view.js: `${kind}-select` for each kind.
  for (const kind of ['camera', 'microphone', 'speaker']) assert.match(room, new RegExp(`id="${kind}-select"`), kind);
  const source = read('src/room.js') + read('src/lib/controls.js') + read('src/lib/prejoin-view.js');
  for (const [, id] of source.matchAll(/\$\('([\w-]+)'\)/g)) assert.ok(ids.includes(id), `room.html lacks #${id}`);
  // chat-panel.js looks its ids up from one list: [...].map($).
  const list = /\[([^\]]*)\]\.map\(\$\)/.exec(read('src/lib/chat-panel.js'))[1];
  for (const [, id] of list.matchAll(/'([\w-]+)'/g)) assert.ok(ids.includes(id), `room.html lacks #${id}`);
});

test('every control button is named by its visible word, has a tooltip and a test id', () => {
  const controls = /<nav id="controls"[\s\S]*?<\/nav>/.exec(room)[0];
  const buttons = [...controls.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/g)];
  assert.equal(buttons.length, 7);
  for (const [, attrs, inside] of buttons) {
    // No aria-label: the accessible name is the visible word (WCAG 2.5.3, label in name).
    assert.doesNotMatch(attrs, /aria-label=/);
    assert.match(inside, /<span class="label">\w+<\/span>/);
    assert.match(inside, /<svg [^>]*aria-hidden="true"/);
    assert.match(attrs, /title="[^"]+"/);
    assert.match(attrs, /data-testid="[^"]+"/);
    assert.match(attrs, /type="button"/);
  }
});

test('joins and leaves have one polite live region; the participant count is not another', () => {
  assert.match(room, /<p id="announcer" class="visually-hidden"[^>]*aria-live="polite"/);
  assert.doesNotMatch(/<span id="participant-count"[^>]*>/.exec(room)[0], /aria-live/);
});

test('the chat form: a labelled field of at most 1000 characters and a Send button, no inline handler', () => {
  const form = /<form id="chat-form"[\s\S]*?<\/form>/.exec(room)[0];
  assert.match(form, /<input id="chat-input"[^>]*maxlength="1000"[^>]*aria-label="[^"]+"/);
  assert.match(form, /<button type="submit" data-testid="chat-send">Send<\/button>/);
  assert.doesNotMatch(room, /\son\w+=/i);
  assert.doesNotMatch(form, /action=/);
});

test('not-found.html takes no variables, runs no script and links to a new room', () => {
  assert.doesNotMatch(notFound, /\{[{%#]/);
  assert.doesNotMatch(notFound, /<script/i);
  assert.doesNotMatch(notFound, /\son\w+=/i);
  assert.match(notFound, /<a [^>]*href="\/"[^>]*>Start a new room<\/a>/);
});
