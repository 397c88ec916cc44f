// lingua-signal-client/core: the room client without bundled libraries.
// Pass socket.io-client's `io` and PeerJS's `Peer` in the options, or load
// their browser builds first (window.io, window.Peer), as the room page does.
export { RoomClient } from './room-client.js';
export { ConfigError, parseConfig, validateConfig } from '../lib/config.js';
export { WsClient } from '../lib/ws-client.js';
