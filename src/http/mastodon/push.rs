//! `/api/v1/push/subscription`: the Web Push subscription of the calling
//! access token.
//! <https://docs.joinmastodon.org/methods/push/>

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::entities::Empty;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, Push, de};
use crate::model::PushSubscription;
use crate::service::push::{self, NewSubscription};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(
        "/api/v1/push/subscription",
        get(show).post(create).put(update).delete(remove),
    )
}

/// <https://docs.joinmastodon.org/entities/WebPushSubscription/>
#[derive(Debug, Serialize)]
pub struct WebPushSubscriptionEntity {
    /// A number, as Mastodon sends it.
    pub id: i64,
    pub endpoint: String,
    pub standard: bool,
    pub alerts: BTreeMap<String, bool>,
    pub server_key: String,
    pub policy: String,
}

fn entity(app: &AppState, s: PushSubscription) -> WebPushSubscriptionEntity {
    WebPushSubscriptionEntity {
        id: s.id,
        endpoint: s.endpoint,
        standard: s.standard,
        alerts: s.alerts.0,
        server_key: app.vapid.public_key(),
        policy: s.policy,
    }
}

#[derive(Deserialize, Default)]
struct KeysParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    p256dh: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    auth: Option<String>,
}

#[derive(Deserialize, Default)]
struct SubscriptionParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    endpoint: Option<String>,
    #[serde(default)]
    keys: Option<KeysParams>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    standard: Option<bool>,
}

#[derive(Deserialize, Default)]
struct DataParams {
    #[serde(default)]
    alerts: Option<BTreeMap<String, Value>>,
    #[serde(default, deserialize_with = "de::opt_string")]
    policy: Option<String>,
}

#[derive(Deserialize)]
struct CreateParams {
    #[serde(default)]
    subscription: Option<SubscriptionParams>,
    #[serde(default)]
    data: Option<DataParams>,
}

#[derive(Deserialize)]
struct UpdateParams {
    #[serde(default)]
    data: Option<DataParams>,
    /// Mastodon reads `policy` at the top level too.
    #[serde(default, deserialize_with = "de::opt_string")]
    policy: Option<String>,
}

fn missing(name: &str) -> Error {
    Error::bad_request(format!("param is missing or the value is empty: {name}"))
}

/// `data[alerts]` as booleans (`true`, `"1"`, …); anything else is off.
fn alerts(data: Option<&DataParams>) -> BTreeMap<String, bool> {
    data.and_then(|d| d.alerts.as_ref())
        .map(|a| {
            a.iter()
                .map(|(k, v)| {
                    let on = match v {
                        Value::Bool(b) => *b,
                        Value::String(s) => crate::http::extract::parse_bool(s).unwrap_or(false),
                        Value::Number(n) => n.as_i64() != Some(0),
                        _ => false,
                    };
                    (k.clone(), on)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `POST /api/v1/push/subscription`: subscribes the token, replacing its
/// earlier subscription.
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<Push>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Params(p): Params<CreateParams>,
) -> Result<Json<WebPushSubscriptionEntity>> {
    // The payload carries the token back to the client, as Mastodon's does.
    let bearer = crate::http::extract::bearer_of(&headers, &uri).unwrap_or_default();
    let sub = p.subscription.ok_or_else(|| missing("subscription"))?;
    let endpoint = sub
        .endpoint
        .filter(|e| !e.is_empty())
        .ok_or_else(|| missing("endpoint"))?;
    let keys = sub.keys.unwrap_or_default();
    let p256dh = keys.p256dh.ok_or_else(|| missing("keys"))?;
    let key_auth = keys.auth.ok_or_else(|| missing("keys"))?;
    let new = NewSubscription {
        endpoint: &endpoint,
        p256dh: &p256dh,
        auth: &key_auth,
        standard: sub.standard.unwrap_or(false),
        alerts: alerts(p.data.as_ref()),
        policy: p.data.as_ref().and_then(|d| d.policy.as_deref()),
    };
    let s = push::subscribe(&app, &auth.caller.token, &bearer, new).await?;
    Ok(Json(entity(&app, s)))
}

/// `GET /api/v1/push/subscription`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<Push>,
) -> Result<Json<WebPushSubscriptionEntity>> {
    let s = push::get(&app, &auth.caller.token).await?;
    Ok(Json(entity(&app, s)))
}

/// `PUT /api/v1/push/subscription`: changes the alerts and the policy.
async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<Push>,
    Params(p): Params<UpdateParams>,
) -> Result<Json<WebPushSubscriptionEntity>> {
    let policy = p.data.as_ref().and_then(|d| d.policy.clone()).or(p.policy);
    let s = push::update(
        &app,
        &auth.caller.token,
        &alerts(p.data.as_ref()),
        policy.as_deref(),
    )
    .await?;
    Ok(Json(entity(&app, s)))
}

/// `DELETE /api/v1/push/subscription`
async fn remove(State(app): State<Arc<AppState>>, auth: Auth<Push>) -> Result<Json<Empty>> {
    push::unsubscribe(&app, &auth.caller.token).await?;
    Ok(Json(Empty {}))
}
