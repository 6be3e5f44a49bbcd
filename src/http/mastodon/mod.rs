//! The Mastodon client API, one module per resource.
//! <https://docs.joinmastodon.org/methods/>

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod annual_reports;
pub mod apps;
pub mod blocks;
pub mod bookmarks;
pub mod conversations;
pub mod discovery;
pub mod domain_blocks;
pub mod emails;
pub mod endorsements;
pub mod entities;
pub mod featured_collections;
pub mod featured_tags;
pub mod filters;
pub mod follow_requests;
pub mod insights;
pub mod instance;
pub mod lists;
pub mod markers;
pub mod media;
pub mod notification_requests;
pub mod notifications;
pub mod notifications_v2;
pub mod oembed;
pub mod paging;
pub mod placeholders;
pub mod polls;
pub mod preferences;
pub mod profile;
pub mod push;
pub mod quotes;
pub mod reports;
pub mod scheduled_statuses;
pub mod search;
pub mod statuses;
pub mod streaming;
pub mod tags;
pub mod timelines;
pub mod trends;

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    Router::new()
        .merge(media::router(app))
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v1/instance/peers", get(instance::peers))
        .route("/api/v1/instance/activity", get(instance::activity))
        .route("/api/v1/instance/rules", get(instance::rules))
        .route(
            "/api/v1/instance/extended_description",
            get(instance::extended_description),
        )
        .route(
            "/api/v1/instance/privacy_policy",
            get(instance::privacy_policy),
        )
        .route(
            "/api/v1/instance/terms_of_service",
            get(instance::terms_of_service),
        )
        .route(
            "/api/v1/instance/domain_blocks",
            get(instance::domain_blocks),
        )
        .route(
            "/api/v1/instance/terms_of_service/{date}",
            get(instance::terms_of_service_on),
        )
        .route("/api/v1/instance/languages", get(instance::languages))
        .route(
            "/api/v1/instance/translation_languages",
            get(instance::translation_languages),
        )
        .route("/api/v1/custom_emojis", get(instance::custom_emojis))
        .merge(social_router())
        .merge(notifications::router())
        .merge(notifications_v2::router())
        .merge(notification_requests::router())
        .merge(streaming::router())
        .merge(push::router())
        .merge(markers::router())
        .merge(emails::router())
        .merge(conversations::router())
        .merge(bookmarks::router())
        .merge(quotes::router())
        .merge(lists::router())
        .merge(tags::router())
        .merge(featured_tags::router())
        .merge(featured_collections::router())
        .merge(discovery::router())
        .merge(trends::router())
        .merge(insights::router())
        .merge(endorsements::router())
        .merge(admin::router())
        .merge(search::router())
        .merge(accounts::router(app))
        .merge(follow_requests::router())
        .merge(blocks::router())
        .merge(domain_blocks::router())
        .merge(filters::router())
        .merge(preferences::router())
        .merge(oembed::router())
        .merge(annual_reports::router())
        .merge(announcements::router())
        .merge(profile::router(app))
        .merge(polls::router())
        .merge(scheduled_statuses::router())
        .merge(placeholders::router())
        .layer(axum::middleware::from_fn(paging::keep_query_in_links))
}

/// Statuses, relationships, timelines, notifications and their lists.
fn social_router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v1/statuses",
            post(statuses::create).get(statuses::index),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show)
                .delete(statuses::delete)
                .put(statuses::update),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/card", get(statuses::card))
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route("/api/v1/statuses/{id}/translate", post(statuses::translate))
        .route("/api/v1/statuses/{id}/favourite", post(statuses::favourite))
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(statuses::unfavourite),
        )
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog))
        .route("/api/v1/statuses/{id}/bookmark", post(statuses::bookmark))
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            post(statuses::unbookmark),
        )
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route(
            "/api/v1/statuses/{id}/mute",
            post(statuses::mute_conversation),
        )
        .route(
            "/api/v1/statuses/{id}/unmute",
            post(statuses::unmute_conversation),
        )
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(statuses::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(statuses::reblogged_by),
        )
        .route("/api/v1/timelines/list/{id}", get(timelines::list))
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/direct", get(timelines::direct))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::tag))
        .route("/api/v1/reports", post(reports::create))
}
