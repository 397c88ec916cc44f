// Who came and who went, in words, for the one polite live region (#announcer).
// The server says a peer arrived (user-connected) before we know its name
// (the call's metadata or its names channel brings it a moment later), so an
// arrival waits for the name; a name that never comes is announced without it
// after `wait` ms. Peers already in the room when we join are not announced:
// only arrivals after us are news.

/**
 * @param {object} options
 * @param {(text: string) => void} options.announce
 * @param {(run: () => void, ms: number) => any} [options.setTimer]
 * @param {(timer: any) => void} [options.clearTimer]
 * @param {number} [options.wait] ms to wait for a newcomer's name (default 5000)
 */
export class Presence {
  constructor({ announce, setTimer = (run, ms) => setTimeout(run, ms), clearTimer = (t) => clearTimeout(t), wait = 5000 }) {
    // (Wrapped: a browser's setTimeout called as a method of another object throws "Illegal invocation".)
    Object.assign(this, { announce, setTimer, clearTimer, wait });
    this.names = new Map(); // peer id -> last name heard
    this.pending = new Map(); // peer id -> timer, arrived but not announced yet
    this.announced = new Set(); // peer ids announced as joined (a later rename is news too)
  }

  /** The server says `peerId` joined after us. */
  arrived(peerId) {
    if (this.pending.has(peerId) || this.announced.has(peerId)) return;
    if (this.names.has(peerId)) return this.joined(peerId);
    this.pending.set(peerId, this.setTimer(() => this.joined(peerId), this.wait));
  }

  /** A name for `peerId` (first or renamed). */
  named(peerId, name) {
    const before = this.names.get(peerId);
    this.names.set(peerId, name);
    if (this.pending.has(peerId)) this.joined(peerId);
    else if (this.announced.has(peerId) && before !== undefined && before !== name) {
      this.announce(`${before} is now called ${name}`);
    }
  }

  /** `peerId` left the room (gracefully or not). */
  departed(peerId) {
    this.clearTimer(this.pending.get(peerId));
    this.pending.delete(peerId);
    this.announced.delete(peerId);
    const name = this.names.get(peerId);
    this.names.delete(peerId);
    this.announce(name ? `${name} left` : 'Someone left');
  }

  /** Stops every pending announcement (we left). */
  stop() {
    for (const timer of this.pending.values()) this.clearTimer(timer);
    this.pending.clear();
  }

  joined(peerId) {
    this.clearTimer(this.pending.get(peerId));
    this.pending.delete(peerId);
    this.announced.add(peerId);
    const name = this.names.get(peerId);
    this.announce(name ? `${name} joined` : 'Someone joined');
  }
}

/**
 * The live region's next text. Announcements closer together than `window`
 * ms are kept together, so a screen reader that is still speaking the first
 * one reads the second too; the same text again gets a trailing no-break
 * space, because an unchanged text is not announced again.
 *
 * @param {{text: string, at: number}|null} last what the region says now, and since when
 * @param {string} text the new announcement
 * @param {number} now ms
 */
export function nextAnnouncement(last, text, now, window = 1500) {
  const recent = last && now - last.at < window;
  let next = recent ? `${last.text.trimEnd()}. ${text}` : text;
  if (last && next === last.text) next = `${next}\u00a0`;
  return next;
}
