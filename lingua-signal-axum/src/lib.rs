#![doc = include_str!("../README.md")]

mod builder;
mod peerjs;
mod socketio;

pub use builder::*;
pub use peerjs::*;
pub use socketio::*;
