//! Fetching remote actors and objects: signed GETs through the guarded
//! client, the checks every fetched document passes, and WebFinger.
//! <https://docs.joinmastodon.org/spec/webfinger/>

use chrono::Utc;
use serde_json::Value;
use url::Url;

use super::failures::Step;
use super::protocol::Actor;
use super::{ACCEPT_AP, domain_of, same_origin, signatures};
use crate::app::AppState;
use crate::db::federation::RemoteAccount;
use crate::error::{Error, Kind, Result};
use crate::model::{Account, Field};

/// The most an ActivityPub or WebFinger document may weigh (Mastodon's limit).
pub const MAX_DOCUMENT: usize = 1024 * 1024;

/// How long a fetched remote profile is trusted before it is fetched again.
const STALE_AFTER: chrono::Duration = chrono::Duration::days(1);

fn unavailable(e: impl std::fmt::Display) -> Error {
    Error::new(Kind::Unavailable, "Remote server unavailable").with_cause(e.to_string())
}

fn bad_document(why: &str) -> Error {
    Error::unprocessable(format!("Unusable remote document: {why}"))
}

/// Whether a Content-Type names an ActivityPub document.
pub fn is_ap_content_type(ct: &str) -> bool {
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // JSON-LD without the ActivityStreams profile is accepted too: several
    // servers omit it, and the document's own checks still apply.
    essence == "application/activity+json" || essence == "application/ld+json"
}

/// GETs `url` signed by the instance actor. `Ok(None)` when the remote says
/// the object is gone (404 or 410). Any other failure is logged for the
/// operator as a failure of `step`.
pub async fn get_signed(
    app: &AppState,
    url: &Url,
    accept: &str,
    step: Step,
) -> Result<Option<crate::net::Fetched>> {
    // roost never fetches from itself: its own rows are not remote documents
    // (however the URL is spelled: domain_of lower-cases the host).
    if domain_of(url.as_str()).is_some_and(|d| d == app.config.server.domain.to_ascii_lowercase()) {
        return Err(Error::not_found());
    }
    // Nothing is fetched from a suspended server.
    if let Some(domain) = domain_of(url.as_str())
        && crate::service::moderation::federation_refused(app, &domain).await?
    {
        return Err(Error::forbidden("This domain is blocked"));
    }
    let key = app.instance_key().await?.private.clone();
    let key_id = format!("{}#main-key", app.url("/actor"));
    let sign = move |u: &Url, headers: &mut http::HeaderMap| {
        if let Err(e) = signatures::sign_request(
            &key,
            &key_id,
            &http::Method::GET,
            u,
            headers,
            None,
            Utc::now(),
        ) {
            tracing::warn!(error = %e, "cannot sign a GET");
        }
    };
    let host = domain_of(url.as_str()).unwrap_or_default();
    let failures = &app.federation.failures;
    let fetched = match app
        .federation
        .http
        .get(url, accept, MAX_DOCUMENT, Some(&sign))
        .await
    {
        Ok(fetched) => fetched,
        Err(e) => {
            failures.record(&host, step, &e.reason(), &format!("GET {url}: {e}"));
            return Err(unavailable(e));
        }
    };
    match fetched.status {
        200..=299 => Ok(Some(fetched)),
        404 | 410 => Ok(None),
        s => {
            failures.record(&host, step, &format!("HTTP {s}"), &format!("GET {url}"));
            Err(unavailable(format!("{url} answered {s}")))
        }
    }
}

