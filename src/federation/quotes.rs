//! Quote posts on the wire (FEP-044f, as Mastodon 4.5 speaks it): the
//! quote and `canQuote` policy a remote post carries, the stamp
//! (`QuoteAuthorization`) that approves it, an inbound `QuoteRequest` for
//! a local post, the `Accept`/`Reject` of ours, and the `Delete` of a
//! stamp. Misskey, Akkoma and Fedibird quotes (`_misskey_quote`,
//! `quoteUrl`, `quoteUri`) are read as legacy quotes.
//! <https://codeberg.org/fediverse/fep/src/branch/main/fep/044f/fep-044f.md>,
//! <https://docs.joinmastodon.org/spec/activitypub/#Quote>

use serde_json::Value;

use super::activities::kind_of;
use super::inbox::id_of;
use super::protocol::Object;
use super::{fetch, notes, same_origin};
use crate::app::AppState;
use crate::error::Result;
use crate::model::quote::state;
use crate::model::{Account, QuotePolicy, Status};
use crate::service::quotes::{self, RemoteQuote};

const PUBLIC: [&str; 3] = [
    "https://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

/// The `canQuote` policy of a remote post as Mastodon's bitmap; a post
/// without one may be quoted by nobody but its author.
pub fn policy_of(object: &Object, author: &Account) -> i64 {
    let Some(can_quote) = object
        .interaction_policy
        .as_ref()
        .and_then(|p| p.get("canQuote"))
    else {
        return 0;
    };
    let flags = |key: &str| -> i64 {
        let list: Vec<&Value> = match can_quote.get(key) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(v) => vec![v],
            None => Vec::new(),
        };
        let followers = author
            .followers_url
            .clone()
            .unwrap_or_else(|| format!("{}/followers", author.uri));
        let following = author
            .following_url
            .clone()
            .unwrap_or_else(|| format!("{}/following", author.uri));
        list.into_iter()
            .filter_map(|v| id_of(Some(v)))
            .map(|id| {
                if PUBLIC.contains(&id) {
                    QuotePolicy::PUBLIC
                } else if id == followers {
                    QuotePolicy::FOLLOWERS
                } else if id == following {
                    QuotePolicy::FOLLOWING
                } else if id == author.uri {
                    0
                } else {
                    QuotePolicy::UNSUPPORTED
                }
            })
            .fold(0, |a, f| a | f)
    };
    (flags("automaticApproval") << 16) | flags("manualApproval")
}

/// What a remote post about to be stored quotes, fetching the quoted post
/// when it is unknown (as deep as reply parents are fetched): the quote row
/// to store with it, so that it never shows without its quote.
pub(super) async fn quote_of(
    app: &AppState,
    status: &Status,
    author: &Account,
    object: &Object,
    depth: u32,
) -> Result<Option<crate::model::Quote>> {
    let Some(uri) = object.quote_id() else {
        return Ok(None);
    };
    let quoted = notes::known_or_fetched(app, uri, depth).await?;
    let quoted_author = match &quoted {
        Some(s) => app.store.get_account(s.account_id).await?,
        None => None,
    };
    let pair = quoted.as_ref().zip(quoted_author.as_ref());
    let legacy = object.quote.is_none();
    let approval = object.quote_authorization.as_deref();
    let verified = match (pair, approval) {
        (Some((q, a)), Some(stamp)) if !legacy && !a.is_local() && a.id != author.id => {
            stamp_checks_out(app, stamp, &status.uri, &q.uri, &a.uri).await
        }
        _ => false,
    };
    let q = RemoteQuote {
        uri,
        legacy,
        approval,
        verified,
    };
    Ok(Some(quotes::remote_quote(status, author, &q, pair)))
}

/// Links the quotes that named a newly stored post before it arrived.
pub(super) async fn link_earlier(app: &AppState, status: &Status, author: &Account) -> Result<()> {
    app.store
        .link_quotes(&status.uri, status.id, author.id)
        .await
}

/// An `Update` of a remote post: its new `canQuote` policy, and a stamp
/// that now approves its pending quote.
pub(super) async fn updated(
    app: &AppState,
    author: &Account,
    before: &Status,
    object: &Object,
) -> Result<()> {
    let policy = policy_of(object, author);
    if policy != before.quote_policy {
        app.store.set_quote_policy(before.id, policy).await?;
    }
    let Some(stamp) = object.quote_authorization.as_deref() else {
        return Ok(());
    };
    let Some(quote) = app.store.get_quote_by_status(before.id).await? else {
        return Ok(());
    };
    if quote.state != state::PENDING || quote.legacy {
        return Ok(());
    }
    let quoted = match quote.quoted_status_id {
        Some(id) => app.store.get_status(id).await?,
        None => None,
    };
    let Some(quoted) = quoted else {
        return Ok(());
    };
    let Some(quoted_author) = app.store.get_account(quoted.account_id).await? else {
        return Ok(());
    };
    // A local author's approval is known here, not taken from the post.
    if quoted_author.is_local() {
        return Ok(());
    }
    if stamp_checks_out(app, stamp, &before.uri, &quoted.uri, &quoted_author.uri).await {
        app.store
            .set_quote_state(&quote, state::ACCEPTED, Some(stamp), chrono::Utc::now())
            .await?;
    }
    Ok(())
}

