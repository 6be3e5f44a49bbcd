//! Statuses: the viewer-independent part rendered once and cached, the
//! author, boosted original, poll and viewer's flags added per request.

use serde::Serialize;
use serde_json::{Value, json};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::account::account_json;
use super::{poll, timestamp};
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, App, FilterContext, Quote, QuotePolicy, Status};
use crate::service::rendering;

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

/// A remote post's attachments, stored with the post by older versions
/// (`remote_attachments`), as MediaAttachment entities pointing at the
/// remote files. <https://docs.joinmastodon.org/entities/MediaAttachment/>
fn remote_media(
    status_id: i64,
    list: &[crate::model::RemoteMedia],
) -> Vec<super::MediaAttachmentEntity> {
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
            super::MediaAttachmentEntity {
                // Stable per status and position: these files have no rows.
                id: format!("{status_id}{i:02}"),
                kind: m.kind.clone(),
                url: Some(m.url.clone()),
                preview_url: Some(m.url.clone()),
                remote_url: Some(m.url.clone()),
                preview_remote_url: None,
                text_url: None,
                meta,
                description: m.description.clone(),
                blurhash: m.blurhash.clone(),
            }
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
    url: Option<&'a str>,
    created_at: String,
    edited_at: Option<String>,
    content: &'a str,
    visibility: &'a str,
    sensitive: bool,
    spoiler_text: &'a str,
    media_attachments: Vec<super::MediaAttachmentEntity>,
    application: Option<ApplicationRef<'a>>,
    mentions: Vec<MentionEntity<'a>>,
    tags: Vec<TagEntity<'a>>,
    emojis: Vec<super::CustomEmojiEntity>,
    reblogs_count: i64,
    favourites_count: i64,
    replies_count: i64,
    quotes_count: i64,
    in_reply_to_id: Option<String>,
    in_reply_to_account_id: Option<String>,
    card: Option<super::PreviewCardEntity>,
    language: &'a Option<String>,
    text: Option<()>,
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
    /// Each poll's JSON, rendered for the viewer.
    polls: HashMap<i64, String>,
    muted_conversations: HashSet<i64>,
    /// The viewer's filter results per status (a JSON array), where any
    /// filter matched and none hides it.
    filtered: HashMap<i64, String>,
    /// Statuses a `hide` filter of the viewer removes.
    hidden: HashSet<i64>,
    /// The quote each quoting status makes.
    quotes: HashMap<i64, Quote>,
    /// The posts accepted quotes quote.
    quoted: HashMap<i64, Status>,
    /// What each accepted quote shows the viewer (by quoting status).
    quote_states: HashMap<i64, &'static str>,
    /// QuoteApproval's `current_user` per status.
    approvals: HashMap<i64, &'static str>,
}

impl StatusContext {
    /// Loads what `statuses` (and the statuses they boost) refer to.
    pub async fn load(
        app: &AppState,
        viewer: Option<&Account>,
        statuses: &[Status],
    ) -> Result<Self> {
        Self::load_in(app, viewer, None, statuses).await
    }

