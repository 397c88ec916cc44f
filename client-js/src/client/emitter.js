// The event API of RoomClient: `on` returns a function that removes the
// handler, so a page can drop what it added without keeping references. A
// handler that throws must not stop the client nor the other handlers: the
// error is reported on the console and the next handler runs.

export class Emitter {
  constructor() {
    /** @type {Map<string, Set<Function>>} */
    this.handlers = new Map();
  }

  /** Calls `fn` for every `event`; returns a function that stops it. */
  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
    return () => this.off(event, fn);
  }

  /** Calls `fn` for the next `event` only. */
  once(event, fn) {
    const stop = this.on(event, (...args) => {
      stop();
      fn(...args);
    });
    return stop;
  }

  off(event, fn) {
    this.handlers.get(event)?.delete(fn);
  }

  emit(event, ...args) {
    for (const fn of [...(this.handlers.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        console.error(`lingua-signal-client: a "${event}" handler threw`, err);
      }
    }
  }
}
