//! Quote posts, as Mastodon 4.5 has them: who may quote a post, quoting
//! one, the list of a post's quotes, revoking a quote and changing a
//! post's policy; and the rules inbound FEP-044f activities are held to
//! (a remote QuoteRequest for a local post, the Accept or Reject of ours,
//! a revoked stamp, a remote post that quotes).
//! <https://docs.joinmastodon.org/client/quotes/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::outbox;
use crate::model::quote::{Standing, current_user, state};
use crate::model::{Account, Page, Quote, QuotePolicy, Status, Visibility};
use crate::service::{notifications, statuses, timelines};

/// Mastodon's answer for a post that is missing or may not be quoted.
fn not_quotable() -> Error {
    Error::new(crate::error::Kind::NotFound, "Quoted post not found")
}

/// QuoteApproval's `current_user` for `viewer` on `status` by `author`.
pub async fn approval_for(
    app: &AppState,
    viewer: &Account,
    status: &Status,
    author: &Account,
) -> Result<&'static str> {
    let standing = if viewer.id == author.id {
        Standing {
            is_author: true,
            ..Standing::default()
        }
    } else {
        Standing {
            is_author: false,
            follows_author: app.store.follows(viewer.id, author.id).await?,
            followed_by_author: app.store.follows(author.id, viewer.id).await?,
        }
    };
    Ok(current_user(
        QuotePolicy(status.quote_policy),
        &status.visibility,
        status.reblog_of_id.is_some(),
        Some(standing),
    ))
}

/// The post `quoter` asks to quote (a boost stands for its original),
/// checked as Mastodon checks it: missing, unseen, blocked either way or
/// denied by its policy all answer 404 alike.
pub async fn quotable(app: &AppState, quoter: &Account, id: i64) -> Result<(Status, Account)> {
    let (status, author) = statuses::visible_status(app, Some(quoter), id)
        .await
        .map_err(|_| not_quotable())?;
    let (status, author) = match status.reblog_of_id {
        Some(of) => statuses::visible_status(app, Some(quoter), of)
            .await
            .map_err(|_| not_quotable())?,
        None => (status, author),
    };
    if quoter.id != author.id && app.store.blocked_either_way(quoter.id, author.id).await? {
        return Err(not_quotable());
    }
    if approval_for(app, quoter, &status, &author).await? == "denied" {
        return Err(not_quotable());
    }
    Ok((status, author))
}

/// The visibility a quote post takes: quoting a followers-only post keeps
/// the quote followers-only.
pub fn visibility_for(requested: Visibility, quoted: &Status) -> Visibility {
    if quoted.visibility() == Visibility::Private {
        requested.max(Visibility::Private)
    } else {
        requested
    }
}

/// A private mention that quotes someone must mention them.
pub fn check_direct(
    visibility: Visibility,
    author: &Account,
    quoted_author: &Account,
    mentions: &[i64],
) -> Result<()> {
    if visibility == Visibility::Direct
        && quoted_author.id != author.id
        && !mentions.contains(&quoted_author.id)
    {
        return Err(Error::unprocessable(
            "Validation failed: Cannot quote a non-mentioned user in a Private Mention post",
        ));
    }
    Ok(())
}

/// The `RE: link` line clients without quote support show, put before a
/// local quote post's text as Mastodon does (clients that show the quote
/// hide `.quote-inline`).
pub fn fallback_html(quoted: &Status) -> String {
    let url = quoted.url.as_deref().unwrap_or(&quoted.uri);
    let shown = url
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    format!(
        "<p class=\"quote-inline\">RE: <a href=\"{}\">{}</a></p>",
        crate::text::escape_html(url),
        crate::text::escape_html(shown)
    )
}

