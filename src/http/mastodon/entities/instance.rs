//! The Instance entity, in its v2 shape and the deprecated v1 shape many
//! clients still read.
//! <https://docs.joinmastodon.org/entities/Instance/>
//! <https://docs.joinmastodon.org/entities/V1_Instance/>

use serde::Serialize;

use super::Empty;
use crate::app::AppState;
use crate::config::Registrations;
use crate::service::instance::Stats;

/// What clients compare to enable features: Mastodon-semver-shaped.
pub fn version_string() -> String {
    format!("4.5.0 (compatible; roost {})", env!("CARGO_PKG_VERSION"))
}

/// Where the project's source is published (Mastodon's `source_url`).
const SOURCE_URL: &str = "https://example.invalid/roost";

/// `GET /api/v2/instance`
#[derive(Debug, Serialize)]
pub struct InstanceEntity {
    pub domain: String,
    pub title: String,
    pub version: String,
    pub source_url: &'static str,
    pub description: String,
    pub usage: Usage,
    pub thumbnail: Thumbnail,
    pub icon: [(); 0],
    pub languages: Vec<String>,
    pub configuration: Configuration,
    pub registrations: RegistrationsEntity,
    pub api_versions: ApiVersions,
    pub contact: Contact,
    pub rules: Vec<super::RuleEntity>,
}

#[derive(Debug, Serialize)]
pub struct Usage {
    pub users: ActiveUsers,
}

#[derive(Debug, Serialize)]
pub struct ActiveUsers {
    pub active_month: i64,
}

#[derive(Debug, Serialize)]
pub struct Thumbnail {
    pub url: String,
    pub blurhash: Option<String>,
    pub versions: Empty,
}

#[derive(Debug, Serialize)]
pub struct RegistrationsEntity {
    pub enabled: bool,
    pub approval_required: bool,
    pub reason_required: bool,
    pub message: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ApiVersions {
    pub mastodon: u32,
    pub roost: u32,
}

#[derive(Debug, Serialize)]
pub struct Contact {
    pub email: String,
    pub account: Option<super::AccountEntity>,
}

/// The limits clients read to size their composers (`configuration`).
#[derive(Debug, Serialize)]
pub struct Configuration {
    /// Only in v2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urls: Option<ConfigurationUrls>,
    /// Only in v2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vapid: Option<Vapid>,
    pub accounts: AccountLimits,
    pub statuses: StatusLimits,
    pub media_attachments: MediaLimits,
    pub polls: PollLimits,
    /// Only in v2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation: Option<Translation>,
}

#[derive(Debug, Serialize)]
pub struct ConfigurationUrls {
    pub streaming: String,
}

#[derive(Debug, Serialize)]
pub struct Vapid {
    pub public_key: String,
}

#[derive(Debug, Serialize)]
pub struct AccountLimits {
    pub max_featured_tags: u32,
    pub max_pinned_statuses: u32,
}

#[derive(Debug, Serialize)]
pub struct StatusLimits {
    pub max_characters: u32,
    pub max_media_attachments: u32,
    pub characters_reserved_per_url: u32,
}

#[derive(Debug, Serialize)]
pub struct MediaLimits {
    pub supported_mime_types: Vec<&'static str>,
    pub description_limit: usize,
    pub image_size_limit: u64,
    pub image_matrix_limit: u64,
    pub video_size_limit: u64,
    pub video_frame_rate_limit: u32,
    pub video_matrix_limit: u64,
}

#[derive(Debug, Serialize)]
pub struct PollLimits {
    pub max_options: u32,
    pub max_characters_per_option: u32,
    pub min_expiration: i64,
    pub max_expiration: i64,
}

#[derive(Debug, Serialize)]
pub struct Translation {
    pub enabled: bool,
}

/// `GET /api/v1/instance`
#[derive(Debug, Serialize)]
pub struct InstanceV1Entity {
    pub uri: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub email: String,
    pub version: String,
    pub urls: V1Urls,
    pub stats: V1Stats,
    pub thumbnail: String,
    pub languages: Vec<String>,
    pub registrations: bool,
    pub approval_required: bool,
    pub invites_enabled: bool,
    pub configuration: Configuration,
    pub contact_account: Option<super::AccountEntity>,
    pub rules: Vec<super::RuleEntity>,
}

#[derive(Debug, Serialize)]
pub struct V1Urls {
    pub streaming_api: String,
}

#[derive(Debug, Serialize)]
pub struct V1Stats {
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
}

/// The MIME types uploads may have: what detection accepts
/// (src/media/mod.rs), video and audio only when ffmpeg is installed.
fn supported_mime_types(app: &AppState) -> Vec<&'static str> {
    let mut types = vec!["image/jpeg", "image/png", "image/gif", "image/webp"];
    if app.media.tools.is_some() {
        types.extend([
            "video/webm",
            "video/mp4",
            "video/quicktime",
            "video/x-matroska",
            "audio/wave",
            "audio/wav",
            "audio/x-wav",
            "audio/mpeg",
            "audio/mp3",
            "audio/ogg",
            "audio/vorbis",
            "audio/opus",
            "audio/flac",
            "audio/mp4",
            "audio/m4a",
            "audio/x-m4a",
            "audio/aac",
        ]);
    }
    types
}

