// Who is in the room, and how our call with each of them is doing.
//
// The server says who is in the room (the join answer's `users`,
// `user-connected`, `user-disconnected`): those are the members, and the
// participant count. A call with a member can fail in ways WebRTC reports
// late or never: ICE gives up after half a minute, a call that cannot get any
// candidate (a relay-only network without a TURN server) sits in "new", a
// peer the PeerJS server no longer knows only raises `peer-unavailable`. So
// every attempt has a deadline, and a failed attempt is retried with a new
// call after a backoff, for as long as the member stays.
//
// Exactly one side places the new call, the one whose peer id sorts first,
// so two retries never cross (glare). The other side waits for that call,
// and if none comes counts that as a failed attempt too, so both sides show
// the same state at about the same time. Should calls cross anyway (our
// retry and their first call), the one placed by the deciding side wins on
// both sides (`acceptsCall`).
//
// States of a member: 'connecting' (first attempt), 'connected',
// 'reconnecting' (an attempt failed; retrying), 'failed' (several attempts in
// a row failed, or one failed in a way that retrying alone will not fix: the
// tile says we cannot connect; retries go on, slower).
import { backoffDelay } from './backoff.js';

export const CONNECTIVITY_DEFAULTS = {
  connectTimeout: 10000, // an attempt that has not connected by then has failed
  disconnectGrace: 5000, // how long a connected call may stay "disconnected"
  failedAfter: 3, // failed attempts in a row before the state is 'failed'
  backoff: { base: 1000, max: 15000, jitter: 0.5 },
};

// Failures that a plain retry will not fix: show 'failed' at once.
const HOPELESS = new Set(['no-candidates', 'turn-refused']);

export class Connectivity {
  /**
   * @param {object} options
   * @param {() => string|null} options.selfId our PeerJS id (it may change)
   * @param {(peerId: string) => void} options.recall place a new call to `peerId`
   * @param {(peerId: string, link: {state: string, reason: string|null, failures: number}) => void} [options.onState]
   * @param {(count: number) => void} [options.onMembers] the number of members changed
   * @param {number} [options.connectTimeout] ms
   * @param {number} [options.disconnectGrace] ms
   * @param {number} [options.failedAfter]
   * @param {object} [options.backoff] backoffDelay options
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers=globalThis]
   */
  constructor(options) {
    Object.assign(this, {
      ...CONNECTIVITY_DEFAULTS,
      onState: () => {},
      onMembers: () => {},
      timers: globalThis,
      ...options,
    });
    this.backoff = { ...CONNECTIVITY_DEFAULTS.backoff, ...this.backoff };
    /** @type {Map<string, Entry>} */
    this.entries = new Map();
  }

