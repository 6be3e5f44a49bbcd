//! Link preview cards: the first link of a post (local or remote), read by a
//! job through the guarded client as Mastodon's FetchLinkCardService does:
//! the page's OpenGraph and Twitter tags, then its oEmbed document if it
//! names one, then its image, stored like media. A card is kept per URL and
//! shared by every post linking the page; it is fetched again after
//! [`CARD_FRESH_DAYS`]. Cards are not federated: each server reads the page.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use url::Url;

use crate::app::AppState;
use crate::error::Result;
use crate::model::card::CARD_FRESH_DAYS;
use crate::model::{Account, PreviewCard, Status};
use crate::text::page::{self, PageMeta};

/// How much of a page is read: its head comes first, so a longer page is cut.
pub const PAGE_MAX_BYTES: usize = 1024 * 1024;
/// Largest oEmbed document read.
pub const OEMBED_MAX_BYTES: usize = 64 * 1024;
/// Longest title kept, in characters (longer ones are cut with "…").
const TITLE_MAX_CHARS: usize = 300;
/// Longest description kept, in characters.
const DESCRIPTION_MAX_CHARS: usize = 1000;
/// Longest name or URL kept (author, provider), in characters.
const FIELD_MAX_CHARS: usize = 500;
/// Largest player size taken from an oEmbed document, in pixels.
const PLAYER_MAX_PIXELS: i64 = 4000;

/// The link a post's card previews: its first web link to another server.
/// Boosts have none (they show the boosted post's).
pub fn card_link(app: &AppState, status: &Status) -> Option<Url> {
    if status.reblog_of_id.is_some() {
        return None;
    }
    let here = Url::parse(&app.base_url).ok()?;
    page::post_links(&status.content).into_iter().find(|u| {
        !(u.host_str() == here.host_str()
            && u.port_or_known_default() == here.port_or_known_default())
    })
}

/// The card post `status_id` shows, if any, when `viewer` may see the post
/// (404 otherwise).
pub async fn of_status(
    app: &AppState,
    viewer: Option<&Account>,
    status_id: i64,
) -> Result<Option<PreviewCard>> {
    let (status, _) = crate::service::statuses::visible_status(app, viewer, status_id).await?;
    Ok(app
        .store
        .cards_of(&[status.id])
        .await?
        .into_iter()
        .next()
        .map(|(_, c)| c))
}

/// The cards of statuses `ids`, by status.
pub async fn of_statuses(app: &AppState, ids: &[i64]) -> Result<Vec<(i64, PreviewCard)>> {
    app.store.cards_of(ids).await
}

/// The fetched cards of pages at `urls` (trending links).
pub async fn by_urls(app: &AppState, urls: &[String]) -> Result<Vec<PreviewCard>> {
    app.store.cards_by_urls(urls).await
}

/// The `fetch_card` job: gives a post the card of its first link, fetching
/// the page unless a fresh card of it is kept; takes the card away when an
/// edit removed the link. A page that cannot be read gives no card and is
/// not retried (as Mastodon's crawler does): the post shows without one.
pub async fn fetch_for_status(app: &AppState, status_id: i64) -> Result<()> {
    let Some(status) = app.store.get_status(status_id).await? else {
        return Ok(());
    };
    let Some(link) = card_link(app, &status) else {
        return app.store.set_status_card(status.id, None).await;
    };
    let key = String::from(link.clone());
    let kept = app.store.card_by_url(&key).await?;
    if let Some(c) = &kept
        && Utc::now() - c.fetched_at < Duration::days(CARD_FRESH_DAYS)
    {
        return app.store.set_status_card(status.id, Some(c.id)).await;
    }
    let Some(mut card) = fetch(app, &link).await? else {
        // An older card of the page still says something.
        return app
            .store
            .set_status_card(status.id, kept.as_ref().map(|c| c.id))
            .await;
    };
    if let Some(old) = &kept {
        card.id = old.id;
    }
    let id = app.store.put_card(&card).await?;
    if let Some(old) = kept.and_then(|c| c.image_key)
        && card.image_key.as_deref() != Some(&old)
    {
        crate::media::process::delete_card_image(app, &old).await;
    }
    app.store.set_status_card(status.id, Some(id)).await
}

