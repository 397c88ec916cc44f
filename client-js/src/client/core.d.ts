// Hand-written declarations of the public API (see the README for why).
// test/types-exports.test.mjs checks that the names here are what the
// modules export; types-check.ts, compiled by `npm run typecheck`, checks
// that they type a real use and refuse wrong ones.

/** A refusal or failure, as the server (or the client) words it. */
export interface RoomError {
  /** e.g. `room-full`, `user-id-not-proven`, `unauthorized`, `not-joined`, `timeout`, `rate-limited` */
  code: string;
  message: string;
}

/** The answer to `join()` (and to `send()`, without `users`). */
export type JoinResult = { ok: true; users: string[] } | { ok: false; error: RoomError };
export type SendResult = { ok: true } | { ok: false; error: RoomError };

/** The client's life: `left` and `refused` are final. */
export type RoomState = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'left' | 'refused';

/** How our call with one peer is doing. */
export interface Link {
  state: 'connecting' | 'connected' | 'reconnecting' | 'failed';
  /** why the last attempt failed: `timeout`, `ice-failed`, `closed`, `no-candidates`, `turn-refused`, … */
  reason: string | null;
  failures: number;
}

/** What the `state` message says of a participant's microphone, camera and screen share. */
export interface MediaState {
  mic: boolean;
  camera: boolean;
  screen: boolean;
}

/**
 * Draws the tiles: one per participant (`peerId` null: ourselves), created
 * when the server says the peer is here, destroyed when it leaves. Given as
 * the `view` option, the client calls it as well as emitting its events; the
 * room page's DOM tiles are one (src/lib/tile-view.js).
 */
export interface TileView<Tile extends object = object> {
  create(peerId: string | null, options: { local: boolean }): Tile;
  /** the stream to show; null: none (yet, or any more) */
  showStream(tile: Tile, stream: MediaStream | null): void;
  /** the participant's display name (a placeholder until it is known; ours as given) */
  setName(tile: Tile, name: string): void;
  destroy(tile: Tile): void;
  /** connected, but the peer sends no media (a viewer) */
  setState?(tile: Tile, state: 'off'): void;
  /** what the peer says of its microphone, camera and screen */
  setMedia?(tile: Tile, media: MediaState): void;
  /** how our call with the peer is doing */
  setLink?(tile: Tile, link: Link): void;
}

/** The call of one peer, as PeerJS gives it (low level: for tests and debugging). */
export interface PeerCall {
  readonly peer: string;
  readonly peerConnection?: RTCPeerConnection;
}

