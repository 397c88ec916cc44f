import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, peerOptions, roomsUrl } from '../src/lib/config.js';

const good = {
  roomId: '5b1f0c8e-2a4d-4f7b-9c3e-1d2e3f4a5b6c',
  transport: 'socketio',
  socketPath: '/socket.io',
  roomsPath: '/rooms',
  peer: { path: '/peerjs', key: 'peerjs', port: null },
  iceServers: [],
  iceServersPath: '/ice-servers',
  iceTtl: null,
  roomInfoPath: '/room-info',
  maxRoomSize: null,
};
const text = (overrides) => JSON.stringify({ ...good, ...overrides });

test('a valid configuration comes back with only the known fields', () => {
  const config = parseConfig(text({ extra: 1, iceServers: [{ urls: 'stun:x', junk: 2 }] }));
  assert.deepEqual(config, { ...good, iceServers: [{ urls: 'stun:x' }] });
});

test('ice servers keep username and credential', () => {
  const ice = [{ urls: ['turn:a', 'turn:b'], username: 'u', credential: 'c' }];
  assert.deepEqual(parseConfig(text({ iceServers: ice })).iceServers, ice);
});

test('without iceServersPath and iceTtl (an older server) both are null', () => {
  const { iceServersPath, iceTtl, ...older } = good;
  const config = parseConfig(JSON.stringify(older));
  assert.equal(config.iceServersPath, null);
  assert.equal(config.iceTtl, null);
  assert.equal(parseConfig(text({ iceTtl: 3600 })).iceTtl, 3600);
});

test('without roomInfoPath (an older server) it is null; a bad one is refused', () => {
  const { roomInfoPath, ...older } = good;
  assert.equal(parseConfig(JSON.stringify(older)).roomInfoPath, null);
  assert.throws(() => parseConfig(text({ roomInfoPath: 'room-info' })), /roomInfoPath/);
});

test('?ice=relay asks for relayed calls only', () => {
  const page = { protocol: 'http:', hostname: 'h', port: '1', search: '?ice=relay' };
  assert.deepEqual(peerOptions(good, page).config, { iceServers: [], iceTransportPolicy: 'relay' });
  assert.deepEqual(peerOptions(good, { ...page, search: '?ice=all' }).config, { iceServers: [] });
  assert.deepEqual(peerOptions(good, { ...page, search: '' }).config, { iceServers: [] });
});

test('missing or broken configuration is a ConfigError', () => {
  assert.throws(() => parseConfig(undefined), ConfigError);
  assert.throws(() => parseConfig(''), ConfigError);
  assert.throws(() => parseConfig('{"roomId":'), /not JSON/);
  assert.throws(() => parseConfig('[]'), /must be an object/);
});

for (const [field, value, message] of [
  ['roomId', '"><script>', /roomId/],
  ['roomId', '', /roomId/],
  ['roomId', 'x'.repeat(65), /roomId/],
  ['transport', 'carrier-pigeon', /transport/],
  ['socketPath', 'socket.io', /socketPath/],
  ['roomsPath', null, /roomsPath/],
  ['peer', { path: 'peerjs', key: 'peerjs', port: null }, /peer\.path/],
  ['peer', { path: '/peerjs', key: '', port: null }, /peer\.key/],
  ['peer', { path: '/peerjs', key: 'peerjs', port: 70000 }, /peer\.port/],
  ['peer', { path: '/peerjs', key: 'peerjs', port: '3000' }, /peer\.port/],
  ['iceServers', {}, /iceServers must be an array/],
  ['iceServersPath', 'ice', /iceServersPath must be null or a path/],
  ['iceTtl', 0, /iceTtl must be null or a positive integer/],
  ['iceTtl', '60', /iceTtl must be null or a positive integer/],
  ['iceServers', [{ urls: 3 }], /iceServers\[0\]\.urls/],
  ['iceServers', [{ urls: [] }], /iceServers\[0\]\.urls/],
  ['iceServers', [{ urls: 'stun:x', username: 1 }], /iceServers\[0\]\.username/],
  ['maxRoomSize', 0, /maxRoomSize/],
  ['maxRoomSize', 2.5, /maxRoomSize/],
]) {
  test(`rejects ${field} = ${JSON.stringify(value)}`, () => {
    assert.throws(() => parseConfig(text({ [field]: value })), message);
  });
}

test('maxRoomSize and peer.port may be numbers', () => {
  const config = parseConfig(text({ maxRoomSize: 2, peer: { path: '/p', key: 'k', port: 9000 } }));
  assert.equal(config.maxRoomSize, 2);
  assert.equal(config.peer.port, 9000);
});

test('PeerJS options follow the page unless a port is configured', () => {
  const page = { protocol: 'http:', hostname: '127.0.0.1', port: '3000', host: '127.0.0.1:3000' };
  assert.deepEqual(peerOptions(good, page), {
    host: '127.0.0.1',
    port: 3000,
    path: '/peerjs',
    key: 'peerjs',
    secure: false,
    config: { iceServers: [] },
  });
  const https = { protocol: 'https:', hostname: 'example.org', port: '', host: 'example.org' };
  assert.equal(peerOptions(good, https).port, 443);
  assert.equal(peerOptions(good, https).secure, true);
  assert.equal(peerOptions({ ...good, peer: { ...good.peer, port: 9000 } }, https).port, 9000);
  assert.equal(peerOptions(good, { protocol: 'http:', hostname: 'h', port: '' }).port, 80);
});

test('the rooms URL uses ws or wss and the page host', () => {
  assert.equal(roomsUrl(good, { protocol: 'http:', host: 'h:1' }), 'ws://h:1/rooms?v=2');
  assert.equal(roomsUrl(good, { protocol: 'https:', host: 'h' }), 'wss://h/rooms?v=2');
});
