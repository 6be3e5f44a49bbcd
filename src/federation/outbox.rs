//! What each local action sends, and to whom. The service layer calls these
//! after its own writes; each does nothing when the actor is remote (an
//! inbound activity applied through the same service) or nobody remote
//! needs to hear.

use serde_json::Value;

use super::convert;
use super::deliver::{to_followers, to_inboxes};
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Status, Visibility};

fn inbox_of(a: &Account) -> Option<String> {
    a.inbox_url.clone()
}

/// A remote account's inbox, when `a` is remote.
fn remote_inbox(a: &Account) -> Vec<String> {
    if a.is_local() {
        Vec::new()
    } else {
        inbox_of(a).into_iter().collect()
    }
}

/// Remote inboxes of a status's audience besides followers: mentioned
/// accounts and the author of the post it replies to.
async fn addressed_inboxes(app: &AppState, status: &Status) -> Result<Vec<String>> {
    let ids: Vec<i64> = app
        .store
        .mentions_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .chain(status.in_reply_to_account_id)
        .chain(
            // The quoted author hears of a quote of their post.
            app.store
                .get_quote_by_status(status.id)
                .await?
                .and_then(|q| q.quoted_account_id),
        )
        .collect();
    let accounts = app.store.get_accounts(&ids).await?;
    Ok(accounts.iter().flat_map(remote_inbox).collect())
}

/// Who on other servers hears about `status`: the remote inboxes it is
/// addressed to (mentioned accounts, the replied-to author), and whether the
/// author's remote followers do (not for a direct post).
struct Audience {
    addressed: Vec<String>,
    followers: bool,
}

impl Audience {
    async fn of(app: &AppState, author: &Account, status: &Status) -> Result<Audience> {
        let addressed = addressed_inboxes(app, status).await?;
        let followers = status.visibility() != Visibility::Direct
            && app.store.has_remote_followers(author.id).await?;
        Ok(Audience {
            addressed,
            followers,
        })
    }

    fn is_empty(&self) -> bool {
        self.addressed.is_empty() && !self.followers
    }

    async fn send(self, app: &AppState, author: &Account, activity: &Value) -> Result<()> {
        if self.followers {
            super::deliver::to_known_followers(app, author, activity, self.addressed).await
        } else {
            to_inboxes(app, author, activity, self.addressed).await
        }
    }
}

/// A new post. A post nobody elsewhere hears of costs two lookups, not a Note.
pub async fn status_created(app: &AppState, author: &Account, status: &Status) -> Result<()> {
    if !author.is_local() {
        return Ok(());
    }
    let audience = Audience::of(app, author, status).await?;
    if audience.is_empty() {
        return Ok(());
    }
    let note = convert::load_note(app, status).await?;
    let activity = convert::create(author, note, status.created_at);
    audience.send(app, author, &activity).await
}

/// An edited post.
pub async fn status_edited(app: &AppState, author: &Account, status: &Status) -> Result<()> {
    if !author.is_local() {
        return Ok(());
    }
    let audience = Audience::of(app, author, status).await?;
    if audience.is_empty() {
        return Ok(());
    }
    let note = convert::load_note(app, status).await?;
    let edited = status.edited_at.unwrap_or_else(chrono::Utc::now);
    let activity = convert::update_note(author, note, edited);
    audience.send(app, author, &activity).await
}

/// A deleted post (or an undone boost, which Mastodon sends as Undo Announce).
pub async fn status_deleted(
    app: &AppState,
    author: &Account,
    status: &Status,
    addressed: Vec<String>,
) -> Result<()> {
    if !author.is_local() {
        return Ok(());
    }
    let activity = match status.reblog_of_id {
        Some(of) => {
            let Some(original) = app.store.get_status(of).await? else {
                return Ok(());
            };
            let Some(original_author) = app.store.get_account(original.account_id).await? else {
                return Ok(());
            };
            let extra = remote_inbox(&original_author);
            let announce = convert::announce(author, status, &original, &original_author);
            return to_followers(app, author, &convert::undo(author, announce), extra).await;
        }
        None => convert::delete_note(author, &status.uri),
    };
    if status.visibility() == Visibility::Direct {
        to_inboxes(app, author, &activity, addressed).await
    } else {
        to_followers(app, author, &activity, addressed).await
    }
}