/// The quote a new local post `status_id` by `author` makes of `quoted`:
/// accepted at once when roost decides (a local post, or one's own),
/// pending while a remote server is asked.
pub fn new_quote(
    author: &Account,
    status_id: i64,
    quoted: &Status,
    quoted_author: &Account,
) -> Quote {
    let now = Utc::now();
    let accepted = quoted_author.is_local() || quoted_author.id == author.id;
    Quote {
        id: crate::id::new_id(),
        status_id,
        account_id: author.id,
        quoted_uri: quoted.uri.clone(),
        quoted_status_id: Some(quoted.id),
        quoted_account_id: Some(quoted_author.id),
        state: if accepted {
            state::ACCEPTED
        } else {
            state::PENDING
        }
        .to_string(),
        legacy: false,
        activity_uri: None,
        approval_uri: None,
        created_at: now,
        updated_at: now,
    }
}

/// After a local quote post is stored: the quoted author hears of it, or
/// their server is asked for approval (FEP-044f QuoteRequest).
pub async fn after_create(
    app: &AppState,
    author: &Account,
    status: &Status,
    quote: &Quote,
    quoted_author: &Account,
) -> Result<()> {
    if quote.is_accepted() {
        if quoted_author.is_local() && quoted_author.id != author.id {
            notifications::notify(app, quoted_author.id, "quote", author, Some(status.id)).await?;
        }
        return Ok(());
    }
    let request_id = format!("{}/quote_requests/{}", author.uri, quote.id);
    app.store.set_quote_activity(quote.id, &request_id).await?;
    outbox::quote_requested(app, author, status, &request_id, quote, quoted_author).await
}

/// Shows a post whose quote changed to its live readers again.
async fn republish(app: &AppState, status: &Status) -> Result<()> {
    let mentions: Vec<i64> = app
        .store
        .mentions_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    statuses::republish(app, status, &mentions).await
}

/// The accepted quotes of a post `viewer` may see, newest first, minus
/// posts hidden from `viewer`; with the quote ids at the page's ends
/// (`Link` pages by quote id, as Mastodon's do).
pub async fn list(
    app: &AppState,
    viewer: &Account,
    id: i64,
    page: &Page,
) -> Result<(Vec<Status>, Option<(i64, i64)>)> {
    let (status, _) = statuses::visible_status(app, Some(viewer), id).await?;
    let mut pairs = app.store.quotes_page(status.id, page).await?;
    pairs.sort_by_key(|p| std::cmp::Reverse(p.0));
    let ids: Vec<i64> = pairs.iter().map(|(_, s)| *s).collect();
    let rows = crate::model::status::in_order(&ids, app.store.get_statuses(&ids).await?);
    let hidden = app.store.hidden_account_ids(viewer.id, Utc::now()).await?;
    let rows = rows
        .into_iter()
        .filter(|s| !hidden.contains(&s.account_id))
        .collect();
    let shown = timelines::filter_visible(app, Some(viewer), rows).await?;
    let keys = pairs.first().zip(pairs.last()).map(|(n, o)| (n.0, o.0));
    Ok((shown, keys))
}

/// `owner` withdraws approval of `quoting_id`'s quote of their post `id`;
/// returns the quoting post.
pub async fn revoke(app: &AppState, owner: &Account, id: i64, quoting_id: i64) -> Result<Status> {
    let quoted = app
        .store
        .get_status(id)
        .await?
        .ok_or_else(Error::not_found)?;
    let quote = app
        .store
        .get_quote_by_status(quoting_id)
        .await?
        .filter(|q| q.quoted_status_id == Some(quoted.id))
        .ok_or_else(Error::not_found)?;
    if quoted.account_id != owner.id {
        return Err(Error::forbidden("This action is not allowed"));
    }
    let quoting = app
        .store
        .get_status(quoting_id)
        .await?
        .ok_or_else(Error::not_found)?;
    let new_state = match quote.state.as_str() {
        state::ACCEPTED => state::REVOKED,
        state::PENDING => state::REJECTED,
        _ => return Ok(quoting),
    };
    app.store
        .set_quote_state(&quote, new_state, None, Utc::now())
        .await?;
    republish(app, &quoting).await?;
    outbox::quote_revoked(app, owner, &quote, &quoted).await?;
    Ok(quoting)
}

