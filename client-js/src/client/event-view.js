// The TileRegistry "view" of a RoomClient: instead of drawing tiles it emits
// what a page needs to draw its own. The registry already guarantees one
// current call per peer and drops repeated `stream` events (PeerJS fires one
// per track), so each event here is a real change. A page that draws with a
// view of its own (the room page's DOM tiles) gets both: `withEvents` passes
// every change to that view and still emits the events.

/**
 * @param {import('./emitter.js').Emitter} emitter
 * @param {(peerId: string) => boolean} named whether the peer told its name
 *   (the registry shows a placeholder name until then: not an event)
 */
export function eventView(emitter, named) {
  return {
    create: (peerId) => ({ peerId, stream: null, name: null }),
    showStream(tile, stream) {
      if (tile.peerId === null || tile.stream === stream) return;
      const had = tile.stream;
      tile.stream = stream;
      if (stream) emitter.emit('stream', tile.peerId, stream);
      else if (had) emitter.emit('stream-removed', tile.peerId);
    },
    setName(tile, name) {
      // The call metadata and every `state` message repeat the name: one event per change.
      if (tile.peerId === null || !named(tile.peerId) || tile.name === name) return;
      tile.name = name;
      emitter.emit('name', tile.peerId, name);
    },
    setLink: (tile, link) => tile.peerId !== null && emitter.emit('link', tile.peerId, link),
    destroy(tile) {
      if (tile.stream) emitter.emit('stream-removed', tile.peerId);
      tile.stream = null;
    },
  };
}

/**
 * `view` (a TileView, see lib/tiles.js) with the events of `events` too. The
 * registry holds `view`'s tiles (so `tiles.tileOf` answers the page's own);
 * each has its event tile on the side.
 *
 * @param {import('../lib/tiles.js').TileView} view
 * @param {import('../lib/tiles.js').TileView} events
 * @returns {import('../lib/tiles.js').TileView}
 */
export function withEvents(view, events) {
  const shadow = new WeakMap(); // the view's tile -> its event tile
  const both = (method) => (tile, ...args) => {
    view[method]?.(tile, ...args);
    events[method]?.(shadow.get(tile), ...args);
  };
  return {
    create(peerId, options) {
      const tile = view.create(peerId, options);
      shadow.set(tile, events.create(peerId, options));
      return tile;
    },
    showStream: both('showStream'),
    setName: both('setName'),
    setLink: both('setLink'),
    setState: both('setState'),
    setMedia: both('setMedia'),
    destroy: both('destroy'),
  };
}