/// Fetches a stamp from its server and checks that it approves exactly
/// this quote: served by the quoted author's server, attributed to them,
/// naming the quoting and the quoted post.
async fn stamp_checks_out(
    app: &AppState,
    stamp: &str,
    quoting_uri: &str,
    quoted_uri: &str,
    quoted_author_uri: &str,
) -> bool {
    if !same_origin(stamp, quoted_author_uri) {
        return false;
    }
    let Ok(Some(doc)) = fetch::fetch_object(app, stamp).await else {
        return false;
    };
    let is_stamp = match doc.get("type") {
        Some(Value::String(t)) => t == "QuoteAuthorization",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "QuoteAuthorization"),
        _ => false,
    };
    is_stamp
        && id_of(doc.get("id")) == Some(stamp)
        && id_of(doc.get("attributedTo")) == Some(quoted_author_uri)
        && id_of(doc.get("interactingObject")) == Some(quoting_uri)
        && id_of(doc.get("interactionTarget")) == Some(quoted_uri)
}

/// An inbound `QuoteRequest`: `actor` asks to quote a local post. The
/// quoting post comes inlined (believed only from the actor's server) or
/// is fetched; it must be the actor's and quote that very post. Answered
/// with an Accept carrying the stamp, or a Reject.
pub(super) async fn request(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    let Some(id) = activity.get("id").and_then(Value::as_str) else {
        return Ok(());
    };
    if !same_origin(id, &actor.uri) {
        return Ok(());
    }
    let Some(quoted_uri) = id_of(activity.get("object")) else {
        return Ok(());
    };
    let Some(quoted) = app
        .store
        .get_status_by_uri(quoted_uri)
        .await?
        .filter(|s| s.local)
    else {
        return Ok(());
    };
    let Some(quoted_author) = app.store.get_account(quoted.account_id).await? else {
        return Ok(());
    };
    let quoting = match notes::trusted_object(app, actor, activity.get("instrument")).await? {
        Some(doc) => notes::ingest(app, actor, &doc, 0, notes::Review::Apply).await?,
        None => None,
    };
    let Some(quoting) = quoting else {
        return Ok(());
    };
    // The post must quote what the request names.
    let names_it = app
        .store
        .get_quote_by_status(quoting.id)
        .await?
        .is_some_and(|q| q.quoted_status_id == Some(quoted.id));
    let approved = if names_it {
        quotes::request_from_remote(app, actor, &quoted, &quoting, id).await?
    } else {
        None
    };
    let stamp = approved.map(|q| quotes::stamp_uri(&quoted_author, q.id));
    super::outbox::quote_request_answered(
        app,
        &quoted_author,
        actor,
        id,
        &quoted.uri,
        &quoting.uri,
        stamp.as_deref(),
    )
    .await
}

/// An `Accept` or `Reject` of one of our QuoteRequests; false when the
/// activity answers something else (a Follow).
pub(super) async fn answer(
    app: &AppState,
    actor: &Account,
    activity: &Value,
    accepted: bool,
) -> Result<bool> {
    let object = activity.get("object");
    let embedded_request = object.is_some_and(|o| kind_of(o) == "QuoteRequest");
    let Some(request_id) = id_of(object) else {
        return Ok(false);
    };
    if !embedded_request && !request_id.contains("/quote_requests/") {
        return Ok(false);
    }
    let stamp = if accepted {
        match activity.get("result").and_then(|r| id_of(Some(r))) {
            Some(r) if r.starts_with("https://") || r.starts_with("http://") => Some(r),
            // An Accept without a stamp approves nothing.
            _ => return Ok(true),
        }
    } else {
        None
    };
    quotes::answered(app, actor, request_id, stamp).await?;
    Ok(true)
}

/// A `Delete` naming a stamp `actor` issued: the quote is revoked. False
/// when `uri` is no stamp roost knows.
pub(super) async fn stamp_deleted(app: &AppState, actor: &Account, uri: &str) -> Result<bool> {
    quotes::stamp_withdrawn(app, actor, uri).await
}
