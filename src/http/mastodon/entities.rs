//! Mastodon API entities and the one place internal types become them.
//! <https://docs.joinmastodon.org/entities/>

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, App, Notification, Role, Status, User};

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
    pub name: String,
    pub url: String,
    pub history: [(); 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
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
    pub emojis: Vec<Value>,
    pub roles: Vec<Value>,
    pub fields: Vec<FieldEntity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceEntity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleEntity>,
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

/// The public view of an account.
pub fn account(app: &AppState, a: &Account) -> AccountEntity {
    let stored = |key: &Option<String>| {
        key.as_deref()
            .map(|k| app.media.storage.url(&app.base_url, k))
    };
    let avatar = stored(&a.avatar_key)
        .or_else(|| a.avatar_remote_url.clone())
        .unwrap_or_else(|| app.url("/avatars/original/missing.png"));
    let header = stored(&a.header_key)
        .or_else(|| a.header_remote_url.clone())
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
        url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
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
        emojis: Vec::new(),
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
        source: None,
        role: None,
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
pub fn application(a: &App, client_secret: Option<&str>) -> Value {
    let uris = a.redirect_uri_list();
    let mut v = json!({
        "id": a.id.to_string(),
        "name": a.name,
        "website": a.website,
        "scopes": a.scopes.split(' ').collect::<Vec<_>>(),
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        "vapid_key": "",
    });
    if let (Some(secret), Value::Object(map)) = (client_secret, &mut v) {
        map.insert("client_id".into(), json!(a.client_id));
        map.insert("client_secret".into(), json!(secret));
        map.insert("client_secret_expires_at".into(), json!(0));
    }
    v
}

/// <https://docs.joinmastodon.org/entities/Token/>
pub fn token(grant: &crate::service::oauth::Grant) -> Value {
    let mut v = json!({
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "scope": grant.scope,
        "created_at": grant.created_at,
    });
    if let (Some(refresh), Value::Object(map)) = (&grant.refresh_token, &mut v) {
        map.insert("refresh_token".into(), json!(refresh));
    }
    v
}

/// The JSON of an account's entity, rendered once and kept with the account
/// in the caches (statuses embed their author's entity each time). It is
/// kept only when `a` is the account row the caches hold now: a row read
/// before a write must not leave its rendering behind.
fn account_json(app: &AppState, a: &Account) -> Arc<str> {
    let caches = &app.store.cache;
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

#[derive(Serialize)]
struct MentionEntity<'a> {
    id: String,
    username: &'a str,
    url: &'a str,
    acct: String,
}

#[derive(Serialize)]
struct TagEntity<'a> {
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct ApplicationRef<'a> {
    name: &'a str,
    website: &'a Option<String>,
}

/// A remote post's attachments as MediaAttachment entities pointing at the
/// remote files. <https://docs.joinmastodon.org/entities/MediaAttachment/>
fn remote_media(status_id: i64, list: &[crate::model::RemoteMedia]) -> Vec<Value> {
    list.iter()
        .enumerate()
        .map(|(i, m)| {
            let meta = match (m.width, m.height) {
                (Some(w), Some(h)) if h > 0 => json!({
                    "original": {"width": w, "height": h, "size": format!("{w}x{h}"), "aspect": f64::from(w) / f64::from(h)},
                    "focus": m.focus.map(|[x, y]| json!({"x": x, "y": y})),
                }),
                _ => Value::Null,
            };
            json!({
                // Stable per status and position until the media issue gives
                // remote files their own rows.
                "id": format!("{status_id}{i:02}"),
                "type": m.kind,
                "url": m.url,
                "preview_url": m.url,
                "remote_url": m.url,
                "preview_remote_url": null,
                "text_url": null,
                "meta": meta,
                "description": m.description,
                "blurhash": m.blurhash,
            })
        })
        .collect()
}

/// The part of the Status entity that is the same for every viewer. The
/// author, the boosted status, the poll and the viewer's flags are added
/// around it. <https://docs.joinmastodon.org/entities/Status/>
#[derive(Serialize)]
struct StatusBase<'a> {
    id: String,
    uri: &'a str,
    url: &'a Option<String>,
    created_at: String,
    edited_at: Option<String>,
    content: &'a str,
    visibility: &'a str,
    sensitive: bool,
    spoiler_text: &'a str,
    media_attachments: Vec<Value>,
    application: Option<ApplicationRef<'a>>,
    mentions: Vec<MentionEntity<'a>>,
    tags: Vec<TagEntity<'a>>,
    emojis: [(); 0],
    reblogs_count: i64,
    favourites_count: i64,
    replies_count: i64,
    in_reply_to_id: Option<String>,
    in_reply_to_account_id: Option<String>,
    card: Option<()>,
    language: &'a Option<String>,
    text: Option<()>,
    filtered: [(); 0],
}

