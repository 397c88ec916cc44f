// A client for the raw-websocket rooms protocol, version 2
// (lingua-signal-warp/PROTOCOL.md), with the event API of a Socket.IO socket,
// so the room script runs unchanged over either transport:
//
//   socket.on / once / off('connect' | 'disconnect' | 'connect_error' | 'user-connected' | 'user-disconnected', fn)
//   socket.on('room-message', (roomId, fromUserId, data) => …)   fromUserId null: from the server
//   socket.on('error', ({code, message}) => …)   a refusal of a request sent without ack
//   socket.emit('join-room', roomId, userId, ack)   ack({ok: true, users}) or ack({ok: false, error: {code, message}})
//   socket.emit('leave-room', roomId, ack)
//   socket.emit('room-message', roomId, data, ack)   ack({ok: true}) or ack({ok: false, error})
//   socket.connect(), socket.disconnect(), socket.connected
//
// The URL must ask for version 2 (`?v=2`): a version 1 connection never
// receives messages, and its `message` requests are refused (`unknown-type`).
//
// Differences from Socket.IO, on purpose: an emit while disconnected is not
// buffered (its ack gets error code "not-connected" at once), and acks still
// pending when the connection drops get "disconnected" instead of never
// firing. Replaying a stale join after a reconnect is what would make
// duplicate tiles; the room script re-joins itself on `connect`.
import { backoffDelay } from './backoff.js';

const OPEN = 1;

export class WsClient {
  /**
   * @param {string} url e.g. `ws://host/rooms?v=2`
   * @param {object} [options]
   * @param {typeof WebSocket} [options.WebSocket=globalThis.WebSocket]
   * @param {object} [options.backoff] options for backoffDelay (base, max, jitter, random)
   * @param {boolean} [options.reconnection=true]
   * @param {boolean} [options.autoConnect=true]
   * @param {number} [options.pingInterval=20000] ms between application pings (0: none)
   * @param {number} [options.pingTimeout=10000] ms to wait for a pong before
   *   treating the connection as dead and reconnecting
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers=globalThis]
   * @param {() => number} [options.now=Date.now] the clock the ping deadline is checked against
   */
  constructor(url, options = {}) {
    this.url = url;
    this.WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this.backoff = options.backoff ?? {};
    this.reconnection = options.reconnection ?? true;
    this.pingInterval = options.pingInterval ?? 20000;
    this.pingTimeout = options.pingTimeout ?? 10000;
    this.timers = options.timers ?? globalThis;
    this.now = options.now ?? (() => Date.now());
    this.listeners = new Map();
    this.pending = new Map(); // request id -> reply handler
    this.nextId = 1;
    this.attempt = 0;
    this.ws = null;
    this.connected = false;
    this.wanted = false; // true between connect() and disconnect()
    this.retryTimer = null;
    this.pingTimer = null;
    if (options.autoConnect ?? true) this.connect();
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return this;
  }

  once(event, fn) {
    const wrapper = (...args) => {
      this.off(event, wrapper);
      fn(...args);
    };
    return this.on(event, wrapper);
  }

  off(event, fn) {
    this.listeners.get(event)?.delete(fn);
    return this;
  }

  /** Opens the connection (again); a no-op while connecting or connected. */
  connect() {
    this.wanted = true;
    if (this.ws || this.retryTimer) return this;
    this.open();
    return this;
  }

