//! Platform context: tenants, users, memberships and roles, API tokens, UI sessions, and the
//! authentication rules around them (password policy, lockout, multi-factor).

pub mod auth;
pub mod model;
pub mod rules;
pub mod service;
pub mod store;

pub use model::*;
pub use service::{IssuedToken, PlatformService, PlatformSettings, Principal};
pub use store::PlatformStore;