/// Changes who may quote `owner`'s post `id` (`public`, `followers` or
/// `nobody`; followers-only and private posts stay `nobody`).
pub async fn set_policy(app: &AppState, owner: &Account, id: i64, setting: &str) -> Result<Status> {
    let status = app
        .store
        .get_status(id)
        .await?
        .filter(|s| s.account_id == owner.id && s.reblog_of_id.is_none())
        .ok_or_else(Error::not_found)?;
    let policy = policy_for(setting, status.visibility())?;
    if policy.0 != status.quote_policy {
        app.store.set_quote_policy(status.id, policy.0).await?;
        let status = app
            .store
            .get_status(status.id)
            .await?
            .ok_or_else(Error::not_found)?;
        republish(app, &status).await?;
        outbox::status_edited(app, owner, &status).await?;
        return Ok(status);
    }
    Ok(status)
}

/// The policy a post of `visibility` gets from a setting; 422 for a
/// setting Mastodon does not know.
pub fn policy_for(setting: &str, visibility: Visibility) -> Result<QuotePolicy> {
    let policy = QuotePolicy::from_setting(setting).ok_or_else(|| {
        Error::unprocessable("Validation failed: Quote approval policy is not included in the list")
    })?;
    Ok(match visibility {
        Visibility::Public | Visibility::Unlisted => policy,
        Visibility::Private | Visibility::Direct => QuotePolicy(0),
    })
}

/// A remote QuoteRequest from `quoter` for local post `quoted`, quoting
/// with `quoting` (their post, already stored): approved when the policy
/// lets `quoter` quote; returns the quote when approved.
pub async fn request_from_remote(
    app: &AppState,
    quoter: &Account,
    quoted: &Status,
    quoting: &Status,
    request_id: &str,
) -> Result<Option<Quote>> {
    let Some(quoted_author) = app.store.get_account(quoted.account_id).await? else {
        return Ok(None);
    };
    let allowed = quoting.account_id == quoter.id
        && quoted_author.is_local()
        && matches!(
            quoted.visibility(),
            Visibility::Public | Visibility::Unlisted
        )
        && !app
            .store
            .blocked_either_way(quoter.id, quoted_author.id)
            .await?
        && approval_for(app, quoter, quoted, &quoted_author).await? != "denied";
    let existing = app.store.get_quote_by_status(quoting.id).await?;
    if !allowed {
        if let Some(q) = existing.filter(|q| q.quoted_status_id == Some(quoted.id)) {
            app.store
                .set_quote_state(&q, state::REJECTED, None, Utc::now())
                .await?;
        }
        return Ok(None);
    }
    let quote = match existing {
        Some(q) if q.quoted_status_id == Some(quoted.id) => q,
        Some(_) => return Ok(None),
        None => {
            let q = Quote {
                activity_uri: Some(request_id.to_string()),
                state: state::PENDING.to_string(),
                ..new_quote(quoter, quoting.id, quoted, &quoted_author)
            };
            app.store.put_quote(&q).await?;
            q
        }
    };
    let stamp = stamp_uri(&quoted_author, quote.id);
    app.store
        .set_quote_state(&quote, state::ACCEPTED, Some(&stamp), Utc::now())
        .await?;
    if !quote.is_accepted() {
        notifications::notify(app, quoted_author.id, "quote", quoter, Some(quoting.id)).await?;
    }
    republish(app, quoting).await?;
    Ok(Some(quote))
}

/// Where a local author's approval of quote `quote_id` is served.
pub fn stamp_uri(quoted_author: &Account, quote_id: i64) -> String {
    format!("{}/quote_authorizations/{quote_id}", quoted_author.uri)
}