  /** Closes the connection and stops reconnecting. */
  disconnect() {
    this.wanted = false;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.ws) this.closed(this.ws, 'io client disconnect');
    return this;
  }

  /**
   * Sends a request. Events: `join-room(roomId, userId, ack?)`,
   * `leave-room(roomId, ack?)`, `room-message(roomId, data, ack?)`, `ping(ack?)`.
   */
  emit(event, ...args) {
    const ack = typeof args.at(-1) === 'function' ? args.pop() : null;
    const frame = toFrame(event, args);
    if (!this.connected) {
      ack?.(failure('not-connected', 'not connected to the server'));
      return this;
    }
    if (ack) {
      frame.id = this.nextId++;
      this.pending.set(frame.id, (reply) => ack(toAck(reply)));
    }
    this.ws.send(JSON.stringify(frame));
    return this;
  }

  open() {
    let ws;
    try {
      ws = new this.WebSocket(this.url);
    } catch (err) {
      this.fire('connect_error', err);
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.opened(ws);
    ws.onmessage = (event) => this.received(ws, event.data);
    ws.onclose = (event) => this.closed(ws, closeReason(event));
    ws.onerror = () => {}; // always followed by close
  }

  opened(ws) {
    if (ws !== this.ws) return;
    this.connected = true;
    this.attempt = 0;
    this.schedulePing();
    this.fire('connect');
  }

  received(ws, data) {
    if (ws !== this.ws || typeof data !== 'string') return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // the server only sends JSON; ignore anything else
    }
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.type === 'user-connected' || frame.type === 'user-disconnected') {
      this.fire(frame.type, frame.user, frame.room);
    } else if (frame.type === 'message') {
      this.fire('room-message', frame.room, frame.from ?? null, frame.data);
    } else if (frame.id !== undefined && this.pending.has(frame.id)) {
      const reply = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      reply(frame);
    } else if (frame.type === 'error') {
      this.refused(frame);
    }
  }

  /** An error frame that answers no pending request. */
  refused(frame) {
    if (frame.code === 'unsupported-version') {
      this.wanted = false; // reconnecting cannot help
      this.fire('connect_error', new Error(frame.message));
      return;
    }
    // What the Socket.IO server does for a refused request sent without ack.
    this.fire('error', { code: frame.code, message: frame.message });
  }

  /** Handles the end of `ws`, whether the server, the network or we closed it. */
  closed(ws, reason) {
    if (ws !== this.ws) return;
    this.ws = null;
    ws.onopen = ws.onmessage = ws.onclose = null;
    if (ws.readyState <= OPEN) ws.close(1000);
    this.timers.clearTimeout(this.pingTimer);
    const wasConnected = this.connected;
    this.connected = false;
    this.failPending();
    if (wasConnected) this.fire('disconnect', reason);
    else if (reason !== 'io client disconnect') this.fire('connect_error', new Error(reason));
    if (this.wanted && this.reconnection) this.scheduleRetry();
  }

  failPending() {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const reply of pending) reply({ type: 'error', code: 'disconnected', message: 'connection lost' });
  }

  scheduleRetry() {
    if (!this.wanted || this.retryTimer) return;
    const delay = backoffDelay(Math.min(this.attempt, 30), this.backoff);
    this.attempt += 1;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted && !this.ws) this.open();
    }, delay);
  }

  /**
   * Application ping: a connection that stopped answering is dropped and
   * retried. A deadline that fires more than `pingTimeout` late means this
   * page's thread was stalled (an overloaded machine, a tab the system
   * suspended), not that the server went quiet: the pong may be queued behind
   * the timer. That ping gets one more `pingTimeout` before the drop.
   */
  schedulePing() {
    if (!this.pingInterval) return;
    const ws = this.ws;
    this.pingTimer = this.timers.setTimeout(() => {
      let deadline;
      const wait = (graceLeft) => {
        const due = this.now() + this.pingTimeout;
        deadline = this.timers.setTimeout(() => {
          const stalled = this.now() - due > this.pingTimeout;
          if (stalled && graceLeft) wait(false);
          else this.closed(ws, 'ping timeout');
        }, this.pingTimeout);
      };
      wait(true);
      this.emit('ping', () => {
        this.timers.clearTimeout(deadline);
        if (ws === this.ws) this.schedulePing();
      });
    }, this.pingInterval);
  }

  fire(event, ...args) {
    for (const fn of [...(this.listeners.get(event) ?? [])]) fn(...args);
  }
}

function toFrame(event, args) {
  switch (event) {
    case 'join-room':
      return { type: 'join', room: args[0], user: args[1] };
    case 'leave-room':
      return { type: 'leave', room: args[0] };
    case 'room-message':
      return { type: 'message', room: args[0], data: args[1] };
    case 'ping':
      return { type: 'ping' };
    default:
      throw new TypeError(`the rooms protocol has no event "${event}"`);
  }
}

function toAck(reply) {
  if (reply.type === 'error') return failure(reply.code, reply.message);
  if (reply.type === 'joined') return { ok: true, users: reply.users };
  return { ok: true }; // left, sent, pong
}

function failure(code, message) {
  return { ok: false, error: { code, message } };
}

function closeReason(event) {
  return event.code === 1000 ? 'io server disconnect' : `transport close (${event.code})`;
}
