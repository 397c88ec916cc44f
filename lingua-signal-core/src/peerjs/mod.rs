//! Everything PeerJS: the relay's wire frames and admission rules, and the
//! framework-neutral PeerJS server that the adapters bind to their
//! framework.
//!
//! A [`PeerJsServer`] is a [`Hub`] with [`PeerJsOptions`]. An adapter
//! routes requests with [`Route::of`], answers the HTTP routes with
//! [`PeerJsServer::respond`] under the [`Cors`] policy, and hands each upgraded
//! websocket, converted to a stream and sink of [`WsMessage`], to
//! [`PeerJsServer::serve_socket`]. Everything else (admission, relay,
//! heartbeats, pings, close codes and grace) happens here, once for every
//! adapter.
//!
//! | event | close |
//! |---|---|
//! | refused admission (ERROR or ID-TAKEN frame first) | no status (client sees 1005) |
//! | the client closes | the framework's answer to its close |
//! | idle timeout, superseded, outbound queue full | 1000 with the reason |
//! | [`Hub::shutdown`] | 1001 |
//! | message over [`Config::max_message_bytes`](crate::Config::max_message_bytes) | 1009, then the connection is dropped unread |
//! | text frame that is not UTF-8 | 1007, then dropped |
//! | broken framing | 1002, then dropped |
//!
//! After a close frame the server waits up to
//! [`PeerJsOptions::close_grace`] for the client's answer.

mod cors;
mod http;
mod options;
mod socket;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
};

pub use cors::{Cors, Header};
pub use http::{Reply, Route};
pub use options::PeerJsOptions;
pub use socket::{CloseFrame, ReadError, WsMessage};

pub use crate::frame::{ClientFrame, FrameError, MAX_PAYLOAD_DEPTH, Message, MessageKind, ServerFrame};
pub use crate::hub::PeerSession;
pub use crate::relay::{AdmitError, MAX_TOKEN_LEN, PeerParams, RegisterError, error_frame};
use crate::{ConnectRequest, Hub};

/// A PeerJS server: a hub and its options. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct PeerJsServer {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    hub: Hub,
    options: PeerJsOptions,
    cors: Cors,
    /// Sockets being served, per client address, for
    /// [`PeerJsOptions::max_peers_per_ip`].
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

/// A socket counted against its address; uncounted when dropped.
#[derive(Debug)]
pub(crate) struct IpSlot {
    server: PeerJsServer,
    ip: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut counts = self.server.inner.per_ip.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

impl PeerJsServer {
    /// A server for the peers of `hub`.
    #[must_use]
    pub fn new(hub: Hub, options: PeerJsOptions) -> Self {
        let cors = Cors::new(options.origins()).pages(hub.origins().clone());
        Self { inner: Arc::new(Shared { hub, options, cors, per_ip: Mutex::new(HashMap::new()) }) }
    }

    /// The hub.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// The options.
    #[must_use]
    pub fn options(&self) -> &PeerJsOptions {
        &self.inner.options
    }

    /// The CORS policy of the HTTP routes.
    #[must_use]
    pub fn cors(&self) -> &Cors {
        &self.inner.cors
    }

    /// Counts a socket from `request`'s address against
    /// [`PeerJsOptions::max_peers_per_ip`]: `Ok(None)` when nothing is
    /// counted (no address, exempt, no limit), `Ok(Some(slot))` while the
    /// slot is held, `Err(())` when the address is at its limit.
    pub(crate) fn take_ip_slot(&self, request: &ConnectRequest) -> Result<Option<IpSlot>, ()> {
        let Some(ip) = self.hub().client_ip(request) else { return Ok(None) };
        let Some(max) = self.options().peers_per_ip_for(ip) else { return Ok(None) };
        let mut counts = self.inner.per_ip.lock().unwrap_or_else(PoisonError::into_inner);
        let n = counts.entry(ip).or_insert(0);
        if *n >= max {
            return Err(());
        }
        *n += 1;
        Ok(Some(IpSlot { server: self.clone(), ip }))
    }

    /// The route of an absolute request path, if it is one of this server's.
    #[must_use]
    pub fn route(&self, path: &str) -> Option<Route> {
        Route::of(path, self.options())
    }

    /// The answer to `GET` on an HTTP route for `request`, as adapters
    /// serve it: the peer list, which reveals every registered id, is
    /// served only to requests the hub's [`Authorizer`](crate::Authorizer)
    /// admits (a refusal is 403 with `"{code}: {reason}"`); a fresh id
    /// reveals nothing and is never refused, as the stock client fetches it
    /// with nothing but its cookies. Every route answers 403 to a page whose
    /// `Origin` the hub does not accept ([`Hub::origins`]).
    pub async fn respond(&self, route: Route, request: &ConnectRequest) -> Option<Reply> {
        if let Some(refused) = self.refuse_origin(request) {
            return Some(refused);
        }
        if route == Route::Peers
            && self.options().discovery()
            && let Err(denied) = self.hub().authorize(request).await
        {
            let body = format!("{}: {}", denied.code(), denied.reason());
            return Some(Reply { status: 403, content_type: "text/plain; charset=utf-8", body });
        }
        Reply::to(route, self.hub(), self.options())
    }

    /// The 403 reply for a request (an HTTP call or a websocket upgrade)
    /// from a page whose `Origin` the hub does not accept, if it is one.
    /// Adapters check upgrades with it before they accept them.
    #[must_use]
    pub fn refuse_origin(&self, request: &ConnectRequest) -> Option<Reply> {
        let denied = self.hub().check_origin(request).err()?;
        let body = format!("{}: {}", denied.code(), denied.reason());
        Some(Reply { status: 403, content_type: "text/plain; charset=utf-8", body })
    }
}