/// The quoted author's server answered our QuoteRequest: `stamp` is the
/// approval (None for a Reject). Only the quoted author may answer, and
/// only a pending quote of a local post changes.
pub async fn answered(
    app: &AppState,
    actor: &Account,
    request_id: &str,
    stamp: Option<&str>,
) -> Result<bool> {
    let Some(quote) = app.store.get_quote_by_activity(request_id).await? else {
        return Ok(false);
    };
    if quote.quoted_account_id != Some(actor.id) {
        return Ok(false);
    }
    let Some(quoting) = app.store.get_status(quote.status_id).await? else {
        return Ok(true);
    };
    if !quoting.local {
        return Ok(true);
    }
    let new_state = match stamp {
        Some(uri) if crate::federation::same_origin(uri, &actor.uri) => state::ACCEPTED,
        Some(_) => return Ok(true),
        None if quote.is_accepted() => state::REVOKED,
        None => state::REJECTED,
    };
    if quote.state == new_state {
        return Ok(true);
    }
    app.store
        .set_quote_state(&quote, new_state, stamp, Utc::now())
        .await?;
    republish(app, &quoting).await?;
    if let Some(author) = app.store.get_account(quoting.account_id).await?
        && new_state == state::ACCEPTED
    {
        // The Note now carries its quoteAuthorization.
        let quoting = app
            .store
            .get_status(quoting.id)
            .await?
            .ok_or_else(Error::not_found)?;
        outbox::status_edited(app, &author, &quoting).await?;
    }
    Ok(true)
}

/// `actor` withdrew the stamp `stamp`: the quote it approved is revoked.
pub async fn stamp_withdrawn(app: &AppState, actor: &Account, stamp: &str) -> Result<bool> {
    let Some(quote) = app.store.get_quote_by_approval(stamp).await? else {
        return Ok(false);
    };
    if quote.quoted_account_id != Some(actor.id) {
        return Ok(false);
    }
    let new_state = if quote.is_accepted() {
        state::REVOKED
    } else {
        state::REJECTED
    };
    app.store
        .set_quote_state(&quote, new_state, None, Utc::now())
        .await?;
    if let Some(quoting) = app.store.get_status(quote.status_id).await? {
        republish(app, &quoting).await?;
    }
    Ok(true)
}

/// What a remote post says it quotes.
pub struct RemoteQuote<'a> {
    pub uri: &'a str,
    /// Quoted the old way (no FEP-044f `quote` property).
    pub legacy: bool,
    /// The stamp the post names (`quoteAuthorization`).
    pub approval: Option<&'a str>,
    /// Whether its server says the stamp checks out (fetched and matched).
    pub verified: bool,
}

/// The quote a remote post makes, to be stored with it. Its state: accepted for a
/// quote of one's own post or one a verified stamp approves; a quote of a
/// local post waits for its QuoteRequest (or takes the state an earlier
/// one gave); anything else is pending.
pub fn remote_quote(
    status: &Status,
    author: &Account,
    q: &RemoteQuote<'_>,
    quoted: Option<(&Status, &Account)>,
) -> Quote {
    let self_quote = quoted.is_some_and(|(_, a)| a.id == author.id);
    let quoted_is_local = quoted.is_some_and(|(_, a)| a.is_local());
    let accepted = self_quote || (q.verified && !quoted_is_local);
    let now = Utc::now();
    Quote {
        id: crate::id::new_id(),
        status_id: status.id,
        account_id: author.id,
        quoted_uri: q.uri.to_string(),
        quoted_status_id: quoted.map(|(s, _)| s.id),
        quoted_account_id: quoted.map(|(_, a)| a.id),
        state: if accepted {
            state::ACCEPTED
        } else {
            state::PENDING
        }
        .to_string(),
        legacy: q.legacy,
        activity_uri: None,
        approval_uri: if quoted_is_local {
            None
        } else {
            q.approval.map(str::to_string)
        },
        created_at: now,
        updated_at: now,
    }
}