/// Reads the page at `link` into a card (with its image stored); None when
/// the page cannot be read, is not HTML, or says nothing to show.
async fn fetch(app: &AppState, link: &Url) -> Result<Option<PreviewCard>> {
    let http = &app.federation.http;
    let fetched = match http
        .get_prefix(
            link,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            PAGE_MAX_BYTES,
        )
        .await
    {
        Ok(f) if (200..300).contains(&f.status) => f,
        Ok(f) => {
            tracing::info!(url = %link, status = f.status, "link preview not fetched");
            return Ok(None);
        }
        Err(e) => {
            tracing::info!(url = %link, error = %e, "link preview not fetched");
            return Ok(None);
        }
    };
    let is_html = fetched
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"));
    if !is_html {
        return Ok(None);
    }
    let html = String::from_utf8_lossy(&fetched.body);
    let meta = page::page_meta(&html);
    let mut parsed = from_page(link, &fetched.url, &meta, Utc::now());
    if let Some(oembed) = meta.oembed_json().and_then(|h| fetched.url.join(h).ok()) {
        match http
            .get(&oembed, "application/json", OEMBED_MAX_BYTES, None)
            .await
        {
            Ok(f) if (200..300).contains(&f.status) => {
                if let Ok(doc) = serde_json::from_slice::<Value>(&f.body) {
                    apply_oembed(&mut parsed, &doc, &f.url, http.policy().allow_http);
                }
            }
            Ok(f) => tracing::info!(url = %oembed, status = f.status, "oEmbed not fetched"),
            Err(e) => tracing::info!(url = %oembed, error = %e, "oEmbed not fetched"),
        }
    }
    if parsed.card.title.is_empty() && parsed.card.html.is_empty() {
        return Ok(None);
    }
    if let Some(image) = &parsed.image
        && let Some(stored) = crate::media::process::store_card_image(app, image.as_str()).await?
    {
        let card = &mut parsed.card;
        card.image_key = Some(stored.key);
        card.image_width = i64::from(stored.width);
        card.image_height = i64::from(stored.height);
        card.blurhash = Some(stored.blurhash);
    }
    Ok(Some(parsed.card))
}

/// A card read from a page, with the image it names (not yet fetched).
#[derive(Debug, Clone)]
pub struct Parsed {
    pub card: PreviewCard,
    pub image: Option<Url>,
}