/// The remote inboxes a status was addressed to, read before it is deleted.
pub async fn inboxes_before_delete(app: &AppState, status: &Status) -> Result<Vec<String>> {
    addressed_inboxes(app, status).await
}

/// A boost.
pub async fn reblogged(
    app: &AppState,
    actor: &Account,
    boost: &Status,
    original: &Status,
    original_author: &Account,
) -> Result<()> {
    if !actor.is_local() {
        return Ok(());
    }
    let activity = convert::announce(actor, boost, original, original_author);
    to_followers(app, actor, &activity, remote_inbox(original_author)).await
}

/// A favourite (`on`) or its undoing.
pub async fn favourited(
    app: &AppState,
    actor: &Account,
    status: &Status,
    author: &Account,
    on: bool,
) -> Result<()> {
    if !actor.is_local() || author.is_local() {
        return Ok(());
    }
    let like = convert::like(actor, status.id, &status.uri);
    let activity = if on { like } else { convert::undo(actor, like) };
    to_inboxes(app, actor, &activity, remote_inbox(author)).await
}

/// A follow (or follow request) of a remote account.
pub async fn followed(app: &AppState, actor: &Account, target: &Account, uri: &str) -> Result<()> {
    if !actor.is_local() || target.is_local() {
        return Ok(());
    }
    to_inboxes(
        app,
        actor,
        &convert::follow(actor, target, uri),
        remote_inbox(target),
    )
    .await
}

/// An unfollow (or a withdrawn request) of a remote account.
pub async fn unfollowed(
    app: &AppState,
    actor: &Account,
    target: &Account,
    uri: &str,
) -> Result<()> {
    if !actor.is_local() || target.is_local() {
        return Ok(());
    }
    let activity = convert::undo(actor, convert::follow(actor, target, uri));
    to_inboxes(app, actor, &activity, remote_inbox(target)).await
}

/// `me` accepted (`Accept`) or rejected (`Reject`) `follower`'s follow `uri`.
pub async fn answered_follow(
    app: &AppState,
    me: &Account,
    follower: &Account,
    uri: &str,
    verb: &str,
) -> Result<()> {
    if !me.is_local() || follower.is_local() {
        return Ok(());
    }
    let activity = convert::answer_follow(verb, me, follower, uri);
    to_inboxes(app, me, &activity, remote_inbox(follower)).await
}

/// A block (`on`) or unblock of a remote account.
pub async fn blocked(app: &AppState, actor: &Account, target: &Account, on: bool) -> Result<()> {
    if !actor.is_local() || target.is_local() {
        return Ok(());
    }
    let uri = format!("{}#blocks/{}", actor.uri, target.id);
    let block = convert::block(actor, target, &uri);
    let activity = if on {
        block
    } else {
        convert::undo(actor, block)
    };
    to_inboxes(app, actor, &activity, remote_inbox(target)).await
}

/// A local account moved to `target`: its followers' servers hear a `Move`
/// (theirs follow the new account), after an `Update` with its aliases.
pub async fn moved(app: &AppState, account: &Account, target: &Account) -> Result<()> {
    profile_updated(app, account).await?;
    to_followers(app, account, &convert::move_to(account, target), Vec::new()).await
}

/// A profile change: followers' servers get an `Update` of the Person.
pub async fn profile_updated(app: &AppState, account: &Account) -> Result<()> {
    // Not with no one to tell: the Person carries the key pair, which would
    // be made for nothing.
    if !account.is_local() || !app.store.has_remote_followers(account.id).await? {
        return Ok(());
    }
    let account = &crate::service::accounts::with_keys(app, account.clone()).await?;
    let moved_to = crate::service::moves::moved_to_uri(app, account).await?;
    super::deliver::to_known_followers(
        app,
        account,
        &convert::update_person(app, account, moved_to.as_deref()),
        Vec::new(),
    )
    .await
}

