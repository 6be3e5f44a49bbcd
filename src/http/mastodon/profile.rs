//! `/api/v1/profile`: one's own profile with the source of every editable
//! field, its update, and removing the avatar or header.
//! <https://docs.joinmastodon.org/methods/profile/>

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::accounts::{UpdateCredentials, apply_update};
use super::entities::{self, AccountEntity, ProfileEntity};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, FormWithFiles, ReadAccounts, WriteAccounts};
use crate::service::accounts;

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v1/profile",
            get(show)
                .patch(update)
                .layer(super::media::upload_limit(app)),
        )
        .route("/api/v1/profile/avatar", delete(delete_avatar))
        .route("/api/v1/profile/header", delete(delete_header))
}

/// `GET /api/v1/profile`
/// <https://docs.joinmastodon.org/methods/profile/#show>
async fn show(State(app): State<Arc<AppState>>, auth: Auth<ReadAccounts>) -> Json<ProfileEntity> {
    Json(entities::own_profile(&app, &auth.account))
}

/// `PATCH /api/v1/profile`: the parameters of `update_credentials`
/// (JSON, urlencoded or multipart), answering the updated profile.
/// <https://docs.joinmastodon.org/methods/profile/#update>
async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    form: FormWithFiles<UpdateCredentials>,
) -> Result<Json<ProfileEntity>> {
    let account = apply_update(&app, &auth, form).await?;
    Ok(Json(entities::own_profile(&app, &account)))
}

async fn remove(
    app: &AppState,
    auth: &Auth<WriteAccounts>,
    header: bool,
) -> Result<Json<AccountEntity>> {
    let account = accounts::remove_image(app, &auth.account, header).await?;
    let (user, pending) = accounts::credentials(app, &account).await?;
    Ok(Json(entities::credential_account(
        app, &account, &user, pending,
    )))
}

/// `DELETE /api/v1/profile/avatar`: answers the CredentialAccount.
/// <https://docs.joinmastodon.org/methods/profile/#delete-profile-avatar>
async fn delete_avatar(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
) -> Result<Json<AccountEntity>> {
    remove(&app, &auth, false).await
}

/// `DELETE /api/v1/profile/header`
/// <https://docs.joinmastodon.org/methods/profile/#delete-profile-header>
async fn delete_header(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
) -> Result<Json<AccountEntity>> {
    remove(&app, &auth, true).await
}
