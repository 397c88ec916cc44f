// RoomClient: one participant in one room, over either transport, with calls.
//
// It wires the lib modules the way the room page does, minus the DOM:
// Membership decides when to join (media settled, PeerJS id known, socket
// connected) and joins again after reconnects; Connectivity follows who is in
// the room and retries failed calls; Calls places and answers the PeerJS
// calls; a TileRegistry keeps exactly one call (and stream) per peer, and its
// "view" turns each change into an event (and, given a `view` option, draws
// it too: the room page's tiles).
// Names travel as on the room page: in the `state` application message (sent
// after each join, to each newcomer, on setName and setStream) and in the
// metadata of the calls we place; so RoomClients and room pages in one room
// see each other's names. The room page (src/room.js) is built on this
// class: what it adds is the DOM.
import { readData, stateData } from '../lib/app-messages.js';
import { Calls } from '../lib/calls.js';
import { Connectivity } from '../lib/connectivity.js';
import { IceRefresher } from '../lib/ice-refresh.js';
import { mediaState } from '../lib/indicators.js';
import { Membership } from '../lib/membership.js';
import { Messenger } from '../lib/messenger.js';
import { TileRegistry } from '../lib/tiles.js';
import { Emitter } from './emitter.js';
import { openSocket, peerJsOptions, resolveOptions } from './options.js';
import { PeerSession } from './peer-session.js';
import { eventView, withEvents } from './event-view.js';

export class RoomClient extends Emitter {
  /** @param {import('./core.js').RoomClientOptions} options */
  constructor(options) {
    super();
    const env = globalThis;
    this.resolved = resolveOptions(options, env);
    this.roomId = this.resolved.config.roomId;
    this.libs = {
      io: options.io ?? env.io,
      Peer: options.Peer ?? env.Peer,
      WebSocket: options.WebSocket ?? env.WebSocket,
      MediaStream: options.MediaStream ?? env.MediaStream,
      fetch: options.fetch ?? env.fetch?.bind(env),
    };
    this.env = env;
    this.stream = options.stream ?? null;
    this.name = options.name ?? '';
    this.state = 'idle';
    this.memberSet = new Set();
    this.joining = null;
    this.socket = null;
    this.describeMedia = options.mediaState ?? null;
    // The tiles exist before joining: a page shows its own at once.
    const events = eventView(this, (peerId) => this.tiles.names.has(peerId));
    this.tiles = new TileRegistry(options.view ? withEvents(options.view, events) : events, {
      onChange: () => this.emit('tiles'),
    });
    this.tiles.setLocal(this.stream, this.name);
  }

  /** Ids of the others in the room, as the server last said. */
  get members() {
    return [...this.memberSet];
  }

  /** Our user id in the room (our PeerJS id), once the PeerJS server gave one. */
  get userId() {
    return this.peers?.id ?? null;
  }

  /**
   * Connects and joins. Resolves once with the first answer: `{ok: true,
   * users}` or a final refusal `{ok: false, error: {code, message}}`; never
   * rejects. Later re-joins (after reconnects) are `joined` events.
   */
  join() {
    if (this.joining) return this.joining;
    // A page that forgot a library learns it here, at once, not from a join that never answers.
    if (typeof this.libs.Peer !== 'function') {
      throw new TypeError('lingua-signal-client: no PeerJS (pass `Peer`, or load peerjs)');
    }
    if (this.resolved.config.transport === 'socketio' && typeof this.libs.io !== 'function') {
      throw new TypeError('lingua-signal-client: no Socket.IO client (pass `io`, or load socket.io-client)');
    }
    this.joining = new Promise((resolve) => {
      this.once('joined', ({ users }) => resolve({ ok: true, users }));
      this.once('refused', (error) => resolve({ ok: false, error }));
    });
    this.start();
    return this.joining;
  }

