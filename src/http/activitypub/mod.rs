//! ActivityPub over HTTP: actors, posts and collections as JSON for
//! `Accept: application/activity+json` (browsers are sent to the HTML
//! pages), the inboxes, and authorized fetch.
//! <https://www.w3.org/TR/activitypub/>, <https://docs.joinmastodon.org/spec/activitypub/>

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::error::Result;
use crate::federation::convert;
use crate::federation::inbox::{self, Inbound, MAX_ACTIVITY};
use crate::model::Account;
use crate::service::public;

pub fn router() -> Router<Arc<AppState>> {
    let inboxes = Router::new()
        .route("/inbox", post(shared_inbox))
        .route("/actor/inbox", post(shared_inbox))
        .route("/users/{name}/inbox", post(personal_inbox))
        .layer(DefaultBodyLimit::max(MAX_ACTIVITY));
    Router::new()
        .route("/actor", get(instance_actor))
        .route("/actor/outbox", get(instance_outbox))
        .route("/emojis/{id}", get(emoji))
        .route("/users/{name}", get(actor))
        .route("/users/{name}/statuses/{id}", get(status))
        .route("/users/{name}/statuses/{id}/activity", get(activity))
        .route("/users/{name}/statuses/{id}/replies", get(replies))
        .route(
            "/users/{name}/quote_authorizations/{id}",
            get(quote_authorization),
        )
        .route("/users/{name}/followers", get(followers))
        .route("/users/{name}/following", get(following))
        .route("/users/{name}/outbox", get(outbox))
        .route("/users/{name}/collections/featured", get(featured))
        .route("/users/{name}/collections/tags", get(featured_tags))
        .merge(inboxes)
}

/// Whether the client asked for ActivityPub JSON rather than a page.
pub(crate) fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.contains("application/activity+json") || a.contains("application/ld+json")
        })
}

/// An ActivityPub document response.
fn ap_json(doc: &Value) -> Response {
    let body = doc.to_string();
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/activity+json; charset=utf-8"),
            ),
            (header::VARY, HeaderValue::from_static("Accept, Signature")),
        ],
        body,
    )
        .into_response()
}

