//! `/api/v2/filters` (filters, their keywords and posts) and the older
//! `/api/v1/filters` (one keyword per filter).
//! <https://docs.joinmastodon.org/methods/filters/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, ReadFilters, WriteFilters, de};
use crate::http::mastodon::entities::{
    Empty, FilterEntity, FilterKeywordEntity, FilterStatusEntity, V1FilterEntity, filter,
    filter_keyword, filter_status, v1_filter,
};
use crate::service::filters::{self, FilterDraft, KeywordChange, V1Draft};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v2/filters", get(index).post(create))
        .route(
            "/api/v2/filters/{id}",
            get(show).put(update).delete(destroy),
        )
        .route(
            "/api/v2/filters/{id}/keywords",
            get(keywords).post(add_keyword),
        )
        .route(
            "/api/v2/filters/keywords/{id}",
            get(show_keyword)
                .put(update_keyword)
                .delete(destroy_keyword),
        )
        .route(
            "/api/v2/filters/{id}/statuses",
            get(statuses).post(add_status),
        )
        .route(
            "/api/v2/filters/statuses/{id}",
            get(show_status).delete(destroy_status),
        )
        .route("/api/v1/filters", get(index_v1).post(create_v1))
        .route(
            "/api/v1/filters/{id}",
            get(show_v1).put(update_v1).delete(destroy_v1),
        )
}

fn id_of(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

/// Seconds, as a number or a string; empty or null means "never".
fn seconds(v: &Option<Value>) -> Result<Option<Option<i64>>> {
    match v {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) => Ok(Some(n.as_i64())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(|n| Some(Some(n)))
            .map_err(|_| Error::unprocessable("Validation failed: Expires in is invalid")),
        Some(_) => Err(Error::unprocessable(
            "Validation failed: Expires in is invalid",
        )),
    }
}

#[derive(Deserialize, Default)]
struct KeywordForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    whole_word: Option<bool>,
    #[serde(default, rename = "_destroy", deserialize_with = "de::opt_bool")]
    destroy: Option<bool>,
}

#[derive(Deserialize, Default)]
struct FilterForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    title: Option<String>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    filter_action: Option<String>,
    #[serde(default)]
    expires_in: Option<Value>,
    #[serde(default)]
    keywords_attributes: Vec<KeywordForm>,
}

/// `context` as a list (`context[]=home`) or one string.
fn contexts(v: &Option<Value>) -> Option<Vec<String>> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect(),
        ),
        Some(other) => Some(vec![other.to_string()]),
    }
}

fn draft(form: FilterForm) -> Result<FilterDraft> {
    let mut keywords = Vec::new();
    for k in form.keywords_attributes {
        keywords.push(KeywordChange {
            id: k.id.as_deref().map(id_of).transpose()?,
            keyword: k.keyword,
            whole_word: k.whole_word,
            destroy: k.destroy.unwrap_or(false),
        });
    }
    Ok(FilterDraft {
        title: form.title,
        context: contexts(&form.context),
        action: form.filter_action,
        expires_in: seconds(&form.expires_in)?,
        keywords,
    })
}

/// `GET /api/v2/filters`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
) -> Result<Json<Vec<FilterEntity>>> {
    let list = filters::list(&app, &auth.account).await?;
    Ok(Json(list.iter().map(filter).collect()))
}

/// `GET /api/v2/filters/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
    Path(id): Path<String>,
) -> Result<Json<FilterEntity>> {
    let f = filters::get(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(filter(&f)))
}

/// `POST /api/v2/filters`
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Params(form): Params<FilterForm>,
) -> Result<Json<FilterEntity>> {
    let f = filters::create(&app, &auth.account, draft(form)?).await?;
    Ok(Json(filter(&f)))
}

/// `PUT /api/v2/filters/:id`
async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
    Params(form): Params<FilterForm>,
) -> Result<Json<FilterEntity>> {
    let f = filters::update(&app, &auth.account, id_of(&id)?, draft(form)?).await?;
    Ok(Json(filter(&f)))
}

