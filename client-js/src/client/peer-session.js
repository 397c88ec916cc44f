// The PeerJS peer of a room client, kept open: after a lost connection to the
// PeerJS server it reconnects with the same id (backoff); when PeerJS gave up
// (the peer is destroyed) it starts a new peer, which gets a new id. Calls go
// through whichever peer is current (`calls.bind`).
import { backoffDelay } from '../lib/backoff.js';

export class PeerSession {
  /**
   * @param {object} options
   * @param {new (options: object) => any} options.Peer PeerJS's Peer class
   * @param {object} options.peerOptions what `new Peer(options)` gets
   * @param {import('../lib/calls.js').Calls} options.calls
   * @param {(id: string, info: {sameId: boolean}) => void} options.onOpen the peer is
   *   registered; `sameId` after a reconnect that kept the id
   * @param {() => void} options.onLost the PeerJS server connection dropped
   * @param {(peerId: string) => void} options.onUnavailable a call did not reach `peerId`
   * @param {(message: string) => void} options.log
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers=globalThis]
   */
  constructor(options) {
    Object.assign(this, { timers: globalThis, ...options });
    this.current = null;
    this.lastId = null; // kept while the server is away (PeerJS then says null)
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    const peer = new this.Peer(this.peerOptions);
    this.current = peer;
    this.calls.bind(peer);
    peer.on('open', (id) => peer === this.current && this.opened(id));
    peer.on('disconnected', () => {
      if (peer !== this.current || this.stopped) return;
      this.onLost();
      this.retry(() => peer.disconnected && !peer.destroyed && peer.reconnect());
    });
    peer.on('error', (err) => peer === this.current && !this.stopped && this.failed(peer, err));
  }

  opened(id) {
    const sameId = id === this.lastId;
    this.attempt = 0;
    this.lastId = id;
    this.onOpen(id, { sameId });
    this.calls.flush();
  }

  failed(peer, err) {
    if (err.type === 'peer-unavailable') {
      // Our call did not reach them: they left (user-disconnected follows),
      // or their PeerJS connection is away. A failed attempt either way.
      const peerId = /^Could not connect to peer (.+)$/.exec(err.message)?.[1];
      if (peerId) this.onUnavailable(peerId);
      return;
    }
    this.log(`PeerJS: ${err.type}: ${err.message}`);
    if (peer.destroyed) this.retry(() => this.start());
  }

  retry(action) {
    this.timers.clearTimeout(this.timer);
    const delay = backoffDelay(Math.min(this.attempt, 10), { base: 500, max: 8000 });
    this.attempt += 1;
    this.timer = this.timers.setTimeout(() => this.stopped || action(), delay);
  }

  /** Our PeerJS id, also while the PeerJS server is away. */
  get id() {
    return this.lastId;
  }

  stop() {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    this.current?.destroy();
  }
}
