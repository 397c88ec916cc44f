//! The wire layer of the Rust clients, shared by the tests and the load
//! generator (`bench/loadgen`): connecting ([`socket`]), and building and
//! parsing the frames of the rooms protocol ([`rooms`]) and of PeerJS
//! ([`peerjs`]).
//!
//! Nothing here panics: every failure is an [`Error`], so that loadgen can
//! count it and carry on, while the test clients ([`crate::rooms`],
//! [`crate::peerjs`]) turn it into a failed assertion with a message.
//! Incoming frames borrow from the text they were parsed from ([`Text`]),
//! and outgoing ones are serialized once into the `String` the websocket
//! sends, so a client holding thousands of connections or measuring
//! latency pays no allocation it does not need.

// The crate allows panicking helpers (they fail tests); this layer must not
// panic, so the lints come back on here.
#![warn(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod error;
pub mod peerjs;
pub mod rooms;
pub mod socket;
mod text;

pub use error::Error;
pub use text::Text;
