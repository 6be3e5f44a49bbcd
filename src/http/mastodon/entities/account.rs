//! Accounts, roles, applications and tokens.

use serde::Serialize;
use serde_json::Value;

use std::sync::Arc;

use super::timestamp;
use crate::app::AppState;
use crate::model::{Account, App, Role, User};
use crate::text::web_url;

/// <https://docs.joinmastodon.org/entities/Account/>
#[derive(Debug, Clone, Serialize)]
pub struct AccountEntity {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
    pub hide_collections: bool,
    pub noindex: bool,
    pub emojis: Vec<super::CustomEmojiEntity>,
    pub roles: Vec<Value>,
    pub fields: Vec<FieldEntity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    /// Silenced by moderators ("limited" in Mastodon's words).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceEntity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleEntity>,
    /// The account this one moved to (filled where one account is shown:
    /// the profile, lookup and your own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<AccountEntity>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldEntity {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

/// <https://docs.joinmastodon.org/entities/Account/#source>
#[derive(Debug, Clone, Serialize)]
pub struct SourceEntity {
    pub note: String,
    pub fields: Vec<FieldEntity>,
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub follow_requests_count: i64,
    pub hide_collections: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
    /// Who may quote new posts by default (Mastodon 4.5).
    pub quote_policy: String,
}

/// <https://docs.joinmastodon.org/entities/Role/>
#[derive(Debug, Clone, Serialize)]
pub struct RoleEntity {
    pub id: String,
    pub name: String,
    pub color: String,
    pub permissions: String,
    pub highlighted: bool,
}

/// Renders a local field value (plain text) as Mastodon does: links linked,
/// on one line.
fn field_value_html(account: &Account, value: &str) -> String {
    if account.is_local() {
        let one_line = value.split_whitespace().collect::<Vec<_>>().join(" ");
        let html = crate::text::plain_to_html(&one_line);
        html.strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
            .unwrap_or(&html)
            .to_string()
    } else {
        value.to_string()
    }
}

/// The account's avatar: the stored copy, else the remote one when it is an
/// http(s) URL, else the placeholder.
pub fn avatar_url(app: &AppState, a: &Account) -> String {
    a.avatar_key
        .as_deref()
        .map(|k| app.media.storage.url(&app.base_url, k))
        .or_else(|| {
            a.avatar_remote_url
                .as_deref()
                .and_then(web_url)
                .map(str::to_string)
        })
        .unwrap_or_else(|| app.url("/avatars/original/missing.png"))
}

/// [`account`] with `moved` filled in when it moved.
pub async fn account_with_moved(
    app: &AppState,
    a: &Account,
) -> crate::error::Result<AccountEntity> {
    let mut entity = account(app, a);
    entity.moved = moved(app, a).await?;
    Ok(entity)
}

/// The account `a` moved to, as an entity.
pub async fn moved(
    app: &AppState,
    a: &Account,
) -> crate::error::Result<Option<Box<AccountEntity>>> {
    Ok(crate::service::moves::moved_to(app, a)
        .await?
        .map(|target| Box::new(account(app, &target))))
}

/// The public view of an account. A suspended one shows only its name and
/// the mark, as Mastodon shows it (its data is kept until it is deleted).
pub fn account(app: &AppState, a: &Account) -> AccountEntity {
    let mut entity = profile(app, a);
    if a.suspended_at.is_some() {
        entity.display_name.clear();
        entity.note.clear();
        entity.fields.clear();
        entity.emojis.clear();
        entity.avatar = app.url("/avatars/original/missing.png");
        entity.avatar_static = entity.avatar.clone();
        entity.header = app.url("/headers/original/missing.png");
        entity.header_static = entity.header.clone();
    }
    entity
}

fn profile(app: &AppState, a: &Account) -> AccountEntity {
    let stored = |key: &Option<String>| {
        key.as_deref()
            .map(|k| app.media.storage.url(&app.base_url, k))
    };
    let avatar = avatar_url(app, a);
    let header = stored(&a.header_key)
        .or_else(|| {
            a.header_remote_url
                .as_deref()
                .and_then(web_url)
                .map(str::to_string)
        })
        .unwrap_or_else(|| app.url("/headers/original/missing.png"));
    AccountEntity {
        id: a.id.to_string(),
        username: a.username.clone(),
        acct: a.acct(),
        display_name: a.display_name.clone(),
        locked: a.locked,
        bot: a.bot,
        discoverable: a.discoverable,
        indexable: a.indexable,
        group: a.group_actor,
        // Mastodon rounds account creation to the day.
        created_at: timestamp(
            a.created_at
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map_or(a.created_at, |d| d.and_utc()),
        ),
        note: a.note.clone(),
        url: a
            .url
            .as_deref()
            .and_then(web_url)
            .unwrap_or(&a.uri)
            .to_string(),
        uri: a.uri.clone(),
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        followers_count: if a.hide_collections {
            0
        } else {
            a.followers_count
        },
        following_count: if a.hide_collections {
            0
        } else {
            a.following_count
        },
        statuses_count: a.statuses_count,
        last_status_at: a.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
        hide_collections: a.hide_collections,
        noindex: !a.indexable,
        emojis: a
            .emojis
            .0
            .iter()
            .map(|e| super::CustomEmojiEntity {
                shortcode: e.shortcode.clone(),
                url: e.url.clone(),
                static_url: e.url.clone(),
                visible_in_picker: a.is_local(),
                category: None,
            })
            .collect(),
        roles: Vec::new(),
        fields: a
            .fields
            .0
            .iter()
            .map(|f| FieldEntity {
                // Mastodon sends field names as plain text.
                name: f.name.clone(),
                value: field_value_html(a, &f.value),
                verified_at: f.verified_at.map(timestamp),
            })
            .collect(),
        suspended: a.suspended_at.map(|_| true),
        limited: a.silenced_at.map(|_| true),
        source: None,
        role: None,
        moved: None,
    }
}

/// The signed-in user's own view: the account plus `source` and `role`.
/// <https://docs.joinmastodon.org/entities/Account/#CredentialAccount>
pub fn credential_account(
    app: &AppState,
    a: &Account,
    u: &User,
    follow_requests_count: i64,
) -> AccountEntity {
    let mut entity = account(app, a);
    entity.followers_count = a.followers_count;
    entity.following_count = a.following_count;
    entity.source = Some(SourceEntity {
        note: a.note_source.clone(),
        fields: a
            .fields
            .0
            .iter()
            .map(|f| FieldEntity {
                name: f.name.clone(),
                value: f.value.clone(),
                verified_at: f.verified_at.map(timestamp),
            })
            .collect(),
        privacy: u.default_visibility.clone(),
        sensitive: u.default_sensitive,
        language: u.default_language.clone(),
        follow_requests_count,
        hide_collections: a.hide_collections,
        discoverable: a.discoverable,
        indexable: a.indexable,
        attribution_domains: Vec::new(),
        quote_policy: u.default_quote_policy.clone(),
    });
    entity.role = Some(role(u.role()));
    entity
}

/// Mastodon's built-in roles, with its permission bit sets.
pub fn role(r: Role) -> RoleEntity {
    let (id, name, permissions, color, highlighted) = match r {
        Role::User => ("-99", "", "0", "", false),
        // View audit log and dashboard; manage reports, taxonomies, appeals, users.
        Role::Moderator => ("1", "Moderator", "1820", "", true),
        // Administrator: every permission.
        Role::Admin => ("3", "Admin", "1", "", true),
    };
    RoleEntity {
        id: id.into(),
        name: name.into(),
        color: color.into(),
        permissions: permissions.into(),
        highlighted,
    }
}

/// <https://docs.joinmastodon.org/entities/Application/>
#[derive(Debug, Serialize)]
pub struct ApplicationEntity {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    pub vapid_key: String,
    /// The credentials, only in the answer that registers the application.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<ClientCredentials>,
}

#[derive(Debug, Serialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub client_secret_expires_at: i64,
}

