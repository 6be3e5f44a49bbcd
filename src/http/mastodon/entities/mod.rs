//! Mastodon API entities and the one place internal types become them.
//! <https://docs.joinmastodon.org/entities/>
//!
//! - [`account`]: Account, CredentialAccount, Role, Application, Token;
//! - [`admin`]: Admin::Account, Admin::Report, the audit log;
//! - [`filter`]: Filter and its keywords, posts and results, V1::Filter;
//! - [`status`]: Status (the hot path of every timeline, with its caches of
//!   rendered JSON);
//! - [`notification`]: Notification and Poll;
//! - [`collection`]: Collection and CollectionItem;
//! - [`instance`]: Instance (v2 and v1);
//! - [`media`]: the MediaAttachment entity;
//! - here: the small entities (lists, tags, markers, relationships…).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::app::AppState;
use crate::model::Account;

mod account;
mod admin;
mod card;
mod collection;
mod filter;
mod instance;
mod media;
mod notification;
mod status;

pub use account::*;
pub use admin::*;
pub use card::*;
pub use collection::*;
pub use filter::*;
pub use instance::*;
pub use media::*;
pub use notification::*;
pub use status::*;

/// Mastodon's timestamp format: RFC 3339 with milliseconds and `Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The empty object (`{}`) some actions answer.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// `GET /api/v1/notifications/unread_count`
#[derive(Debug, Serialize)]
pub struct UnreadCount {
    pub count: i64,
}

/// <https://docs.joinmastodon.org/entities/Marker/>
#[derive(Debug, Serialize)]
pub struct MarkerEntity {
    pub last_read_id: String,
    pub version: i64,
    pub updated_at: String,
}

/// <https://docs.joinmastodon.org/entities/Conversation/>
#[derive(Debug, Serialize)]
pub struct ConversationEntity {
    pub id: String,
    pub unread: bool,
    pub accounts: Vec<AccountEntity>,
    pub last_status: Value,
}