/// The card a page's metadata makes: `link` is the URL the post carries,
/// `page_url` where the page was found (after redirects; relative URLs are
/// read against it).
pub fn from_page(link: &Url, page_url: &Url, meta: &PageMeta, now: DateTime<Utc>) -> Parsed {
    let text = |keys: &[&str], max| meta.get(keys).map(|v| cut(&page::collapse(v), max));
    let web = |keys: &[&str]| {
        meta.get(keys)
            .and_then(|v| page_url.join(v).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    };
    let title = text(&["og:title", "twitter:title"], TITLE_MAX_CHARS)
        .unwrap_or_else(|| cut(&meta.title, TITLE_MAX_CHARS));
    // `article:author` is a profile URL by OpenGraph's word, a name in practice.
    let (author_name, author_url) = match meta.get(&["article:author"]) {
        Some(a) if Url::parse(a).is_ok() => (
            text(&["author"], FIELD_MAX_CHARS).unwrap_or_default(),
            cut(a, FIELD_MAX_CHARS),
        ),
        Some(a) => (cut(&page::collapse(a), FIELD_MAX_CHARS), String::new()),
        None => (
            text(&["author"], FIELD_MAX_CHARS).unwrap_or_default(),
            String::new(),
        ),
    };
    let published_at = meta
        .get(&["article:published_time", "datepublished", "date"])
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc));
    let language = meta
        .lang
        .as_deref()
        .or_else(|| meta.get(&["og:locale"]))
        .and_then(language_code);
    let card = PreviewCard {
        id: crate::id::new_id(),
        url: String::from(link.clone()),
        title,
        description: text(
            &["og:description", "twitter:description", "description"],
            DESCRIPTION_MAX_CHARS,
        )
        .unwrap_or_default(),
        kind: "link".into(),
        author_name,
        author_url,
        provider_name: text(&["og:site_name", "application-name"], FIELD_MAX_CHARS)
            .unwrap_or_default(),
        provider_url: String::new(),
        html: String::new(),
        width: 0,
        height: 0,
        image_key: None,
        image_width: 0,
        image_height: 0,
        image_description: text(
            &["og:image:alt", "twitter:image:alt"],
            DESCRIPTION_MAX_CHARS,
        )
        .unwrap_or_default(),
        embed_url: String::new(),
        blurhash: None,
        language,
        published_at,
        fetched_at: now,
    };
    Parsed {
        card,
        image: web(&[
            "og:image:secure_url",
            "og:image:url",
            "og:image",
            "twitter:image",
            "twitter:image:src",
        ]),
    }
}

/// Reads an oEmbed document (found at `doc_url`) into the card: its names
/// and sizes, a photo's URL, and a video or rich player as one `<iframe>`
/// that roost writes itself (anything else the document's `html` holds is
/// dropped). A player whose `src` is not `https` (or `http` when the
/// instance allows it) leaves the card a link.
pub fn apply_oembed(parsed: &mut Parsed, doc: &Value, doc_url: &Url, allow_http: bool) {
    let s = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let size = |k: &str| {
        doc.get(k)
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .map(|n| n.clamp(0, PLAYER_MAX_PIXELS))
    };
    let web = |k: &str| {
        s(k).and_then(|v| doc_url.join(v).ok())
            .filter(|u| u.scheme() == "https" || (allow_http && u.scheme() == "http"))
    };
    let card = &mut parsed.card;
    if let Some(t) = s("title") {
        card.title = cut(&page::collapse(t), TITLE_MAX_CHARS);
    }
    if let Some(a) = s("author_name") {
        card.author_name = cut(a, FIELD_MAX_CHARS);
    }
    if let Some(u) = web("author_url") {
        card.author_url = cut(u.as_str(), FIELD_MAX_CHARS);
    }
    if let Some(p) = s("provider_name") {
        card.provider_name = cut(p, FIELD_MAX_CHARS);
    }
    if let Some(u) = web("provider_url") {
        card.provider_url = cut(u.as_str(), FIELD_MAX_CHARS);
    }
    if let Some(t) = web("thumbnail_url") {
        parsed.image = Some(t);
    }
    match s("type") {
        Some("photo") => {
            if let Some(u) = web("url") {
                card.kind = "photo".into();
                card.embed_url = u.to_string();
                card.width = size("width").unwrap_or(0);
                card.height = size("height").unwrap_or(0);
            }
        }
        Some(kind @ ("video" | "rich")) => {
            let player = s("html").and_then(page::first_iframe).and_then(|f| {
                let src = doc_url.join(&f.src).ok()?;
                let ok = src.scheme() == "https" || (allow_http && src.scheme() == "http");
                ok.then_some((src, f.width, f.height))
            });
            if let Some((src, w, h)) = player {
                let width = size("width")
                    .or(w.map(i64::from))
                    .unwrap_or(0)
                    .min(PLAYER_MAX_PIXELS);
                let height = size("height")
                    .or(h.map(i64::from))
                    .unwrap_or(0)
                    .min(PLAYER_MAX_PIXELS);
                card.kind = kind.into();
                card.width = width;
                card.height = height;
                card.html = format!(
                    "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" frameborder=\"0\" allowfullscreen=\"true\"></iframe>",
                    crate::text::escape_html(src.as_str())
                );
            }
        }
        _ => {}
    }
}