/// A report forwarded to the reported account's server.
pub async fn report_forwarded(
    app: &AppState,
    report_id: i64,
    target: &Account,
    statuses: &[Status],
    comment: &str,
) -> Result<()> {
    if target.is_local() {
        return Ok(());
    }
    let uris: Vec<String> = statuses.iter().map(|s| s.uri.clone()).collect();
    let activity = convert::flag(app, report_id, target, &uris, comment);
    super::deliver::as_instance(app, &activity, remote_inbox(target)).await
}

/// A local vote in a remote poll: one Create of a Note named after each
/// chosen option, to the poll's author only (Mastodon's format).
pub async fn voted(
    app: &AppState,
    voter: &Account,
    question: &Status,
    poll: &crate::model::Poll,
    choices: &[i64],
) -> Result<()> {
    let Some(author) = app.store.get_account(question.account_id).await? else {
        return Ok(());
    };
    if !voter.is_local() || author.is_local() {
        return Ok(());
    }
    for choice in choices {
        let Some(name) = usize::try_from(*choice)
            .ok()
            .and_then(|i| poll.options.0.get(i))
        else {
            continue;
        };
        let activity = convert::vote(voter, &author, question, name, poll.id, *choice);
        to_inboxes(app, voter, &activity, remote_inbox(&author)).await?;
    }
    Ok(())
}

/// A deleted local account: `Delete` of the actor to every server that
/// followed it or that it followed. Call before its relationships go.
pub async fn account_deleted(app: &AppState, account: &Account) -> Result<()> {
    if !account.is_local() {
        return Ok(());
    }
    let mut inboxes = app.store.remote_follower_inboxes(account.id).await?;
    inboxes.extend(app.store.remote_following_inboxes(account.id).await?);
    to_inboxes(app, account, &convert::delete_actor(account), inboxes).await
}

/// FEP-044f: asks the remote author of a quoted post to approve a quote
/// (`QuoteRequest`, the quoting Note inlined).
pub async fn quote_requested(
    app: &AppState,
    author: &Account,
    status: &Status,
    request_id: &str,
    quote: &crate::model::Quote,
    quoted_author: &Account,
) -> Result<()> {
    if !author.is_local() || quoted_author.is_local() {
        return Ok(());
    }
    let note = convert::load_note(app, status).await?;
    let activity = convert::quote_request(author, request_id, &quote.quoted_uri, note);
    to_inboxes(app, author, &activity, remote_inbox(quoted_author)).await
}

/// The answer to a remote QuoteRequest: an Accept with the stamp, or a
/// Reject without one.
pub async fn quote_request_answered(
    app: &AppState,
    me: &Account,
    requester: &Account,
    request_id: &str,
    quoted_uri: &str,
    quoting_uri: &str,
    stamp: Option<&str>,
) -> Result<()> {
    let activity = convert::answer_quote_request(
        me,
        &requester.uri,
        request_id,
        quoted_uri,
        quoting_uri,
        stamp,
    );
    to_inboxes(app, me, &activity, remote_inbox(requester)).await
}

/// A revoked quote: the `Delete` of its stamp goes to the quoting
/// author's server (which forwards it to the quote's audience) and to the
/// quoted author's followers.
pub async fn quote_revoked(
    app: &AppState,
    owner: &Account,
    quote: &crate::model::Quote,
    quoted: &Status,
) -> Result<()> {
    if !owner.is_local() || quoted.account_id != owner.id {
        return Ok(());
    }
    let Some(quoter) = app.store.get_account(quote.account_id).await? else {
        return Ok(());
    };
    if quoter.is_local() {
        return Ok(());
    }
    let stamp = crate::service::quotes::stamp_uri(owner, quote.id);
    let activity = convert::delete_stamp(owner, &stamp);
    to_followers(app, owner, &activity, remote_inbox(&quoter)).await
}
