// lingua-signal-client: the room client with socket.io-client and PeerJS
// imported, used unless the options pass other constructors (`io`, `Peer`).
// PeerJS is ESM for bundlers ("module") but CommonJS for Node: the namespace
// import reads `Peer` from either shape.
import * as peerjs from 'peerjs';
import { io } from 'socket.io-client';
import { RoomClient as CoreRoomClient } from './room-client.js';

export { ConfigError, parseConfig, validateConfig, WsClient } from './core.js';

const Peer = peerjs.Peer ?? peerjs.default?.Peer;

export class RoomClient extends CoreRoomClient {
  /** @param {import('./core.js').RoomClientOptions} options */
  constructor(options) {
    super({ ...options, io: options.io ?? io, Peer: options.Peer ?? Peer });
  }
}
