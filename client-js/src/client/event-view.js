// The TileRegistry "view" of a RoomClient: instead of drawing tiles it emits
// what a page needs to draw its own. The registry already guarantees one
// current call per peer and drops repeated `stream` events (PeerJS fires one
// per track), so each event here is a real change.

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
    setLink: (tile, link) => emitter.emit('link', tile.peerId, link),
    destroy(tile) {
      if (tile.stream) emitter.emit('stream-removed', tile.peerId);
      tile.stream = null;
    },
  };
}
