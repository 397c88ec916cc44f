// The page configuration: the server renders it as JSON into
// <body data-config="…">; the room script parses and validates it here, so that
// a server/client mismatch shows up as one clear message instead of a failure
// deep inside PeerJS or Socket.IO.

/** Raised for a configuration the room script cannot run with. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

const TRANSPORTS = ['socketio', 'websocket'];
// What lingua-signal-core accepts as a room id.
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Parses and validates the JSON text of `data-config`.
 *
 * @param {string | undefined} text
 * @returns {{roomId: string, transport: 'socketio'|'websocket', socketPath: string,
 *   roomsPath: string, peer: {path: string, key: string, port: number|null},
 *   iceServers: Array<{urls: string|string[], username?: string, credential?: string}>,
 *   iceServersPath: string|null, iceTtl: number|null, roomInfoPath: string|null,
 *   maxRoomSize: number|null}} a fresh object holding only the known fields
 * @throws {ConfigError} naming the first field that is wrong
 */
export function parseConfig(text) {
  if (typeof text !== 'string' || text === '') throw new ConfigError('no page configuration');
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`page configuration is not JSON: ${err.message}`);
  }
  return validateConfig(raw);
}

/** Validates an already parsed configuration object; see {@link parseConfig}. */
export function validateConfig(raw) {
  need(isObject(raw), 'configuration must be an object');
  need(typeof raw.roomId === 'string' && ROOM_ID.test(raw.roomId), 'roomId must be 1-64 of A-Z a-z 0-9 - _');
  need(TRANSPORTS.includes(raw.transport), `transport must be one of ${TRANSPORTS.join(', ')}`);
  need(isPath(raw.socketPath), 'socketPath must be a path starting with /');
  need(isPath(raw.roomsPath), 'roomsPath must be a path starting with /');
  return {
    roomId: raw.roomId,
    transport: raw.transport,
    socketPath: raw.socketPath,
    roomsPath: raw.roomsPath,
    peer: validatePeer(raw.peer),
    iceServers: validateIceServers(raw.iceServers),
    iceServersPath: validateOptionalPath(raw.iceServersPath, 'iceServersPath'),
    iceTtl: validateTtl(raw.iceTtl),
    // The room's size before joining: `${roomInfoPath}/${roomId}`; without
    // it the pre-join screen cannot say "room full" before the join does.
    roomInfoPath: validateOptionalPath(raw.roomInfoPath, 'roomInfoPath'),
    maxRoomSize: validateMaxRoomSize(raw.maxRoomSize),
  };
}

function validatePeer(peer) {
  need(isObject(peer), 'peer must be an object');
  need(isPath(peer.path), 'peer.path must be a path starting with /');
  need(typeof peer.key === 'string' && peer.key !== '', 'peer.key must be a non-empty string');
  const port = peer.port ?? null;
  need(port === null || (Number.isInteger(port) && port > 0 && port < 65536), 'peer.port must be null or a port number');
  return { path: peer.path, key: peer.key, port };
}

/**
 * Validates a list of ICE servers (the page's, or a fresh one from
 * `iceServersPath`); returns a copy with only the known fields.
 *
 * @throws {ConfigError} naming the first wrong entry
 */
export function validateIceServers(servers) {
  need(Array.isArray(servers), 'iceServers must be an array');
  return servers.map((server, i) => {
    const where = `iceServers[${i}]`;
    need(isObject(server), `${where} must be an object`);
    const { urls, username, credential } = server;
    const urlsOk = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
    need(urlsOk, `${where}.urls must be a string or an array of strings`);
    need(username === undefined || typeof username === 'string', `${where}.username must be a string`);
    need(credential === undefined || typeof credential === 'string', `${where}.credential must be a string`);
    const out = { urls };
    if (username !== undefined) out.username = username;
    if (credential !== undefined) out.credential = credential;
    return out;
  });
}

function validateOptionalPath(value, name) {
  const path = value ?? null;
  need(path === null || isPath(path), `${name} must be null or a path starting with /`);
  return path;
}

function validateTtl(ttl) {
  const value = ttl ?? null;
  need(value === null || (Number.isInteger(value) && value > 0), 'iceTtl must be null or a positive integer');
  return value;
}

function validateMaxRoomSize(size) {
  const value = size ?? null;
  need(value === null || (Number.isInteger(value) && value > 0), 'maxRoomSize must be null or a positive integer');
  return value;
}

/**
 * The options for `new Peer(undefined, options)`: host and security follow the
 * page, the port too unless the configuration names one (PeerJS would
 * otherwise default to 443 whatever the page's port, peers/peerjs#567).
 *
 * `?ice=relay` in the page's address sends every call through a TURN relay
 * (`iceTransportPolicy: "relay"`): a way to check that the TURN server works,
 * and what the end-to-end test uses to force the relay or block a page.
 *
 * @param {ReturnType<typeof parseConfig>} config
 * @param {{protocol: string, hostname: string, port: string, search?: string}} location the page's location
 */
export function peerOptions(config, location) {
  const secure = location.protocol === 'https:';
  const pagePort = location.port ? Number(location.port) : secure ? 443 : 80;
  return {
    host: location.hostname,
    port: config.peer.port ?? pagePort,
    path: config.peer.path,
    key: config.peer.key,
    secure,
    config: relayOnly(location)
      ? { iceServers: config.iceServers, iceTransportPolicy: 'relay' }
      : { iceServers: config.iceServers },
  };
}

/** Whether the page's address asks for relayed calls only (`?ice=relay`). */
export function relayOnly(location) {
  return new URLSearchParams(location.search ?? '').get('ice') === 'relay';
}

/**
 * The raw-websocket rooms URL for the page at `location`. Version 2 of the
 * protocol: the first with application messages (chat, mute indicators).
 */
export function roomsUrl(config, location) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${config.roomsPath}?v=2`;
}

function need(condition, message) {
  if (!condition) throw new ConfigError(`invalid page configuration: ${message}`);
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPath(value) {
  return typeof value === 'string' && value.startsWith('/');
}
