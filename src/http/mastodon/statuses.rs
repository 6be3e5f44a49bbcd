//! <https://docs.joinmastodon.org/methods/statuses/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::entities;
use super::paging::{PageParams, link_header, with_link};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    Auth, MaybeAuth, Params, ReadStatuses, WriteAccounts, WriteBookmarks, WriteConversations,
    WriteFavourites, WriteStatuses, de, id_list,
};
use crate::service::statuses::{self, Draft, PollDraft};

pub fn parse_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

#[derive(Deserialize, Default)]
pub struct PollParams {
    #[serde(default, deserialize_with = "de::string_or_list")]
    options: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    expires_in: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    multiple: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    hide_totals: Option<bool>,
}

#[derive(Deserialize)]
pub struct StatusParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::string_or_list")]
    media_ids: Vec<String>,
    #[serde(default)]
    poll: Option<PollParams>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    quoted_status_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    quote_approval_policy: Option<String>,
}

impl StatusParams {
    fn draft(self, headers: &HeaderMap, application_id: i64) -> Result<Draft> {
        let in_reply_to_id = match self.in_reply_to_id.filter(|s| !s.is_empty()) {
            Some(id) => Some(parse_id(&id)?),
            None => None,
        };
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(|k| k.chars().take(128).collect());
        Ok(Draft {
            text: self.status.unwrap_or_default(),
            spoiler_text: self.spoiler_text.unwrap_or_default(),
            sensitive: self.sensitive.unwrap_or(false),
            visibility: self.visibility.filter(|v| !v.is_empty()),
            language: self.language.filter(|l| !l.is_empty()),
            in_reply_to_id,
            media_ids: self.media_ids,
            poll: match self.poll {
                Some(p) => Some(PollDraft {
                    options: p.options,
                    expires_in: match p.expires_in.filter(|e| !e.is_empty()) {
                        Some(e) => Some(e.parse().map_err(|_| {
                            Error::unprocessable(
                                "Validation failed: Poll expires_in is not a number",
                            )
                        })?),
                        None => None,
                    },
                    multiple: p.multiple.unwrap_or(false),
                    hide_totals: p.hide_totals.unwrap_or(false),
                }),
                None => None,
            },
            idempotency_key: key,
            application_id: Some(application_id),
            quoted_status_id: match self.quoted_status_id.filter(|s| !s.is_empty()) {
                // Mastodon answers a malformed id as it answers a missing post.
                Some(id) => Some(id.parse().map_err(|_| {
                    Error::new(crate::error::Kind::NotFound, "Quoted post not found")
                })?),
                None => None,
            },
            quote_approval_policy: self.quote_approval_policy.filter(|p| !p.is_empty()),
        })
    }
}

/// `POST /api/v1/statuses`
pub async fn create(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    auth: Auth<WriteStatuses>,
    Params(p): Params<StatusParams>,
) -> Result<Response> {
    let scheduled_at = match p.scheduled_at.as_deref().filter(|s| !s.is_empty()) {
        Some(at) => Some(parse_time(at)?),
        None => None,
    };
    let mut draft = p.draft(&headers, auth.caller.token.app_id)?;
    draft
        .quote_approval_policy
        .get_or_insert_with(|| auth.user.default_quote_policy.clone());
    if let Some(at) = scheduled_at {
        let row = crate::service::scheduled::schedule(&app, &auth.account, draft, at).await?;
        return Ok(Json(entities::scheduled_status(&row)).into_response());
    }
    let status =
        statuses::create(&app, &auth.account, &auth.user.default_visibility, draft).await?;
    Ok(Json(entities::status(&app, Some(&auth.account), &status).await?).into_response())
}

/// `GET /api/v1/statuses/:id`
pub async fn show(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let viewer = viewer(&auth);
    let (status, _) = statuses::visible_status(&app, viewer.as_ref(), parse_id(&id)?).await?;
    Ok(Json(
        entities::status(&app, viewer.as_ref(), &status).await?,
    ))
}

