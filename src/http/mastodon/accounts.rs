//! <https://docs.joinmastodon.org/methods/accounts/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::Registrations;
use crate::error::{Error, Result, Validation};
use crate::http::extract::{
    AppAuth, Auth, ClientIp, FormWithFiles, MaybeAuth, Params, ReadAccounts, ReadAccountsOrProfile,
    WriteAccounts, de,
};
use crate::model::Role;
use crate::service::accounts::{self, ProfileChanges, Registration};
use crate::service::oauth;

use super::entities::{self, AccountEntity};

#[derive(Deserialize)]
pub struct CreateAccount {
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
pub async fn create(
    State(app): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    auth: AppAuth<WriteAccounts>,
    Params(p): Params<CreateAccount>,
) -> Result<Json<Value>> {
    let approved = match app.config.instance.registrations {
        Registrations::Closed => {
            return Err(Error::forbidden("Registrations are closed on this server"));
        }
        Registrations::Approval => false,
        Registrations::Open => true,
    };
    let window = std::time::Duration::from_secs(30 * 60);
    app.limiter.hit(
        &format!("register:{ip}"),
        app.config.limits.registrations_per_30min,
        window,
    )?;
    if p.agreement != Some(true) {
        let mut v = Validation::new();
        v.add("agreement", "ERR_ACCEPTED", "must be accepted");
        v.finish()?;
    }
    let locale = p
        .locale
        .as_deref()
        .filter(|l| l.len() <= 10 && !l.is_empty())
        .unwrap_or("en");
    let account = accounts::register(
        &app,
        Registration {
            username: p.username.as_deref().unwrap_or("").trim(),
            email: p.email.as_deref().unwrap_or("").trim(),
            password: p.password.as_deref().unwrap_or(""),
            role: Role::User,
            locale,
            approved,
            allow_reserved: false,
            reason: p.reason.as_deref(),
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
pub async fn verify_credentials(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccountsOrProfile>,
) -> Result<Json<AccountEntity>> {
    // Clients show this as the badge on their follow-requests menu.
    let pending = app.store.count_follow_requests(auth.account.id).await?;
    Ok(Json(entities::credential_account(
        &app,
        &auth.account,
        &auth.user,
        pending,
    )))
}

#[derive(Deserialize, Default)]
pub struct FieldParam {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    value: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SourceParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
}

#[derive(Deserialize)]
pub struct UpdateCredentials {
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
pub async fn update_credentials(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    form: FormWithFiles<UpdateCredentials>,
) -> Result<Json<AccountEntity>> {
    let FormWithFiles { params: p, files } = form;
    // Images first: a bad file changes nothing else.
    for (name, header) in [("avatar", false), ("header", true)] {
        if let Some(file) = files.get(name) {
            crate::media::process::set_account_image(&app, auth.account.id, file, header).await?;
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
    };
    let account = accounts::update_profile(&app, &auth.account, &auth.user, changes).await?;
    let user = app
        .store
        .get_user(account.id)
        .await?
        .ok_or_else(Error::not_found)?;
    let pending = app.store.count_follow_requests(account.id).await?;
    Ok(Json(entities::credential_account(
        &app, &account, &user, pending,
    )))
}

/// `GET /api/v1/accounts/:id`
pub async fn show(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AccountEntity>> {
    let id: i64 = id.parse().map_err(|_| Error::not_found())?;
    let account = app
        .store
        .get_account(id)
        .await?
        .ok_or_else(Error::not_found)?;
    Ok(Json(entities::account(&app, &account)))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    acct: Option<String>,
}

/// `GET /api/v1/accounts/lookup?acct=user[@domain]`: local accounts, and
/// remote ones (resolved through WebFinger when not known or stale).
pub async fn lookup(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Query(q): Query<LookupQuery>,
) -> Result<Json<AccountEntity>> {
    let acct = q
        .acct
        .as_deref()
        .map(|a| a.trim().trim_start_matches('@'))
        .unwrap_or("");
    if acct.is_empty() {
        return Err(Error::not_found());
    }
    let account = match acct.split_once('@') {
        Some((user, domain)) if !domain.eq_ignore_ascii_case(&app.config.server.domain) => {
            match crate::federation::fetch::webfinger(&app, user, domain).await {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::debug!(acct, error = %e, "lookup could not resolve");
                    app.store
                        .get_remote_account_by_username(user, domain)
                        .await?
                }
            }
        }
        Some((user, _)) => app.store.get_local_account_by_username(user).await?,
        None => app.store.get_local_account_by_username(acct).await?,
    };
    let account = account.ok_or_else(Error::not_found)?;
    ensure_public(&app, &account).await?;
    Ok(Json(entities::account(&app, &account)))
}

/// Local accounts awaiting approval do not exist to others yet (Mastodon: 404).
async fn ensure_public(app: &AppState, account: &crate::model::Account) -> Result<()> {
    if account.is_local()
        && let Some(user) = app.store.get_user(account.id).await?
        && !user.approved
    {
        return Err(Error::not_found());
    }
    Ok(())
}

/// `GET /api/v1/preferences` <https://docs.joinmastodon.org/methods/preferences/>
pub async fn preferences(auth: Auth<ReadAccounts>) -> Json<Value> {
    Json(json!({
        "posting:default:visibility": auth.user.default_visibility,
        "posting:default:sensitive": auth.user.default_sensitive,
        "posting:default:language": auth.user.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    }))
}

/// `GET /api/v1/accounts/:id/lists`: the caller's lists containing that account.
pub async fn lists(
    State(app): State<Arc<AppState>>,
    auth: Auth<crate::http::extract::ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::ListEntity>>> {
    let id = super::statuses::parse_id(&id)?;
    let found = crate::service::lists::lists_containing(&app, &auth.account, id).await?;
    Ok(Json(found.iter().map(entities::list).collect()))
}

/// `GET /api/v1/accounts/:id/featured_tags`
pub async fn featured_tags(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::FeaturedTagEntity>>> {
    let account = crate::service::accounts::get(&app, super::statuses::parse_id(&id)?).await?;
    let list = crate::service::tags::featured(&app, &account).await?;
    Ok(Json(
        list.iter()
            .map(|t| entities::featured_tag(&account, t))
            .collect(),
    ))
}
