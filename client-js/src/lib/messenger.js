// Application messages to and from the others in our room, over either
// transport (Socket.IO or WsClient: same `room-message` API).
//
// Sending needs a join on the current connection: Socket.IO buffers an emit
// made while disconnected and sends it on reconnect, before our new join, so
// it would only come back `not-joined`. We say so at once instead. Every send
// settles: Socket.IO drops the acks of a lost connection without calling
// them, so a timer turns silence into a `timeout` refusal.

export class Messenger {
  /**
   * @param {object} options
   * @param {object} options.socket Socket.IO socket or WsClient
   * @param {string} options.roomId
   * @param {() => boolean} options.isMember joined on the current connection
   * @param {number} [options.timeout=10000] ms to wait for the acknowledgement
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers=globalThis]
   */
  constructor(options) {
    Object.assign(this, { timeout: 10000, timers: globalThis, ...options });
  }

  /**
   * Sends `data` to the others in the room.
   *
   * @returns {Promise<{ok: true}|{ok: false, error: {code: string, message: string}}>}
   *   never rejects
   */
  send(data) {
    if (!this.isMember()) return Promise.resolve(failure('not-joined', 'not in the room right now'));
    return new Promise((resolve) => {
      const settle = (reply) => {
        this.timers.clearTimeout(timer);
        resolve(normalize(reply));
      };
      const timer = this.timers.setTimeout(() => settle(failure('timeout', 'the server did not answer')), this.timeout);
      this.socket.emit('room-message', this.roomId, data, settle);
    });
  }

  /**
   * Calls `fn(from, data)` for every message to our room; `from` is null for a
   * message from the server. `data` is as sent: untrusted.
   */
  onMessage(fn) {
    this.socket.on('room-message', (roomId, from, data) => {
      if (roomId === this.roomId) fn(from ?? null, data);
    });
  }
}

function normalize(reply) {
  if (reply?.ok === true) return { ok: true };
  if (reply?.ok === false && reply.error) return { ok: false, error: reply.error };
  return failure('bad-reply', 'unexpected answer to room-message');
}

function failure(code, message) {
  return { ok: false, error: { code, message } };
}
