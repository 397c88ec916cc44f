#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backplane;
mod cache;
mod driver;
mod error;
mod settings;
mod shared;
mod stats;
mod wire;

pub use backplane::RedisBackplane;
pub use error::Error;
pub use settings::{Builder, DEFAULT_PREFIX, DEFAULT_QUEUE, DEFAULT_REFRESH, DEFAULT_TTL, MAX_TTL};
pub use stats::Stats;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<RedisBackplane>();
        assert_send_sync_debug::<Builder>();
        assert_send_sync_debug::<Error>();
        assert_send_sync_debug::<Stats>();
    }

    #[test]
    fn settings_are_checked() {
        let url = "redis://127.0.0.1:1";
        assert!(RedisBackplane::builder(url).build().is_ok());
        assert!(matches!(RedisBackplane::builder("http://x").build(), Err(Error::Url(_))));
        for prefix in ["", "a b", "a*", "ü"] {
            assert!(matches!(RedisBackplane::builder(url).prefix(prefix).build(), Err(Error::Prefix)), "{prefix}");
        }
        let slow = RedisBackplane::builder(url).refresh(DEFAULT_TTL);
        assert!(matches!(slow.build(), Err(Error::Timers { .. })));
        let zero = RedisBackplane::builder(url).refresh(std::time::Duration::ZERO);
        assert!(matches!(zero.build(), Err(Error::Timers { .. })));
        let huge = RedisBackplane::builder(url).refresh(std::time::Duration::MAX).ttl(std::time::Duration::MAX);
        assert!(matches!(huge.build(), Err(Error::Timers { .. })));
        let long = RedisBackplane::builder(url).ttl(MAX_TTL + std::time::Duration::from_secs(1));
        assert!(matches!(long.build(), Err(Error::Timers { .. })));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let backplane = RedisBackplane::builder("redis://user:secret@db.example:6379/2").build().unwrap();
        let printed = format!("{backplane:?}");
        assert!(!printed.contains("secret") && printed.contains("user:***@db.example:6379/2"), "{printed}");
        assert_eq!(settings::redacted("redis://db.example:6379"), "redis://db.example:6379");
        assert_eq!(settings::redacted("redis://:pw@h"), "redis://:***@h");
    }

    #[test]
    fn attach_needs_a_runtime_and_happens_once() {
        let backplane = RedisBackplane::builder("redis://127.0.0.1:1").build().unwrap();
        let hub = lingua_signal_core::Hub::builder().backplane(backplane.clone()).build();
        assert!(matches!(backplane.attach(&hub), Err(Error::NoRuntime)));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            assert!(backplane.attach(&hub).is_ok());
            assert!(matches!(backplane.attach(&hub), Err(Error::AlreadyAttached)));
        });
    }
}