  start() {
    const log = (message) => this.emit('warning', message);
    this.setState('connecting');
    this.connectivity = new Connectivity({
      selfId: () => this.peers?.id ?? null,
      recall: (peerId) => this.calls.call(peerId),
      onState: (peerId, link) => {
        if (!link) return this.tiles.drop(peerId); // a failed call from someone not in the room
        this.tiles.ensure(peerId);
        this.tiles.setLink(peerId, link);
      },
    });
    // PeerJS hands this object to every new RTCPeerConnection: fresh TURN
    // credentials go into it.
    const peerOptions = peerJsOptions(this.resolved);
    this.ice = this.iceRefresher(peerOptions, log);
    this.calls = new Calls({
      tiles: this.tiles,
      connectivity: this.connectivity,
      getStream: () => this.stream,
      getName: () => this.name,
      emptyStream: () => new this.libs.MediaStream(),
      beforeCall: () => this.ice.ensureFresh(),
      log,
    });
    this.socket = openSocket(this.resolved, this.libs);
    this.membership = new Membership({
      roomId: this.roomId,
      socket: this.socket,
      onJoined: (users, info) => this.joined(users, info),
      onRejected: (error) => this.refused(error),
      onRetry: (error, delay) => this.emit('retry', error, delay),
    });
    this.messenger = new Messenger({
      socket: this.socket,
      roomId: this.roomId,
      isMember: () => this.state !== 'left' && this.membership.inRoom,
    });
    this.listen();
    this.peers = new PeerSession({
      Peer: this.libs.Peer,
      peerOptions,
      calls: this.calls,
      onOpen: (id, { sameId }) => {
        this.emit('peer-open', id);
        if (sameId) this.membership.refresh(); // the server has us: ask who is there
        else this.membership.setPeerId(id); // a new id: join (again) under it
      },
      onLost: () => {
        this.setState('reconnecting');
        this.emit('peer-lost');
      },
      onUnavailable: (peerId) => this.calls.unavailable(peerId),
      log,
    });
    this.peers.start();
    this.membership.setMediaReady(); // the stream (or none: a viewer) is given up front
  }

  /** With `iceServersPath` and `iceTtl`: credentials fetched again before they expire. */
  iceRefresher(peerOptions, log) {
    const { config, server } = this.resolved;
    const ice = new IceRefresher({
      servers: config.iceServers,
      ttl: config.iceServersPath ? config.iceTtl : null,
      url: config.iceServersPath && new URL(config.iceServersPath, server).href,
      fetch: (url, init) => this.libs.fetch(url, init),
      apply: (servers) => {
        peerOptions.config.iceServers = servers;
      },
      log,
    });
    ice.start();
    return ice;
  }

  /** The current PeerJS peer (low level: for tests and debugging). */
  get peer() {
    return this.peers?.current ?? null;
  }

  /** The ICE servers calls use now (fetched ones once `iceServersPath` answered). */
  get iceServers() {
    return this.ice?.servers ?? this.resolved.config.iceServers;
  }

  /** Fetches the ICE servers again now (with `iceServersPath`; else resolves at once). */
  async refreshIceServers() {
    if (this.ice && this.resolved.config.iceServersPath) await this.ice.refresh();
  }

  listen() {
    const { socket } = this;
    socket.on('connect', () => this.emit('connect'));
    socket.on('connect_error', (err) => {
      const message = err?.message ?? String(err);
      this.emit('connect-error', message);
      // Socket.IO gives up when the server refused the handshake (a host's
      // authorizer: "unauthorized: …"): that is a final answer to join().
      if (socket.active === false) this.refused({ code: /^([a-z-]+):/.exec(message)?.[1] ?? 'connect-refused', message });
    });
    // The raw websocket's host refusal: one error frame, then a close (PROTOCOL.md
    // §1). Every request of ours carries an ack, so an `error` event is that
    // while (re)connecting; once in the room it is an answer that came after
    // its request timed out (a flood's `rate-limited`), not a reason to leave.
    socket.on('error', (error) => {
      if (!error?.code) return;
      if (this.state === 'joined') this.emit('warning', `late answer: ${error.code}`);
      else this.refused({ code: error.code, message: error.message ?? error.code });
    });
    socket.on('disconnect', (reason) => {
      if (this.state === 'left' || this.state === 'refused') return;
      this.setState('reconnecting');
      this.emit('disconnect', reason);
      // Socket.IO does not reconnect by itself after a server-side disconnect.
      if (reason === 'io server disconnect') this.env.setTimeout(() => this.state === 'reconnecting' && socket.connect(), 1000);
    });
    socket.on('user-connected', (userId) => {
      this.emit('arrived', userId); // before the calls: a page's announcement waits for the name they bring
      this.connectivity.expect(userId);
      this.calls.call(userId); // members already here call the newcomer
      this.announce(); // the newcomer learns our name (the others hear it again; harmless)
      if (!this.memberSet.has(userId)) {
        this.memberSet.add(userId);
        this.emit('user-joined', userId);
        this.emit('members', this.members);
      }
    });
    socket.on('user-disconnected', (userId) => {
      this.emit('departed', userId);
      this.calls.hangUp(userId);
      if (this.memberSet.delete(userId)) {
        this.emit('user-left', userId);
        this.emit('members', this.members);
      }
    });
    this.messenger.onMessage((from, data) => {
      const message = readData(data);
      // `state` is this client's own protocol, not the page's: names and media.
      if (message?.kind !== 'state') return this.emit('message', from, data);
      if (from === null) return;
      if (message.name) this.tiles.setName(from, message.name); // a `name` event now, or once the peer has a call
      this.tiles.setMedia(from, message); // the view's indicators
      this.emit('media', from, { mic: message.mic, camera: message.camera, screen: message.screen === true });
    });
  }

