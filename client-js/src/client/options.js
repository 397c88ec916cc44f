// RoomClient's options: the same names as the room page's configuration
// (config.js), so a page that has one passes it on as it is, plus where the
// server is, what to show it, and the libraries to use. Every path is an
// option; nothing assumes where the page or its assets live.
import { peerOptions, roomsUrl, validateConfig } from '../lib/config.js';
import { WsClient } from '../lib/ws-client.js';

export const DEFAULTS = {
  transport: 'socketio',
  socketPath: '/socket.io',
  roomsPath: '/rooms',
  peer: { path: '/peerjs', key: 'peerjs', port: null },
  iceServers: [],
};

/**
 * Validates `options` (throws ConfigError naming the wrong field) and returns
 * the page configuration, the server's address as a URL, and the tokens.
 */
export function resolveOptions(options, env = globalThis) {
  const raw = { ...DEFAULTS, ...options, peer: { ...DEFAULTS.peer, ...options.peer } };
  const config = validateConfig(raw);
  const base = options.url ?? env.location?.href;
  if (!base) throw new TypeError('lingua-signal-client: `url` is needed outside a page');
  const server = new URL(base);
  const peerToken = options.peerToken ?? randomToken(env);
  return { config, server, peerToken, auth: { ...options.auth } };
}

/** The `new Peer(options)` options: host, port and security from the server's URL. */
export function peerJsOptions({ config, server, peerToken }) {
  return { ...peerOptions(config, server), token: peerToken };
}

/**
 * Opens the signaling socket, Socket.IO or the raw websocket (same event
 * API). `auth` goes to Socket.IO's handshake or the websocket's query (where
 * the embed examples' shared secret is read); the PeerJS token goes along as
 * the proof that our user id is our PeerJS id (`peerToken` / `peer_token`),
 * so a server that verifies user ids accepts us without a cookie.
 */
export function openSocket({ config, server, peerToken, auth }, { io, WebSocket }) {
  if (config.transport === 'websocket') {
    const url = new URL(roomsUrl(config, server));
    for (const [key, value] of Object.entries({ ...auth, peer_token: peerToken })) url.searchParams.set(key, String(value));
    return new WsClient(url.href, { WebSocket });
  }
  if (typeof io !== 'function') {
    throw new TypeError('lingua-signal-client: no Socket.IO client (pass `io`, or load socket.io-client)');
  }
  return io(server.origin, { path: config.socketPath, auth: { ...auth, peerToken } });
}

function randomToken(env) {
  const bytes = new Uint8Array(16);
  env.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
