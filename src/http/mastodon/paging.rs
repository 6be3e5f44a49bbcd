//! Pagination parameters and `Link` headers.
//! <https://docs.joinmastodon.org/api/guidelines/#pagination>

use axum::http::HeaderValue;
use serde::Deserialize;

use crate::app::AppState;
use crate::model::Page;

/// `max_id`, `since_id`, `min_id`, `limit` as clients send them (strings).
#[derive(Debug, Deserialize, Default)]
pub struct PageParams {
    max_id: Option<String>,
    since_id: Option<String>,
    min_id: Option<String>,
    limit: Option<String>,
}

impl PageParams {
    /// The page, with `limit` defaulting to `default` and capped at `max`.
    /// Ids that are not numbers are ignored, as if absent.
    pub fn page(&self, default: i64, max: i64) -> Page {
        let id = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<i64>().ok());
        let limit = self
            .limit
            .as_deref()
            .and_then(|l| l.parse::<i64>().ok())
            .unwrap_or(default)
            .clamp(1, max);
        Page {
            max_id: id(&self.max_id),
            since_id: id(&self.since_id),
            min_id: id(&self.min_id),
            limit,
        }
    }
}

/// The `Link` header for a page whose items run from `newest` to `oldest`
/// (pagination keys, not necessarily entity ids). `path` is the endpoint;
/// `keep` are the query parameters to carry over. None for an empty page.
pub fn link_header(
    app: &AppState,
    path: &str,
    keep: &[(&str, String)],
    newest: Option<i64>,
    oldest: Option<i64>,
) -> Option<HeaderValue> {
    let (newest, oldest) = (newest?, oldest?);
    let url = |key: &str, id: i64| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in keep {
            q.append_pair(k, v);
        }
        q.append_pair(key, &id.to_string());
        format!("{}{path}?{}", app.base_url, q.finish())
    };
    let value = format!(
        "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
        url("max_id", oldest),
        url("min_id", newest)
    );
    HeaderValue::from_str(&value).ok()
}

/// Middleware: carries the request's other query parameters (`limit`,
/// `types[]`, `account_id`, `tagged`, `local`…) into the `Link` URLs a handler
/// set, as Mastodon does, so following `next` keeps the same filters.
pub async fn keep_query_in_links(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let query = req.uri().query().map(str::to_string);
    let mut response = next.run(req).await;
    let Some(query) = query else { return response };
    let Some(link) = response
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return response;
    };
    let carried: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "max_id" | "min_id" | "since_id" | "access_token"
            )
        })
        .collect();
    if carried.is_empty() {
        return response;
    }
    let rewritten: Vec<String> = link
        .split(", <")
        .map(|part| {
            let part = part.trim_start_matches('<');
            let Some((url_text, rest)) = part.split_once('>') else {
                return format!("<{part}");
            };
            let Ok(mut url) = url::Url::parse(url_text) else {
                return format!("<{part}");
            };
            let present: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
            {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in &carried {
                    if !present.contains(k) {
                        pairs.append_pair(k, v);
                    }
                }
            }
            format!("<{url}>{rest}")
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&rewritten.join(", ")) {
        response.headers_mut().insert("link", v);
    }
    response
}

/// `response` with the `Link` header `link`, when there is one.
pub fn with_link(
    response: impl axum::response::IntoResponse,
    link: Option<HeaderValue>,
) -> axum::response::Response {
    let mut response = response.into_response();
    if let Some(l) = link {
        response.headers_mut().insert("link", l);
    }
    response
}

/// An integer query parameter such as `limit` or `offset`: `default` when
/// absent or unreadable, then held within `min..=max`.
pub fn int_param(value: Option<&str>, default: i64, min: i64, max: i64) -> i64 {
    value
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
        .clamp(min, max)
}
