//! Shared test support for the lingua-signal adapters: real clients (PeerJS
//! over tokio-tungstenite, socket.io-client through a Node driver, plain
//! HTTP, HTTPS) and black-box suites that each adapter runs against its own server.

// Test support: a helper that cannot do its job fails the test loudly, with
// a message, which is the point of panicking here.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

pub mod app;
pub mod deadline;
pub mod fuzz;
pub mod gate;
pub mod http;
pub mod participant;
pub mod peerjs;
pub mod process;
pub mod redis;
pub mod rooms;
pub mod sio;
pub mod wire;
