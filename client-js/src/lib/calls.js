// The PeerJS side of a room: placing and answering calls.
//
// Who calls whom (as in the seed): members already in the room call each
// newcomer announced by `user-connected`; the newcomer only answers. So two
// peers never call each other at the same time, and a call that arrives for a
// peer we already show is a newer one (that peer re-joined) and replaces the
// old call. When a call fails (see connectivity.js), the side whose peer id
// sorts first places the new one; a call crossing that one is refused.
//
// A call that ends while its peer is still in the room leaves the tile in
// place, saying what happens next; only `user-disconnected` removes it.
//
// One RTCPeerConnection per pair: names travel in the `state` application
// message over the signaling channel (app-messages.js), not over a second
// PeerJS connection. Each call still carries the caller's name in its
// metadata, so the answering side can show it before that message arrives.
import { cleanName } from './names.js';

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
   * @param {import('./connectivity.js').Connectivity} options.connectivity
   * @param {() => Promise<void>|null} [options.beforeCall] null when a call can be
   *   placed or answered now, else a promise to wait for (fresh TURN credentials)
   * @param {(message: string) => void} [options.log]
   */
  constructor(options) {
    Object.assign(this, options);
    this.log = options.log ?? (() => {});
    this.beforeCall = options.beforeCall ?? (() => null);
    this.deferred = new Set(); // peers to call once the PeerJS server is reachable
    this.peer = null;
  }

  /** Uses `peer` (a PeerJS Peer) from now on; calls from an older Peer stay until replaced. */
  bind(peer) {
    this.peer = peer;
    peer.on('call', (call) => (this.peer === peer ? this.answer(call) : call.close()));
    // Nothing of ours uses a data connection (an older page opened one for names).
    peer.on('connection', (conn) => conn.close());
  }

  /** Calls `peerId` now, or as soon as the PeerJS connection is open. */
  call(peerId) {
    if (!this.peer || !this.peer.open || this.peer.disconnected) {
      this.deferred.add(peerId);
      return;
    }
    const ready = this.beforeCall();
    if (ready) {
      this.deferred.add(peerId);
      ready.then(() => this.flush());
      return;
    }
    const stream = this.getStream() ?? this.emptyStream();
    const call = this.peer.call(peerId, stream, { metadata: { name: this.getName() }, constraints: OFFER });
    if (!call) return; // PeerJS reported the error on the peer
    this.track(call, true);
    this.watch(call);
  }

  /**
   * Places the calls deferred while the PeerJS connection was down or the
   * credentials were being refreshed (a peer that called us meanwhile is no
   * longer deferred, see `track`).
   */
  flush() {
    const peers = [...this.deferred];
    this.deferred.clear();
    for (const peerId of peers) this.call(peerId);
  }

  /** After a re-join on the same connection: call the members we have no call with. */
  heal(users) {
    for (const peerId of users) if (!this.tiles.callOf(peerId)) this.call(peerId);
  }

  /** `peer-unavailable`: the PeerJS server does not know `peerId` (any more). */
  unavailable(peerId) {
    this.connectivity.failed(peerId, this.tiles.callOf(peerId) ?? null, 'peer-unavailable');
  }

  /** `user-disconnected`: close the call, placed or answered, and remove the tile. */
  hangUp(peerId) {
    this.deferred.delete(peerId);
    this.connectivity.forget(peerId);
    this.tiles.drop(peerId);
  }

  /** Hangs up on everyone (leaving the room). */
  hangUpAll() {
    for (const peerId of this.tiles.peers()) this.hangUp(peerId);
    this.connectivity.stop();
    this.deferred.clear();
  }

  /**
   * Sends `track` (the screen, the camera back, or null: no video) on every
   * call; see `sendTrack`.
   */
  sendVideo(track) {
    this.sendTrack('video', track);
  }

  /**
   * Sends `track` of `kind` ('audio' or 'video'; null: none of that kind) on
   * every call. Where the call already sends that kind, or is set up to
   * while it still connects, the track is swapped in place (no
   * renegotiation). Where it does not (we were a viewer, joined without that
   * device, or go back to sending none), PeerJS cannot renegotiate, so the
   * call is placed again with the new outgoing stream: the newest call per
   * peer wins on both sides. A call not answered yet has no connection: its
   * answer takes the stream as it is then (`answer`), new track included.
   */
  sendTrack(kind, track) {
    for (const peerId of this.tiles.peers()) {
      const call = this.tiles.callOf(peerId);
      const pc = call?.peerConnection;
      if (!pc?.getTransceivers) continue; // no call yet, or not answered yet: it takes the stream then
      // The transceiver of that kind, found by its receiver (the sender's track may be null).
      const transceiver = pc.getTransceivers().find((t) => t.receiver.track?.kind === kind);
      const sending = sends(transceiver);
      if (sending && track) transceiver.sender.replaceTrack(track).catch((err) => this.log(`replaceTrack: ${err.message}`));
      else if (sending || track) this.call(peerId);
    }
  }

  answer(call) {
    if (!this.connectivity.acceptsCall(call.peer, call)) {
      this.log(`call from ${call.peer} crosses ours, which goes on`);
      call.close();
      return;
    }
    const name = call.metadata?.name;
    this.track(call, false);
    if (name !== undefined) this.tiles.setName(call.peer, cleanName(name));
    const answerNow = () => {
      if (this.tiles.callOf(call.peer) !== call) return; // replaced meanwhile
      call.answer(this.getStream() ?? undefined);
      this.watch(call);
    };
    const ready = this.beforeCall();
    if (ready) ready.then(answerNow);
    else answerNow();
  }

  /**
   * Follows the call's connection for connectivity.js. A call that connects
   * without ever sending media is a viewer, not "connecting". A call whose
   * ICE gathering ends without a single local candidate (relay-only without
   * a working TURN server) cannot connect: that is known at once.
   */
  watch(call) {
    const pc = call.peerConnection;
    if (!pc?.addEventListener) return;
    const peerId = call.peer;
    let candidates = 0;
    pc.addEventListener('connectionstatechange', () => {
      const state = pc.connectionState;
      if (state === 'connected') {
        this.tiles.connected(peerId, call);
        this.connectivity.connected(peerId, call);
      } else if (state === 'disconnected') {
        this.connectivity.interrupted(peerId, call);
      } else if (state === 'failed') {
        this.connectivity.failed(peerId, call, 'ice-failed');
      }
    });
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate?.candidate) candidates += 1;
    });
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete' && candidates === 0) this.connectivity.failed(peerId, call, 'no-candidates');
    });
    pc.addEventListener('icecandidateerror', (event) => {
      // 401 Unauthorized, 403 Forbidden: the TURN server refused our credentials.
      if (event.errorCode === 401 || event.errorCode === 403) this.connectivity.note(peerId, call, 'turn-refused');
    });
  }

  track(call, placed) {
    const peerId = call.peer;
    this.deferred.delete(peerId);
    this.tiles.attach(peerId, call);
    this.connectivity.attempt(peerId, call, { placed });
    call.on('stream', (stream) => this.tiles.showStream(peerId, call, stream));
    call.on('close', () => this.ended(peerId, call));
    call.on('error', (err) => this.log(`call with ${peerId}: ${err?.message ?? err}`));
  }

  /** The call closed by itself (hung up, ICE failed): retry while the peer is in the room. */
  ended(peerId, call) {
    if (this.tiles.callOf(peerId) !== call) return; // replaced by a newer call
    if (this.connectivity.isMember(peerId)) {
      this.tiles.detach(peerId, call);
      this.connectivity.failed(peerId, call, 'closed');
    } else {
      this.tiles.drop(peerId, call);
      this.connectivity.forget(peerId);
    }
  }
}

/**
 * Whether `transceiver` sends its kind: the negotiated direction once the
 * call is connected, else the one we offer or answer with (`currentDirection`
 * stays null until the offer/answer exchange completes, and a call being set
 * up with a track already has a sender for it).
 */
function sends(transceiver) {
  if (!transceiver) return false;
  return /send/.test(transceiver.currentDirection ?? transceiver.direction ?? '');
}