/// Fetches an ActivityPub document and checks it: AP content type, a JSON
/// object whose `id` is the URL it was fetched from (after redirects, on the
/// same origin). `Ok(None)` when it is gone.
pub async fn fetch_object(app: &AppState, uri: &str) -> Result<Option<Value>> {
    let url = Url::parse(uri).map_err(|_| bad_document("not a URL"))?;
    let Some(fetched) = get_signed(app, &url, ACCEPT_AP, Step::Fetch).await? else {
        return Ok(None);
    };
    // A redirect to another server proves nothing about the first one.
    if !same_origin(fetched.url.as_str(), uri) {
        return Err(bad_document("redirected to another server"));
    }
    let ct = fetched.content_type.as_deref().unwrap_or("");
    if !is_ap_content_type(ct) {
        // A page (a post's or profile's browser URL on a server that answers
        // HTML whatever the Accept) may name its document in
        // `<link rel="alternate" type="application/activity+json">`: follow
        // one such link on the same origin, as Mastodon does.
        if let Some(alternate) = html_alternate(ct, &fetched) {
            return Box::pin(fetch_object_exact(app, &alternate)).await;
        }
        return Err(bad_document("not an ActivityPub content type"));
    }
    let doc: Value = serde_json::from_slice(&fetched.body).map_err(|_| bad_document("not JSON"))?;
    let id = doc.get("id").and_then(Value::as_str).unwrap_or("");
    if id != fetched.url.as_str() && id != uri {
        // Mastodon serves some objects at a URL other than their id; accept
        // that only when the id is on the same origin, and re-fetch it.
        if !same_origin(id, fetched.url.as_str()) || id.is_empty() {
            return Err(bad_document("its id differs from where it was fetched"));
        }
        return Box::pin(fetch_object_exact(app, id)).await;
    }
    Ok(Some(doc))
}

/// The ActivityPub alternate of an HTML page, resolved against the page's
/// URL, when it is on the page's origin.
fn html_alternate(content_type: &str, page: &crate::net::Fetched) -> Option<String> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("text/html") {
        return None;
    }
    let html = String::from_utf8_lossy(&page.body);
    let href = crate::text::head::activitypub_alternate(&html)?;
    let target = page.url.join(&href).ok()?;
    (same_origin(target.as_str(), page.url.as_str()) && target != page.url)
        .then(|| target.to_string())
}

/// As [`fetch_object`], but the id must equal `uri` exactly.
async fn fetch_object_exact(app: &AppState, uri: &str) -> Result<Option<Value>> {
    let url = Url::parse(uri).map_err(|_| bad_document("not a URL"))?;
    let Some(fetched) = get_signed(app, &url, ACCEPT_AP, Step::Fetch).await? else {
        return Ok(None);
    };
    if !is_ap_content_type(fetched.content_type.as_deref().unwrap_or("")) {
        return Err(bad_document("not an ActivityPub content type"));
    }
    let doc: Value = serde_json::from_slice(&fetched.body).map_err(|_| bad_document("not JSON"))?;
    if doc.get("id").and_then(Value::as_str) != Some(uri) {
        return Err(bad_document("its id differs from where it was fetched"));
    }
    Ok(Some(doc))
}

/// The account behind an actor URI: local, known and fresh, or fetched now.
pub async fn resolve_actor(app: &AppState, uri: &str) -> Result<Account> {
    if let Some(username) = uri.strip_prefix(&app.url("/users/")) {
        return app
            .store
            .get_local_account_by_username(username)
            .await?
            .ok_or_else(Error::not_found);
    }
    if let Some(a) = app.store.get_account_by_uri(uri).await?
        && a.fetched_at.is_some_and(|t| Utc::now() - t < STALE_AFTER)
    {
        return Ok(a);
    }
    refresh_actor(app, uri).await
}

/// Fetches the actor at `uri` and stores it.
pub async fn refresh_actor(app: &AppState, uri: &str) -> Result<Account> {
    let doc = fetch_object(app, uri).await?.ok_or_else(Error::not_found)?;
    store_actor(app, &doc).await
}

/// Stores a fetched (already origin-checked) actor document.
pub async fn store_actor(app: &AppState, doc: &Value) -> Result<Account> {
    let actor: Actor = serde_json::from_value(doc.clone())
        .map_err(|e| bad_document(&format!("not an actor: {e}")))?;
    let remote = remote_account(&actor)?;
    if remote.domain == app.config.server.domain.to_ascii_lowercase() {
        return Err(bad_document("a local actor is not a remote one"));
    }
    let block = app.store.domain_block(&remote.domain).await?;
    if block.as_deref() == Some("suspend") {
        return Err(Error::forbidden("This domain is blocked"));
    }
    let mut remote = remote;
    remote.emojis = profile_emojis(app, &actor, &remote).await?;
    let known = app.store.get_account_by_uri(&remote.uri).await?.is_some();
    let account = app.store.put_remote_account(&remote).await?;
    if crate::media::process::account_images_stale(app, &account) {
        crate::jobs::enqueue(
            app,
            crate::jobs::Task::CacheAccountImages {
                account_id: account.id,
            },
        )
        .await?;
    }
    if !known {
        // Counts shown on the profile come from the actor's collections.
        crate::jobs::enqueue(
            app,
            crate::jobs::Task::RefreshCounts {
                account_id: account.id,
            },
        )
        .await?;
    }
    if block.as_deref() == Some("silence")
        && account.silenced_at.is_none()
        && let Some(b) = app.store.domain_block_of(&remote.domain).await?
    {
        app.store
            .apply_domain_block(&remote.domain, Some("silence"), b.created_at)
            .await?;
        return app
            .store
            .get_account(account.id)
            .await?
            .ok_or_else(Error::not_found);
    }
    Ok(account)
}

