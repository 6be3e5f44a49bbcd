//! Sending activities: each outgoing activity is stored once, then one
//! delivery job per inbox signs and POSTs it from the persistent queue, with
//! Mastodon's retry rules. Nothing accepted is lost across a restart.

use std::collections::BTreeSet;

use chrono::Utc;
use serde_json::Value;
use url::Url;

use super::failures::Step;
use super::{domain_of, signatures};
use crate::app::AppState;
use crate::error::{Error, Kind, Result};
use crate::jobs::{Outcome, Task};
use crate::model::Account;

/// Deliveries are tried this many times: with the queue's backoff (10 s
/// doubling, capped at 6 h) the last attempt comes about 59 hours after the
/// first, so a server down for two days still receives everything (Mastodon
/// keeps trying for about as long).
pub const DELIVERY_ATTEMPTS: i64 = 20;

/// Sends `activity` as `actor` to each inbox in `inboxes` (deduplicated,
/// minus this instance's own and blocked hosts).
pub async fn to_inboxes(
    app: &AppState,
    actor: &Account,
    activity: &Value,
    inboxes: impl IntoIterator<Item = String>,
) -> Result<()> {
    let inboxes: BTreeSet<String> = inboxes
        .into_iter()
        .filter(|i| !i.starts_with(&app.base_url))
        .collect();
    if inboxes.is_empty() || !actor.is_local() {
        return Ok(());
    }
    let body = serde_json::to_string(activity).map_err(Error::internal)?;
    let n = i64::try_from(inboxes.len()).unwrap_or(i64::MAX);
    let activity_id = app.store.put_outbox_activity(actor.id, &body, n).await?;
    let tasks: Vec<Task> = inboxes
        .into_iter()
        .map(|inbox| Task::Deliver { activity_id, inbox })
        .collect();
    crate::jobs::enqueue_many(app, &tasks, DELIVERY_ATTEMPTS).await
}

/// Sends `activity` signed by the instance actor (a Flag, which Mastodon
/// sends on the instance's behalf so the reporter stays anonymous).
pub async fn as_instance(app: &AppState, activity: &Value, inboxes: Vec<String>) -> Result<()> {
    let inboxes: BTreeSet<String> = inboxes
        .into_iter()
        .filter(|i| !i.starts_with(&app.base_url))
        .collect();
    if inboxes.is_empty() {
        return Ok(());
    }
    let body = serde_json::to_string(activity).map_err(Error::internal)?;
    let n = i64::try_from(inboxes.len()).unwrap_or(i64::MAX);
    let activity_id = app.store.put_outbox_activity(0, &body, n).await?;
    let tasks: Vec<Task> = inboxes
        .into_iter()
        .map(|inbox| Task::Deliver { activity_id, inbox })
        .collect();
    crate::jobs::enqueue_many(app, &tasks, DELIVERY_ATTEMPTS).await
}

/// Sends `activity` to `actor`'s remote followers (one shared inbox per
/// host) and to `extra` inboxes. The followers are read by a job, so a post
/// by an account with many followers returns at once.
pub async fn to_followers(
    app: &AppState,
    actor: &Account,
    activity: &Value,
    extra: Vec<String>,
) -> Result<()> {
    if !actor.is_local() {
        return Ok(());
    }
    if !app.store.has_remote_followers(actor.id).await? {
        return to_inboxes(app, actor, activity, extra).await;
    }
    to_known_followers(app, actor, activity, extra).await
}

/// [`to_followers`] for a caller that has checked the actor is local and
/// has remote followers.
pub async fn to_known_followers(
    app: &AppState,
    actor: &Account,
    activity: &Value,
    extra: Vec<String>,
) -> Result<()> {
    let body = serde_json::to_string(activity).map_err(Error::internal)?;
    // One pending delivery stands for the expansion job until it has queued
    // the real ones: a body with none pending is pruned as fully delivered.
    let activity_id = app.store.put_outbox_activity(actor.id, &body, 1).await?;
    crate::jobs::enqueue(
        app,
        Task::DeliverToFollowers {
            activity_id,
            account_id: actor.id,
            extra,
        },
    )
    .await
}

/// The job behind [`to_followers`]: one delivery job per inbox.
pub async fn expand_to_followers(
    app: &AppState,
    activity_id: i64,
    account_id: i64,
    extra: Vec<String>,
) -> Result<()> {
    let mut inboxes: BTreeSet<String> = app
        .store
        .remote_follower_inboxes(account_id)
        .await?
        .into_iter()
        .collect();
    inboxes.extend(extra);
    inboxes.retain(|i| !i.starts_with(&app.base_url));
    let n = i64::try_from(inboxes.len()).unwrap_or(i64::MAX);
    // Counted before they are queued and the expansion's own stand-in
    // released after, so the count never touches zero (where the body may
    // be pruned) while deliveries are still to come. A crash in between
    // repeats the expansion: deliveries may go twice (receivers deduplicate
    // by activity id), none is lost.
    app.store.add_pending_deliveries(activity_id, n).await?;
    let tasks: Vec<Task> = inboxes
        .into_iter()
        .map(|inbox| Task::Deliver { activity_id, inbox })
        .collect();
    crate::jobs::enqueue_many(app, &tasks, DELIVERY_ATTEMPTS).await?;
    app.store.finish_delivery(activity_id).await?;
    Ok(())
}

