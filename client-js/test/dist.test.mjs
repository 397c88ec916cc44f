// The committed bundles expose the same globals as the official builds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

function load(name) {
  const window = {};
  window.window = window;
  window.self = window;
  vm.createContext(window);
  vm.runInContext(readFileSync(new URL(`../dist/${name}`, import.meta.url), 'utf8'), window);
  return window;
}

test('socket.io.min.js defines window.io like the official socket.io.js', () => {
  const { io } = load('socket.io.min.js');
  assert.equal(typeof io, 'function');
  assert.equal(io.io, io);
  assert.equal(io.connect, io);
  assert.equal(typeof io.Manager, 'function');
  assert.equal(typeof io.Socket, 'function');
});

test('peerjs.min.js defines window.Peer and window.peerjs', () => {
  const { Peer, peerjs } = load('peerjs.min.js');
  assert.equal(typeof Peer, 'function');
  assert.equal(peerjs.Peer, Peer);
  assert.equal(typeof peerjs.util, 'object');
});

test('the bundles carry the licenses of what they contain', () => {
  const peer = readFileSync(new URL('../dist/peerjs.min.js', import.meta.url), 'utf8');
  const sio = readFileSync(new URL('../dist/socket.io.min.js', import.meta.url), 'utf8');
  assert.match(peer, /\/\*! peerjs@1\.5\.5 \(MIT\)/);
  assert.match(peer, /\/\*! webrtc-adapter@[\d.]+ \(BSD-3-Clause\)/);
  assert.match(sio, /\/\*! socket\.io-client@4\.8\.\d+ \(MIT\)/);
  assert.match(sio, /\/\*! engine\.io-client@[\d.]+ \(MIT\)/);
});