/// Everything needed to render a page of statuses for one viewer. Rendered
/// parts come from the store's cache; only what is missing there is loaded,
/// in one query per kind, plus one query for the viewer's flags.
pub struct StatusContext {
    /// Viewer-independent JSON of each status (an unclosed object).
    bases: HashMap<i64, Arc<str>>,
    authors: HashMap<i64, Arc<str>>,
    originals: HashMap<i64, Status>,
    favourited: HashSet<i64>,
    reblogged: HashSet<i64>,
    bookmarked: HashSet<i64>,
    pinned: HashSet<i64>,
    polls: HashMap<i64, Value>,
    muted_conversations: HashSet<i64>,
}

impl StatusContext {
    /// Loads what `statuses` (and the statuses they boost) refer to.
    pub async fn load(
        app: &AppState,
        viewer: Option<&Account>,
        statuses: &[Status],
    ) -> Result<Self> {
        let original_ids: Vec<i64> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
        let originals: HashMap<i64, Status> = app
            .store
            .get_statuses(&original_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let all: Vec<&Status> = statuses.iter().chain(originals.values()).collect();
        let ids: Vec<i64> = all.iter().map(|s| s.id).collect();
        let bases = Self::bases(app, &all).await?;

        let mut author_ids: Vec<i64> = all.iter().map(|s| s.account_id).collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        // Rendered authors straight from the cache; rows only for the rest.
        let (cached, missing) = app.store.cache.account_json.get_many(&author_ids);
        let mut authors: HashMap<i64, Arc<str>> = cached.into_iter().collect();
        for a in app.store.get_accounts(&missing).await? {
            authors.insert(a.id, account_json(app, &a));
        }

        let (mut favourited, mut reblogged, mut bookmarked, mut pinned, mut muted_conversations) =
            Default::default();
        if let Some(v) = viewer {
            let mut conversations: Vec<i64> =
                all.iter().filter_map(|s| s.conversation_id).collect();
            conversations.sort_unstable();
            conversations.dedup();
            for (kind, id) in app.store.viewer_flags(v.id, &ids, &conversations).await? {
                let set: &mut HashSet<i64> = match kind {
                    1 => &mut favourited,
                    2 => &mut reblogged,
                    3 => &mut bookmarked,
                    4 => &mut pinned,
                    _ => &mut muted_conversations,
                };
                set.insert(id);
            }
        }
        let mut polls = HashMap::new();
        let with_poll: Vec<i64> = all
            .iter()
            .filter(|s| s.poll_id.is_some())
            .map(|s| s.id)
            .collect();
        if !with_poll.is_empty() {
            for p in &app.store.polls_of(&with_poll).await? {
                let author = all
                    .iter()
                    .find(|s| s.id == p.status_id)
                    .map_or(0, |s| s.account_id);
                polls.insert(p.status_id, poll(app, viewer, p, author).await?);
            }
        }
        Ok(Self {
            bases,
            authors,
            originals,
            favourited,
            reblogged,
            bookmarked,
            pinned,
            polls,
            muted_conversations,
        })
    }

    /// The viewer-independent JSON of each status, from the cache or rendered
    /// (loading mentions, tags and applications for those only).
    async fn bases(app: &AppState, all: &[&Status]) -> Result<HashMap<i64, Arc<str>>> {
        let cache = &app.store.cache.status_json;
        let ticket = cache.ticket();
        let mut bases = HashMap::with_capacity(all.len());
        let mut missing: Vec<&Status> = Vec::new();
        for s in all {
            match cache.get(&s.id) {
                Some(json) => {
                    bases.insert(s.id, json);
                }
                None => missing.push(s),
            }
        }
        if missing.is_empty() {
            return Ok(bases);
        }
        let ids: Vec<i64> = missing.iter().map(|s| s.id).collect();
        let mut mentions: HashMap<i64, Vec<i64>> = HashMap::new();
        for (status, account) in app.store.mentions_of(&ids).await? {
            mentions.entry(status).or_default().push(account);
        }
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        for (status, name) in app.store.tags_of(&ids).await? {
            tags.entry(status).or_default().push(name);
        }
        let mut mentioned: Vec<i64> = mentions.values().flatten().copied().collect();
        mentioned.sort_unstable();
        mentioned.dedup();
        let accounts: HashMap<i64, Account> = app
            .store
            .get_accounts(&mentioned)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let media_ids: Vec<i64> = missing
            .iter()
            .flat_map(|s| s.media_ids.iter().flat_map(|m| m.0.iter().copied()))
            .collect();
        let media: HashMap<i64, crate::model::MediaAttachment> = if media_ids.is_empty() {
            HashMap::new()
        } else {
            app.store
                .get_media_many(&media_ids)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect()
        };
        let mut apps = HashMap::new();
        for id in missing.iter().filter_map(|s| s.application_id) {
            if let std::collections::hash_map::Entry::Vacant(e) = apps.entry(id)
                && let Some(a) = app.store.get_app(id).await?
            {
                e.insert(a);
            }
        }
        for s in missing {
            let base = StatusBase {
                id: s.id.to_string(),
                uri: &s.uri,
                url: &s.url,
                created_at: timestamp(s.created_at),
                edited_at: s.edited_at.map(timestamp),
                content: &s.content,
                visibility: &s.visibility,
                sensitive: s.sensitive,
                spoiler_text: &s.spoiler_text,
                media_attachments: match (&s.media_ids, &s.remote_attachments) {
                    (Some(ids), _) => ids
                        .0
                        .iter()
                        .filter_map(|id| media.get(id))
                        .map(|m| super::media::entity(app, m))
                        .collect(),
                    (None, Some(remote)) => remote_media(s.id, &remote.0),
                    (None, None) => Vec::new(),
                },
                application: s
                    .application_id
                    .and_then(|id| apps.get(&id))
                    .map(|a: &App| ApplicationRef {
                        name: &a.name,
                        website: &a.website,
                    }),
                mentions: mentions
                    .get(&s.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| accounts.get(id))
                    .map(|a| MentionEntity {
                        id: a.id.to_string(),
                        username: &a.username,
                        url: a.url.as_deref().unwrap_or(&a.uri),
                        acct: a.acct(),
                    })
                    .collect(),
                tags: tags
                    .get(&s.id)
                    .into_iter()
                    .flatten()
                    .map(|t| TagEntity {
                        name: t,
                        url: app.url(&format!("/tags/{t}")),
                    })
                    .collect(),
                emojis: [],
                reblogs_count: s.reblogs_count,
                favourites_count: s.favourites_count,
                replies_count: s.replies_count,
                in_reply_to_id: s.in_reply_to_id.map(|i| i.to_string()),
                in_reply_to_account_id: s.in_reply_to_account_id.map(|i| i.to_string()),
                card: None,
                language: &s.language,
                text: None,
                filtered: [],
            };
            let mut json = serde_json::to_string(&base)
                .map_err(|e| crate::error::Error::internal(format!("status JSON: {e}")))?;
            json.pop(); // Left open for the parts added per request.
            let json: Arc<str> = json.into();
            // Kept only when rendered from the row the caches hold now.
            if app.store.cache.statuses.get(&s.id).as_ref() == Some(s) {
                cache.put(ticket, s.id, json.clone());
            }
            bases.insert(s.id, json);
        }
        Ok(bases)
    }

    /// Appends the Status entity of `s` for `viewer` to `out`; false (and
    /// nothing written) if its author or boosted status is missing.
    fn write(&self, out: &mut String, viewer: Option<&Account>, s: &Status) -> bool {
        let (Some(base), Some(author)) = (self.bases.get(&s.id), self.authors.get(&s.account_id))
        else {
            return false;
        };
        let mut reblog = String::new();
        match s.reblog_of_id {
            Some(of) => match self.originals.get(&of) {
                Some(original) if self.write(&mut reblog, viewer, original) => {}
                _ => return false,
            },
            None => reblog.push_str("null"),
        }
        let poll = self
            .polls
            .get(&s.id)
            .map_or_else(|| "null".to_string(), Value::to_string);
        out.reserve(base.len() + author.len() + reblog.len() + 200);
        out.push_str(base);
        out.push_str(",\"account\":");
        out.push_str(author);
        out.push_str(",\"reblog\":");
        out.push_str(&reblog);
        out.push_str(",\"poll\":");
        out.push_str(&poll);
        if let Some(v) = viewer {
            let flag = |out: &mut String, name: &str, on: bool| {
                out.push_str(",\"");
                out.push_str(name);
                out.push_str(if on { "\":true" } else { "\":false" });
            };
            flag(out, "favourited", self.favourited.contains(&s.id));
            flag(out, "reblogged", self.reblogged.contains(&s.id));
            flag(out, "bookmarked", self.bookmarked.contains(&s.id));
            let muted = s
                .conversation_id
                .is_some_and(|c| self.muted_conversations.contains(&c));
            flag(out, "muted", muted);
            if v.id == s.account_id {
                flag(out, "pinned", self.pinned.contains(&s.id));
            }
        }
        out.push('}');
        true
    }
}

/// Renders statuses for a viewer as a JSON array (order kept; any whose
/// author is missing are skipped). The hot path of every timeline.
pub async fn statuses_json(
    app: &AppState,
    viewer: Option<&Account>,
    list: &[Status],
) -> Result<String> {
    let ctx = StatusContext::load(app, viewer, list).await?;
    let mut out = String::with_capacity(list.len() * 2048 + 2);
    out.push('[');
    for s in list {
        let mark = out.len();
        if out.len() > 1 {
            out.push(',');
        }
        if !ctx.write(&mut out, viewer, s) {
            out.truncate(mark);
        }
    }
    out.push(']');
    Ok(out)
}

/// Renders statuses for a viewer as values, for callers that adjust them.
pub async fn statuses(
    app: &AppState,
    viewer: Option<&Account>,
    list: &[Status],
) -> Result<Vec<Value>> {
    let json = statuses_json(app, viewer, list).await?;
    serde_json::from_str(&json)
        .map_err(|e| crate::error::Error::internal(format!("status JSON: {e}")))
}

/// Renders one status for a viewer.
pub async fn status(app: &AppState, viewer: Option<&Account>, s: &Status) -> Result<Value> {
    statuses(app, viewer, std::slice::from_ref(s))
        .await?
        .into_iter()
        .next()
        .ok_or_else(crate::error::Error::not_found)
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

/// <https://docs.joinmastodon.org/entities/Notification/>
pub async fn notifications(
    app: &AppState,
    viewer: &Account,
    list: &[Notification],
) -> Result<Vec<Value>> {
    let status_ids: Vec<i64> = list.iter().filter_map(|n| n.status_id).collect();
    let statuses = app.store.get_statuses(&status_ids).await?;
    let rendered = self::statuses(app, Some(viewer), &statuses).await?;
    let by_id: HashMap<String, Value> = rendered
        .into_iter()
        .map(|v| (v["id"].as_str().unwrap_or("").to_string(), v))
        .collect();
    let mut from_ids: Vec<i64> = list.iter().map(|n| n.from_account_id).collect();
    from_ids.dedup();
    let accounts: HashMap<i64, Account> = app
        .store
        .get_accounts(&from_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(list
        .iter()
        .filter_map(|n| {
            let from = accounts.get(&n.from_account_id)?;
            let status = match n.status_id {
                Some(id) => Some(by_id.get(&id.to_string())?.clone()),
                None => None,
            };
            Some(json!({
                "id": n.id.to_string(),
                "type": n.r#type,
                "group_key": format!("ungrouped-{}", n.id),
                "created_at": timestamp(n.created_at),
                "account": account(app, from),
                "status": status,
            }))
        })
        .collect())
}

/// <https://docs.joinmastodon.org/entities/Poll/>. Totals stay hidden while a
/// `hide_totals` poll runs, except from its author.
pub async fn poll(
    app: &AppState,
    viewer: Option<&Account>,
    p: &crate::model::Poll,
    author_id: i64,
) -> Result<Value> {
    let now = chrono::Utc::now();
    let tallies = app.store.poll_tallies(&[p.id]).await?;
    let own: Vec<i64> = match viewer {
        Some(v) => app
            .store
            .own_votes(v.id, &[p.id])
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect(),
        None => Vec::new(),
    };
    let show = !p.hide_totals || p.expired(now) || viewer.is_some_and(|v| v.id == author_id);
    let options: Vec<Value> = p
        .options
        .0
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let i = i64::try_from(i).unwrap_or(0);
            let votes = match &p.remote_tallies {
                Some(remote) => usize::try_from(i)
                    .ok()
                    .and_then(|i| remote.0.get(i))
                    .copied()
                    .unwrap_or(0),
                None => tallies.iter().find(|(_, c, _)| *c == i).map_or(0, |t| t.2),
            };
            json!({"title": title, "votes_count": if show { Some(votes) } else { None }})
        })
        .collect();
    let mut v = json!({
        "id": p.id.to_string(),
        "expires_at": p.expires_at.map(timestamp),
        "expired": p.expired(now),
        "multiple": p.multiple,
        "votes_count": p.votes_count,
        "voters_count": p.voters_count,
        "options": options,
        "emojis": [],
    });
    if viewer.is_some() {
        v["voted"] = json!(!own.is_empty() || viewer.is_some_and(|x| x.id == author_id));
        v["own_votes"] = json!(own);
    }
    Ok(v)
}