/// One delivery: sign and POST. `Done` when delivered or given up for good
/// (4xx other than 401/408/429, a blocked or unavailable host); `Later` when
/// the host already has [`super::DELIVERIES_PER_HOST`] deliveries from this
/// node in flight; `Err` to retry later.
pub async fn deliver(app: &AppState, activity_id: i64, inbox: &str) -> Result<Outcome> {
    let Some(outgoing) = app.store.get_outbox_activity(activity_id).await? else {
        return Ok(Outcome::Done);
    };
    let (account_id, body) = (outgoing.0, &outgoing.1);
    // Done or given up, the job's end counts the delivery (see
    // `Store::finish_delivery_job`); only a temporary failure retries.
    match send(app, account_id, body, inbox).await {
        Ok(outcome) => Ok(outcome),
        Err(e) if e.kind == Kind::Unavailable => Err(e),
        Err(e) => {
            tracing::info!(inbox, error = %e, "delivery given up");
            Ok(Outcome::Done)
        }
    }
}

/// How long a delivery to a busy host waits before it is tried again: a
/// second, plus up to a second so that the deferred ones spread out.
fn busy_host_delay() -> std::time::Duration {
    std::time::Duration::from_millis(1000 + rand::random::<u64>() % 1000)
}

/// Signs and POSTs `body` to `inbox`. An `Unavailable` error is worth a
/// retry; `Later` means the host is busy and nothing was sent.
async fn send(app: &AppState, account_id: i64, body: &str, inbox: &str) -> Result<Outcome> {
    let url = Url::parse(inbox).map_err(|_| Error::bad_request("inbox is not a URL"))?;
    let domain = domain_of(inbox).unwrap_or_default();
    if crate::service::moderation::federation_refused(app, &domain).await? {
        app.federation
            .failures
            .record(&domain, Step::Delivery, "domain blocked", inbox);
        return Err(Error::forbidden("domain blocked"));
    }
    if app.store.cache.healthy_hosts.get(&domain).is_none()
        && app.store.instance_unavailable(&domain).await?
    {
        return Err(Error::forbidden("instance unavailable"));
    }
    // A worker never waits for a busy host: the job goes back to the queue
    // and the worker takes a delivery to someone else.
    let Some(_slot) = app.federation.host_slot(&domain) else {
        return Ok(Outcome::Later(busy_host_delay()));
    };
    // A signing key that cannot be had now (its making failed, the database
    // is busy) is worth a retry, not giving the delivery up.
    let retry = |mut e: Error| {
        if e.kind != Kind::NotFound {
            e.kind = Kind::Unavailable;
        }
        e
    };
    let (key, key_id) = if account_id == 0 {
        (
            app.instance_key().await.map_err(retry)?.private.clone(),
            format!("{}#main-key", app.url("/actor")),
        )
    } else {
        let account = app
            .store
            .get_account(account_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let account = crate::service::accounts::with_keys(app, account)
            .await
            .map_err(retry)?;
        let pem = account.private_key_pem.as_deref().unwrap_or("");
        (
            app.federation.local_key(account.id, pem)?,
            format!("{}#main-key", account.uri),
        )
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(super::ACTIVITY_JSON),
    );
    signatures::sign_request(
        &key,
        &key_id,
        &http::Method::POST,
        &url,
        &mut headers,
        Some(body.as_bytes()),
        Utc::now(),
    )
    .map_err(|e| Error::internal(format!("signing: {e}")))?;
    let e = match app
        .federation
        .http
        .post(&url, headers, body.as_bytes().to_vec())
        .await
    {
        Ok(status) => {
            tracing::info!(inbox, status, activity_bytes = body.len(), "delivered");
            app.store.instance_succeeded(&domain).await?;
            return Ok(Outcome::Done);
        }
        Err(e) => e,
    };
    app.federation.failures.record(
        &domain,
        Step::Delivery,
        &e.reason(),
        &format!("POST {inbox}: {e}"),
    );
    if e.is_permanent() {
        return Err(Error::forbidden("refused").with_cause(e.to_string()));
    }
    app.store.instance_failed(&domain).await?;
    Err(Error::new(Kind::Unavailable, "delivery failed").with_cause(e.to_string()))
}
