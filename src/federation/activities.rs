//! Applying inbound activities, one function per type. Each calls the same
//! service functions a client request does; the activity has been verified
//! (its actor signed it, or its object was re-fetched from its origin).
//! <https://docs.joinmastodon.org/spec/activitypub/>

use serde_json::Value;

use super::inbox::id_of;
use super::{fetch, same_origin};
use crate::app::AppState;
use crate::db::relationships::FollowTable;
use crate::error::Result;
use crate::model::Account;
use crate::service::relationships::{self, FollowOptions};

/// The first `type` of a document (`type` may be an array).
pub fn kind_of(v: &Value) -> &str {
    match v.get("type") {
        Some(Value::String(s)) => s,
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).unwrap_or(""),
        _ => "",
    }
}

/// Applies `activity` from `actor`; unknown types are ignored.
pub async fn apply(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    let id = activity.get("id").and_then(Value::as_str).unwrap_or("");
    let object = activity.get("object");
    match kind_of(activity) {
        "Follow" => follow(app, actor, id, object).await,
        "Accept" => {
            if super::quotes::answer(app, actor, activity, true).await? {
                return Ok(());
            }
            accept(app, actor, object).await
        }
        "Reject" => {
            if super::quotes::answer(app, actor, activity, false).await? {
                return Ok(());
            }
            reject(app, actor, object).await
        }
        "QuoteRequest" => super::quotes::request(app, actor, activity).await,
        "Undo" => undo(app, actor, object).await,
        "Create" => super::notes::create(app, actor, activity).await,
        "Update" => update(app, actor, activity).await,
        "Delete" => delete(app, actor, object).await,
        "Like" | "EmojiReact" => like(app, actor, object, true).await,
        "Announce" => super::boosts::announce(app, actor, activity).await,
        "Block" => block(app, actor, object, true).await,
        "Flag" => super::flags::flag(app, actor, activity).await,
        "Move" => moved(app, actor, activity).await,
        "Add" => featured(app, actor, activity, true).await,
        "Remove" => featured(app, actor, activity, false).await,
        other => {
            tracing::debug!(kind = other, actor = %actor.uri, "activity type ignored");
            Ok(())
        }
    }
}

/// The local account an actor reference names.
async fn local_account(app: &AppState, reference: Option<&Value>) -> Result<Option<Account>> {
    let Some(uri) = id_of(reference) else {
        return Ok(None);
    };
    let Some(name) = uri.strip_prefix(&app.url("/users/")) else {
        return Ok(None);
    };
    app.store.get_local_account_by_username(name).await
}

/// `Follow`: a remote account follows (or asks to follow) a local one.
async fn follow(app: &AppState, actor: &Account, id: &str, object: Option<&Value>) -> Result<()> {
    let Some(target) = local_account(app, object).await? else {
        return Ok(());
    };
    let refused =
        target.suspended_at.is_some() || app.store.blocked_either_way(actor.id, target.id).await?;
    if refused {
        return super::outbox::answered_follow(app, &target, actor, id, "Reject").await;
    }
    let already = app
        .store
        .get_follow(FollowTable::Follows, actor.id, target.id)
        .await?
        .is_some();
    let opts = FollowOptions {
        reblogs: None,
        notify: None,
    };
    relationships::follow_as(app, actor, &target, opts, Some(id)).await?;
    // Accepted at once unless the account approves followers by hand; an
    // existing follow is accepted again (the other side may have lost it).
    if already || !target.locked {
        super::outbox::answered_follow(app, &target, actor, id, "Accept").await?;
    }
    Ok(())
}

/// The local follower and the follow uri an Accept or Reject refers to.
async fn answered(
    app: &AppState,
    actor: &Account,
    object: Option<&Value>,
) -> Result<Option<Account>> {
    // The embedded Follow names its actor; a bare uri is looked up.
    if let Some(Value::Object(f)) = object
        && let Some(local) = local_account(app, f.get("actor")).await?
    {
        return Ok(Some(local));
    }
    let Some(uri) = id_of(object) else {
        return Ok(None);
    };
    let Some(follower_id) = app.store.follow_by_uri(uri, actor.id).await? else {
        return Ok(None);
    };
    app.store.get_account(follower_id).await
}

/// `Accept` of a local account's Follow.
async fn accept(app: &AppState, actor: &Account, object: Option<&Value>) -> Result<()> {
    if let Some(follower) = answered(app, actor, object).await? {
        app.store
            .accept_follow_request(follower.id, actor.id, chrono::Utc::now())
            .await?;
    }
    Ok(())
}

/// `Reject` of a local account's Follow (or a removal from followers).
async fn reject(app: &AppState, actor: &Account, object: Option<&Value>) -> Result<()> {
    if let Some(follower) = answered(app, actor, object).await? {
        app.store
            .delete_follow(FollowTable::Requests, follower.id, actor.id)
            .await?;
        app.store
            .delete_follow(FollowTable::Follows, follower.id, actor.id)
            .await?;
    }
    Ok(())
}