    /// [`StatusContext::load`], with the viewer's filters for `context`.
    pub async fn load_in(
        app: &AppState,
        viewer: Option<&Account>,
        context: Option<FilterContext>,
        statuses: &[Status],
    ) -> Result<Self> {
        let original_ids: Vec<i64> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
        let originals: HashMap<i64, Status> = rendering::statuses(app, &original_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let first: Vec<&Status> = statuses.iter().chain(originals.values()).collect();
        let first_ids: Vec<i64> = first.iter().map(|s| s.id).collect();
        // Quoted posts are rendered inside their quotes; their own quotes
        // only as ShallowQuote (state and id), so one level is loaded.
        let mut quotes: HashMap<i64, Quote> = rendering::quotes(app, &first_ids)
            .await?
            .into_iter()
            .map(|q| (q.status_id, q))
            .collect();
        let quoted_ids: Vec<i64> = quotes
            .values()
            .filter(|q| q.is_accepted())
            .filter_map(|q| q.quoted_status_id)
            .collect();
        let quoted: HashMap<i64, Status> = rendering::statuses(app, &quoted_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let nested: Vec<i64> = quoted
            .keys()
            .filter(|id| !quotes.contains_key(id))
            .copied()
            .collect();
        for q in rendering::quotes(app, &nested).await? {
            quotes.insert(q.status_id, q);
        }
        let mut all: Vec<&Status> = first;
        all.extend(quoted.values().filter(|q| !first_ids.contains(&q.id)));
        // Every post an accepted quote names (including those the quoted
        // posts quote), as rows, for what each quote shows the viewer.
        let named: Vec<i64> = quotes
            .values()
            .filter(|q| q.is_accepted())
            .filter_map(|q| q.quoted_status_id)
            .collect();
        let quote_states = if named.is_empty() {
            HashMap::new()
        } else {
            let rows: HashMap<i64, Status> = rendering::statuses(app, &named)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            let quote_list: Vec<&Quote> = quotes.values().collect();
            crate::service::quotes::states_for(app, viewer, &quote_list, &rows).await?
        };
        let approvals = crate::service::quotes::approvals_for(app, viewer, &all).await?;
        let ids: Vec<i64> = all.iter().map(|s| s.id).collect();
        let bases = Self::bases(app, &all).await?;

        let mut author_ids: Vec<i64> = all.iter().map(|s| s.account_id).collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        // Rendered authors straight from the cache; rows only for the rest.
        let (cached, missing) = app.caches().account_json.get_many(&author_ids);
        let mut authors: HashMap<i64, Arc<str>> = cached.into_iter().collect();
        for a in rendering::accounts(app, &missing).await? {
            authors.insert(a.id, account_json(app, &a));
        }

        let (mut favourited, mut reblogged, mut bookmarked, mut pinned, mut muted_conversations) =
            Default::default();
        if let Some(v) = viewer {
            let mut conversations: Vec<i64> =
                all.iter().filter_map(|s| s.conversation_id).collect();
            conversations.sort_unstable();
            conversations.dedup();
            for (kind, id) in rendering::viewer_flags(app, v.id, &ids, &conversations).await? {
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
            for p in &rendering::polls(app, &with_poll).await? {
                let author = all
                    .iter()
                    .find(|s| s.id == p.status_id)
                    .map_or(0, |s| s.account_id);
                let entity = poll(app, viewer, p, author).await?;
                let json = serde_json::to_string(&entity)
                    .map_err(|e| crate::error::Error::internal(format!("poll JSON: {e}")))?;
                polls.insert(p.status_id, json);
            }
        }
        let (mut filtered, mut hidden) = (HashMap::new(), HashSet::new());
        if let (Some(v), Some(context)) = (viewer, context) {
            let filters = crate::service::filters::active(app, v, context).await?;
            for s in all.iter().filter(|s| s.account_id != v.id) {
                let matches = crate::service::filters::matches(&filters, s, &[]);
                if matches.is_empty() {
                    continue;
                }
                if matches.iter().any(|m| m.hides()) {
                    hidden.insert(s.id);
                    continue;
                }
                let results: Vec<_> = matches
                    .iter()
                    .map(|m| super::filter_result(m, s.id))
                    .collect();
                let json = serde_json::to_string(&results)
                    .map_err(|e| crate::error::Error::internal(format!("filter JSON: {e}")))?;
                filtered.insert(s.id, json);
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
            filtered,
            hidden,
            quotes,
            quoted,
            quote_states,
            approvals,
        })
    }

    /// The custom emoji each status names (`:shortcode:` in its text or
    /// content warning), from its author's server, in one query.
    async fn emojis(
        app: &AppState,
        statuses: &[&Status],
        accounts: &HashMap<i64, Account>,
    ) -> Result<HashMap<i64, Vec<super::CustomEmojiEntity>>> {
        let mut wanted: Vec<(i64, String, Vec<String>)> = Vec::new();
        for s in statuses {
            let mut codes = crate::model::emoji::shortcodes_in(&s.content);
            for c in crate::model::emoji::shortcodes_in(&s.spoiler_text) {
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
            if codes.is_empty() {
                continue;
            }
            let domain = accounts
                .get(&s.account_id)
                .and_then(|a| a.domain.as_deref())
                .unwrap_or("")
                .to_ascii_lowercase();
            wanted.push((s.id, domain, codes));
        }
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        let names: Vec<(String, String)> = wanted
            .iter()
            .flat_map(|(_, d, codes)| codes.iter().map(move |c| (d.clone(), c.clone())))
            .collect();
        let found: HashMap<(String, String), super::CustomEmojiEntity> =
            rendering::emojis(app, &names)
                .await?
                .iter()
                .filter_map(|e| {
                    super::custom_emoji(app, e)
                        .map(|x| ((e.domain.clone(), e.shortcode.clone()), x))
                })
                .collect();
        Ok(wanted
            .into_iter()
            .map(|(id, domain, codes)| {
                let list = codes
                    .into_iter()
                    .filter_map(|c| found.get(&(domain.clone(), c)).cloned())
                    .collect();
                (id, list)
            })
            .collect())
    }

    /// The viewer-independent JSON of each status, from the cache or rendered
    /// (loading mentions, tags and applications for those only).
    async fn bases(app: &AppState, all: &[&Status]) -> Result<HashMap<i64, Arc<str>>> {
        let cache = &app.caches().status_json;
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
        for (status, account) in rendering::mentions(app, &ids).await? {
            mentions.entry(status).or_default().push(account);
        }
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        for (status, name) in rendering::tags(app, &ids).await? {
            tags.entry(status).or_default().push(name);
        }
        let mut mentioned: Vec<i64> = mentions.values().flatten().copied().collect();
        // The authors too: media of an account moderators marked sensitive
        // are shown as sensitive.
        mentioned.extend(missing.iter().map(|s| s.account_id));
        mentioned.sort_unstable();
        mentioned.dedup();
        let accounts: HashMap<i64, Account> = rendering::accounts(app, &mentioned)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let media_ids: Vec<i64> = missing
            .iter()
            .flat_map(|s| s.media_ids.iter().flat_map(|m| m.0.iter().copied()))
            .collect();
        let media: HashMap<i64, crate::model::MediaAttachment> = rendering::media(app, &media_ids)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let emojis = Self::emojis(app, &missing, &accounts).await?;
        let cards: HashMap<i64, crate::model::PreviewCard> =
            crate::service::cards::of_statuses(app, &ids)
                .await?
                .into_iter()
                .collect();
        let mut apps = HashMap::new();
        for id in missing.iter().filter_map(|s| s.application_id) {
            if let std::collections::hash_map::Entry::Vacant(e) = apps.entry(id)
                && let Some(a) = rendering::application(app, id).await?
            {
                e.insert(a);
            }
        }
        for s in missing {
            let base = StatusBase {
                id: s.id.to_string(),
                uri: &s.uri,
                url: s.url.as_deref().and_then(crate::text::web_url),
                created_at: timestamp(s.created_at),
                edited_at: s.edited_at.map(timestamp),
                content: &s.content,
                visibility: &s.visibility,
                sensitive: s.sensitive
                    || (accounts
                        .get(&s.account_id)
                        .is_some_and(|a| a.sensitized_at.is_some())
                        && (s.media_ids.is_some() || s.remote_attachments.is_some())),
                spoiler_text: &s.spoiler_text,
                media_attachments: match (&s.media_ids, &s.remote_attachments) {
                    (Some(ids), _) => ids
                        .0
                        .iter()
                        .filter_map(|id| media.get(id))
                        .map(|m| super::media_attachment(app, m))
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
                        url: a
                            .url
                            .as_deref()
                            .and_then(crate::text::web_url)
                            .unwrap_or(&a.uri),
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
                emojis: emojis.get(&s.id).cloned().unwrap_or_default(),
                reblogs_count: s.reblogs_count,
                favourites_count: s.favourites_count,
                replies_count: s.replies_count,
                quotes_count: s.quotes_count,
                in_reply_to_id: s.in_reply_to_id.map(|i| i.to_string()),
                in_reply_to_account_id: s.in_reply_to_account_id.map(|i| i.to_string()),
                card: cards.get(&s.id).map(|c| super::preview_card(app, c)),
                language: &s.language,
                text: None,
            };
            let mut json = serde_json::to_string(&base)
                .map_err(|e| crate::error::Error::internal(format!("status JSON: {e}")))?;
            json.pop(); // Left open for the parts added per request.
            let json: Arc<str> = json.into();
            // Kept only when rendered from the row the caches hold now.
            if app.caches().statuses.get(&s.id).as_ref() == Some(s) {
                cache.put(ticket, s.id, json.clone());
            }
            bases.insert(s.id, json);
        }
        Ok(bases)
    }

    /// The Status entity of `s` for `viewer` as JSON, from what was loaded
    /// (for `viewer` or, when loaded for nobody, with every flag false).
    pub fn render(&self, viewer: Option<&Account>, s: &Status) -> Option<String> {
        let mut out = String::with_capacity(2048);
        self.write(&mut out, viewer, s).then_some(out)
    }

    /// Appends the Status entity of `s` for `viewer` to `out`; false (and
    /// nothing written) if its author or boosted status is missing.
    fn write(&self, out: &mut String, viewer: Option<&Account>, s: &Status) -> bool {
        self.write_at(out, viewer, s, false)
    }

    /// [`Self::write`]; `shallow` for a quoted post inside a quote, whose
    /// own quote is a ShallowQuote.
    fn write_at(
        &self,
        out: &mut String,
        viewer: Option<&Account>,
        s: &Status,
        shallow: bool,
    ) -> bool {
        let (Some(base), Some(author)) = (self.bases.get(&s.id), self.authors.get(&s.account_id))
        else {
            return false;
        };
        if self.hidden.contains(&s.id) {
            return false;
        }
        let mut reblog = String::new();
        match s.reblog_of_id {
            Some(of) => match self.originals.get(&of) {
                Some(original) if self.write(&mut reblog, viewer, original) => {}
                _ => return false,
            },
            None => reblog.push_str("null"),
        }
        let poll = self.polls.get(&s.id).map_or("null", String::as_str);
        out.reserve(base.len() + author.len() + reblog.len() + 200);
        out.push_str(base);
        out.push_str(",\"account\":");
        out.push_str(author);
        out.push_str(",\"reblog\":");
        out.push_str(&reblog);
        out.push_str(",\"poll\":");
        out.push_str(poll);
        out.push_str(",\"filtered\":");
        out.push_str(self.filtered.get(&s.id).map_or("[]", String::as_str));
        out.push_str(",\"quote\":");
        self.write_quote(out, viewer, s, shallow);
        out.push_str(",\"quote_approval\":");
        self.write_approval(out, s);
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

impl StatusContext {
    /// Status's `quote`: null, a Quote (`state`, `quoted_status`) or, inside
    /// a quote, a ShallowQuote (`state`, `quoted_status_id`). A legacy
    /// quote shows only once accepted, as Mastodon shows it.
    /// <https://docs.joinmastodon.org/entities/Quote/>
    fn write_quote(&self, out: &mut String, viewer: Option<&Account>, s: &Status, shallow: bool) {
        let Some(q) = self
            .quotes
            .get(&s.id)
            .filter(|q| !q.legacy || q.is_accepted())
        else {
            out.push_str("null");
            return;
        };
        let state = if q.is_accepted() {
            self.quote_states
                .get(&s.id)
                .copied()
                .unwrap_or("unauthorized")
        } else {
            q.state.as_str()
        };
        let shown = matches!(state, "accepted" | "muted_account");
        let json_state = serde_json::Value::from(state).to_string();
        out.push_str("{\"state\":");
        out.push_str(&json_state);
        if shallow {
            out.push_str(",\"quoted_status_id\":");
            match q.quoted_status_id.filter(|_| shown) {
                Some(id) => {
                    out.push('"');
                    out.push_str(&id.to_string());
                    out.push('"');
                }
                None => out.push_str("null"),
            }
        } else {
            out.push_str(",\"quoted_status\":");
            let mut inner = String::new();
            let written = shown
                && q.quoted_status_id
                    .and_then(|id| self.quoted.get(&id))
                    .is_some_and(|quoted| self.write_at(&mut inner, viewer, quoted, true));
            out.push_str(if written { &inner } else { "null" });
        }
        out.push('}');
    }

    /// Status's `quote_approval`: who may quote it without asking, who by
    /// asking, and what the viewer may do. A boost shows its original's.
    /// <https://docs.joinmastodon.org/entities/QuoteApproval/>
    fn write_approval(&self, out: &mut String, s: &Status) {
        let policy_of = s
            .reblog_of_id
            .and_then(|id| self.originals.get(&id))
            .unwrap_or(s);
        let policy = QuotePolicy(policy_of.quote_policy);
        let current = self.approvals.get(&s.id).copied().unwrap_or("denied");
        let entity = json!({
            "automatic": QuotePolicy::names(policy.auto_flags()),
            "manual": QuotePolicy::names(policy.manual_flags()),
            "current_user": current,
        });
        out.push_str(&entity.to_string());
    }
}

/// Renders statuses for a viewer as a JSON array (order kept; any whose
/// author is missing are skipped). The hot path of every timeline.
pub async fn statuses_json(
    app: &AppState,
    viewer: Option<&Account>,
    list: &[Status],
) -> Result<String> {
    statuses_json_in(app, viewer, None, list).await
}

/// [`statuses_json`] with the viewer's filters for `context`: statuses a
/// `hide` filter matches are left out, the others carry `filtered`.
pub async fn statuses_json_in(
    app: &AppState,
    viewer: Option<&Account>,
    context: Option<FilterContext>,
    list: &[Status],
) -> Result<String> {
    let ctx = StatusContext::load_in(app, viewer, context, list).await?;
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
    statuses_in(app, viewer, None, list).await
}

/// [`statuses`] with the viewer's filters for `context`.
pub async fn statuses_in(
    app: &AppState,
    viewer: Option<&Account>,
    context: Option<FilterContext>,
    list: &[Status],
) -> Result<Vec<Value>> {
    let json = statuses_json_in(app, viewer, context, list).await?;
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
