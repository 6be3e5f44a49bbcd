//! `Announce` (a boost, or a Lemmy community relaying its members'
//! activities) and its `Undo`.
//! <https://docs.joinmastodon.org/spec/activitypub/#Announce>

use crate::db::statuses::NewStatus;
use serde_json::Value;

use super::inbox::id_of;
use super::notes::{Review, ingest};
use super::{fetch, same_origin};
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Status, Visibility};
use crate::service::statuses;

/// `Announce`: a boost of a public or unlisted post (or the booster's own).
pub async fn announce(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    // A Lemmy community announces whole activities (Create, Update…) of its
    // members: the wrapped object is taken from its own server, never from
    // the wrapper, and stored as its author's post.
    if let Some(inner) = activity.get("object").filter(|o| o.get("object").is_some())
        && matches!(super::activities::kind_of(inner), "Create" | "Update")
    {
        return relayed(app, inner).await;
    }
    let id = activity.get("id").and_then(Value::as_str).unwrap_or("");
    if id.is_empty()
        || app.store.get_status_by_uri(id).await?.is_some()
        || app.store.has_tombstone(id).await?
    {
        return Ok(());
    }
    let Some(object_uri) = id_of(activity.get("object")) else {
        return Ok(());
    };
    let original = match app.store.get_status_by_uri(object_uri).await? {
        Some(s) => Some(s),
        None if object_uri.starts_with(&app.base_url) => None,
        None => {
            let Ok(Some(doc)) = fetch::fetch_object(app, object_uri).await else {
                return Ok(());
            };
            let Some(author) = id_of(doc.get("attributedTo")).map(str::to_string) else {
                return Ok(());
            };
            let Ok(author) = fetch::resolve_actor(app, &author).await else {
                return Ok(());
            };
            ingest(app, &author, &doc, 0, Review::Apply).await?
        }
    };
    let Some(original) = original else {
        return Ok(());
    };
    let allowed = match original.visibility() {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => original.account_id == actor.id,
        Visibility::Direct => false,
    };
    if !allowed || app.store.get_reblog(actor.id, original.id).await?.is_some() {
        return Ok(());
    }
    let to = super::protocol::OneOrMany::<String>::from_value(
        activity.get("to").cloned().unwrap_or(Value::Null),
    );
    let cc = super::protocol::OneOrMany::<String>::from_value(
        activity.get("cc").cloned().unwrap_or(Value::Null),
    );
    let visibility = if to.iter().any(|s| super::protocol::is_public_uri(s)) {
        Visibility::Public
    } else if cc.iter().any(|s| super::protocol::is_public_uri(s)) {
        Visibility::Unlisted
    } else {
        Visibility::Private
    };
    let boost = Status::boost(
        crate::id::new_id(),
        actor.id,
        id.to_string(),
        false,
        original.id,
        visibility,
    );
    let new = NewStatus {
        status: &boost,
        poll: None,
        mentions: &[],
        tags: &[],
        idempotency_key: None,
        attach_media: &[],
        new_media: &[],
        quote: None,
    };
    // A concurrent copy of the same boost may have won: nothing more to do.
    statuses::store(app, actor, &new).await?;
    Ok(())
}

/// A Create or Update relayed inside another activity: its object is
/// fetched from its origin and stored for its author.
async fn relayed(app: &AppState, inner: &Value) -> Result<()> {
    let Some(object_id) = id_of(inner.get("object")) else {
        return Ok(());
    };
    let Ok(Some(doc)) = fetch::fetch_object(app, object_id).await else {
        return Ok(());
    };
    let Some(author) = id_of(doc.get("attributedTo")).map(str::to_string) else {
        return Ok(());
    };
    if !same_origin(&author, object_id) {
        return Ok(());
    }
    let Ok(author) = fetch::resolve_actor(app, &author).await else {
        return Ok(());
    };
    ingest(app, &author, &doc, 0, Review::Apply)
        .await
        .map(|_| ())
}

/// `Undo` of an embedded Announce.
pub async fn unannounce(app: &AppState, actor: &Account, inner: &Value) -> Result<()> {
    match id_of(Some(inner)) {
        Some(uri) => unannounce_uri(app, actor, uri).await,
        None => Ok(()),
    }
}

/// Removes `actor`'s boost whose activity id is `uri`; a boost not yet here
/// leaves a tombstone so its late Announce is dropped.
pub async fn unannounce_uri(app: &AppState, actor: &Account, uri: &str) -> Result<()> {
    match app.store.get_status_by_uri(uri).await? {
        Some(boost) if boost.account_id == actor.id && boost.reblog_of_id.is_some() => {
            statuses::remove(app, &boost).await?;
            if let Some(of) = boost.reblog_of_id
                && let Some(original) = app.store.get_status(of).await?
            {
                app.store
                    .delete_notifications_for("reblog", actor.id, Some(of), original.account_id)
                    .await?;
            }
            Ok(())
        }
        Some(_) => Ok(()),
        // Only the actor's own server's ids can be tombstoned by it.
        None if same_origin(uri, &actor.uri) => app.store.put_tombstone(uri, actor.id).await,
        None => Ok(()),
    }
}
