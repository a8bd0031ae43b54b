//! Keys and encryption at rest: per-scope keyrings of data keys wrapped by the installation's
//! key-encryption key, rotation, and re-wrapping under a new key-encryption key.

pub mod service;
pub mod store;

pub use service::{KeyService, PLATFORM_SCOPE, RewrapReport, tenant_scope};
pub use store::{DataKeyRecord, KeyStore};
