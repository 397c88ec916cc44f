//! Shared test support for the lingua-signal adapters: real clients (PeerJS
//! over tokio-tungstenite, socket.io-client through a Node driver, plain
//! HTTP) and black-box suites that each adapter runs against its own server.

pub mod http;
pub mod peerjs;
pub mod rooms;
pub mod sio;
