//! Domain types: what roost knows about accounts, users, apps and tokens, with no I/O.

pub mod account;
pub mod analytics;
pub mod announcement;
pub mod card;
pub mod conversation;
pub mod emoji;
pub mod export;
pub mod featured_collection;
pub mod filter;
pub mod job;
pub mod list;
pub mod media;
pub mod moderation;
pub mod oauth;
pub mod push;
pub mod quote;
pub mod relationship;
pub(crate) mod row;
pub mod scope;
pub mod search;
pub mod status;
pub mod timeline;

/// A value kept as JSON in one column. Model types are also the rows the
/// store reads, so they use sqlx's wrapper; the rest of roost names it here.
pub use sqlx::types::Json;

pub use account::{Account, AccountEmoji, Field, Role, User};
pub use announcement::Announcement;
pub use card::PreviewCard;
pub use conversation::{AccountConversation, Marker};
pub use emoji::CustomEmoji;
pub use export::{Archive, Import, ImportKind, ImportRow};
pub use featured_collection::{CollectionItem, FeaturedCollection};
pub use filter::{
    AccountDomainBlock, Filter, FilterContext, FilterKeyword, FilterStatus, FullFilter,
};
pub use job::Job;
pub use list::List;
pub use media::{MediaAttachment, MediaKind};
pub use moderation::{
    AccountQuery, AccountStatus, AccountWarning, ActionLog, CanonicalEmailBlock, DomainAllow,
    DomainBlock, EmailDomainBlock, HeldStatus, IpBlock, Report, ReportQuery, Rule, Standing,
};
pub use oauth::{App, AuthCode, Session, Token};
pub use push::PushSubscription;
pub use quote::{Quote, QuotePolicy};
pub use relationship::RelationFlags;
pub use scope::Scopes;
pub use status::{
    Follow, Notification, NotificationPolicy, Poll, RemoteMedia, RequestRow, ScheduledStatus,
    Status, StatusEdit, Visibility,
};
pub use timeline::{AccountFilter, Page, PublicFilter, RepliesPolicy, TagFilter};