/// Whether a remote `preferredUsername` may become the user part of an
/// `acct`: Mastodon's rule for remote accounts (letters, digits and `_`,
/// with single runs of `.` or `-` between them), so markup, `@`, spaces and
/// bidi controls never reach a client's idea of who someone is.
pub fn valid_remote_username(name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    !name.is_empty()
        && name.len() <= 255
        && name.chars().all(|c| word(c) || c == '.' || c == '-')
        && name.starts_with(word)
        && name.ends_with(word)
}

/// The custom emoji an actor's name, note and fields name, from its
/// `Emoji` tags (remembered, their images copied), unless its server's
/// media are rejected.
async fn profile_emojis(
    app: &AppState,
    actor: &Actor,
    remote: &RemoteAccount,
) -> Result<Vec<crate::model::AccountEmoji>> {
    let tags = super::notes::remote_emojis(&actor.tag);
    if tags.is_empty()
        || !crate::service::emojis::remember_remote(app, &remote.domain, &tags).await?
    {
        return Ok(Vec::new());
    }
    let mut texts: Vec<&str> = vec![&remote.display_name, &remote.note];
    for f in &remote.fields {
        texts.push(&f.name);
        texts.push(&f.value);
    }
    crate::service::emojis::for_profile(app, &remote.domain, &texts).await
}

/// Maps a parsed actor onto an account row; refuses an actor whose key or
/// inbox lives on another origin, or whose username is not one.
pub fn remote_account(actor: &Actor) -> Result<RemoteAccount> {
    let id = actor.id.as_str();
    let domain = domain_of(id).ok_or_else(|| bad_document("actor id is not a URL"))?;
    let key = actor
        .public_key
        .first()
        .ok_or_else(|| bad_document("actor has no public key"))?;
    if !same_origin(&key.id, id) || key.owner.as_deref().is_some_and(|o| o != id) {
        return Err(bad_document("the key does not belong to the actor"));
    }
    let inbox = actor.inbox.clone();
    if !same_origin(&inbox, id) {
        return Err(bad_document("the inbox is on another server"));
    }
    let shared = actor
        .shared_inbox()
        .filter(|s| same_origin(s, id))
        .map(str::to_string);
    let username = actor.preferred_username.clone().unwrap_or_default();
    // An instance actor is named after its server (Mastodon's convention,
    // port included on a non-default one).
    let instance_actor = username.eq_ignore_ascii_case(&domain);
    if !valid_remote_username(&username) && !instance_actor {
        return Err(bad_document("actor has no usable preferredUsername"));
    }
    let clean = |s: &Option<String>| crate::text::sanitize::html(s.as_deref().unwrap_or(""));
    let fields = actor
        .attachment
        .iter()
        .take(16)
        .map(|f| Field {
            name: crate::text::sanitize::strip(&f.name),
            value: crate::text::sanitize::html(&f.value),
            verified_at: None,
        })
        .collect();
    let kind = actor.kind.clone();
    Ok(RemoteAccount {
        username,
        domain,
        uri: id.to_string(),
        url: actor.url().map(str::to_string),
        display_name: crate::text::sanitize::strip(actor.name.as_deref().unwrap_or("")),
        note: clean(&actor.summary),
        fields,
        locked: actor.manually_approves_followers.unwrap_or(false),
        bot: kind == "Service" || kind == "Application",
        group_actor: kind == "Group",
        discoverable: actor.discoverable.unwrap_or(false),
        indexable: actor.indexable.unwrap_or(false),
        inbox_url: inbox,
        shared_inbox_url: shared,
        outbox_url: actor.outbox.clone(),
        followers_url: actor.followers.clone(),
        following_url: actor.following.clone(),
        featured_url: actor.featured.clone(),
        public_key_id: key.id.clone(),
        public_key_pem: key.public_key_pem.clone(),
        avatar_remote_url: actor.icon_url().map(str::to_string),
        header_remote_url: actor.image_url().map(str::to_string),
        actor_type: kind,
        also_known_as: actor.also_known_as.iter().cloned().collect(),
        emojis: Vec::new(),
        created_at: actor.published.unwrap_or_else(Utc::now),
    })
}

