// The PeerJS side of a room: placing and answering calls, and exchanging
// display names.
//
// Who calls whom (as in the seed): members already in the room call each
// newcomer announced by `user-connected`; the newcomer only answers. So two
// peers never call each other at the same time, and a call that arrives for a
// peer we already show is a newer one (that peer re-joined) and replaces the
// old call.
//
// Names: each call carries the caller's name in its metadata. The answering
// side then opens one PeerJS DataConnection (label "names", JSON) back to the
// caller with its own name in the metadata, so both sides learn each other's
// name from signaling alone, before any data flows. Later renames are sent as
// {type: "name", name} over that connection.
import { cleanName } from './names.js';

export const NAME_LABEL = 'names';

// Ask to receive audio and video even when we send neither (viewers) or only
// one of them: PeerJS passes these to createOffer.
const OFFER = { offerToReceiveAudio: true, offerToReceiveVideo: true };

export class Calls {
  /**
   * @param {object} options
   * @param {import('./tiles.js').TileRegistry} options.tiles
   * @param {() => object|null} options.getStream the local stream, null for a viewer
   * @param {() => string} options.getName the local display name
   * @param {() => object} options.emptyStream makes an empty MediaStream (a viewer's call)
   * @param {(message: string) => void} [options.log]
   */
  constructor(options) {
    Object.assign(this, { log: () => {}, ...options });
    this.links = new Map(); // peer id -> names DataConnection
    this.deferred = new Set(); // peers to call once the PeerJS server is reachable
    this.peer = null;
  }

  /** Uses `peer` (a PeerJS Peer) from now on; calls from an older Peer stay until replaced. */
  bind(peer) {
    this.peer = peer;
    peer.on('call', (call) => (this.peer === peer ? this.answer(call) : call.close()));
    peer.on('connection', (conn) => (this.peer === peer ? this.linked(conn) : conn.close()));
  }

  /** Calls `peerId` now, or as soon as the PeerJS connection is open. */
  call(peerId) {
    if (!this.peer || !this.peer.open || this.peer.disconnected) {
      this.deferred.add(peerId);
      return;
    }
    const stream = this.getStream() ?? this.emptyStream();
    const call = this.peer.call(peerId, stream, { metadata: { name: this.getName() }, constraints: OFFER });
    if (!call) return; // PeerJS reported the error on the peer
    this.track(call);
    this.watch(call);
  }

  /** Places the calls deferred while the PeerJS connection was down. */
  flush() {
    const peers = [...this.deferred];
    this.deferred.clear();
    for (const peerId of peers) if (!this.tiles.has(peerId)) this.call(peerId);
  }

  /** After a re-join on the same connection: call the members we have no call with. */
  heal(users) {
    for (const peerId of users) if (!this.tiles.has(peerId)) this.call(peerId);
  }

  /** `user-disconnected`: close the call, placed or answered, and remove the tile. */
  hangUp(peerId) {
    this.deferred.delete(peerId);
    this.tiles.drop(peerId);
    this.unlink(peerId);
  }

  /** Hangs up on everyone (leaving the room). */
  hangUpAll() {
    for (const peerId of this.tiles.peers()) this.hangUp(peerId);
    this.deferred.clear();
  }

  /** Tells everyone our new name. */
  rename(name) {
    for (const conn of this.links.values()) {
      if (conn.open) conn.send({ type: 'name', name });
    }
  }

  /** Swaps the outgoing video track of every call (screen share, camera back). */
  replaceVideoTrack(track) {
    for (const peerId of this.tiles.peers()) {
      const pc = this.tiles.callOf(peerId)?.peerConnection;
      // The video transceiver, found by its receiver (the sender's track may be null).
      const sender = pc?.getTransceivers().find((t) => t.receiver.track?.kind === 'video')?.sender;
      sender?.replaceTrack(track).catch((err) => this.log(`replaceTrack: ${err.message}`));
    }
  }

  answer(call) {
    const name = call.metadata?.name;
    this.track(call);
    if (name !== undefined) this.tiles.setName(call.peer, cleanName(name));
    call.answer(this.getStream() ?? undefined);
    this.watch(call);
    this.link(call.peer);
  }

  /** A call that connects without ever sending media is a viewer, not "connecting". */
  watch(call) {
    const pc = call.peerConnection;
    if (!pc?.addEventListener) return;
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') this.tiles.connected(call.peer, call);
    });
  }

  track(call) {
    const peerId = call.peer;
    this.deferred.delete(peerId);
    this.tiles.attach(peerId, call);
    call.on('stream', (stream) => this.tiles.showStream(peerId, call, stream));
    call.on('close', () => this.tiles.drop(peerId, call));
    call.on('error', (err) => this.log(`call with ${peerId}: ${err?.message ?? err}`));
  }

  link(peerId) {
    const conn = this.peer.connect(peerId, {
      label: NAME_LABEL,
      serialization: 'json',
      metadata: { name: this.getName() },
    });
    if (conn) this.keep(conn);
  }

  linked(conn) {
    if (conn.label !== NAME_LABEL) return conn.close();
    const name = conn.metadata?.name;
    if (name !== undefined) this.tiles.setName(conn.peer, cleanName(name));
    this.keep(conn);
  }

  keep(conn) {
    const peerId = conn.peer;
    const old = this.links.get(peerId);
    this.links.set(peerId, conn);
    if (old && old !== conn) old.close();
    conn.on('data', (data) => {
      if (data && data.type === 'name') this.tiles.setName(peerId, cleanName(data.name));
    });
    conn.on('close', () => {
      if (this.links.get(peerId) === conn) this.links.delete(peerId);
    });
    conn.on('error', (err) => this.log(`names with ${peerId}: ${err?.message ?? err}`));
  }

  unlink(peerId) {
    const conn = this.links.get(peerId);
    this.links.delete(peerId);
    conn?.close();
  }
}
