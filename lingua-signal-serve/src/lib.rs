#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backoff;
mod config;
mod guard;
mod observe;
mod per_ip;
mod progress;
mod server;
mod signal;
mod stats;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;

pub use config::{Deadlines, Limits};
pub use observe::RequestBody;
pub use server::{Server, ServerBuilder, Serving};
pub use signal::shutdown_signal;
pub use stats::Stats;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<Server>();
        assert_send_sync_debug::<ServerBuilder>();
        assert_send_sync_debug::<Serving>();
        assert_send_sync_debug::<Deadlines>();
        assert_send_sync_debug::<Limits>();
        assert_send_sync_debug::<Stats>();
        assert_send_sync_debug::<RequestBody>();
        #[cfg(feature = "tls")]
        assert_send_sync_debug::<tls::TlsError>();
    }
}
