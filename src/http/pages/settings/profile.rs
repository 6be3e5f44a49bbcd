//! `/settings/profile`: display name, bio, avatar and header, and whether
//! the account is locked, a bot, and shown in discovery. The same rules as
//! `PATCH /api/v1/accounts/update_credentials`.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done, refused};
use crate::app::AppState;
use crate::http::extract::FormWithFiles;
use crate::http::pages::render;
use crate::service::accounts::{self, ProfileChanges};

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    Router::new().route(
        "/settings/profile",
        get(show)
            .post(update)
            .layer(crate::http::mastodon::media::upload_limit(app)),
    )
}

#[derive(Template)]
#[template(path = "settings_profile.html")]
struct ProfilePage {
    frame: Frame,
    display_name: String,
    note: String,
    locked: bool,
    bot: bool,
    discoverable: bool,
    avatar: String,
}

fn page(app: &AppState, me: &SignedIn, frame: Frame, status: StatusCode) -> Response {
    let a = &me.account;
    render(
        status,
        &ProfilePage {
            frame,
            display_name: a.display_name.clone(),
            note: a.note_source.clone(),
            locked: a.locked,
            bot: a.bot,
            discoverable: a.discoverable,
            avatar: crate::http::mastodon::entities::avatar_url(app, a),
        },
    )
}

/// `GET /settings/profile`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    page(&app, &me, frame, StatusCode::OK)
}

#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    note: String,
    // Checkboxes are sent only when ticked.
    locked: Option<String>,
    bot: Option<String>,
    discoverable: Option<String>,
}

/// `POST /settings/profile` (urlencoded, or multipart with `avatar` and
/// `header` files). Images first: a bad file changes nothing else.
async fn update(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    form: FormWithFiles<ProfileForm>,
) -> Response {
    let FormWithFiles { params: f, files } = form;
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let result = async {
        for (name, header) in [("avatar", false), ("header", true)] {
            if let Some(file) = files.get(name).filter(|f| f.size > 0) {
                crate::media::process::set_account_image(&app, me.account.id, file, header).await?;
            }
        }
        let changes = ProfileChanges {
            display_name: Some(f.display_name),
            note: Some(f.note),
            locked: Some(f.locked.is_some()),
            bot: Some(f.bot.is_some()),
            discoverable: Some(f.discoverable.is_some()),
            ..Default::default()
        };
        accounts::update_profile(&app, &me.account, &me.user, changes).await
    }
    .await;
    match result {
        Ok(_) => done("/settings/profile", "profile"),
        Err(e) => refused(&app, &me, e, |frame, status| page(&app, &me, frame, status)),
    }
}
