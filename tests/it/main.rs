//! Integration tests: the real router (or the real binary) on a real database.
//! Runs on SQLite, and on PostgreSQL when `ROOST_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod announcements;
mod api;
mod cards;
mod cli;
mod client_api;
mod clients;
mod cluster;
mod collections;
mod common;
mod db_copy;
mod discovery;
mod emoji;
mod export_import;
mod faults;
mod featured_collections;
mod federation;
mod filters;
mod grouped;
mod hostile;
mod insights;
mod jobs;
mod limits;
mod mail;
mod media;
mod moderation;
mod moves;
mod oauth;
mod pages;
mod push;
mod quotes;
mod ratelimits;
mod replicas;
mod search;
mod settings;
mod social;
mod streaming;
mod tls;
mod two_factor;
