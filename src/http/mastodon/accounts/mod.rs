//! `/api/v1/accounts`: sign-up, one's own account, profiles, lookups and
//! search, and an account's statuses, followers and following. What one
//! account does to another (follow, block, mute, note…) is in
//! [`relationships`].
//! <https://docs.joinmastodon.org/methods/accounts/>

use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{
    AppAuth, Auth, ClientIp, FormWithFiles, MaybeAuth, Params, ReadAccounts, ReadAccountsOrProfile,
    ReadLists, ReadStatuses, WriteAccounts, de, id_list, parse_bool,
};
use crate::http::mastodon::entities::{self, AccountEntity};
use crate::http::mastodon::paging::{PageParams, link_header, with_link};
use crate::http::mastodon::statuses::{parse_id, viewer};
use crate::http::mastodon::timelines::status_page;
use crate::model::{Account, AccountFilter};
use crate::service::accounts::{self, ProfileChanges, SignUp};
use crate::service::relationships::{self as relations, AccountPage};
use crate::service::{oauth, timelines};

pub mod relationships;

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/accounts", post(create).get(index))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            // Avatars and headers come as files.
            patch(update_credentials).layer(super::media::upload_limit(app)),
        )
        .route("/api/v1/accounts/lookup", get(lookup))
        .route("/api/v1/accounts/search", get(search))
        .route("/api/v1/accounts/{id}", get(show))
        .route("/api/v1/accounts/{id}/statuses", get(statuses))
        .route("/api/v1/accounts/{id}/followers", get(followers))
        .route("/api/v1/accounts/{id}/following", get(following))
        .route("/api/v1/accounts/{id}/lists", get(lists))
        .route("/api/v1/accounts/{id}/featured_tags", get(featured_tags))
        .route(
            "/api/v1/accounts/{id}/identity_proofs",
            get(identity_proofs),
        )
        .merge(relationships::router())
}

#[derive(Deserialize)]
struct CreateAccount {
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    agreement: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    locale: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    reason: Option<String>,
}

/// `POST /api/v1/accounts`: sign up with an app token; answers with a user token.
async fn create(
    State(app): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    auth: AppAuth<WriteAccounts>,
    Params(p): Params<CreateAccount>,
) -> Result<Json<entities::TokenEntity>> {
    let account = accounts::sign_up(
        &app,
        SignUp {
            username: p.username.as_deref().unwrap_or(""),
            email: p.email.as_deref().unwrap_or(""),
            password: p.password.as_deref().unwrap_or(""),
            agreement: p.agreement == Some(true),
            locale: p.locale.as_deref(),
            reason: p.reason.as_deref(),
            ip,
            app_id: auth.caller.token.app_id,
        },
    )
    .await?;
    let grant = oauth::issue_user_token(
        &app,
        auth.caller.token.app_id,
        account.id,
        &auth.caller.scopes,
    )
    .await?;
    Ok(Json(entities::token(&grant)))
}

/// `GET /api/v1/accounts/verify_credentials`
async fn verify_credentials(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccountsOrProfile>,
) -> Result<Json<AccountEntity>> {
    let (user, pending) = accounts::credentials(&app, &auth.account).await?;
    let mut entity = entities::credential_account(&app, &auth.account, &user, pending);
    entity.moved = entities::moved(&app, &auth.account).await?;
    Ok(Json(entity))
}

#[derive(Deserialize, Default)]
struct FieldParam {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    value: Option<String>,
}

#[derive(Deserialize, Default)]
struct SourceParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    quote_policy: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct UpdateCredentials {
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    note: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    discoverable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    indexable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    hide_collections: Option<bool>,
    #[serde(default)]
    fields_attributes: Option<Vec<FieldParam>>,
    #[serde(default)]
    source: Option<SourceParams>,
}

/// `PATCH /api/v1/accounts/update_credentials` (JSON, urlencoded or multipart).
async fn update_credentials(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    form: FormWithFiles<UpdateCredentials>,
) -> Result<Json<AccountEntity>> {
    let account = apply_update(&app, &auth, form).await?;
    let (user, pending) = accounts::credentials(&app, &account).await?;
    Ok(Json(entities::credential_account(
        &app, &account, &user, pending,
    )))
}