/// The streaming API's base URL.
fn streaming_url(app: &AppState) -> String {
    app.base_url.replacen("http", "ws", 1)
}

fn configuration(app: &AppState, v2: bool) -> Configuration {
    let i = &app.config.instance;
    let m = &app.config.media;
    Configuration {
        urls: v2.then(|| ConfigurationUrls {
            streaming: streaming_url(app),
        }),
        vapid: v2.then(|| Vapid {
            public_key: app.vapid.public_key(),
        }),
        accounts: AccountLimits {
            max_featured_tags: 10,
            max_pinned_statuses: 5,
        },
        statuses: StatusLimits {
            max_characters: i.max_status_chars,
            max_media_attachments: i.max_media_attachments,
            characters_reserved_per_url: 23,
        },
        media_attachments: MediaLimits {
            supported_mime_types: supported_mime_types(app),
            description_limit: crate::media::process::MAX_DESCRIPTION_CHARS,
            image_size_limit: m.image_max_bytes,
            image_matrix_limit: m.image_max_input_pixels,
            video_size_limit: m.video_max_bytes,
            video_frame_rate_limit: m.video_max_fps,
            // Larger frames are accepted and scaled down; this is the refusal line.
            video_matrix_limit: crate::media::video::MAX_INPUT_PIXELS,
        },
        polls: PollLimits {
            max_options: i.max_poll_options,
            max_characters_per_option: i.max_poll_option_chars,
            min_expiration: 300,
            max_expiration: 2_629_746,
        },
        translation: v2.then_some(Translation { enabled: false }),
    }
}

/// The v2 Instance; `active_month` is the monthly active users.
pub fn instance(app: &AppState, active_month: i64, rules: &[crate::model::Rule]) -> InstanceEntity {
    let i = &app.config.instance;
    InstanceEntity {
        domain: app.config.server.domain.clone(),
        title: i.title.clone(),
        version: version_string(),
        source_url: SOURCE_URL,
        description: i.description.clone(),
        usage: Usage {
            users: ActiveUsers { active_month },
        },
        thumbnail: Thumbnail {
            url: app.url("/headers/original/missing.png"),
            blurhash: None,
            versions: Empty {},
        },
        icon: [],
        languages: i.languages.clone(),
        configuration: configuration(app, true),
        registrations: RegistrationsEntity {
            enabled: i.registrations != Registrations::Closed,
            approval_required: i.registrations == Registrations::Approval,
            reason_required: i.registrations == Registrations::Approval,
            message: None,
            url: None,
        },
        api_versions: ApiVersions {
            // 7: quote posts (Mastodon 4.5).
            mastodon: 7,
            roost: 1,
        },
        contact: Contact {
            email: i.contact_email.clone(),
            account: None,
        },
        rules: rules.iter().map(super::rule).collect(),
    }
}

/// The v1 Instance.
pub fn instance_v1(
    app: &AppState,
    stats: &Stats,
    rules: &[crate::model::Rule],
) -> InstanceV1Entity {
    let i = &app.config.instance;
    InstanceV1Entity {
        uri: app.config.server.domain.clone(),
        title: i.title.clone(),
        short_description: i.description.clone(),
        description: i.description.clone(),
        email: i.contact_email.clone(),
        version: version_string(),
        urls: V1Urls {
            streaming_api: streaming_url(app),
        },
        stats: V1Stats {
            user_count: stats.users,
            status_count: stats.local_statuses,
            domain_count: stats.domains,
        },
        thumbnail: app.url("/headers/original/missing.png"),
        languages: i.languages.clone(),
        registrations: i.registrations != Registrations::Closed,
        approval_required: i.registrations == Registrations::Approval,
        invites_enabled: false,
        configuration: configuration(app, false),
        contact_account: None,
        rules: rules.iter().map(super::rule).collect(),
    }
}
