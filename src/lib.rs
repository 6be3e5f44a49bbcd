//! roost: a federated social server speaking the Mastodon client API and
//! ActivityPub. `main` only calls [`cli::run`]; everything lives here so that
//! integration tests can start the real router.

pub mod app;
pub mod auth;
pub mod bus;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod federation;
pub mod http;
pub mod id;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod metrics;
pub mod model;
pub mod net;
pub mod push;
pub mod ratelimit;
pub mod service;
pub mod text;