/// `DELETE /api/v2/filters/:id`
async fn destroy(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    filters::delete(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v2/filters/:id/keywords`
async fn keywords(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
    Path(id): Path<String>,
) -> Result<Json<Vec<FilterKeywordEntity>>> {
    let f = filters::get(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(f.keywords.iter().map(filter_keyword).collect()))
}

/// `POST /api/v2/filters/:id/keywords`
async fn add_keyword(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
    Params(form): Params<KeywordForm>,
) -> Result<Json<FilterKeywordEntity>> {
    let k = filters::add_keyword(
        &app,
        &auth.account,
        id_of(&id)?,
        form.keyword.as_deref().unwrap_or(""),
        form.whole_word.unwrap_or(false),
    )
    .await?;
    Ok(Json(filter_keyword(&k)))
}

/// `GET /api/v2/filters/keywords/:id`
async fn show_keyword(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
    Path(id): Path<String>,
) -> Result<Json<FilterKeywordEntity>> {
    let (_, k) = filters::keyword(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(filter_keyword(&k)))
}

/// `PUT /api/v2/filters/keywords/:id`
async fn update_keyword(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
    Params(form): Params<KeywordForm>,
) -> Result<Json<FilterKeywordEntity>> {
    let k = filters::update_keyword(
        &app,
        &auth.account,
        id_of(&id)?,
        form.keyword.as_deref(),
        form.whole_word,
    )
    .await?;
    Ok(Json(filter_keyword(&k)))
}

/// `DELETE /api/v2/filters/keywords/:id`
async fn destroy_keyword(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    filters::delete_keyword(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v2/filters/:id/statuses`
async fn statuses(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
    Path(id): Path<String>,
) -> Result<Json<Vec<FilterStatusEntity>>> {
    let f = filters::get(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(f.statuses.iter().map(filter_status).collect()))
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    status_id: Option<String>,
}

/// `POST /api/v2/filters/:id/statuses`
async fn add_status(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
    Params(form): Params<StatusForm>,
) -> Result<Json<FilterStatusEntity>> {
    let status_id = id_of(form.status_id.as_deref().unwrap_or(""))?;
    let s = filters::add_status(&app, &auth.account, id_of(&id)?, status_id).await?;
    Ok(Json(filter_status(&s)))
}

/// `GET /api/v2/filters/statuses/:id`
async fn show_status(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
    Path(id): Path<String>,
) -> Result<Json<FilterStatusEntity>> {
    let (_, s) = filters::status_entry(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(filter_status(&s)))
}

/// `DELETE /api/v2/filters/statuses/:id`
async fn destroy_status(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    filters::delete_status(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, Default)]
struct V1Form {
    #[serde(default, deserialize_with = "de::opt_string")]
    phrase: Option<String>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    irreversible: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    whole_word: Option<bool>,
    #[serde(default)]
    expires_in: Option<Value>,
}

fn v1_draft(form: V1Form) -> Result<V1Draft> {
    Ok(V1Draft {
        phrase: form.phrase,
        context: contexts(&form.context),
        irreversible: form.irreversible,
        whole_word: form.whole_word,
        expires_in: seconds(&form.expires_in)?,
    })
}

/// `GET /api/v1/filters`
async fn index_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
) -> Result<Json<Vec<V1FilterEntity>>> {
    let list = filters::list_v1(&app, &auth.account).await?;
    Ok(Json(list.iter().map(|(f, k)| v1_filter(f, k)).collect()))
}

/// `GET /api/v1/filters/:id`
async fn show_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFilters>,
    Path(id): Path<String>,
) -> Result<Json<V1FilterEntity>> {
    let (f, k) = filters::keyword(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(v1_filter(&f, &k)))
}

/// `POST /api/v1/filters`
async fn create_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Params(form): Params<V1Form>,
) -> Result<Json<V1FilterEntity>> {
    let (f, k) = filters::create_v1(&app, &auth.account, v1_draft(form)?).await?;
    Ok(Json(v1_filter(&f, &k)))
}

/// `PUT /api/v1/filters/:id`
async fn update_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
    Params(form): Params<V1Form>,
) -> Result<Json<V1FilterEntity>> {
    let (f, k) = filters::update_v1(&app, &auth.account, id_of(&id)?, v1_draft(form)?).await?;
    Ok(Json(v1_filter(&f, &k)))
}

/// `DELETE /api/v1/filters/:id`
async fn destroy_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFilters>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    filters::delete_v1(&app, &auth.account, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}