/// `s` cut to `max` characters, with "…" when it was longer.
fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The ISO 639 code of a page's language (`en-GB`, `fr_FR` → `en`, `fr`).
fn language_code(tag: &str) -> Option<String> {
    let code = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    ((2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(html: &str) -> Parsed {
        let link = Url::parse("https://news.example/story").unwrap();
        let page_url = Url::parse("https://www.news.example/story/").unwrap();
        from_page(&link, &page_url, &page::page_meta(html), Utc::now())
    }

    #[test]
    fn a_page_card_prefers_opengraph_and_falls_back_to_title_and_description() {
        let p = parse(
            r#"<html lang="en-GB"><head><title>Plain title</title>
            <meta name="description" content="Plain   description">
            <meta property="og:title" content="OG title">
            <meta property="og:site_name" content="News">
            <meta property="og:image" content="/img/a.png">
            <meta property="og:image:alt" content="A picture">
            <meta property="article:published_time" content="2026-11-30T10:00:00Z">
            <meta property="article:author" content="Ann Writer"></head></html>"#,
        );
        assert_eq!(p.card.url, "https://news.example/story");
        assert_eq!(p.card.title, "OG title");
        assert_eq!(p.card.description, "Plain description");
        assert_eq!(p.card.provider_name, "News");
        assert_eq!(p.card.author_name, "Ann Writer");
        assert_eq!(p.card.image_description, "A picture");
        assert_eq!(p.card.language.as_deref(), Some("en"));
        assert_eq!(p.card.kind, "link");
        assert!(p.card.published_at.is_some());
        assert_eq!(
            p.image.map(String::from).as_deref(),
            Some("https://www.news.example/img/a.png")
        );
        let bare =
            parse("<title>Only a title</title><meta property=og:image content='javascript:x'>");
        assert_eq!(bare.card.title, "Only a title");
        assert!(bare.image.is_none());
        let long = parse(&format!("<title>{}</title>", "x".repeat(400)));
        assert_eq!(long.card.title.chars().count(), TITLE_MAX_CHARS);
        assert!(long.card.title.ends_with('…'));
    }

    #[test]
    fn an_oembed_player_becomes_one_iframe_roost_writes() {
        let doc_url = Url::parse("https://video.example/oembed?url=x").unwrap();
        let mut p = parse("<title>Video page</title>");
        apply_oembed(
            &mut p,
            &json!({
                "type": "video", "title": "A video", "author_name": "Maker",
                "provider_name": "Video", "provider_url": "https://video.example/",
                "width": 640, "height": "360", "thumbnail_url": "/thumb.jpg",
                "html": "<script>alert(1)</script><iframe src=\"https://video.example/embed/9\" onload=\"x()\"></iframe>"
            }),
            &doc_url,
            false,
        );
        assert_eq!(p.card.kind, "video");
        assert_eq!(p.card.title, "A video");
        assert_eq!((p.card.width, p.card.height), (640, 360));
        assert_eq!(
            p.card.html,
            r#"<iframe src="https://video.example/embed/9" width="640" height="360" frameborder="0" allowfullscreen="true"></iframe>"#
        );
        assert_eq!(
            p.image.map(String::from).as_deref(),
            Some("https://video.example/thumb.jpg")
        );
        // A player that is not https, or no iframe at all, leaves a link.
        for html in [
            "<iframe src=\"http://video.example/embed/9\"></iframe>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<object data=\"https://video.example/x\"></object>",
        ] {
            let mut p = parse("<title>t</title>");
            apply_oembed(
                &mut p,
                &json!({"type": "rich", "html": html}),
                &doc_url,
                false,
            );
            assert_eq!(p.card.kind, "link", "{html}");
            assert_eq!(p.card.html, "", "{html}");
        }
    }
}