  /**
   * Tells the others our name and whether our microphone, camera and screen
   * are on (room pages show it). The client does it after each join, to each
   * newcomer, and on setName and setStream; a page calls it after muting.
   */
  announce() {
    if (!this.messenger) return;
    const media = this.describeMedia ? this.describeMedia() : { ...mediaState(this.stream), screen: false };
    const state = stateData({ ...media, name: this.name });
    this.messenger.send(state).then((reply) => {
      // Not in the room (yet, or any more): the next join announces it anyway.
      if (!reply.ok && reply.error.code !== 'not-joined') this.emit('warning', `announcing our state: ${reply.error.code}`);
    });
  }

  joined(users, { fresh }) {
    this.connectivity.retain(users); // the members, and a call to expect with each
    this.tiles.retain(users); // anyone we still show but who left while we were away
    if (!fresh) this.calls.heal(users); // nobody was told we are here: we call
    const before = this.memberSet;
    this.memberSet = new Set(users);
    for (const id of before) if (!this.memberSet.has(id)) this.emit('user-left', id);
    for (const id of users) if (!before.has(id)) this.emit('user-joined', id);
    this.setState('joined');
    this.announce(); // whoever is there learns our name
    this.emit('joined', { userId: this.userId, users: [...users], fresh });
    this.emit('members', this.members);
  }

  refused(error) {
    this.shutDown('refused');
    this.emit('refused', error);
  }

  /**
   * Sends `data` (anything JSON) to the others in the room. Resolves with
   * `{ok: true}` once the server took it, or `{ok: false, error}`; never rejects.
   */
  send(data) {
    if (!this.messenger) return Promise.resolve({ ok: false, error: { code: 'not-joined', message: 'join() first' } });
    return this.messenger.send(data);
  }

  /**
   * Sends `stream` from now on: later calls carry it, and on every call
   * `send.track` goes out as the track of `send.kind` (swapped in place, or
   * the call placed again where it did not send that kind; a null track
   * sends none). Without `send`: the stream's video track, if any. Null
   * makes us a viewer for later calls. The same stream again (a track
   * changed inside it) restarts the local tile's video.
   * @param {object|null} stream
   * @param {{kind: 'audio'|'video', track: object|null}} [send]
   */
  setStream(stream, send) {
    const same = (stream ?? null) === this.stream;
    this.stream = stream ?? null;
    if (this.calls) {
      if (send) this.calls.sendTrack(send.kind, send.track);
      else {
        const video = stream?.getVideoTracks?.()[0];
        if (video) this.calls.sendVideo(video);
      }
    }
    if (same) this.tiles.setLocal(null, this.name); // a view shows the new track only from a new srcObject
    this.tiles.setLocal(this.stream, this.name);
    this.announce(); // our microphone and camera may have changed
  }

  /** Our display name: sent to the others now, and in the metadata of the calls we place from now on. */
  setName(name) {
    this.name = name;
    this.tiles.setLocal(this.stream, name);
    this.announce();
  }

  /** Leaves the room: hangs up, closes the socket and the PeerJS peer. The given stream is the caller's to stop. */
  leave() {
    this.shutDown('left');
  }

  shutDown(state) {
    if (this.state === 'left' || this.state === 'refused' || !this.socket) return;
    this.setState(state);
    this.membership.stop();
    this.socket.disconnect();
    this.calls.hangUpAll();
    this.ice.stop();
    this.peers.stop();
    if (this.memberSet.size > 0) {
      this.memberSet = new Set();
      this.emit('members', []);
    }
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
