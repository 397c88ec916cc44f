// Test doubles for the browser objects the lib modules use (no DOM, no WebRTC).

/** A minimal EventEmitter with the `on`/`emit` API of PeerJS objects. */
export class Emitter {
  constructor() {
    this.handlers = new Map();
  }
  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(fn);
    return this;
  }
  fire(event, ...args) {
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }
}

let nextCall = 1;

/** An RTCPeerConnection as far as calls.js watches it. */
export class FakePC {
  constructor() {
    this.listeners = new Map();
    this.connectionState = 'new';
    this.iceGatheringState = 'new';
  }
  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }
  fire(type, event = {}) {
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
  /** Sets `connectionState` or `iceGatheringState` and fires its change event. */
  change(field, value) {
    this[field] = value;
    this.fire(field === 'connectionState' ? 'connectionstatechange' : 'icegatheringstatechange');
  }
}

/** A PeerJS MediaConnection: `close()` fires `close` like the real one. */
export class FakeCall extends Emitter {
  constructor(peer, metadata) {
    super();
    this.peerConnection = new FakePC();
    this.peer = peer;
    this.metadata = metadata;
    this.connectionId = `mc_${nextCall++}`;
    this.closed = false;
    this.answered = null;
  }
  answer(stream) {
    this.answered = { stream };
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.fire('close');
  }
}

/** A PeerJS DataConnection. */
export class FakeConn extends Emitter {
  constructor(peer, options = {}) {
    super();
    this.peer = peer;
    this.label = options.label;
    this.metadata = options.metadata;
    this.open = false;
    this.closed = false;
    this.sent = [];
  }
  send(data) {
    this.sent.push(data);
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.fire('close');
  }
}

/** A PeerJS Peer that records what it is asked to do. */
export class FakePeer extends Emitter {
  constructor() {
    super();
    this.open = true;
    this.disconnected = false;
    this.calls = [];
    this.conns = [];
  }
  call(peerId, stream, options) {
    const call = new FakeCall(peerId, options.metadata);
    call.stream = stream;
    call.options = options;
    this.calls.push(call);
    return call;
  }
  connect(peerId, options) {
    const conn = new FakeConn(peerId, options);
    this.conns.push(conn);
    return conn;
  }
}

/** A TileView that records the tiles as plain objects. */
export function recordingView() {
  const tiles = [];
  const log = [];
  return {
    tiles,
    log,
    live: () => tiles.filter((t) => !t.destroyed),
    create(peerId, { local }) {
      const tile = { peerId, local, stream: null, name: null, media: null, destroyed: false };
      tiles.push(tile);
      log.push(['create', peerId]);
      return tile;
    },
    showStream(tile, stream) {
      tile.stream = stream;
      log.push(['stream', tile.peerId, stream]);
    },
    setName(tile, name) {
      tile.name = name;
    },
    setState(tile, state) {
      tile.state = state;
    },
    setMedia(tile, media) {
      tile.media = media;
    },
    setLink(tile, link) {
      tile.link = link;
    },
    destroy(tile) {
      tile.destroyed = true;
      log.push(['destroy', tile.peerId]);
    },
  };
}

/** Timers driven by hand: `run()` fires every pending timer, in order. */
export function manualTimers() {
  let next = 1;
  const pending = new Map();
  return {
    pending,
    setTimeout(fn, ms) {
      const id = next++;
      pending.set(id, { fn, ms });
      return id;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    run() {
      const due = [...pending.entries()];
      pending.clear();
      for (const [, { fn }] of due) fn();
      return due.length;
    },
  };
}
