//! [`Identity`]: who a connection is, as the host's
//! [`Authorizer`](crate::Authorizer) decided.

use std::{any::Any, fmt, sync::Arc};

/// The host's idea of who a connection is: a label (for logs and events)
/// and, optionally, any value of the host's own type. Cheap to clone.
///
/// ```
/// use lingua_signal_core::Identity;
///
/// struct Account { id: u64 }
/// let identity = Identity::with_data("teacher:7", Account { id: 7 });
/// assert_eq!(identity.label(), "teacher:7");
/// assert_eq!(identity.data::<Account>().map(|a| a.id), Some(7));
/// assert!(Identity::anonymous().data::<Account>().is_none());
/// ```
#[derive(Clone)]
pub struct Identity {
    label: Arc<str>,
    data: Option<Arc<dyn Any + Send + Sync>>,
    /// What the connection showed that ties it to PeerJS ids, set by
    /// [`Hub::authorize`](crate::Hub::authorize) when the hub verifies user ids.
    pub(crate) proof: Option<Arc<Proof>>,
    /// The client address the per-address caps count it under, set by
    /// [`Hub::authorize`](crate::Hub::authorize); `None` when exempt.
    pub(crate) address: Option<std::net::IpAddr>,
}

/// What a connection request showed that can tie it to a PeerJS
/// registration: the client cookie and the PeerJS token, when present.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Proof {
    pub(crate) cookie: Option<Arc<str>>,
    pub(crate) token: Option<Arc<str>>,
}

impl Identity {
    /// Who connects when no authorizer is set: label `"anonymous"`.
    #[must_use]
    pub fn anonymous() -> Self {
        Self::new("anonymous")
    }

    /// An identity known by `label` alone.
    #[must_use]
    pub fn new(label: impl Into<Arc<str>>) -> Self {
        Self { label: label.into(), data: None, proof: None, address: None }
    }

    /// An identity with a value of the host's own type.
    #[must_use]
    pub fn with_data<T: Any + Send + Sync>(label: impl Into<Arc<str>>, data: T) -> Self {
        Self { label: label.into(), data: Some(Arc::new(data)), proof: None, address: None }
    }

    /// The label.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The host's value, if it is a `T`.
    #[must_use]
    pub fn data<T: Any>(&self) -> Option<&T> {
        self.data.as_deref()?.downcast_ref()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Identity").field(&self.label).finish()
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// Identities are equal when their labels are.
impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        self.label == other.label
    }
}

impl Eq for Identity {}
