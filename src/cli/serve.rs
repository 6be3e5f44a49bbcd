//! `roost serve`

use std::sync::Arc;
use std::time::Duration;

use crate::app::AppState;
use crate::config::{Config, NodeRole};
use crate::error::{Error, Result};

pub async fn run(config: Config) -> Result<()> {
    let listen = config.server.listen.clone();
    let app = AppState::open(config).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| Error::internal(format!("cannot listen on {listen}: {e}")))?;
    let role = app.config.node_role();
    tracing::info!(
        address = %listen,
        url = %app.base_url,
        database = app.store.backend(),
        role = role.as_str(),
        version = env!("CARGO_PKG_VERSION"),
        "roost is listening"
    );
    if !app.config.server.metrics_listen.is_empty() {
        let address = app.config.server.metrics_listen.clone();
        let metrics = tokio::net::TcpListener::bind(&address)
            .await
            .map_err(|e| Error::internal(format!("cannot listen on {address}: {e}")))?;
        tracing::info!(address = %address, "metrics are served on their own listener");
        let router = crate::http::metrics::private_router(app.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, router).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    // Counts of the high-volume rate limits, shared with the other nodes.
    tokio::spawn(crate::ratelimit::share_forever(app.clone()));
    // Who wrote lately on other nodes, for reads from replicas.
    tokio::spawn(crate::service::reads::follow_writes(app.clone()));
    match role {
        NodeRole::All | NodeRole::Worker => {
            tokio::spawn(crate::jobs::periodic::every(
                app.clone(),
                "housekeeping",
                Duration::from_secs(3600),
                housekeeping,
            ));
            tokio::spawn(index_old_posts(app.clone()));
            tokio::spawn(crate::service::trends::refresh_forever(app.clone()));
            crate::jobs::start_workers(
                &app,
                app.config.jobs.workers as usize,
                app.config.jobs.delivery_workers as usize,
            );
        }
        // Posts made here are indexed at once; what this node counted is
        // written by it.
        NodeRole::Web => {
            tokio::spawn(crate::service::search::index_forever(app.clone()));
            tokio::spawn(crate::service::analytics::flush_forever(app.clone()));
        }
        NodeRole::Streaming => {
            tokio::spawn(crate::service::analytics::flush_forever(app.clone()));
        }
    }
    crate::http::serve(app.clone(), listener, shutdown_signal())
        .await
        .map_err(|e| Error::internal(format!("server error: {e}")))?;
    tracing::info!("shutting down");
    app.store.close().await;
    Ok(())
}

/// Puts the posts written before the search index existed into it, 500 at
/// a time, once after start (one query when there are none). Several nodes
/// doing it at once write the same entries.
async fn index_old_posts(app: Arc<AppState>) {
    let mut after = 0;
    loop {
        match crate::service::search::backfill(&app, after, 500).await {
            Ok(Some(last)) => after = last,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "cannot index old posts for search");
                return;
            }
        }
    }
    if after > 0 {
        tracing::info!(after_id = after, "old posts are in the search index");
    }
}

/// Hourly (once across the cluster): forget expired authorization codes,
/// sessions, second sign-in steps and ended rate-limit windows, old inbound activity ids and
/// outgoing activities no delivery will send any more, and delete what
/// suspended accounts left past their retention period. Each step is
/// tried even when another fails.
async fn housekeeping(app: Arc<AppState>) -> Result<()> {
    let now = chrono::Utc::now();
    if let Err(e) = app.store.delete_expired_auth_codes(now).await {
        tracing::warn!(error = %e, "cannot purge expired authorization codes");
    }
    if let Err(e) = app.store.delete_expired_sessions(now).await {
        tracing::warn!(error = %e, "cannot purge expired sessions");
    }
    if let Err(e) = app.store.delete_expired_sign_in_challenges(now).await {
        tracing::warn!(error = %e, "cannot purge expired two-factor sign-in steps");
    }
    // Inbound activity ids are kept a week: long enough for any retry.
    if let Err(e) = app
        .store
        .prune_received(now - chrono::Duration::days(7))
        .await
    {
        tracing::warn!(error = %e, "cannot prune received activity ids");
    }
    // Bodies whose last delivery gave up for good (after ~2 days).
    if let Err(e) = app
        .store
        .prune_outbox(now - chrono::Duration::days(7))
        .await
    {
        tracing::warn!(error = %e, "cannot prune outgoing activities");
    }
    if let Err(e) = app.store.prune_rate_limits().await {
        tracing::warn!(error = %e, "cannot prune ended rate-limit windows");
    }
    // Suspended accounts past their retention period.
    crate::service::moderation::accounts::purge_expired_suspensions(&app, now)
        .await
        .map(|_| ())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