/// An application; with `client_secret`, as its registration answers it.
pub fn application(app: &AppState, a: &App, client_secret: Option<&str>) -> ApplicationEntity {
    let uris: Vec<String> = a
        .redirect_uri_list()
        .into_iter()
        .map(|u| u.to_string())
        .collect();
    ApplicationEntity {
        id: a.id.to_string(),
        name: a.name.clone(),
        website: a.website.clone(),
        scopes: a.scopes.split(' ').map(str::to_string).collect(),
        redirect_uri: uris.join("\n"),
        redirect_uris: uris,
        vapid_key: app.vapid.public_key(),
        credentials: client_secret.map(|secret| ClientCredentials {
            client_id: a.client_id.clone(),
            client_secret: secret.to_string(),
            client_secret_expires_at: 0,
        }),
    }
}

/// <https://docs.joinmastodon.org/entities/Token/>
#[derive(Debug, Serialize)]
pub struct TokenEntity {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

pub fn token(grant: &crate::service::oauth::Grant) -> TokenEntity {
    TokenEntity {
        access_token: grant.access_token.clone(),
        token_type: "Bearer",
        scope: grant.scope.clone(),
        created_at: grant.created_at,
        refresh_token: grant.refresh_token.clone(),
    }
}

/// The JSON of an account's entity, rendered once and kept with the account
/// in the caches (statuses embed their author's entity each time). It is
/// kept only when `a` is the account row the caches hold now: a row read
/// before a write must not leave its rendering behind.
pub(super) fn account_json(app: &AppState, a: &Account) -> Arc<str> {
    let caches = app.caches();
    let ticket = caches.account_json.ticket();
    if let Some(json) = caches.account_json.get(&a.id) {
        return json;
    }
    let json: Arc<str> = serde_json::to_string(&account(app, a))
        .unwrap_or_else(|_| "null".into())
        .into();
    if caches.accounts.get(&a.id).as_ref() == Some(a) {
        caches.account_json.put(ticket, a.id, json.clone());
    }
    json
}

/// One's own profile with the source of every editable field (Mastodon 4.6).
/// Image descriptions, profile tabs and attribution domains are not stored
/// by roost: they answer Mastodon's defaults.
/// <https://docs.joinmastodon.org/entities/Profile/>
#[derive(Debug, Clone, Serialize)]
pub struct ProfileEntity {
    pub id: String,
    pub display_name: String,
    pub note: String,
    pub fields: Vec<FieldEntity>,
    pub avatar: Option<String>,
    pub avatar_static: Option<String>,
    pub avatar_description: String,
    pub header: Option<String>,
    pub header_static: Option<String>,
    pub header_description: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub hide_collections: Option<bool>,
    pub show_media: bool,
    pub show_media_replies: bool,
    pub show_featured: bool,
    pub attribution_domains: Vec<String>,
}

/// The [`ProfileEntity`] of a local account; avatar and header are null
/// when unset.
pub fn own_profile(app: &AppState, a: &Account) -> ProfileEntity {
    let stored = |key: &Option<String>| {
        key.as_deref()
            .map(|k| app.media.storage.url(&app.base_url, k))
    };
    ProfileEntity {
        id: a.id.to_string(),
        display_name: a.display_name.clone(),
        note: a.note_source.clone(),
        fields: a
            .fields
            .0
            .iter()
            .map(|f| FieldEntity {
                name: f.name.clone(),
                value: f.value.clone(),
                verified_at: f.verified_at.map(timestamp),
            })
            .collect(),
        avatar: stored(&a.avatar_key),
        avatar_static: stored(&a.avatar_key),
        avatar_description: String::new(),
        header: stored(&a.header_key),
        header_static: stored(&a.header_key),
        header_description: String::new(),
        locked: a.locked,
        bot: a.bot,
        discoverable: Some(a.discoverable),
        indexable: a.indexable,
        hide_collections: Some(a.hide_collections),
        show_media: true,
        show_media_replies: true,
        show_featured: true,
        attribution_domains: Vec::new(),
    }
}
