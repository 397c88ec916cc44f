// One tile per participant, whatever happens to the calls underneath.
//
// The classic tutorial client adds a <video> on every `stream` event (PeerJS
// fires one per track, so two per call), remembers only the calls it placed
// (so the answering side never removes a departed peer), and keeps the old
// tile when a peer comes back. Here the registry is keyed by peer id and holds
// exactly one *current* call per peer, placed or answered:
//
// - a second call for the same peer replaces the first (the first is closed);
// - events from a call that is no longer current are ignored, so the late
//   `close` of a replaced call cannot remove the new tile;
// - a stream that is already shown is not shown again.
//
// The DOM lives behind `view`, so this file runs in Node tests unchanged.

/**
 * @typedef {object} TileView
 * @property {(peerId: string|null, options: {local: boolean}) => any} create a new tile, appended to the grid
 * @property {(tile: any, stream: object|null) => void} showStream
 * @property {(tile: any, name: string) => void} setName
 * @property {(tile: any) => void} destroy removes the tile from the grid
 * @property {(tile: any, state: 'off') => void} [setState] the peer is connected but sends no media
 * @property {(tile: any, media: {mic: boolean, camera: boolean}) => void} [setMedia] what the peer
 *   says of its microphone and camera (the indicators)
 * @property {(tile: any, link: {state: string, reason: string|null}) => void} [setLink] how our
 *   call with the peer is doing (connectivity.js)
 */

export class TileRegistry {
  /**
   * @param {TileView} view
   * @param {{onChange?: (registry: TileRegistry) => void, onName?: (peerId: string, name: string) => void}} [options]
   *   onChange: called after every change in the set of tiles; onName: after every name heard
   */
  constructor(view, options = {}) {
    this.view = view;
    this.onChange = options.onChange ?? (() => {});
    this.onName = options.onName ?? (() => {});
    /** @type {Map<string, {tile: any, call: any, stream: object|null}>} */
    this.remote = new Map();
    /** Names learnt so far, also for peers whose call has not arrived yet. */
    this.names = new Map();
    /**
     * Microphone and camera states announced by peers still in the room. A
     * peer announces its state when it joins, usually before its call
     * arrives, so the state waits here for the tile.
     */
    this.media = new Map();
    this.local = null;
  }

  /** Participants shown, the local one included. */
  get size() {
    return this.remote.size + (this.local ? 1 : 0);
  }

  /** Ids of the remote peers that have a tile. */
  peers() {
    return [...this.remote.keys()];
  }

  has(peerId) {
    return this.remote.has(peerId);
  }

  /** The view's tile of `peerId` (null: the local one), or undefined. */
  tileOf(peerId) {
    return peerId === null ? this.local?.tile : this.remote.get(peerId)?.tile;
  }

  /** The call currently shown for `peerId`, or undefined. */
  callOf(peerId) {
    return this.remote.get(peerId)?.call;
  }

  /** Shows (or updates) the local participant's tile. */
  setLocal(stream, name) {
    if (!this.local) {
      this.local = { tile: this.view.create(null, { local: true }), stream: null };
      this.onChange(this);
    }
    if (this.local.stream !== stream) {
      this.local.stream = stream;
      this.view.showStream(this.local.tile, stream);
    }
    this.view.setName(this.local.tile, name);
  }

  /**
   * Shows a tile for `peerId` even before any call: the server says it is in
   * the room, and the tile tells how connecting to it goes.
   */
  ensure(peerId) {
    if (this.remote.has(peerId)) return;
    this.create(peerId, null);
  }

  /**
   * Makes `call` the current call with `peerId`, creating the tile if needed.
   * A different current call is closed: the newest call wins.
   */
  attach(peerId, call) {
    const entry = this.remote.get(peerId);
    if (entry) {
      if (entry.call === call) return;
      const old = entry.call;
      entry.call = call; // before close(), whose `close` event must find old stale
      entry.stream = null;
      this.view.showStream(entry.tile, null);
      safeClose(old);
      return;
    }
    this.create(peerId, call);
  }

  create(peerId, call) {
    const tile = this.view.create(peerId, { local: false });
    this.view.setName(tile, this.nameOf(peerId));
    const media = this.media.get(peerId);
    if (media) this.view.setMedia?.(tile, media);
    this.remote.set(peerId, { tile, call, stream: null });
    this.onChange(this);
  }

  /**
   * `call` ended but the peer is still in the room: the tile stays, without
   * its video, until a new call replaces it. Returns true when `call` was
   * the current one.
   */
  detach(peerId, call) {
    const entry = this.remote.get(peerId);
    if (!entry || entry.call !== call) return false;
    entry.call = null;
    entry.stream = null;
    this.view.showStream(entry.tile, null);
    return true;
  }

  /** Shows how our call with `peerId` is doing on its tile. */
  setLink(peerId, link) {
    const entry = this.remote.get(peerId);
    if (entry) this.view.setLink?.(entry.tile, link);
  }

  /**
   * A `stream` event of `call`. Returns true when the tile now shows a new
   * stream, false for a duplicate (the same stream, once per track) or a
   * stale call.
   */
  showStream(peerId, call, stream) {
    const entry = this.remote.get(peerId);
    if (!entry || entry.call !== call || entry.stream === stream) return false;
    entry.stream = stream;
    this.view.showStream(entry.tile, stream);
    return true;
  }

  /**
   * The call's connection is up. If no stream came with it, the peer sends
   * nothing (a viewer): the tile stops saying "connecting".
   */
  connected(peerId, call) {
    const entry = this.remote.get(peerId);
    if (!entry || entry.call !== call || entry.stream) return;
    this.view.setState?.(entry.tile, 'off');
  }

  /**
   * Removes the peer's tile and closes its call. With `call`, only when that
   * call is still the current one (a replaced call closing late is ignored).
   * Returns true when a tile was removed.
   */
  drop(peerId, call) {
    // Without `call` the peer left the room: its announced state goes too. A
    // call that merely closed keeps it, for the next call's tile.
    if (call === undefined) this.media.delete(peerId);
    const entry = this.remote.get(peerId);
    if (!entry || (call !== undefined && entry.call !== call)) return false;
    this.remote.delete(peerId);
    this.view.destroy(entry.tile);
    safeClose(entry.call);
    this.onChange(this);
    return true;
  }

  /** Drops every remote peer whose id is not in `peerIds`. */
  retain(peerIds) {
    const keep = new Set(peerIds);
    for (const peerId of this.peers()) if (!keep.has(peerId)) this.drop(peerId);
  }

  /** Drops every remote peer (the local tile stays). */
  clear() {
    for (const peerId of this.peers()) this.drop(peerId);
  }

  /** Records a display name and shows it if the peer has a tile. */
  setName(peerId, name) {
    this.names.set(peerId, name);
    const entry = this.remote.get(peerId);
    if (entry) this.view.setName(entry.tile, name);
    this.onName(peerId, name);
  }

  /** Records a peer's announced microphone and camera state and shows it on its tile. */
  setMedia(peerId, media) {
    this.media.set(peerId, media);
    const entry = this.remote.get(peerId);
    if (entry) this.view.setMedia?.(entry.tile, media);
  }

  nameOf(peerId) {
    return this.names.get(peerId) ?? 'Guest';
  }
}

function safeClose(call) {
  try {
    call?.close?.();
  } catch {
    // A call that fails to close is gone anyway.
  }
}
