//! A private network for each run: a fresh network namespace whose only interface is its own `lo`.
//!
//! Inside it, socklab holds CAP_NET_RAW over that `lo` without any privilege on the host (an
//! unprivileged user namespace grants it), sees only its own packets, and never collides on ports.

mod diagnosis;
mod loopback;
mod namespace;

pub use diagnosis::{diagnose_userns, UsernsBlocker};
pub use namespace::{
    enter_private_network, enter_private_network_or, enter_private_network_with, Fallback,
    IdMapping, Isolation, SandboxError,
};