/** The client's tiles, one per participant with its current call (low level: for tests, debugging and page modules). */
export interface TileRegistry<Tile extends object = object> {
  /** ids of the others that have a tile */
  peers(): string[];
  has(peerId: string): boolean;
  /** the view's tile of `peerId` (null: ours) */
  tileOf(peerId: string | null): Tile | undefined;
  /** the call shown for `peerId` */
  callOf(peerId: string): PeerCall | undefined;
  /** display names heard so far, by user id */
  readonly names: ReadonlyMap<string, string>;
  /** participants shown, ourselves included */
  readonly size: number;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** A socket.io-client `io` function: `io(url, { path, auth })`. */
export type IoFactory = (url: string, options: { path: string; auth: Record<string, unknown> }) => unknown;

/** PeerJS's `Peer` class (or a compatible one). */
export type PeerConstructor = new (options: Record<string, unknown>) => unknown;

export interface RoomClientOptions {
  /** The room to join: 1–64 of `A-Z a-z 0-9 - _`. */
  roomId: string;
  /** The server's base URL (scheme, host, port); default: the page's address. */
  url?: string;
  /** `socketio` (lingua-signal-axum) or `websocket` (lingua-signal-warp's rooms protocol); default `socketio`. */
  transport?: 'socketio' | 'websocket';
  /** Socket.IO path on the server; default `/socket.io`. */
  socketPath?: string;
  /** Raw-websocket rooms path on the server; default `/rooms`. */
  roomsPath?: string;
  /** The server's PeerJS endpoint; default `{ path: '/peerjs', key: 'peerjs', port: null }` (port: the URL's). */
  peer?: { path?: string; key?: string; port?: number | null };
  /** ICE servers for the calls; default none (loopback and LAN only). */
  iceServers?: IceServer[];
  /** Where fresh ICE servers are (`{iceServers, ttl}`), fetched halfway through `iceTtl`; default null. */
  iceServersPath?: string | null;
  /** Seconds the `iceServers` credentials stay valid; default null (they do not expire). */
  iceTtl?: number | null;
  /** Ignored: the room page's cap, accepted so that its configuration passes as options. */
  maxRoomSize?: number | null;
  /** Draws the tiles as well as the events (e.g. `<video>` elements); default: events only. */
  view?: TileView<any>;
  /** What our `state` message says of our microphone, camera and screen; default: the stream's enabled tracks, no screen. */
  mediaState?: () => MediaState;
  /** What we send in calls; null or absent: a viewer, who still receives everyone. */
  stream?: MediaStream | null;
  /** Our display name, sent to the others in the `state` message (as the room page does) and in our calls' metadata. */
  name?: string;
  /** Socket.IO handshake `auth`, or query parameters of the rooms websocket (e.g. `{ token }`). */
  auth?: Record<string, string>;
  /** The PeerJS token, also shown to the server as the proof of our user id; default random. */
  peerToken?: string;
  /** socket.io-client's `io`; default: the package's import (core: `globalThis.io`). */
  io?: IoFactory;
  /** PeerJS's `Peer`; default: the package's import (core: `globalThis.Peer`). */
  Peer?: PeerConstructor;
  /** default `globalThis.WebSocket` */
  WebSocket?: unknown;
  /** default `globalThis.fetch` (for `iceServersPath`) */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** default `globalThis.MediaStream` (a viewer's calls send an empty one) */
  MediaStream?: new () => MediaStream;
}

/** Event name → handler arguments. */
export interface RoomEvents {
  /** the client's state changed */
  state: [state: RoomState];
  /** joined (also again after a reconnect); `fresh`: the others were told and call us */
  joined: [info: { userId: string | null; users: string[]; fresh: boolean }];
  /** the server refused the join for good (`room-full`, `user-id-not-proven`, …) */
  refused: [error: RoomError];
  /** a join failed and is retried after `delay` ms */
  retry: [error: RoomError, delay: number];
  /** the signaling connection failed (e.g. `unauthorized: …`) */
  'connect-error': [message: string];
  /** the signaling connection is up (again) */
  connect: [];
  /** the signaling connection dropped (Socket.IO's reason); the client reconnects and joins again */
  disconnect: [reason: string];
  /** the PeerJS server has us (again) under `userId` */
  'peer-open': [userId: string];
  /** the PeerJS server connection dropped; the client reconnects */
  'peer-lost': [];
  /** the server says `userId` came in after us (each time it says so; members found at a join are not arrivals) */
  arrived: [userId: string];
  /** the server says `userId` went (each time it says so) */
  departed: [userId: string];
  'user-joined': [userId: string];
  'user-left': [userId: string];
  /** the others in the room, after any change */
  members: [userIds: string[]];
  /** an application message; `from` null: sent by server code. `state` messages (names, mute state) are the client's own: not events */
  message: [from: string | null, data: unknown];
  /** a peer's stream to show (once per call, not per track) */
  stream: [peerId: string, stream: MediaStream];
  /** a peer's stream is gone (the call ended or the peer left) */
  'stream-removed': [peerId: string];
  /** how our call with a peer is doing */
  link: [peerId: string, link: Link];
  /** a peer's display name (from its `state` message or its call), once per change */
  name: [peerId: string, name: string];
  /** a peer's microphone, camera and screen, from each of its `state` messages */
  media: [peerId: string, media: MediaState];
  /** a tile was created or destroyed (the `view` option's, too) */
  tiles: [];
  /** something worth a console line; nothing to act on */
  warning: [message: string];
}

export declare class RoomClient {
  constructor(options: RoomClientOptions);
  readonly roomId: string;
  readonly state: RoomState;
  /** Ids of the others in the room. */
  readonly members: string[];
  /** Our user id (our PeerJS id) once known. */
  readonly userId: string | null;
  /** Low level, for tests and debugging: the signaling socket (Socket.IO or WsClient) once joining. */
  readonly socket: unknown;
  /** Low level, for tests and debugging: the current PeerJS peer once joining. */
  readonly peer: unknown;
  /** Low level: the tiles and their calls, from construction on. */
  readonly tiles: TileRegistry<any>;
  /** The ICE servers the calls use now (fresh ones once `iceServersPath` answered). */
  readonly iceServers: IceServer[];
  /** Fetches the ICE servers again now (with `iceServersPath`); never rejects. */
  refreshIceServers(): Promise<void>;
  /** Connects and joins; resolves with the first answer, never rejects. @throws TypeError without PeerJS or (for `socketio`) Socket.IO */
  join(): Promise<JoinResult>;
  /** Sends `data` (JSON) to the others in the room; never rejects. */
  send(data: unknown): Promise<SendResult>;
  /**
   * Sends `stream` from now on: later calls carry it, and every call sends
   * `send.track` as its `send.kind` track (swapped in place, or the call placed
   * again; null: none of that kind); without `send`, the stream's video track if any.
   */
  setStream(stream: MediaStream | null, send?: { kind: 'audio' | 'video'; track: MediaStreamTrack | null }): void;
  /** Tells the others our name and media state again (after muting, say); the client also does it by itself. */
  announce(): void;
  /** Sends our new display name to the others now; later calls carry it too. */
  setName(name: string): void;
  leave(): void;
  /** Returns a function that removes the handler. */
  on<E extends keyof RoomEvents>(event: E, handler: (...args: RoomEvents[E]) => void): () => void;
  once<E extends keyof RoomEvents>(event: E, handler: (...args: RoomEvents[E]) => void): () => void;
  off<E extends keyof RoomEvents>(event: E, handler: (...args: RoomEvents[E]) => void): void;
}

/** A page configuration the client cannot run with. */
export declare class ConfigError extends Error {}

/** The room page's configuration (`<body data-config>`): RoomClient options. */
export interface PageConfig {
  roomId: string;
  transport: 'socketio' | 'websocket';
  socketPath: string;
  roomsPath: string;
  peer: { path: string; key: string; port: number | null };
  iceServers: IceServer[];
  iceServersPath: string | null;
  iceTtl: number | null;
  maxRoomSize: number | null;
}

/** Parses and validates the JSON of `data-config`. @throws ConfigError */
export declare function parseConfig(text: string | undefined): PageConfig;
/** Validates a parsed configuration. @throws ConfigError */
export declare function validateConfig(raw: unknown): PageConfig;

/** The raw-websocket rooms protocol behind Socket.IO's event API (`on`, `emit`, `connect`, `disconnect`). */
export declare class WsClient {
  constructor(url: string, options?: { WebSocket?: unknown });
  readonly connected: boolean;
  on(event: string, handler: (...args: any[]) => void): this;
  emit(event: string, ...args: unknown[]): this;
  connect(): this;
  disconnect(): this;
}