/// `GET /api/v1/statuses?id[]=…`: several statuses at once, in the order
/// asked; those missing or not visible to the caller are left out.
/// <https://docs.joinmastodon.org/methods/statuses/#index>
pub async fn index(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<Response> {
    let ids = id_list(raw.as_deref(), &body);
    if ids.len() > super::accounts::MAX_IDS {
        return Err(Error::unprocessable(format!(
            "Validation failed: at most {} ids at once",
            super::accounts::MAX_IDS
        )));
    }
    let viewer = viewer(&auth);
    let list = statuses::visible_many(&app, viewer.as_ref(), &ids).await?;
    let body = entities::statuses_json_in(&app, viewer.as_ref(), None, &list).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// `POST /api/v1/statuses/:id/translate`: roost has no translation engine,
/// so a status the caller may see answers 404, as Mastodon answers when none
/// is configured (`configuration.translation.enabled` is false in
/// `/api/v2/instance`).
/// <https://docs.joinmastodon.org/methods/statuses/#translate>
pub async fn translate(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    statuses::visible_status(&app, Some(&auth.account), parse_id(&id)?).await?;
    Err(Error::not_found())
}

/// The signed-in account behind an optional token (None for app tokens).
pub fn viewer<S: crate::http::extract::RequiredScope>(
    auth: &MaybeAuth<S>,
) -> Option<crate::model::Account> {
    auth.0
        .as_ref()
        .and_then(|caller| caller.user.as_ref())
        .map(|(a, _)| a.clone())
}

/// `DELETE /api/v1/statuses/:id`: answers the deleted status with its `text`.
pub async fn delete(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let status = statuses::delete(&app, &auth.account, parse_id(&id)?).await?;
    let mut v = entities::status(&app, Some(&auth.account), &status).await?;
    // With its source text, so clients can redraft it.
    v["text"] = Value::from(status.text);
    Ok(Json(v))
}

/// `PUT /api/v1/statuses/:id`
pub async fn update(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<StatusParams>,
) -> Result<Json<Value>> {
    let draft = p.draft(&headers, auth.caller.token.app_id)?;
    let status = statuses::edit(&app, &auth.account, parse_id(&id)?, draft).await?;
    Ok(Json(
        entities::status(&app, Some(&auth.account), &status).await?,
    ))
}

/// `GET /api/v1/statuses/:id/card`: the post's preview card, or `{}` when
/// it has none (removed from Mastodon's documentation in 3.0, still asked
/// for by older clients; the card is in the Status entity).
pub async fn card(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let viewer = viewer(&auth);
    let card = crate::service::cards::of_status(&app, viewer.as_ref(), parse_id(&id)?).await?;
    Ok(Json(match card {
        Some(c) => {
            serde_json::to_value(entities::preview_card(&app, &c)).map_err(Error::internal)?
        }
        None => Value::Object(Default::default()),
    }))
}

/// `GET /api/v1/statuses/:id/history`
pub async fn history(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::StatusEditEntity>>> {
    let viewer = viewer(&auth);
    let (status, author, edits) = statuses::history(&app, viewer.as_ref(), parse_id(&id)?).await?;
    let author = entities::account(&app, &author);
    let version = |content: &str, spoiler: &str, sensitive: bool, at| entities::StatusEditEntity {
        content: content.to_string(),
        spoiler_text: spoiler.to_string(),
        sensitive,
        created_at: entities::timestamp(at),
        account: author.clone(),
        media_attachments: [],
        emojis: [],
    };
    let versions = if edits.is_empty() {
        vec![version(
            &status.content,
            &status.spoiler_text,
            status.sensitive,
            status.created_at,
        )]
    } else {
        edits
            .iter()
            .map(|e| version(&e.content, &e.spoiler_text, e.sensitive, e.created_at))
            .collect()
    };
    Ok(Json(versions))
}

/// `GET /api/v1/statuses/:id/source`
pub async fn source(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<entities::StatusSourceEntity>> {
    let (status, _) = statuses::visible_status(&app, Some(&auth.account), parse_id(&id)?).await?;
    if status.account_id != auth.account.id {
        return Err(Error::not_found());
    }
    Ok(Json(entities::StatusSourceEntity {
        id: status.id.to_string(),
        text: status.text,
        spoiler_text: status.spoiler_text,
    }))
}

/// `GET /api/v1/statuses/:id/context`
pub async fn context(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<entities::ContextEntity>> {
    let viewer = viewer(&auth);
    let (ancestors, descendants) = statuses::context(&app, viewer.as_ref(), parse_id(&id)?).await?;
    let thread = Some(crate::model::FilterContext::Thread);
    Ok(Json(entities::ContextEntity {
        ancestors: entities::statuses_in(&app, viewer.as_ref(), thread, &ancestors).await?,
        descendants: entities::statuses_in(&app, viewer.as_ref(), thread, &descendants).await?,
    }))
}

macro_rules! action {
    ($name:ident, $scope:ty, |$app:ident, $me:ident, $id:ident| $body:expr) => {
        pub async fn $name(
            State($app): State<Arc<AppState>>,
            auth: Auth<$scope>,
            Path(id): Path<String>,
        ) -> Result<Json<Value>> {
            let $me = &auth.account;
            let $id = parse_id(&id)?;
            let status = $body;
            Ok(Json(entities::status(&$app, Some($me), &status).await?))
        }
    };
}

action!(favourite, WriteFavourites, |app, me, id| {
    statuses::favourite(&app, me, id).await?
});
action!(unfavourite, WriteFavourites, |app, me, id| {
    statuses::unfavourite(&app, me, id).await?
});
action!(unreblog, WriteStatuses, |app, me, id| statuses::unreblog(
    &app, me, id
)
.await?);
action!(bookmark, WriteBookmarks, |app, me, id| statuses::bookmark(
    &app, me, id, true
)
.await?);
action!(unbookmark, WriteBookmarks, |app, me, id| {
    statuses::bookmark(&app, me, id, false).await?
});
action!(pin, WriteAccounts, |app, me, id| statuses::pin(
    &app, me, id, true
)
.await?);
action!(unpin, WriteAccounts, |app, me, id| statuses::pin(
    &app, me, id, false
)
.await?);
action!(mute_conversation, WriteConversations, |app, me, id| {
    statuses::mute_conversation(&app, me, id, true).await?
});
action!(unmute_conversation, WriteConversations, |app, me, id| {
    statuses::mute_conversation(&app, me, id, false).await?
});

#[derive(Deserialize)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
}

/// `POST /api/v1/statuses/:id/reblog`: answers the boost, wrapping the original.
pub async fn reblog(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<ReblogParams>,
) -> Result<Json<Value>> {
    let boost =
        statuses::reblog(&app, &auth.account, parse_id(&id)?, p.visibility.as_deref()).await?;
    Ok(Json(
        entities::status(&app, Some(&auth.account), &boost).await?,
    ))
}

/// `GET /api/v1/statuses/:id/favourited_by` and `/reblogged_by`.
async fn interacted_by(
    app: &AppState,
    viewer: Option<&crate::model::Account>,
    id: &str,
    favourites: bool,
    q: &PageParams,
) -> Result<Response> {
    let (status, accounts, keys) =
        statuses::interacted_by(app, viewer, parse_id(id)?, favourites, &q.page(40, 80)).await?;
    let list: Vec<entities::AccountEntity> =
        accounts.iter().map(|a| entities::account(app, a)).collect();
    let which = if favourites {
        "favourited_by"
    } else {
        "reblogged_by"
    };
    let link = link_header(
        app,
        &format!("/api/v1/statuses/{}/{which}", status.id),
        &[],
        keys.map(|k| k.0),
        keys.map(|k| k.1),
    );
    Ok(with_link(Json(list), link))
}

pub async fn favourited_by(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    interacted_by(&app, viewer.as_ref(), &id, true, &q).await
}

pub async fn reblogged_by(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    interacted_by(&app, viewer.as_ref(), &id, false, &q).await
}

/// An ISO 8601 time as clients send `scheduled_at`.
pub(crate) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| Error::unprocessable("Validation failed: Scheduled at is not a valid time"))
}
