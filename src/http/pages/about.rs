//! `/about`: what the server says about itself, its rules, the servers it
//! moderates (when `instance.show_domain_blocks = "all"`), its privacy
//! policy and terms of service.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::render;
use crate::app::AppState;
use crate::error::Result;
use crate::model::Rule;
use crate::service::moderation::{self, rules::ServerText};

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    instance_title: String,
    description: String,
    contact: String,
    /// Rendered from plain text by roost (escaped, paragraphs).
    extended: Option<String>,
    privacy: Option<String>,
    terms: Option<String>,
    rules: Vec<Rule>,
    /// `(domain, severity, public reason)`.
    blocks: Option<Vec<(String, String, String)>>,
}

async fn page(app: &AppState) -> Result<AboutPage> {
    let text = |which| moderation::rules::text(app, which);
    let blocks = match app.config.instance.show_domain_blocks {
        crate::config::ShowDomainBlocks::All => Some(
            moderation::public_domain_blocks(app, false)
                .await?
                .into_iter()
                .map(|b| (b.domain, b.severity, b.public_comment.unwrap_or_default()))
                .collect(),
        ),
        _ => None,
    };
    Ok(AboutPage {
        instance_title: app.config.instance.title.clone(),
        description: app.config.instance.description.clone(),
        contact: app.config.instance.contact_email.clone(),
        extended: text(ServerText::ExtendedDescription).await?.map(|t| t.html),
        privacy: text(ServerText::PrivacyPolicy).await?.map(|t| t.html),
        terms: text(ServerText::TermsOfService).await?.map(|t| t.html),
        rules: moderation::rules::list(app).await?,
        blocks,
    })
}

/// `GET /about`
pub async fn show(State(app): State<Arc<AppState>>) -> Response {
    match page(&app).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => e.into_response(),
    }
}
