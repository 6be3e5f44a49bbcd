//! <https://docs.joinmastodon.org/methods/instance/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};

use super::entities::{
    self, DomainBlockPublicEntity, InstanceEntity, InstanceV1Entity, RuleEntity, rule,
};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{MaybeAuth, Read};
use crate::service::instance;
use crate::service::moderation::rules::{self, ServerText};

/// `GET /api/v2/instance`
/// <https://docs.joinmastodon.org/methods/instance/#v2>
pub async fn v2(State(app): State<Arc<AppState>>) -> Result<Json<InstanceEntity>> {
    let active = instance::active_month(&app).await?;
    let rules = rules::list(&app).await?;
    Ok(Json(entities::instance(&app, active, &rules)))
}

/// `GET /api/v1/instance` (deprecated in Mastodon, still read by many clients)
/// <https://docs.joinmastodon.org/methods/instance/#v1>
pub async fn v1(State(app): State<Arc<AppState>>) -> Result<Json<InstanceV1Entity>> {
    let stats = instance::stats(&app).await?;
    let rules = rules::list(&app).await?;
    Ok(Json(entities::instance_v1(&app, &stats, &rules)))
}

/// `GET /api/v1/instance/rules`
/// <https://docs.joinmastodon.org/methods/instance/#rules>
pub async fn rules(State(app): State<Arc<AppState>>) -> Result<Json<Vec<RuleEntity>>> {
    Ok(Json(rules::list(&app).await?.iter().map(rule).collect()))
}

/// A text the admins wrote, as `{updated_at, content}`; 404 before they do.
async fn server_text(app: &AppState, which: ServerText) -> Result<Json<serde_json::Value>> {
    let text = rules::text(app, which)
        .await?
        .ok_or_else(Error::not_found)?;
    let updated = entities::timestamp(text.updated_at);
    Ok(Json(match which {
        // Mastodon 4.4's TermsOfService entity.
        ServerText::TermsOfService => serde_json::json!({
            "effective_date": text.updated_at.format("%Y-%m-%d").to_string(),
            "effective": true,
            "content": text.html,
            "succeeded_by": null,
        }),
        _ => serde_json::json!({"updated_at": updated, "content": text.html}),
    }))
}

/// `GET /api/v1/instance/extended_description`
pub async fn extended_description(
    State(app): State<Arc<AppState>>,
) -> Result<Json<serde_json::Value>> {
    server_text(&app, ServerText::ExtendedDescription).await
}

/// `GET /api/v1/instance/privacy_policy`
pub async fn privacy_policy(State(app): State<Arc<AppState>>) -> Result<Json<serde_json::Value>> {
    server_text(&app, ServerText::PrivacyPolicy).await
}

/// `GET /api/v1/instance/terms_of_service`
pub async fn terms_of_service(State(app): State<Arc<AppState>>) -> Result<Json<serde_json::Value>> {
    server_text(&app, ServerText::TermsOfService).await
}

/// `GET /api/v1/instance/terms_of_service/:date` (`YYYY-MM-DD`): roost
/// keeps one version of its terms, so only the date it took effect names it.
/// <https://docs.joinmastodon.org/methods/instance/#terms_of_service_date>
pub async fn terms_of_service_on(
    State(app): State<Arc<AppState>>,
    Path(date): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let Json(terms) = server_text(&app, ServerText::TermsOfService).await?;
    if terms.get("effective_date").and_then(|d| d.as_str()) != Some(date.as_str()) {
        return Err(Error::not_found());
    }
    Ok(Json(terms))
}

/// `GET /api/v1/instance/translation_languages`: roost has no translation
/// engine, so no language pairs (`{}`, as Mastodon answers without one).
/// <https://docs.joinmastodon.org/methods/instance/#translation_languages>
pub async fn translation_languages() -> Json<serde_json::Map<String, serde_json::Value>> {
    Json(serde_json::Map::new())
}

/// `GET /api/v1/instance/languages`: the languages a post may be marked
/// with (every two-letter ISO 639 code), as `[{"code", "name"}]`.
/// <https://docs.joinmastodon.org/methods/instance/#languages>
pub async fn languages() -> Json<Vec<serde_json::Value>> {
    Json(
        crate::text::language::two_letter()
            .into_iter()
            .map(|(code, name)| serde_json::json!({"code": code, "name": name}))
            .collect(),
    )
}

/// `GET /api/v1/instance/domain_blocks`: the blocked servers, when
/// `instance.show_domain_blocks` lets this caller read them (404 otherwise,
/// 401 for a signed-out caller when only users may).
pub async fn domain_blocks(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<Read>,
) -> Result<Json<Vec<DomainBlockPublicEntity>>> {
    let blocks = crate::service::moderation::public_domain_blocks(&app, auth.0.is_some()).await?;
    Ok(Json(
        blocks.iter().map(entities::domain_block_public).collect(),
    ))
}

/// `GET /api/v1/custom_emojis`: this server's emoji (`roost admin emoji add`).
/// <https://docs.joinmastodon.org/methods/custom_emojis/>
pub async fn custom_emojis(
    State(app): State<Arc<AppState>>,
) -> Result<Json<Vec<entities::CustomEmojiEntity>>> {
    let list = crate::service::emojis::local(&app).await?;
    Ok(Json(
        list.iter()
            .filter_map(|e| entities::custom_emoji(&app, e))
            .collect(),
    ))
}

/// `GET /api/v1/instance/activity`: the last 12 weeks (seven days each,
/// newest first) of local public posts, users who used the server and
/// sign-ups. <https://docs.joinmastodon.org/methods/instance/#activity>
pub async fn activity(State(app): State<Arc<AppState>>) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let weeks = crate::service::measures::activity(&app).await?;
    let body: Vec<serde_json::Value> = weeks
        .iter()
        .map(|w| {
            let start = w
                .start
                .and_hms_opt(0, 0, 0)
                .map_or(0, |t| t.and_utc().timestamp());
            serde_json::json!({
                "week": start.to_string(),
                "statuses": w.statuses.to_string(),
                "logins": w.logins.to_string(),
                "registrations": w.registrations.to_string(),
            })
        })
        .collect();
    Ok((
        [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
        Json(body),
    )
        .into_response())
}

/// `GET /api/v1/instance/peers`: the domains roost has met, minus suspended ones.
/// <https://docs.joinmastodon.org/methods/instance/#peers>
pub async fn peers(State(app): State<Arc<AppState>>) -> Result<Json<Vec<String>>> {
    Ok(Json(instance::peers(&app).await?))
}