/// Resolves `user@host` through WebFinger to a stored account. The actor
/// found must WebFinger back to itself when it lives on another host.
pub async fn webfinger(app: &AppState, user: &str, host: &str) -> Result<Account> {
    let host = host.to_ascii_lowercase();
    if host == app.config.server.domain.to_ascii_lowercase() {
        return app
            .store
            .get_local_account_by_username(user)
            .await?
            .ok_or_else(Error::not_found);
    }
    if let Some(a) = app
        .store
        .get_remote_account_by_username(user, &host)
        .await?
        && a.fetched_at.is_some_and(|t| Utc::now() - t < STALE_AFTER)
    {
        return Ok(a);
    }
    let actor_uri = webfinger_self(app, user, &host).await?;
    let account = resolve_actor(app, &actor_uri).await?;
    if account.domain.as_deref() != Some(host.as_str()) {
        // The actor lives elsewhere (e.g. social.example for example): its own
        // host must name the same actor for `username@its-host`.
        let back = webfinger_self(
            app,
            &account.username,
            account.domain.as_deref().unwrap_or(""),
        )
        .await?;
        if back != account.uri {
            return Err(bad_document("WebFinger does not lead back to the actor"));
        }
    }
    Ok(account)
}

/// The actor URI WebFinger gives for `acct:user@host`.
async fn webfinger_self(app: &AppState, user: &str, host: &str) -> Result<String> {
    let schemes: &[&str] = if app.config.federation.allow_http {
        &["http", "https"]
    } else {
        &["https"]
    };
    let mut last = Error::not_found();
    for scheme in schemes {
        let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
            .map_err(|_| Error::not_found())?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{user}@{host}"));
        match get_signed(
            app,
            &url,
            "application/jrd+json, application/json",
            Step::WebFinger,
        )
        .await
        {
            Ok(Some(f)) => {
                let jrd: Value = serde_json::from_slice(&f.body)
                    .map_err(|_| bad_document("WebFinger is not JSON"))?;
                return self_link(&jrd)
                    .ok_or_else(|| bad_document("WebFinger has no ActivityPub link"));
            }
            Ok(None) => return Err(Error::not_found()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The `self` link of a JRD whose type is an ActivityPub media type.
fn self_link(jrd: &Value) -> Option<String> {
    jrd.get("links")?.as_array()?.iter().find_map(|l| {
        let rel = l.get("rel")?.as_str()?;
        let ty = l.get("type").and_then(Value::as_str).unwrap_or("");
        (rel == "self" && is_ap_content_type(ty))
            .then(|| l.get("href")?.as_str().map(str::to_string))?
    })
}

/// Resolves a handle (`user@host`, `@user@host`) or an actor/profile URL.
pub async fn resolve_handle(app: &AppState, q: &str) -> Result<Account> {
    let q = q.trim().trim_start_matches('@');
    if q.starts_with("https://") || q.starts_with("http://") {
        return resolve_actor(app, q).await;
    }
    let (user, host) = q.rsplit_once('@').ok_or_else(Error::not_found)?;
    if user.is_empty() || host.is_empty() {
        return Err(Error::not_found());
    }
    webfinger(app, user, host).await
}

/// The `totalItems` of a collection on the account's own server.
async fn collection_total(app: &AppState, account: &Account, url: Option<&str>) -> Option<i64> {
    let url = url.filter(|u| same_origin(u, &account.uri))?;
    let doc = fetch_object(app, url).await.ok()??;
    let n = doc.get("totalItems")?.as_i64()?;
    Some(n.clamp(0, i64::from(i32::MAX)))
}

/// Reads a remote account's follower, following and post counts from its
/// collections (Mastodon shows the remote numbers). Collections that are
/// hidden or unreachable leave the current counts.
pub async fn refresh_counts(app: &AppState, account_id: i64) -> Result<()> {
    let Some(account) = app.store.get_account(account_id).await? else {
        return Ok(());
    };
    if account.is_local() {
        return Ok(());
    }
    let followers = collection_total(app, &account, account.followers_url.as_deref()).await;
    let following = collection_total(app, &account, account.following_url.as_deref()).await;
    let statuses = collection_total(app, &account, account.outbox_url.as_deref()).await;
    app.store
        .set_remote_counts(account.id, followers, following, statuses)
        .await
}

#[cfg(test)]
mod tests {
    //! Actors from each server's fixtures, mapped onto account rows.
    use super::*;

    fn account(fixture: &str) -> RemoteAccount {
        let actor: Actor = serde_json::from_str(fixture).unwrap();
        remote_account(&actor).unwrap()
    }

    macro_rules! fixture {
        ($path:literal) => {
            include_str!(concat!("../../tests/fixtures/activitypub/", $path))
        };
    }

    #[test]
    fn remote_usernames_follow_mastodons_rule() {
        for ok in ["alice", "Alice_B", "a.b", "a-b", "x_1", "_", "a..b"] {
            assert!(valid_remote_username(ok), "{ok}");
        }
        let long = "a".repeat(256);
        for bad in [
            "",
            "<b>admin</b>",
            "admin@evil.example",
            "ad min",
            "admin\u{202e}",
            "\u{202e}nimda",
            "adm\u{200b}in",
            ".alice",
            "alice-",
            "ålice",
            long.as_str(),
        ] {
            assert!(!valid_remote_username(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_actor_with_markup_in_its_username_is_refused() {
        let mut actor: serde_json::Value =
            serde_json::from_str(fixture!("mastodon/person.json")).unwrap();
        actor["preferredUsername"] = serde_json::json!("<img src=x onerror=alert(1)>");
        let actor: Actor = serde_json::from_value(actor).unwrap();
        assert!(remote_account(&actor).is_err());
    }

    #[test]
    fn actors_of_each_server_map_onto_accounts() {
        let cases = [
            (
                fixture!("mastodon/person.json"),
                "alice",
                "mastodon.example",
                Some("https://mastodon.example/inbox"),
                "https://mastodon.example/users/alice#main-key",
            ),
            (
                fixture!("gotosocial/person.json"),
                "tilde",
                "gts.example",
                None,
                "https://gts.example/users/tilde/main-key",
            ),
            (
                fixture!("akkoma/person.json"),
                "akko",
                "akkoma.example",
                Some("https://akkoma.example/inbox"),
                "https://akkoma.example/users/akko#main-key",
            ),
            (
                fixture!("misskey/person.json"),
                "neko",
                "misskey.example",
                Some("https://misskey.example/inbox"),
                "https://misskey.example/users/9kxq2m1b3c#main-key",
            ),
            (
                fixture!("lemmy/person.json"),
                "ferris",
                "lemmy.example",
                Some("https://lemmy.example/inbox"),
                "https://lemmy.example/u/ferris#main-key",
            ),
        ];
        for (doc, username, domain, shared, key_id) in cases {
            let a = account(doc);
            assert_eq!(a.username, username);
            assert_eq!(a.domain, domain);
            assert_eq!(a.shared_inbox_url.as_deref(), shared, "{username}");
            assert_eq!(a.public_key_id, key_id);
            assert!(a.public_key_pem.contains("PUBLIC KEY"), "{username}");
            assert!(a.inbox_url.ends_with("/inbox"));
            assert!(!a.note.contains("<script"));
        }
        assert!(account(fixture!("gotosocial/person.json")).locked);
    }

    #[test]
    fn a_lemmy_community_is_a_group() {
        let a = account(fixture!("lemmy/group.json"));
        assert!(a.group_actor);
        assert_eq!(a.actor_type, "Group");
    }

    #[test]
    fn an_actor_whose_key_or_inbox_is_elsewhere_is_refused() {
        let mut doc: Value = serde_json::from_str(fixture!("mastodon/person.json")).unwrap();
        doc["publicKey"]["id"] = Value::from("https://evil.example/key#main-key");
        let actor: Actor = serde_json::from_value(doc.clone()).unwrap();
        assert!(remote_account(&actor).is_err());
        let mut doc: Value = serde_json::from_str(fixture!("mastodon/person.json")).unwrap();
        doc["inbox"] = Value::from("https://evil.example/inbox");
        let actor: Actor = serde_json::from_value(doc).unwrap();
        assert!(remote_account(&actor).is_err());
    }
}
