//! Public HTML pages: a profile (`/@username`) and a post (`/@username/:id`),
//! showing only public content, with OpenGraph tags for link previews, and
//! hidden from search engines when the account is not indexable.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::{message, render};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::activitypub;
use crate::model::{Account, Status};
use crate::service::public;

/// A post as the public pages show it.
pub struct PostView {
    pub url: String,
    pub uri: String,
    pub created_at: String,
    pub spoiler_text: String,
    pub content: String,
}

impl PostView {
    fn of(s: &Status) -> Self {
        Self {
            url: s.url.clone().unwrap_or(s.uri.clone()),
            uri: s.uri.clone(),
            created_at: s.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            spoiler_text: s.spoiler_text.clone(),
            content: s.content.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    instance_title: String,
    display_name: String,
    acct: String,
    description: String,
    url: String,
    uri: String,
    avatar: String,
    note: String,
    fields: Vec<(String, String)>,
    statuses_count: i64,
    following_count: i64,
    followers_count: i64,
    hide_collections: bool,
    indexable: bool,
    posts: Vec<PostView>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    instance_title: String,
    display_name: String,
    acct: String,
    description: String,
    avatar: String,
    profile_url: String,
    indexable: bool,
    post: PostView,
    replies_count: i64,
    reblogs_count: i64,
    favourites_count: i64,
}

/// Text without tags, shortened: for `og:description`.
fn plain_summary(html: &str, max: usize) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.replace("</p><p>", " ").replace("<br />", " ").chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max {
        format!("{}…", text.chars().take(max).collect::<String>())
    } else {
        text
    }
}

/// A local, approved, unsuspended account by its `@name` path segment.
async fn profile_account(app: &AppState, handle: &str) -> Result<Option<Account>> {
    let Some(username) = handle.strip_prefix('@') else {
        return Ok(None);
    };
    match public::profile(app, username).await {
        Ok(account) => Ok(Some(account)),
        Err(e) if e.kind == crate::error::Kind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn not_found(app: &AppState) -> Response {
    message(
        app,
        StatusCode::NOT_FOUND,
        "Not found",
        "The page you are looking for is not here.",
    )
}

fn display_name(a: &Account) -> String {
    if a.display_name.is_empty() {
        a.username.clone()
    } else {
        a.display_name.clone()
    }
}

fn avatar(app: &AppState, a: &Account) -> String {
    crate::http::mastodon::entities::avatar_url(app, a)
}

/// `GET /@username`: the profile page, or the actor for an ActivityPub
/// `Accept` (as Mastodon does, so that a pasted profile link resolves).
pub async fn profile(
    State(app): State<Arc<AppState>>,
    crate::http::extract::ClientIp(ip): crate::http::extract::ClientIp,
    Path(handle): Path<String>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let wants_ap = activitypub::wants_activity_json(&headers);
    let Some(account) = profile_account(&app, &handle).await? else {
        return Ok(if wants_ap {
            Error::not_found().into_response()
        } else {
            not_found(&app)
        });
    };
    if wants_ap {
        return activitypub::person_document(&app, &account, &method, &uri, &headers).await;
    }
    let viewer = super::current_session(&app, &headers)
        .await?
        .map(|(_, account)| account);
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    crate::service::analytics::profile_viewed(&app, &account, viewer.as_ref(), ip, agent);
    let posts = public::profile_posts(&app, &account, 20).await?;
    let page = ProfilePage {
        instance_title: app.config.instance.title.clone(),
        display_name: display_name(&account),
        acct: format!("{}@{}", account.username, app.config.server.domain),
        description: plain_summary(&account.note, 200),
        url: account.url.clone().unwrap_or(account.uri.clone()),
        uri: account.uri.clone(),
        avatar: avatar(&app, &account),
        note: account.note.clone(),
        fields: account
            .fields
            .0
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    crate::text::plain_to_html(
                        &f.value.split_whitespace().collect::<Vec<_>>().join(" "),
                    ),
                )
            })
            .collect(),
        statuses_count: account.statuses_count,
        following_count: account.following_count,
        followers_count: account.followers_count,
        hide_collections: account.hide_collections,
        indexable: account.indexable,
        posts: posts.iter().map(PostView::of).collect(),
    };
    Ok(vary_accept(render(StatusCode::OK, &page)))
}