  /** Members of the room other than us. */
  get size() {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.member) n += 1;
    return n;
  }

  isMember(peerId) {
    return this.entries.get(peerId)?.member === true;
  }

  /** `{state, reason, failures}` of `peerId`, or undefined. */
  stateOf(peerId) {
    const entry = this.entries.get(peerId);
    return entry && describe(entry);
  }

  /** Whether we place the new call after a failure (our id sorts first). */
  decides(peerId) {
    const self = this.selfId();
    return typeof self === 'string' && self < peerId;
  }

  /** The server says `peerId` is in the room: a call with it should come up. */
  expect(peerId) {
    const entry = this.entries.get(peerId);
    if (entry) {
      if (!entry.member) {
        entry.member = true;
        this.onMembers(this.size);
      }
      return;
    }
    const fresh = newEntry(true);
    this.entries.set(peerId, fresh);
    this.onMembers(this.size);
    this.set(peerId, fresh, 'connecting', null);
    this.arm(peerId, fresh, this.connectTimeout, () => this.failed(peerId, null, 'no-call'));
  }

  /** The join answer: exactly `peerIds` are the other members. */
  retain(peerIds) {
    const keep = new Set(peerIds);
    for (const peerId of [...this.entries.keys()]) if (!keep.has(peerId)) this.forget(peerId);
    for (const peerId of keep) this.expect(peerId);
  }

  /** `peerId` left the room: no more retries. */
  forget(peerId) {
    const entry = this.entries.get(peerId);
    if (!entry) return;
    this.timers.clearTimeout(entry.timer);
    this.entries.delete(peerId);
    if (entry.member) this.onMembers(this.size);
  }

  /** Stops every timer (we left). */
  stop() {
    for (const peerId of [...this.entries.keys()]) this.forget(peerId);
  }

  /**
   * Whether to answer `call`, an incoming call from `peerId`. No only when
   * it crosses a call we placed as the deciding side that is still trying.
   */
  acceptsCall(peerId, call) {
    const entry = this.entries.get(peerId);
    if (!entry || !entry.call || entry.call === call || !entry.placed) return true;
    return entry.state === 'connected' || entry.failedCall === entry.call || !this.decides(peerId);
  }

  /** `call` (placed by us when `placed`) is now the call with `peerId`. */
  attempt(peerId, call, { placed = false } = {}) {
    let entry = this.entries.get(peerId);
    if (!entry) {
      // A call before the server told us about its caller (the join answer
      // is on its way), or from someone who left: tracked, not counted.
      entry = newEntry(false);
      this.entries.set(peerId, entry);
    }
    const previous = entry.call;
    if (previous && previous !== call && entry.state !== 'connected' && entry.failedCall !== previous) {
      // Replaced before it connected (their retry came first): that attempt failed.
      entry.failures += 1;
      entry.reason ??= 'no-connection';
    }
    Object.assign(entry, { call, placed, failedCall: null, hint: null });
    this.set(peerId, entry, this.stateAfterFailures(entry), entry.reason);
    this.arm(peerId, entry, this.connectTimeout, () => this.failed(peerId, call, 'timeout'));
  }

  /** The call's connection is up. */
  connected(peerId, call) {
    const entry = this.entries.get(peerId);
    if (!entry || entry.call !== call) return;
    this.timers.clearTimeout(entry.timer);
    Object.assign(entry, { failures: 0, failedCall: null, hint: null });
    this.set(peerId, entry, 'connected', null);
  }

  /** The call's connection went "disconnected": it may come back by itself. */
  interrupted(peerId, call) {
    const entry = this.entries.get(peerId);
    if (!entry || entry.call !== call || entry.state !== 'connected') return;
    this.set(peerId, entry, 'reconnecting', 'interrupted');
    this.arm(peerId, entry, this.disconnectGrace, () => this.failed(peerId, call, 'interrupted'));
  }

  /**
   * Something about the current attempt that explains a failure better than
   * the failure itself (the TURN server refused our credentials).
   */
  note(peerId, call, hint) {
    const entry = this.entries.get(peerId);
    if (entry && entry.call === call) entry.hint = hint;
  }

  /**
   * The attempt with `call` failed; `call` null: no call came, or none could
   * be placed. One failure per call counts (ICE "failed" and the call's
   * `close` are one failure).
   */
  failed(peerId, call, reason) {
    const entry = this.entries.get(peerId);
    if (!entry || (call && (entry.call !== call || entry.failedCall === call))) return;
    if (!entry.member) {
      this.forget(peerId); // not in the room: nothing to retry
      this.onState(peerId, null);
      return;
    }
    if (call) entry.failedCall = call;
    entry.failures += 1;
    const why = (call && entry.hint) || reason;
    this.set(peerId, entry, this.stateAfterFailures({ ...entry, reason: why }), why);
    const step = Math.min(entry.failures - 1, 10);
    if (this.decides(peerId)) {
      this.arm(peerId, entry, backoffDelay(step, this.backoff), () => {
        // Should no call come of it (the PeerJS server is away), that fails too.
        this.arm(peerId, entry, this.connectTimeout, () => this.failed(peerId, null, 'no-call'));
        this.recall(peerId);
      });
    } else {
      // Their new call should come within the backoff; then its own deadline runs.
      const ceiling = Math.min(this.backoff.max, this.backoff.base * 2 ** step);
      this.arm(peerId, entry, ceiling + this.connectTimeout, () => this.failed(peerId, null, 'no-call'));
    }
  }

  /**
   * 'connecting' before any failure, 'reconnecting' after some, 'failed'
   * after `failedAfter` in a row or a hopeless one; a new attempt does not
   * take 'failed' back (the words say we keep retrying).
   */
  stateAfterFailures(entry) {
    if (entry.failures === 0) return 'connecting';
    return entry.failures >= this.failedAfter || HOPELESS.has(entry.reason) ? 'failed' : 'reconnecting';
  }

  set(peerId, entry, state, reason) {
    entry.state = state;
    entry.reason = reason;
    this.onState(peerId, describe(entry));
  }

  arm(peerId, entry, ms, action) {
    this.timers.clearTimeout(entry.timer);
    entry.timer = this.timers.setTimeout(() => {
      entry.timer = null;
      if (this.entries.get(peerId) === entry) action();
    }, ms);
  }
}

/**
 * @typedef {object} Entry
 * @property {boolean} member the server says it is in the room
 * @property {string} state
 * @property {string|null} reason why the last attempt failed
 * @property {number} failures failed attempts in a row
 * @property {any} call the current call, if any
 * @property {boolean} placed we placed the current call
 * @property {any} failedCall the call whose failure was counted
 * @property {string|null} hint see `note`
 * @property {any} timer
 */
function newEntry(member) {
  return { member, state: 'connecting', reason: null, failures: 0, call: null, placed: false, failedCall: null, hint: null, timer: null };
}

function describe(entry) {
  return { state: entry.state, reason: entry.reason, failures: entry.failures };
}

/**
 * The words on a tile for a link state, or null when there is nothing to say.
 *
 * @param {{state: string, reason: string|null}} link
 * @param {string} name the peer's display name
 */
export function linkText(link, name) {
  switch (link?.state) {
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'failed':
      return `Cannot connect to ${name}: ${FAILED[link.reason] ?? FAILED.default} Retrying…`;
    default:
      return null;
  }
}

const FAILED = {
  'turn-refused': 'the relay (TURN) server refused our credentials.',
  'peer-unavailable': 'they are no longer reachable through the server.',
  default: 'your network may block video calls (a TURN relay is needed).',
};
