//! WebFinger and host-meta: how another server turns `@user@domain` (or a
//! profile URL) into the account's ActivityPub actor.
//! <https://docs.joinmastodon.org/spec/webfinger/>, RFC 7033, RFC 6415.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::protocol::{WebFinger, WebFingerLink};

const PROFILE_PAGE: &str = "http://webfinger.net/rel/profile-page";
const AP_TYPE: &str = "application/activity+json";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/host-meta", get(host_meta))
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: Option<String>,
}

/// The local username `resource` names: `acct:user@domain` (also without
/// `acct:`, or with a leading `@`), or the actor or profile URL of a local
/// account. None for anything on another domain.
fn local_username(app: &AppState, resource: &str) -> Option<String> {
    let domain = &app.config.server.domain;
    if resource.starts_with("https://") || resource.starts_with("http://") {
        let url = url::Url::parse(resource).ok()?;
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str()?),
            None => url.host_str()?.to_string(),
        };
        if !authority.eq_ignore_ascii_case(domain) {
            return None;
        }
        let path = url.path();
        let name = path
            .strip_prefix("/users/")
            .or_else(|| path.strip_prefix("/@"))?;
        return (!name.is_empty() && !name.contains('/')).then(|| name.to_string());
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (user, host) = acct.rsplit_once('@')?;
    (!user.is_empty() && host.eq_ignore_ascii_case(domain)).then(|| user.to_string())
}

/// `GET /.well-known/webfinger?resource=…`
/// <https://docs.joinmastodon.org/spec/webfinger/>
async fn webfinger(
    State(app): State<Arc<AppState>>,
    Query(q): Query<WebfingerQuery>,
) -> Result<Response> {
    let resource = q
        .resource
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| Error::bad_request("The resource parameter is required"))?;
    let username = local_username(&app, resource.trim()).ok_or_else(Error::not_found)?;
    if username.eq_ignore_ascii_case(&app.config.server.domain) || username == "actor" {
        return Ok(jrd(&instance_actor_jrd(&app)));
    }
    // Accounts awaiting approval, suspended or deleted are not found.
    let account = crate::service::public::profile(&app, &username).await?;
    let profile = account.url.clone().unwrap_or_else(|| account.uri.clone());
    let body = WebFinger {
        subject: format!("acct:{}@{}", account.username, app.config.server.domain),
        aliases: vec![profile.clone(), account.uri.clone()].into(),
        links: vec![
            WebFingerLink::to(PROFILE_PAGE, "text/html", profile),
            WebFingerLink::to("self", AP_TYPE, account.uri),
            WebFingerLink {
                rel: "http://ostatus.org/schema/1.0/subscribe".into(),
                kind: None,
                href: None,
                template: Some(app.url("/authorize_interaction?uri={uri}")),
            },
        ]
        .into(),
    };
    Ok(jrd(&body))
}

fn jrd(body: &WebFinger) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/jrd+json; charset=utf-8"),
        )],
        axum::Json(body).into_response(),
    )
        .into_response()
}

/// The instance actor answers as `acct:DOMAIN@DOMAIN`, as Mastodon's does.
fn instance_actor_jrd(app: &AppState) -> WebFinger {
    let domain = &app.config.server.domain;
    let uri = app.url("/actor");
    WebFinger {
        subject: format!("acct:{domain}@{domain}"),
        aliases: vec![uri.clone()].into(),
        links: vec![
            WebFingerLink::to(
                PROFILE_PAGE,
                "text/html",
                app.url("/about/more?instance_actor=true"),
            ),
            WebFingerLink::to("self", AP_TYPE, uri),
        ]
        .into(),
    }
}

/// `GET /.well-known/host-meta`: where WebFinger lives, for older peers.
/// <https://www.rfc-editor.org/rfc/rfc6415>
async fn host_meta(State(app): State<Arc<AppState>>) -> Response {
    let template = crate::text::escape_html(&app.url("/.well-known/webfinger?resource={uri}"));
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xrd+xml; charset=utf-8"),
        )],
        xml,
    )
        .into_response()
}