/// The same URL answers HTML or ActivityPub JSON: caches must key on Accept.
fn vary_accept(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// `GET /@username/:id`: public and unlisted posts (both are reachable by
/// link), as a page or, for an ActivityPub `Accept`, as the Note.
pub async fn status(
    State(app): State<Arc<AppState>>,
    Path((handle, id)): Path<(String, String)>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    let wants_ap = activitypub::wants_activity_json(&headers);
    let missing = || {
        if wants_ap {
            Error::not_found().into_response()
        } else {
            not_found(&app)
        }
    };
    let Some(account) = profile_account(&app, &handle).await? else {
        return Ok(missing());
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(missing());
    };
    let status = match public::post(&app, &account, id).await {
        Ok(status) => status,
        Err(e) if e.kind == crate::error::Kind::NotFound => return Ok(missing()),
        Err(e) => return Err(e),
    };
    if wants_ap {
        return activitypub::note_document(&app, &status, &method, &uri, &headers).await;
    }
    let page = StatusPage {
        instance_title: app.config.instance.title.clone(),
        display_name: display_name(&account),
        acct: format!("{}@{}", account.username, app.config.server.domain),
        description: if status.spoiler_text.is_empty() {
            plain_summary(&status.content, 200)
        } else {
            status.spoiler_text.clone()
        },
        avatar: avatar(&app, &account),
        profile_url: account.url.clone().unwrap_or(account.uri.clone()),
        indexable: account.indexable && status.visibility == "public",
        post: PostView::of(&status),
        replies_count: status.replies_count,
        reblogs_count: status.reblogs_count,
        favourites_count: status.favourites_count,
    };
    Ok(vary_accept(render(StatusCode::OK, &page)))
}

/// A post on the hashtag page, with who wrote it.
struct TagPostView {
    post: PostView,
    author_name: String,
    author_acct: String,
    author_url: String,
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    instance_title: String,
    name: String,
    summary: String,
    posts: Vec<TagPostView>,
}

/// `GET /tags/:name`: a hashtag's latest public posts, here and from other
/// servers, and how much it was used this week (the links hashtags carry
/// in posts lead here).
pub async fn tag(State(app): State<Arc<AppState>>, Path(name): Path<String>) -> Result<Response> {
    let Ok(info) = crate::service::tags::info(&app, &name).await else {
        return Ok(not_found(&app));
    };
    let filter = crate::model::TagFilter {
        any: vec![info.name.clone()],
        all: Vec::new(),
        none: Vec::new(),
        local: false,
    };
    let page = crate::model::Page {
        limit: 20,
        ..crate::model::Page::default()
    };
    let posts = crate::service::timelines::tag(&app, None, &filter, &page).await?;
    let author_ids: Vec<i64> = posts.iter().map(|s| s.account_id).collect();
    let authors = crate::service::rendering::accounts(&app, &author_ids).await?;
    let uses: i64 = info.history.iter().map(|d| d.uses).sum();
    let page = TagPage {
        instance_title: app.config.instance.title.clone(),
        summary: format!(
            "{uses} {} in the last 7 days",
            if uses == 1 { "post" } else { "posts" }
        ),
        name: info.name,
        posts: posts
            .iter()
            .filter_map(|s| {
                let a = authors.iter().find(|a| a.id == s.account_id)?;
                Some(TagPostView {
                    post: PostView::of(s),
                    author_name: display_name(a),
                    author_acct: a.acct(),
                    author_url: a.url.clone().unwrap_or(a.uri.clone()),
                })
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