/// Applies a profile form (`update_credentials`, `PATCH /api/v1/profile`):
/// the images first, so that a bad file changes nothing else.
pub(crate) async fn apply_update(
    app: &AppState,
    auth: &Auth<WriteAccounts>,
    form: FormWithFiles<UpdateCredentials>,
) -> Result<Account> {
    let FormWithFiles { params: p, files } = form;
    for (name, header) in [("avatar", false), ("header", true)] {
        if let Some(file) = files.get(name) {
            crate::media::process::set_account_image(app, auth.account.id, file, header).await?;
        }
    }
    let source = p.source.unwrap_or_default();
    let changes = ProfileChanges {
        display_name: p.display_name,
        note: p.note,
        locked: p.locked,
        bot: p.bot,
        discoverable: p.discoverable,
        indexable: p.indexable,
        hide_collections: p.hide_collections,
        fields: p.fields_attributes.map(|list| {
            list.into_iter()
                .map(|f| (f.name.unwrap_or_default(), f.value.unwrap_or_default()))
                .collect()
        }),
        privacy: source.privacy,
        sensitive: source.sensitive,
        language: source.language,
        quote_policy: source.quote_policy,
    };
    accounts::update_profile(app, &auth.account, &auth.user, changes).await
}

/// `GET /api/v1/accounts/:id` (a profile view, for the account's insights).
async fn show(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadAccounts>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<AccountEntity>> {
    let account = accounts::get(&app, parse_id(&id)?).await?;
    let viewer = crate::http::mastodon::statuses::viewer(&auth);
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    crate::service::analytics::profile_viewed(&app, &account, viewer.as_ref(), ip, agent);
    Ok(Json(entities::account_with_moved(&app, &account).await?))
}

/// Accounts one `id[]` request may name, as Mastodon allows.
pub(crate) const MAX_IDS: usize = 40;

/// `GET /api/v1/accounts?id[]=…`: several accounts at once, in the order
/// asked; unknown ones are left out.
/// <https://docs.joinmastodon.org/methods/accounts/#index>
async fn index(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<Vec<AccountEntity>>> {
    let ids = id_list(raw.as_deref(), &body);
    if ids.len() > MAX_IDS {
        return Err(crate::error::Error::unprocessable(format!(
            "Validation failed: at most {MAX_IDS} ids at once"
        )));
    }
    let found = accounts::visible_many(&app, &ids).await?;
    Ok(Json(
        found.iter().map(|a| entities::account(&app, a)).collect(),
    ))
}

#[derive(Deserialize)]
struct LookupQuery {
    acct: Option<String>,
}

/// `GET /api/v1/accounts/lookup?acct=user[@domain]`: local accounts, and
/// remote ones (resolved through WebFinger when not known or stale).
async fn lookup(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Query(q): Query<LookupQuery>,
) -> Result<Json<AccountEntity>> {
    let account = accounts::lookup(&app, q.acct.as_deref().unwrap_or("")).await?;
    Ok(Json(entities::account_with_moved(&app, &account).await?))
}

#[derive(Deserialize)]
struct AccountStatusesQuery {
    exclude_replies: Option<String>,
    exclude_reblogs: Option<String>,
    only_media: Option<String>,
    pinned: Option<String>,
    tagged: Option<String>,
}

fn on(v: &Option<String>) -> bool {
    v.as_deref().and_then(parse_bool) == Some(true)
}

/// `GET /api/v1/accounts/:id/statuses`
async fn statuses(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
    Query(q): Query<AccountStatusesQuery>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    let author = accounts::visible(&app, parse_id(&id)?).await?;
    let f = AccountFilter {
        exclude_replies: on(&q.exclude_replies),
        exclude_reblogs: on(&q.exclude_reblogs),
        only_media: on(&q.only_media),
        pinned: on(&q.pinned),
        tagged: q.tagged.clone().filter(|t| !t.is_empty()),
    };
    let list = timelines::account(&app, viewer.as_ref(), &author, &f, &p.page(20, 40)).await?;
    let mut keep = Vec::new();
    for (k, v) in [
        ("exclude_replies", f.exclude_replies),
        ("exclude_reblogs", f.exclude_reblogs),
        ("pinned", f.pinned),
    ] {
        if v {
            keep.push((k, "true".to_string()));
        }
    }
    status_page(
        &app,
        viewer.as_ref(),
        Some(crate::model::FilterContext::Account),
        &format!("/api/v1/accounts/{}/statuses", author.id),
        &keep,
        list,
    )
    .await
}

/// A page of accounts with its `Link` header.
pub(crate) fn account_page(app: &AppState, path: &str, page: &AccountPage) -> Response {
    let list: Vec<AccountEntity> = page
        .accounts
        .iter()
        .map(|a| entities::account(app, a))
        .collect();
    let link = link_header(
        app,
        path,
        &[],
        page.keys.map(|k| k.0),
        page.keys.map(|k| k.1),
    );
    with_link(Json(list), link)
}

async fn follow_list(
    app: &AppState,
    viewer: Option<&Account>,
    id: &str,
    followers: bool,
    q: &PageParams,
) -> Result<Response> {
    let target = accounts::visible(app, parse_id(id)?).await?;
    let page = relations::follow_list(app, viewer, &target, followers, &q.page(40, 80)).await?;
    let which = if followers { "followers" } else { "following" };
    let path = format!("/api/v1/accounts/{}/{which}", target.id);
    Ok(account_page(app, &path, &page))
}

/// `GET /api/v1/accounts/:id/followers`
async fn followers(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    follow_list(&app, viewer(&auth).as_ref(), &id, true, &q).await
}

/// `GET /api/v1/accounts/:id/following`
async fn following(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    follow_list(&app, viewer(&auth).as_ref(), &id, false, &q).await
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    following: Option<String>,
}

/// `GET /api/v1/accounts/search`: local accounts by username or display
/// name (with `following`, only those the caller follows).
async fn search(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<AccountEntity>>> {
    let limit = crate::http::mastodon::paging::int_param(q.limit.as_deref(), 40, 1, 80);
    let offset = crate::http::mastodon::paging::int_param(q.offset.as_deref(), 0, 0, 10_000);
    let term = q.q.as_deref().unwrap_or("");
    let mut accounts = crate::service::search::local_accounts(&app, term, limit, offset).await?;
    if q.following
        .as_deref()
        .and_then(crate::http::extract::parse_bool)
        == Some(true)
    {
        accounts = crate::service::search::followed_only(&app, &auth.account, accounts).await?;
    }
    Ok(Json(
        accounts
            .iter()
            .map(|a| entities::account(&app, a))
            .collect(),
    ))
}

/// `GET /api/v1/accounts/:id/lists`: the caller's lists containing that account.
async fn lists(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::ListEntity>>> {
    let id = parse_id(&id)?;
    let found = crate::service::lists::lists_containing(&app, &auth.account, id).await?;
    Ok(Json(found.iter().map(entities::list).collect()))
}

/// `GET /api/v1/accounts/:id/featured_tags`
async fn featured_tags(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::FeaturedTagEntity>>> {
    let account = crate::service::accounts::get(&app, parse_id(&id)?).await?;
    let list = crate::service::tags::featured(&app, &account).await?;
    Ok(Json(
        list.iter()
            .map(|t| entities::featured_tag(&account, t))
            .collect(),
    ))
}

/// `GET /api/v1/accounts/:id/identity_proofs`: deprecated by Mastodon 3.5,
/// which answers an empty list for an account that exists.
/// <https://docs.joinmastodon.org/methods/accounts/#identity_proofs>
async fn identity_proofs(
    State(app): State<Arc<AppState>>,
    _auth: Auth<ReadAccounts>,
    Path(id): Path<String>,
) -> Result<Json<[(); 0]>> {
    accounts::visible(&app, parse_id(&id)?).await?;
    Ok(Json([]))
}