/// `Undo` of an earlier Follow, Like, Announce or Block by the same actor.
async fn undo(app: &AppState, actor: &Account, object: Option<&Value>) -> Result<()> {
    let Some(inner) = object else {
        return Ok(());
    };
    // A bare id names an activity roost may not know; embedded objects
    // carry their type. Only the actor's own activities can be undone.
    if let Some(inner_actor) = id_of(inner.get("actor"))
        && inner_actor != actor.uri
    {
        return Ok(());
    }
    match kind_of(inner) {
        "Follow" => {
            if let Some(target) = local_account(app, inner.get("object")).await? {
                relationships::unfollow(app, actor, &target).await?;
            }
            Ok(())
        }
        "Like" | "EmojiReact" => like(app, actor, inner.get("object"), false).await,
        "Announce" => super::boosts::unannounce(app, actor, inner).await,
        "Block" => block(app, actor, inner.get("object"), false).await,
        _ => {
            // Undo of an unknown or bare-id activity: if it names a boost
            // roost has, that boost goes.
            if let Some(uri) = id_of(Some(inner)) {
                super::boosts::unannounce_uri(app, actor, uri).await?;
            }
            Ok(())
        }
    }
}

/// `Update` of the actor itself or of one of its posts.
async fn update(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    let Some(object) = activity.get("object") else {
        return Ok(());
    };
    let object_id = id_of(Some(object)).unwrap_or("");
    if object_id == actor.uri {
        // The embedded actor is trusted only as far as its id: refetch.
        fetch::refresh_actor(app, &actor.uri).await?;
        return Ok(());
    }
    if !same_origin(object_id, &actor.uri) {
        return Ok(());
    }
    super::notes::update(app, actor, object).await
}

/// `Delete` of the actor or of one of its posts.
async fn delete(app: &AppState, actor: &Account, object: Option<&Value>) -> Result<()> {
    let Some(uri) = id_of(object) else {
        return Ok(());
    };
    if uri == actor.uri {
        crate::media::process::delete_account_media(app, actor).await?;
        return app.store.delete_remote_account(actor.id).await;
    }
    if !same_origin(uri, &actor.uri) {
        return Ok(());
    }
    if super::quotes::stamp_deleted(app, actor, uri).await? {
        return Ok(());
    }
    super::notes::delete(app, actor, uri).await
}

/// `Like` (or its Undo) of a local post.
async fn like(app: &AppState, actor: &Account, object: Option<&Value>, on: bool) -> Result<()> {
    let Some(uri) = id_of(object) else {
        return Ok(());
    };
    let Some(status) = app.store.get_status_by_uri(uri).await? else {
        return Ok(());
    };
    if !status.local {
        return Ok(());
    }
    let done = if on {
        crate::service::statuses::favourite(app, actor, status.id).await
    } else {
        crate::service::statuses::unfavourite(app, actor, status.id).await
    };
    match done {
        // A post the actor may not see: nothing to do.
        Err(e) if e.kind == crate::error::Kind::NotFound => Ok(()),
        other => other.map(|_| ()),
    }
}

/// `Block` (or its Undo) of a local account.
async fn block(app: &AppState, actor: &Account, object: Option<&Value>, on: bool) -> Result<()> {
    let Some(target) = local_account(app, object).await? else {
        return Ok(());
    };
    if on {
        relationships::block(app, actor, &target).await
    } else {
        relationships::unblock(app, actor, &target).await
    }
}

/// `Move`: the actor moved to `target`, which must list the actor in its
/// `alsoKnownAs`. Local followers follow the new account instead, as on
/// Mastodon.
async fn moved(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    if id_of(activity.get("object")) != Some(actor.uri.as_str()) {
        return Ok(());
    }
    let Some(target_uri) = id_of(activity.get("target")) else {
        return Ok(());
    };
    if target_uri == actor.uri {
        return Ok(());
    }
    // The target's own server must confirm the alias (this one, for a
    // local target).
    let target = if target_uri.starts_with(&app.base_url) {
        app.store.get_account_by_uri(target_uri).await?
    } else {
        fetch::refresh_actor(app, target_uri).await.ok()
    };
    let Some(target) = target else {
        return Ok(());
    };
    if !target.also_known_as.0.iter().any(|a| a == &actor.uri) {
        tracing::info!(actor = %actor.uri, target = %target.uri, "Move without alias ignored");
        return Ok(());
    }
    app.store.set_moved_to(actor.id, target.id).await?;
    relationships::move_followers(app, actor, &target).await
}

/// `Add`/`Remove` of one of the actor's posts to its featured collection
/// (pinning).
async fn featured(app: &AppState, actor: &Account, activity: &Value, on: bool) -> Result<()> {
    let target = id_of(activity.get("target"));
    if target.is_none() || target != actor.featured_url.as_deref() {
        return Ok(());
    }
    let Some(uri) = id_of(activity.get("object")) else {
        return Ok(());
    };
    let status = match app.store.get_status_by_uri(uri).await? {
        Some(s) => Some(s),
        None if on && same_origin(uri, &actor.uri) => {
            super::notes::resolve(app, uri).await.ok().flatten()
        }
        None => None,
    };
    let Some(status) = status.filter(|s| s.account_id == actor.id) else {
        return Ok(());
    };
    if on {
        app.store
            .put_flag("pins", actor.id, status.id, chrono::Utc::now())
            .await
    } else {
        app.store.delete_flag("pins", actor.id, status.id).await
    }
}
