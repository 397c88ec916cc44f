#![doc = include_str!("../README.md")]

mod builder;
mod peerjs;
mod socketio;

#[allow(unused_imports)] // empty stub on this branch; drop when builder.rs lands
pub use builder::*;
pub use peerjs::*;
#[allow(unused_imports)] // empty stub on this branch; drop when socketio.rs lands
pub use socketio::*;