/// <https://docs.joinmastodon.org/entities/Admin_DomainBlock/>
#[derive(Debug, Serialize)]
pub struct DomainBlockEntity {
    pub id: String,
    pub domain: String,
    pub created_at: String,
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

pub fn domain_block(b: &crate::model::DomainBlock) -> DomainBlockEntity {
    DomainBlockEntity {
        id: b.id.to_string(),
        domain: b.domain.clone(),
        created_at: timestamp(b.created_at),
        severity: b.severity.clone(),
        reject_media: b.reject_media,
        reject_reports: b.reject_reports,
        private_comment: b.private_comment.clone(),
        public_comment: b.public_comment.clone(),
        obfuscate: false,
    }
}

/// <https://docs.joinmastodon.org/entities/Rule/>
#[derive(Debug, Clone, Serialize)]
pub struct RuleEntity {
    pub id: String,
    pub text: String,
    pub hint: String,
}

pub fn rule(r: &crate::model::Rule) -> RuleEntity {
    RuleEntity {
        id: r.id.to_string(),
        text: r.text.clone(),
        hint: r.hint.clone(),
    }
}

/// <https://docs.joinmastodon.org/entities/DomainBlock/>
#[derive(Debug, Serialize)]
pub struct DomainBlockPublicEntity {
    pub domain: String,
    /// SHA-256 of the domain, hex.
    pub digest: String,
    pub severity: String,
    pub comment: Option<String>,
}

pub fn domain_block_public(b: &crate::model::DomainBlock) -> DomainBlockPublicEntity {
    use sha2::Digest;
    DomainBlockPublicEntity {
        domain: b.domain.clone(),
        digest: sha2::Sha256::digest(b.domain.as_bytes())
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect(),
        severity: b.severity.clone(),
        comment: b.public_comment.clone(),
    }
}

/// A remote post held for review (roost's own entity, docs/api.md).
#[derive(Debug, Serialize)]
pub struct HeldStatusEntity {
    pub id: String,
    pub uri: String,
    pub account: AccountEntity,
    /// The post's HTML, sanitized.
    pub content: String,
    pub received_at: String,
}

pub fn held_status(
    app: &AppState,
    h: &crate::model::HeldStatus,
    author: &Account,
) -> HeldStatusEntity {
    let content = h
        .object
        .0
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("");
    HeldStatusEntity {
        id: h.id.to_string(),
        uri: h.uri.clone(),
        account: account(app, author),
        content: crate::text::sanitize::html(content),
        received_at: timestamp(h.received_at),
    }
}

/// <https://docs.joinmastodon.org/entities/List/>
#[derive(Debug, Serialize)]
pub struct ListEntity {
    pub id: String,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

pub fn list(l: &crate::model::List) -> ListEntity {
    ListEntity {
        id: l.id.to_string(),
        title: l.title.clone(),
        replies_policy: l.replies_policy.clone(),
        exclusive: l.exclusive,
    }
}

/// <https://docs.joinmastodon.org/entities/Tag/> as the tag endpoints
/// answer it (`following` only for a signed-in viewer).
#[derive(Debug, Serialize)]
pub struct TagInfoEntity {
    /// Empty for a hashtag no post has used yet (as Mastodon's).
    pub id: String,
    pub name: String,
    pub url: String,
    pub history: Vec<TagHistoryEntity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
    /// Whether the viewer features it on their profile (where asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featuring: Option<bool>,
}

/// <https://docs.joinmastodon.org/entities/Tag/#history>
#[derive(Debug, Serialize)]
pub struct TagHistoryEntity {
    pub day: String,
    pub uses: String,
    pub accounts: String,
}

/// A hashtag with its history; `following` only for a signed-in viewer.
pub fn tag(
    app: &AppState,
    t: &crate::service::tags::TagInfo,
    following: Option<bool>,
) -> TagInfoEntity {
    TagInfoEntity {
        id: t.id.map(|id| id.to_string()).unwrap_or_default(),
        url: app.url(&format!("/tags/{}", t.name)),
        name: t.name.clone(),
        history: t
            .history
            .iter()
            .map(|d| TagHistoryEntity {
                day: d.day.to_string(),
                uses: d.uses.to_string(),
                accounts: d.accounts.to_string(),
            })
            .collect(),
        following,
        featuring: None,
    }
}

/// <https://docs.joinmastodon.org/entities/FeaturedTag/>
#[derive(Debug, Serialize)]
pub struct FeaturedTagEntity {
    pub id: String,
    pub name: String,
    pub url: String,
    pub statuses_count: String,
    pub last_status_at: Option<String>,
}

pub fn featured_tag(owner: &Account, t: &crate::service::tags::FeaturedTag) -> FeaturedTagEntity {
    let profile = owner.url.clone().unwrap_or(owner.uri.clone());
    FeaturedTagEntity {
        id: t.id.to_string(),
        name: t.name.clone(),
        url: format!("{profile}/tagged/{}", t.name),
        statuses_count: t.statuses_count.to_string(),
        last_status_at: t.last_status_at.map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

/// <https://docs.joinmastodon.org/entities/StatusEdit/>
#[derive(Debug, Serialize)]
pub struct StatusEditEntity {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: AccountEntity,
    pub media_attachments: [(); 0],
    pub emojis: [(); 0],
}

/// <https://docs.joinmastodon.org/entities/Relationship/>
#[derive(Debug, Serialize)]
pub struct RelationshipEntity {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

pub fn relationship(r: &crate::service::relationships::Relationship) -> RelationshipEntity {
    let f = &r.flags;
    let follow = f.following.as_ref().or(f.requested.as_ref());
    RelationshipEntity {
        id: r.target.to_string(),
        following: f.following.is_some(),
        showing_reblogs: follow.is_some_and(|x| x.show_reblogs),
        notifying: follow.is_some_and(|x| x.notify),
        languages: None,
        followed_by: f.followed_by,
        blocking: f.blocking,
        blocked_by: f.blocked_by,
        muting: f.muting,
        muting_notifications: f.muting_notifications,
        requested: f.requested.is_some(),
        requested_by: f.requested_by,
        domain_blocking: false,
        endorsed: r.endorsed,
        note: r.note.clone(),
    }
}

/// <https://docs.joinmastodon.org/entities/FamiliarFollowers/>
#[derive(Debug, Serialize)]
pub struct FamiliarFollowersEntity {
    pub id: String,
    pub accounts: Vec<AccountEntity>,
}

/// <https://docs.joinmastodon.org/entities/Report/>
#[derive(Debug, Clone, Serialize)]
pub struct ReportEntity {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Vec<String>,
    pub rule_ids: Vec<String>,
    pub target_account: AccountEntity,
}

/// A report as its author sees it just after filing it.
pub fn report(app: &AppState, r: &crate::service::reports::Filed) -> ReportEntity {
    ReportEntity {
        id: r.id.to_string(),
        action_taken: false,
        action_taken_at: None,
        category: r.category.clone(),
        comment: r.comment.clone(),
        forwarded: r.forwarded,
        created_at: timestamp(r.created_at),
        status_ids: r.status_ids.iter().map(i64::to_string).collect(),
        rule_ids: r.rule_ids.iter().map(i64::to_string).collect(),
        target_account: account(app, &r.target),
    }
}

/// A stored report as its reporter (or, in an `admin.report` notification,
/// staff) sees it.
pub fn stored_report(app: &AppState, r: &crate::model::Report, target: &Account) -> ReportEntity {
    ReportEntity {
        id: r.id.to_string(),
        action_taken: r.action_taken_at.is_some(),
        action_taken_at: r.action_taken_at.map(timestamp),
        category: r.category.clone(),
        comment: r.comment.clone(),
        forwarded: r.forwarded,
        created_at: timestamp(r.created_at),
        status_ids: r.status_ids.0.iter().map(i64::to_string).collect(),
        rule_ids: r.rule_ids.0.iter().map(i64::to_string).collect(),
        target_account: account(app, target),
    }
}

/// <https://docs.joinmastodon.org/entities/ScheduledStatus/>
#[derive(Debug, Serialize)]
pub struct ScheduledStatusEntity {
    pub id: String,
    pub scheduled_at: String,
    pub params: ScheduledParams,
    pub media_attachments: [(); 0],
}

/// The parameters a scheduled status will be posted with, typed as
/// Mastodon types them (its internal ids as JSON integers).
#[derive(Debug, Serialize)]
pub struct ScheduledParams {
    pub text: Value,
    pub poll: Value,
    pub media_ids: Option<Vec<String>>,
    pub sensitive: Value,
    pub spoiler_text: Value,
    pub visibility: Value,
    pub in_reply_to_id: Option<i64>,
    pub language: Value,
    pub application_id: Option<i64>,
    pub scheduled_at: Option<String>,
    pub idempotency: Value,
    pub with_rate_limit: bool,
}

pub fn scheduled_status(row: &crate::model::ScheduledStatus) -> ScheduledStatusEntity {
    let p = &row.params.0;
    ScheduledStatusEntity {
        id: row.id.to_string(),
        scheduled_at: timestamp(row.scheduled_at),
        params: ScheduledParams {
            text: p["text"].clone(),
            poll: p["poll"].clone(),
            media_ids: None,
            sensitive: p["sensitive"].clone(),
            spoiler_text: p["spoiler_text"].clone(),
            visibility: p["visibility"].clone(),
            in_reply_to_id: p["in_reply_to_id"].as_i64(),
            language: p["language"].clone(),
            application_id: p["application_id"].as_i64(),
            scheduled_at: None,
            idempotency: p["idempotency_key"].clone(),
            with_rate_limit: false,
        },
        media_attachments: [],
    }
}

/// <https://docs.joinmastodon.org/entities/Context/>
#[derive(Debug, Serialize)]
pub struct ContextEntity {
    pub ancestors: Vec<Value>,
    pub descendants: Vec<Value>,
}

/// <https://docs.joinmastodon.org/entities/StatusSource/>
#[derive(Debug, Serialize)]
pub struct StatusSourceEntity {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

/// <https://docs.joinmastodon.org/entities/CustomEmoji/>
#[derive(Debug, Clone, Serialize)]
pub struct CustomEmojiEntity {
    pub shortcode: String,
    pub url: String,
    /// The same image: roost keeps emoji as they are sent, animated or not.
    pub static_url: String,
    pub visible_in_picker: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The entity of an emoji with an image to show (none without one).
pub fn custom_emoji(
    app: &crate::app::AppState,
    e: &crate::model::CustomEmoji,
) -> Option<CustomEmojiEntity> {
    let url = crate::service::emojis::image_url(app, e)?;
    Some(CustomEmojiEntity {
        shortcode: e.shortcode.clone(),
        static_url: url.clone(),
        url,
        visible_in_picker: e.visible_in_picker,
        category: e.category.clone(),
    })
}
