// The package's main entry: the same API as ./core, with socket.io-client and
// PeerJS as the default `io` and `Peer`.
export * from './core.js';