/// What each accepted quote of `quotes` shows `viewer`, as Mastodon names
/// it: `accepted`, or `deleted` (the quoted post is gone),
/// `blocked_account`, `muted_account` or `unauthorized` (not theirs to
/// see). Keyed by the quoting post; stored states other than accepted are
/// shown as stored.
pub async fn states_for(
    app: &AppState,
    viewer: Option<&Account>,
    quotes: &[&Quote],
    quoted: &std::collections::HashMap<i64, Status>,
) -> Result<std::collections::HashMap<i64, &'static str>> {
    let mut out = std::collections::HashMap::new();
    let hidden = match viewer {
        Some(v) => app.store.hidden_account_ids(v.id, Utc::now()).await?,
        None => Vec::new(),
    };
    for q in quotes.iter().filter(|q| q.is_accepted()) {
        let Some(s) = q.quoted_status_id.and_then(|id| quoted.get(&id)) else {
            out.insert(q.status_id, "deleted");
            continue;
        };
        let Some(author) = app.store.get_account(s.account_id).await? else {
            out.insert(q.status_id, "deleted");
            continue;
        };
        let state = if crate::service::visibility::can_see(app, viewer, s, &author).await? {
            if hidden.contains(&author.id) {
                "muted_account"
            } else {
                "accepted"
            }
        } else if let Some(v) = viewer
            && app.store.blocked_either_way(v.id, author.id).await?
        {
            "blocked_account"
        } else {
            "unauthorized"
        };
        out.insert(q.status_id, state);
    }
    Ok(out)
}

/// QuoteApproval's `current_user` for `viewer` on each of `list` (a boost
/// is never quotable itself). Follows are looked up only for policies
/// that depend on them.
pub async fn approvals_for(
    app: &AppState,
    viewer: Option<&Account>,
    list: &[&Status],
) -> Result<std::collections::HashMap<i64, &'static str>> {
    let mut out = std::collections::HashMap::with_capacity(list.len());
    for s in list {
        let policy = QuotePolicy(s.quote_policy);
        let standing = match viewer {
            None => None,
            Some(v) if v.id == s.account_id => Some(Standing {
                is_author: true,
                ..Standing::default()
            }),
            Some(v) => {
                let flags = policy.auto_flags() | policy.manual_flags();
                let needs_follows = s.reblog_of_id.is_none()
                    && flags & (QuotePolicy::FOLLOWERS | QuotePolicy::FOLLOWING) != 0
                    && matches!(s.visibility(), Visibility::Public | Visibility::Unlisted);
                Some(if needs_follows {
                    Standing {
                        is_author: false,
                        follows_author: app.store.follows(v.id, s.account_id).await?,
                        followed_by_author: app.store.follows(s.account_id, v.id).await?,
                    }
                } else {
                    Standing::default()
                })
            }
        };
        out.insert(
            s.id,
            current_user(policy, &s.visibility, s.reblog_of_id.is_some(), standing),
        );
    }
    Ok(out)
}

/// What `author`'s stamp `quote_id` approves, as `(quoting post's id,
/// quoted post's id)`: only while the quote stands and the quoted post is
/// public or unlisted; 404 otherwise.
pub async fn stamp(app: &AppState, author: &Account, quote_id: i64) -> Result<(String, String)> {
    let quote = app
        .store
        .get_quote(quote_id)
        .await?
        .filter(|q| q.is_accepted() && q.quoted_account_id == Some(author.id))
        .ok_or_else(Error::not_found)?;
    let quoted = match quote.quoted_status_id {
        Some(id) => app.store.get_status(id).await?,
        None => None,
    }
    .filter(|s| matches!(s.visibility(), Visibility::Public | Visibility::Unlisted))
    .ok_or_else(Error::not_found)?;
    let quoting = app
        .store
        .get_status(quote.status_id)
        .await?
        .ok_or_else(Error::not_found)?;
    Ok((quoting.uri, quoted.uri))
}
