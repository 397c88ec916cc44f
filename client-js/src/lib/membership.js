// When to emit `join-room`, and again after what.
//
// The tutorial client joins from `peer.on('open')` while getUserMedia may
// still be pending, so early calls are answered without a stream, and it never
// joins again after a reconnect. Here a join happens exactly when all three
// are ready: the local media (or the decision to be a viewer), the PeerJS id,
// and a connected socket. It happens again:
//
// - on every new socket connection (Socket.IO and the ws client both emit
//   `connect` after a reconnect; the server forgot us with the old one);
// - with `refresh()` on the same connection, after the PeerJS connection came
//   back: the server already has us, so it tells nobody and returns the others;
// - when the PeerJS id changes: the server has us under the old id, so the
//   socket is cycled (disconnect + connect) and the next `connect` joins anew.
//
// Errors: `room-full` on the first join is final. Anything else, and
// `room-full` on a re-join (our own ghost connection may still hold the seat
// until the server notices it is dead), is retried with backoff.
import { backoffDelay } from './backoff.js';

const FINAL = new Set(['invalid-room-id', 'invalid-user-id', 'bad-frame', 'unknown-type']);

export class Membership {
  /**
   * @param {object} options
   * @param {string} options.roomId
   * @param {object} options.socket Socket.IO socket or WsClient
   * @param {(users: string[], info: {fresh: boolean}) => void} options.onJoined
   *   `fresh`: the others were told we joined (new connection), so they call us
   * @param {(error: {code: string, message: string}) => void} options.onRejected final refusal
   * @param {(error: {code: string, message: string}, delay: number) => void} [options.onRetry]
   * @param {object} [options.backoff] backoffDelay options
   * @param {number} [options.maxRetries=20] for errors other than room-full on a first join
   * @param {number} [options.ackTimeout=10000] ms to wait for the join-room answer
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers=globalThis]
   */
  constructor(options) {
    Object.assign(this, {
      onRetry: () => {},
      backoff: {},
      maxRetries: 20,
      ackTimeout: 10000,
      timers: globalThis,
      ...options,
    });
    this.mediaReady = false;
    this.peerId = null;
    this.epoch = 0; // one per socket connection
    this.joined = null; // {epoch, peerId} of the last successful join
    this.everJoined = false;
    this.inFlight = false;
    this.failures = 0;
    this.retryTimer = null;
    this.stopped = false;
    this.socket.on('connect', () => this.connected());
    this.socket.on('disconnect', () => this.disconnected());
    if (this.socket.connected) this.epoch = 1;
  }

  /** Joined on the current connection: messages to the room can go out. */
  get inRoom() {
    return !this.stopped && this.socket.connected && this.joined?.epoch === this.epoch;
  }

  setMediaReady() {
    this.mediaReady = true;
    this.tryJoin();
  }

  setPeerId(peerId) {
    this.peerId = peerId;
    this.tryJoin();
  }

  /** Joins again on the same connection (after the PeerJS connection came back). */
  refresh() {
    if (this.joined && this.joined.epoch === this.epoch) this.joined = { ...this.joined, stale: true };
    this.tryJoin();
  }

  /** Stops joining for good (the user left, or the room is full). */
  stop() {
    this.stopped = true;
    this.timers.clearTimeout(this.retryTimer);
  }

  connected() {
    this.epoch += 1;
    this.inFlight = false;
    this.tryJoin();
  }

  disconnected() {
    this.inFlight = false;
  }

  tryJoin() {
    if (this.stopped || this.inFlight || this.retryTimer) return;
    if (!this.mediaReady || !this.peerId || !this.socket.connected) return;
    const { joined, epoch, peerId } = this;
    const sameConnection = joined && joined.epoch === epoch;
    if (sameConnection && joined.peerId === peerId && !joined.stale) return;
    if (sameConnection && joined.peerId !== peerId) {
      this.joined = null;
      this.socket.disconnect();
      this.socket.connect();
      return;
    }
    this.send(epoch, peerId, !sameConnection);
  }

  send(epoch, peerId, fresh) {
    const request = {};
    this.inFlight = request;
    const answer = (reply) => {
      // Ignore answers about a connection that is gone, or that came too late.
      if (this.inFlight !== request || epoch !== this.epoch || this.stopped) return;
      this.timers.clearTimeout(timer);
      this.inFlight = false;
      if (reply && reply.ok) this.succeeded(epoch, peerId, fresh, reply.users ?? []);
      else this.failed(reply?.error ?? { code: 'bad-reply', message: 'unexpected answer to join-room' });
    };
    const timer = this.timers.setTimeout(
      () => answer({ ok: false, error: { code: 'timeout', message: 'the server did not answer join-room' } }),
      this.ackTimeout,
    );
    this.socket.emit('join-room', this.roomId, peerId, answer);
  }

  succeeded(epoch, peerId, fresh, users) {
    this.joined = { epoch, peerId };
    this.everJoined = true;
    this.failures = 0;
    this.onJoined(users, { fresh });
    this.tryJoin(); // the peer id may have changed while the join was in flight
  }

  failed(error) {
    const final = FINAL.has(error.code) || (error.code === 'room-full' && !this.everJoined);
    if (final || this.failures >= this.maxRetries) {
      this.stop();
      this.onRejected(error);
      return;
    }
    const delay = backoffDelay(Math.min(this.failures, 10), this.backoff);
    this.failures += 1;
    this.onRetry(error, delay);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.tryJoin();
    }, delay);
  }
}