/// Under `federation.authorized_fetch`, a GET must be signed by a server
/// that is not blocked.
async fn check_fetch(
    app: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<()> {
    if !app.config.federation.authorized_fetch {
        return Ok(());
    }
    signer(app, method, uri, headers).await.map(|_| ())
}

/// The actor whose signature a GET carries; an error (401) when it is
/// unsigned or the signature does not hold.
async fn signer(
    app: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Account> {
    let req = Inbound {
        method,
        path: uri.path(),
        query: uri.query(),
        headers,
        body: &[],
    };
    inbox::verify(app, &req).await
}

/// `account`'s post `id` for this GET: a public or unlisted one under the
/// authorized-fetch rule; a followers-only or direct one only when the
/// request is signed by an actor who may see it (404 otherwise, so that
/// nothing tells a stranger it exists).
async fn post_for_fetch(
    app: &AppState,
    account: &Account,
    id: i64,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(crate::model::Status, bool)> {
    match public::post(app, account, id).await {
        Ok(status) => {
            check_fetch(app, method, uri, headers).await?;
            Ok((status, true))
        }
        Err(e) if e.kind == crate::error::Kind::NotFound && headers.contains_key("signature") => {
            let reader = match signer(app, method, uri, headers).await {
                Ok(a) => Some(a),
                Err(e) if app.config.federation.authorized_fetch => return Err(e),
                Err(_) => None,
            };
            let status = public::post_for(app, account, id, reader.as_ref()).await?;
            Ok((status, false))
        }
        Err(e) => Err(e),
    }
}

/// A document only its signer may read: no shared cache keeps it.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The local account behind a collection, post or inbox: a suspended one
/// has none (404); only its actor document stays, for its Delete to verify.
async fn local_account(app: &AppState, name: &str) -> Result<Account> {
    let account = public::actor(app, name).await?;
    if account.suspended_at.is_some() {
        return Err(crate::error::Error::not_found());
    }
    Ok(account)
}

/// `GET /actor`: the instance actor, unsigned even in authorized-fetch mode
/// (other servers need its key to check roost's signed GETs).
async fn instance_actor(State(app): State<Arc<AppState>>) -> Result<Response> {
    let key = app.instance_key().await?;
    Ok(ap_json(&convert::instance_actor(&app, &key.public_pem)))
}

/// `GET /actor/outbox`: the instance actor posts nothing; an empty
/// collection, so that servers which read every actor's outbox find one.
async fn instance_outbox(State(app): State<Arc<AppState>>) -> Response {
    let mut doc = convert::collection_summary(&app.url("/actor/outbox"), 0, None);
    doc["orderedItems"] = Value::Array(Vec::new());
    ap_json(&doc)
}

/// `GET /emojis/:id`: one of this server's custom emoji as an `Emoji`, the
/// id its tags carry.
async fn emoji(State(app): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response> {
    let id = id
        .parse::<i64>()
        .map_err(|_| crate::error::Error::not_found())?;
    let e = crate::service::emojis::local_by_id(&app, id).await?;
    let doc = convert::emoji(&app, &e).ok_or_else(crate::error::Error::not_found)?;
    Ok(ap_json(&convert::with_context(
        doc,
        serde_json::json!(["https://www.w3.org/ns/activitystreams", {"toot": "http://joinmastodon.org/ns#", "Emoji": "toot:Emoji"}]),
    )))
}

/// `GET /users/:name`: the Person, or the profile page for browsers.
async fn actor(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = public::actor(&app, &name).await?;
    if !wants_activity_json(&headers) {
        return Ok(Redirect::to(&format!("/@{}", account.username)).into_response());
    }
    person_document(&app, &account, &method, &uri, &headers).await
}

/// The Person of a local account, under the authorized-fetch rule; served at
/// its id and at its profile page's URL (`/@name`).
pub(crate) async fn person_document(
    app: &AppState,
    account: &Account,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response> {
    check_fetch(app, method, uri, headers).await?;
    let account = crate::service::accounts::with_keys(app, account.clone()).await?;
    let moved_to = crate::service::moves::moved_to_uri(app, &account).await?;
    Ok(ap_json(&convert::person(
        app,
        &account,
        moved_to.as_deref(),
    )))
}

/// `GET /users/:name/statuses/:id`: a public or unlisted post as a Note;
/// a followers-only or direct one to a signed fetch by an actor who may
/// see it (a follower, or someone it mentions), as Mastodon serves them.
async fn status(
    State(app): State<Arc<AppState>>,
    Path((name, id)): Path<(String, i64)>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    if !wants_activity_json(&headers) {
        let status = public::post(&app, &account, id).await?;
        return Ok(Redirect::to(&format!("/@{}/{}", account.username, status.id)).into_response());
    }
    let (status, public) = post_for_fetch(&app, &account, id, &method, &uri, &headers).await?;
    let note = convert::load_note(&app, &status).await?;
    let response = ap_json(&convert::note_document(note));
    Ok(if public { response } else { private(response) })
}

/// `GET /users/:name/statuses/:id/activity`: the activity that published
/// a post (its `Create`) or a boost (its `Announce`), so that every
/// activity id roost sends resolves.
async fn activity(
    State(app): State<Arc<AppState>>,
    Path((name, id)): Path<(String, i64)>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    let (doc, public) = match post_for_fetch(&app, &account, id, &method, &uri, &headers).await {
        Ok((status, public)) => {
            let note = convert::load_note(&app, &status).await?;
            (convert::create(&account, note, status.created_at), public)
        }
        Err(e) if e.kind == crate::error::Kind::NotFound => {
            check_fetch(&app, &method, &uri, &headers).await?;
            let (boost, original, original_author) = public::boost(&app, &account, id).await?;
            (
                convert::announce(&account, &boost, &original, &original_author),
                true,
            )
        }
        Err(e) => return Err(e),
    };
    Ok(if public {
        ap_json(&doc)
    } else {
        private(ap_json(&doc))
    })
}

/// `GET /users/:name/quote_authorizations/:id`: the stamp by which the
/// account approved a quote of its post (FEP-044f `QuoteAuthorization`);
/// 404 once revoked, or when the quoted post is not public or unlisted.
/// <https://codeberg.org/fediverse/fep/src/branch/main/fep/044f/fep-044f.md>
async fn quote_authorization(
    State(app): State<Arc<AppState>>,
    Path((name, id)): Path<(String, i64)>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    check_fetch(&app, &method, &uri, &headers).await?;
    let (quoting, quoted) = crate::service::quotes::stamp(&app, &account, id).await?;
    let stamp = crate::service::quotes::stamp_uri(&account, id);
    Ok(ap_json(&convert::quote_authorization(
        &stamp, &account, &quoting, &quoted,
    )))
}

#[derive(Deserialize)]
struct RepliesQuery {
    page: Option<String>,
    only_other_accounts: Option<String>,
    min_id: Option<i64>,
}

/// `GET /users/:name/statuses/:id/replies`: the ids of a post's public
/// and unlisted replies (a followers-only or direct post's only for a
/// signer who may see it), as Mastodon pages them: the author's own
/// first, then (`only_other_accounts=true`) everyone else's, oldest first.
async fn replies(
    State(app): State<Arc<AppState>>,
    Path((name, id)): Path<(String, i64)>,
    Query(q): Query<RepliesQuery>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    const PER_PAGE: i64 = 20;
    let account = local_account(&app, &name).await?;
    let (status, public) = post_for_fetch(&app, &account, id, &method, &uri, &headers).await?;
    let others = q
        .only_other_accounts
        .as_deref()
        .and_then(crate::http::extract::parse_bool)
        .unwrap_or(false);
    let base = format!("{}/replies", status.uri);
    let page_id = |min: Option<i64>| match min {
        Some(m) => format!("{base}?min_id={m}&only_other_accounts={others}&page=true"),
        None => format!("{base}?only_other_accounts={others}&page=true"),
    };
    let rows = public::replies(&app, &status, !others, q.min_id.unwrap_or(0), PER_PAGE).await?;
    let next = match rows.last() {
        Some((last, _)) if rows.len() == PER_PAGE as usize => Some(page_id(Some(*last))),
        _ if !others => Some(format!("{base}?only_other_accounts=true&page=true")),
        _ => None,
    };
    let page = convert::replies_page(
        &status.uri,
        &page_id(q.min_id),
        rows.into_iter().map(|(_, uri)| uri).collect(),
        next,
    );
    let response = if q.page.is_none() {
        ap_json(&convert::replies_collection(&status.uri, page))
    } else {
        ap_json(&convert::with_context(
            page,
            Value::from("https://www.w3.org/ns/activitystreams"),
        ))
    };
    Ok(if public { response } else { private(response) })
}

/// A local public or unlisted post as a Note, under the authorized-fetch
/// rule; served at its id and at its page's URL (`/@name/ID`).
pub(crate) async fn note_document(
    app: &AppState,
    status: &crate::model::Status,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response> {
    check_fetch(app, method, uri, headers).await?;
    let note = convert::load_note(app, status).await?;
    Ok(ap_json(&convert::note_document(note)))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u32>,
}

/// Follow collections: the size, and pages of actor ids unless the account
/// hides them.
async fn follow_collection(
    app: &AppState,
    account: &Account,
    which: &str,
    page: Option<u32>,
) -> Result<Response> {
    let id = format!("{}/{which}", account.uri);
    let total = if which == "followers" {
        account.followers_count
    } else {
        account.following_count
    };
    if account.hide_collections {
        return Ok(ap_json(&convert::collection_summary(&id, total, None)));
    }
    let Some(page) = page.filter(|p| *p >= 1) else {
        return Ok(ap_json(&convert::collection_summary(
            &id,
            total,
            Some(format!("{id}?page=1")),
        )));
    };
    const PER_PAGE: u32 = 40;
    let offset = i64::from((page - 1).min(10_000) * PER_PAGE);
    let uris = public::follow_collection(
        app,
        account,
        which == "followers",
        i64::from(PER_PAGE),
        offset,
    )
    .await?;
    let next = (uris.len() == PER_PAGE as usize).then(|| format!("{id}?page={}", page + 1));
    let items = uris.into_iter().map(Value::String).collect();
    Ok(ap_json(&convert::collection_page(
        &format!("{id}?page={page}"),
        &id,
        items,
        next,
    )))
}

async fn followers(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    check_fetch(&app, &method, &uri, &headers).await?;
    follow_collection(&app, &account, "followers", q.page).await
}

async fn following(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    check_fetch(&app, &method, &uri, &headers).await?;
    follow_collection(&app, &account, "following", q.page).await
}

#[derive(Deserialize)]
struct OutboxQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

/// `GET /users/:name/outbox`: the number of posts, and pages (`?page=true`,
/// then `max_id`) of Create activities of public and unlisted posts, newest
/// first, as Mastodon pages them.
async fn outbox(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<OutboxQuery>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    check_fetch(&app, &method, &uri, &headers).await?;
    let id = format!("{}/outbox", account.uri);
    if q.page.is_none() {
        return Ok(ap_json(&convert::collection_summary(
            &id,
            account.statuses_count,
            Some(format!("{id}?page=true")),
        )));
    }
    const PER_PAGE: i64 = 20;
    let statuses = public::outbox(&app, &account, q.max_id, PER_PAGE).await?;
    let mut items = Vec::with_capacity(statuses.len());
    for s in &statuses {
        let note = convert::load_note(&app, s).await?;
        let mut create = convert::create(&account, note, s.created_at);
        if let Value::Object(m) = &mut create {
            m.remove("@context");
        }
        items.push(create);
    }
    let next = (statuses.len() == PER_PAGE as usize)
        .then(|| {
            statuses
                .last()
                .map(|s| format!("{id}?max_id={}&page=true", s.id))
        })
        .flatten();
    let page_id = match q.max_id {
        Some(max) => format!("{id}?max_id={max}&page=true"),
        None => format!("{id}?page=true"),
    };
    Ok(ap_json(&convert::collection_page(
        &page_id, &id, items, next,
    )))
}

/// `GET /users/:name/collections/featured`: pinned public posts as Notes.
async fn featured(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    check_fetch(&app, &method, &uri, &headers).await?;
    let mut items = Vec::new();
    for s in public::pinned(&app, &account).await? {
        items.push(convert::load_note(&app, &s).await?);
    }
    let mut doc = convert::collection_summary(
        &format!("{}/collections/featured", account.uri),
        i64::try_from(items.len()).unwrap_or(0),
        None,
    );
    doc["orderedItems"] = Value::Array(items);
    Ok(ap_json(&doc))
}

/// `GET /users/:name/collections/tags`: featured hashtags (none yet federated).
async fn featured_tags(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response> {
    let account = local_account(&app, &name).await?;
    let mut doc =
        convert::collection_summary(&format!("{}/collections/tags", account.uri), 0, None);
    doc["type"] = Value::from("Collection");
    doc["items"] = Value::Array(Vec::new());
    Ok(ap_json(&doc))
}

/// `POST /inbox` (and `/actor/inbox`): the shared inbox.
async fn shared_inbox(
    State(app): State<Arc<AppState>>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    receive(&app, &method, &uri, &headers, &body).await
}

/// `POST /users/:name/inbox`: a personal inbox (treated as the shared one,
/// as Mastodon does, once the account is known to exist).
async fn personal_inbox(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    local_account(&app, &name).await?;
    receive(&app, &method, &uri, &headers, &body).await
}

async fn receive(
    app: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response> {
    let req = Inbound {
        method,
        path: uri.path(),
        query: uri.query(),
        headers,
        body,
    };
    inbox::receive(app, req).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
