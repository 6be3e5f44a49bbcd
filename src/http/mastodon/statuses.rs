//! <https://docs.joinmastodon.org/methods/statuses/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use super::paging::{PageParams, link_header, with_link};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    Auth, MaybeAuth, Params, ReadStatuses, WriteAccounts, WriteBookmarks, WriteConversations,
    WriteFavourites, WriteStatuses, de,
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
        })
    }
}

/// `POST /api/v1/statuses`
pub async fn create(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    auth: Auth<WriteStatuses>,
    Params(p): Params<StatusParams>,
) -> Result<Json<Value>> {
    let scheduled_at = match p.scheduled_at.as_deref().filter(|s| !s.is_empty()) {
        Some(at) => Some(parse_time(at)?),
        None => None,
    };
    let draft = p.draft(&headers, auth.caller.token.app_id)?;
    if let Some(at) = scheduled_at {
        let row = statuses::schedule(&app, &auth.account, draft, at).await?;
        return Ok(Json(scheduled_entity(&row)));
    }
    let status =
        statuses::create(&app, &auth.account, &auth.user.default_visibility, draft).await?;
    Ok(Json(
        entities::status(&app, Some(&auth.account), &status).await?,
    ))
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
    v["text"] = json!(status.text);
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

/// `GET /api/v1/statuses/:id/history`
pub async fn history(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let viewer = viewer(&auth);
    let (status, author) = statuses::visible_status(&app, viewer.as_ref(), parse_id(&id)?).await?;
    let edits = app.store.status_edits(status.id).await?;
    let author_entity = entities::account(&app, &author);
    let versions: Vec<Value> = if edits.is_empty() {
        vec![
            json!({"content": status.content, "spoiler_text": status.spoiler_text, "sensitive": status.sensitive,
            "created_at": entities::timestamp(status.created_at), "account": author_entity, "media_attachments": [], "emojis": []}),
        ]
    } else {
        edits
            .iter()
            .map(|e| json!({"content": e.content, "spoiler_text": e.spoiler_text, "sensitive": e.sensitive,
                "created_at": entities::timestamp(e.created_at), "account": author_entity, "media_attachments": [], "emojis": []}))
            .collect()
    };
    Ok(Json(json!(versions)))
}

/// `GET /api/v1/statuses/:id/source`
pub async fn source(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let (status, _) = statuses::visible_status(&app, Some(&auth.account), parse_id(&id)?).await?;
    if status.account_id != auth.account.id {
        return Err(Error::not_found());
    }
    Ok(Json(
        json!({"id": status.id.to_string(), "text": status.text, "spoiler_text": status.spoiler_text}),
    ))
}

/// `GET /api/v1/statuses/:id/context`
pub async fn context(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let viewer = viewer(&auth);
    let (ancestors, descendants) = statuses::context(&app, viewer.as_ref(), parse_id(&id)?).await?;
    Ok(Json(json!({
        "ancestors": entities::statuses(&app, viewer.as_ref(), &ancestors).await?,
        "descendants": entities::statuses(&app, viewer.as_ref(), &descendants).await?,
    })))
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
pub async fn interacted_by(
    app: &AppState,
    viewer: Option<&crate::model::Account>,
    id: &str,
    favourites: bool,
    q: &PageParams,
) -> Result<Response> {
    let (status, _) = statuses::visible_status(app, viewer, parse_id(id)?).await?;
    let page = q.page(40, 80);
    let pairs = if favourites {
        app.store.favourited_by(status.id, &page).await?
    } else {
        app.store.reblogged_by(status.id, &page).await?
    };
    let mut pairs = pairs;
    pairs.sort_by_key(|x| std::cmp::Reverse(x.0));
    let ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let accounts = app.store.get_accounts(&ids).await?;
    let hidden = match viewer {
        Some(v) => {
            app.store
                .hidden_account_ids(v.id, chrono::Utc::now())
                .await?
        }
        None => Vec::new(),
    };
    let list: Vec<Value> = ids
        .iter()
        .filter(|id| !hidden.contains(id))
        .filter_map(|id| accounts.iter().find(|a| a.id == *id))
        .map(|a| json!(entities::account(app, a)))
        .collect();
    let which = if favourites {
        "favourited_by"
    } else {
        "reblogged_by"
    };
    let link = link_header(
        app,
        &format!("/api/v1/statuses/{}/{which}", status.id),
        &[],
        pairs.first().map(|p| p.0),
        pairs.last().map(|p| p.0),
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

/// `GET /api/v1/polls/:id`
pub async fn poll(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let viewer = viewer(&auth);
    let poll = app
        .store
        .get_poll(parse_id(&id)?)
        .await?
        .ok_or_else(Error::not_found)?;
    let (status, _) = statuses::visible_status(&app, viewer.as_ref(), poll.status_id).await?;
    Ok(Json(
        entities::poll(&app, viewer.as_ref(), &poll, status.account_id).await?,
    ))
}

#[derive(Deserialize)]
pub struct VoteParams {
    #[serde(default, deserialize_with = "de::string_or_list")]
    choices: Vec<String>,
}

/// `POST /api/v1/polls/:id/votes`
pub async fn vote(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<VoteParams>,
) -> Result<Json<Value>> {
    let choices: Vec<i64> = p
        .choices
        .iter()
        .map(|c| {
            c.parse().map_err(|_| {
                Error::unprocessable("Validation failed: That choice is not in the poll")
            })
        })
        .collect::<Result<_>>()?;
    let poll = statuses::vote(&app, &auth.account, parse_id(&id)?, &choices).await?;
    let status = app
        .store
        .get_status(poll.status_id)
        .await?
        .ok_or_else(Error::not_found)?;
    Ok(Json(
        entities::poll(&app, Some(&auth.account), &poll, status.account_id).await?,
    ))
}

/// An ISO 8601 time as clients send `scheduled_at`.
fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| Error::unprocessable("Validation failed: Scheduled at is not a valid time"))
}

/// <https://docs.joinmastodon.org/entities/ScheduledStatus/>
fn scheduled_entity(row: &crate::model::ScheduledStatus) -> Value {
    let p = &row.params.0;
    json!({
        "id": row.id.to_string(),
        "scheduled_at": entities::timestamp(row.scheduled_at),
        "params": {
            "text": p["text"],
            "poll": p["poll"],
            "media_ids": null,
            "sensitive": p["sensitive"],
            "spoiler_text": p["spoiler_text"],
            "visibility": p["visibility"],
            "in_reply_to_id": p["in_reply_to_id"].as_i64().map(|i| i.to_string()),
            "language": p["language"],
            "application_id": p["application_id"].as_i64().map(|i| i.to_string()),
            "scheduled_at": null,
            "idempotency": p["idempotency_key"],
            "with_rate_limit": false,
        },
        "media_attachments": [],
    })
}

/// `GET /api/v1/scheduled_statuses`
pub async fn scheduled_list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let mut rows = app
        .store
        .list_scheduled(auth.account.id, &q.page(20, 40))
        .await?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    let link = link_header(
        &app,
        "/api/v1/scheduled_statuses",
        &[],
        rows.first().map(|r| r.id),
        rows.last().map(|r| r.id),
    );
    Ok(with_link(
        Json(rows.iter().map(scheduled_entity).collect::<Vec<_>>()),
        link,
    ))
}

async fn own_scheduled(
    app: &AppState,
    me: &crate::model::Account,
    id: &str,
) -> Result<crate::model::ScheduledStatus> {
    app.store
        .get_scheduled(parse_id(id)?)
        .await?
        .filter(|r| r.account_id == me.id)
        .ok_or_else(Error::not_found)
}

/// `GET /api/v1/scheduled_statuses/:id`
pub async fn scheduled_show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(scheduled_entity(
        &own_scheduled(&app, &auth.account, &id).await?,
    )))
}

#[derive(Deserialize)]
pub struct RescheduleParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

/// `PUT /api/v1/scheduled_statuses/:id`
pub async fn scheduled_update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<RescheduleParams>,
) -> Result<Json<Value>> {
    let at = parse_time(p.scheduled_at.as_deref().unwrap_or(""))?;
    let row = statuses::reschedule(&app, &auth.account, parse_id(&id)?, at).await?;
    Ok(Json(scheduled_entity(&row)))
}

/// `DELETE /api/v1/scheduled_statuses/:id`
pub async fn scheduled_delete(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let row = own_scheduled(&app, &auth.account, &id).await?;
    app.store.delete_scheduled(row.id).await?;
    Ok(Json(json!({})))
}
