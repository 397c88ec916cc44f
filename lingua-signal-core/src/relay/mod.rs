//! The PeerJS relay without a transport: the wire frames, the admission
//! rules and the state machine behind [`Hub::register`](crate::Hub::register).
//!
//! [`peerjs`](crate::peerjs) re-exports everything public here next to the
//! framework-neutral server built on it; this module never reaches back into
//! the hub.

mod admission;
mod state;

pub use admission::{AdmitError, PeerParams};
pub(crate) use state::{Departure, PeerState, Session};
pub use state::{MAX_TOKEN_LEN, RegisterError, error_frame};
