// Fresh TURN credentials for a long stay in the room.
//
// With `--turn-secret` the server hands the page credentials that expire
// (`iceTtl` seconds), and serves new ones at `iceServersPath`. The page
// fetches new ones halfway through their life, and again just before placing
// or answering a call when those it has are more than a little old, so that a
// call (and its retries) starts with credentials that last. A failed fetch is
// retried with backoff; meanwhile calls go ahead with what we have.
import { backoffDelay } from './backoff.js';
import { validateIceServers } from './config.js';

export class IceRefresher {
  /**
   * @param {object} options
   * @param {Array<object>} options.servers the page's ICE servers
   * @param {number|null} options.ttl seconds they stay valid; null: they do not expire
   * @param {string} options.url where fresh ones are (`iceServersPath`)
   * @param {(url: string, init: object) => Promise<{ok: boolean, status: number, json: () => Promise<any>}>} options.fetch
   * @param {(servers: Array<object>) => void} options.apply use these from now on
   * @param {() => number} [options.now=Date.now]
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers=globalThis]
   * @param {(message: string) => void} [options.log]
   */
  constructor(options) {
    Object.assign(this, { now: Date.now, timers: globalThis, log: () => {}, ...options });
    this.fetchedAt = this.now();
    this.inFlight = null;
    this.failures = 0;
    this.retryAt = 0;
    this.timer = null;
    this.stopped = false;
  }

  /** Whether the credentials expire at all. */
  get expiring() {
    return typeof this.ttl === 'number' && this.ttl > 0;
  }

  /** Schedules the refresh halfway through the credentials' life. */
  start() {
    if (!this.expiring || this.stopped) return;
    this.schedule(this.fetchedAt + (this.ttl * 1000) / 2 - this.now());
  }

  stop() {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
  }

  /**
   * Before a call: null when the credentials are fresh enough (or do not
   * expire, or a refresh just failed), else a promise that settles once new
   * ones are in use or the fetch failed. It never rejects.
   */
  ensureFresh() {
    if (!this.expiring || this.stopped) return null;
    if (this.inFlight) return this.inFlight;
    const age = this.now() - this.fetchedAt;
    const freshFor = Math.min(60000, (this.ttl * 1000) / 10);
    if (age < freshFor || this.now() < this.retryAt) return null;
    return this.refresh();
  }

  /** Fetches new credentials now (one fetch at a time); never rejects. */
  refresh() {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.fetchOnce()
      .then(
        (fresh) => {
          this.servers = fresh.servers;
          this.ttl = fresh.ttl;
          this.fetchedAt = this.now();
          this.failures = 0;
          this.retryAt = 0;
          this.apply(fresh.servers);
          this.start();
        },
        (err) => {
          const delay = backoffDelay(Math.min(this.failures, 10), { base: 2000, max: 60000 });
          this.failures += 1;
          this.retryAt = this.now() + delay;
          this.log(`fetching ICE servers failed (${err.message}); retrying in ${Math.round(delay / 1000)} s`);
          if (!this.stopped) this.schedule(delay);
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  async fetchOnce() {
    const response = await this.fetch(this.url, { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    const servers = validateIceServers(body?.iceServers);
    const ttl = body.ttl ?? null;
    if (ttl !== null && !(Number.isFinite(ttl) && ttl > 0)) throw new Error('ttl must be null or a positive number');
    return { servers, ttl };
  }

  schedule(ms) {
    this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.refresh(), Math.max(0, ms));
  }
}
