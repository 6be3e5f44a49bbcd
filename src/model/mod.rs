//! Domain types: what roost knows about accounts, users, apps and tokens, with no I/O.

pub mod account;
pub mod oauth;
mod row;
pub mod scope;

pub use account::{Account, Field, Role, User};
pub use oauth::{App, AuthCode, Session, Token};
pub use scope::Scopes;
