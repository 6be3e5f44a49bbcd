//! The server's rules and what it says about itself (the extended
//! description, the privacy policy, the terms of service): admins write
//! them, everyone reads them on `/about` and through the instance API, and
//! reports cite the rules.
//! <https://docs.joinmastodon.org/methods/instance/#rules>

use chrono::{DateTime, Utc};

use super::log::{self, Target};
use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{Role, Rule, User};

pub const MAX_RULE: usize = 1000;
pub const MAX_RULES: usize = 100;
pub const MAX_TEXT: usize = 100_000;

/// The rules in force, in order.
pub async fn list(app: &AppState) -> Result<Vec<Rule>> {
    app.store.rules().await
}

fn check(v: &mut Validation, text: &str, hint: &str) {
    if text.trim().is_empty() {
        v.add("text", "ERR_BLANK", "can't be blank");
    } else if text.chars().count() > MAX_RULE {
        v.add(
            "text",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_RULE} characters)"),
        );
    }
    if hint.chars().count() > MAX_RULE {
        v.add(
            "hint",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_RULE} characters)"),
        );
    }
}

/// Adds a rule at the end, or at `position`.
pub async fn create(
    app: &AppState,
    actor: &User,
    text: &str,
    hint: &str,
    position: Option<i64>,
) -> Result<Rule> {
    super::require(actor, Role::Admin)?;
    let rules = list(app).await?;
    let mut v = Validation::new();
    check(&mut v, text, hint);
    if rules.len() >= MAX_RULES {
        v.add("base", "ERR_TOO_MANY", format!("At most {MAX_RULES} rules"));
    }
    v.finish()?;
    let rule = Rule {
        id: crate::id::new_id(),
        text: text.trim().to_string(),
        hint: hint.trim().to_string(),
        position: position
            .unwrap_or_else(|| rules.iter().map(|r| r.position).max().unwrap_or(0) + 1),
        created_at: Utc::now(),
        deleted_at: None,
    };
    app.store.put_rule(&rule).await?;
    log::record(app, actor, "create_rule", Target::Rule(rule.id), &rule.text).await?;
    Ok(rule)
}

/// Changes a rule's text, hint or place.
pub async fn update(
    app: &AppState,
    actor: &User,
    id: i64,
    text: &str,
    hint: &str,
    position: Option<i64>,
) -> Result<Rule> {
    super::require(actor, Role::Admin)?;
    let mut rule = list(app)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(Error::not_found)?;
    let mut v = Validation::new();
    check(&mut v, text, hint);
    v.finish()?;
    rule.text = text.trim().to_string();
    rule.hint = hint.trim().to_string();
    if let Some(p) = position {
        rule.position = p;
    }
    app.store.put_rule(&rule).await?;
    log::record(app, actor, "update_rule", Target::Rule(id), &rule.text).await?;
    Ok(rule)
}

/// Retires a rule; reports that cite it still show it.
pub async fn delete(app: &AppState, actor: &User, id: i64) -> Result<()> {
    super::require(actor, Role::Admin)?;
    if !app.store.delete_rule(id).await? {
        return Err(Error::not_found());
    }
    log::record(app, actor, "delete_rule", Target::Rule(id), "").await
}

/// The texts a server keeps about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerText {
    ExtendedDescription,
    PrivacyPolicy,
    TermsOfService,
}

impl ServerText {
    pub const ALL: [ServerText; 3] = [
        ServerText::ExtendedDescription,
        ServerText::PrivacyPolicy,
        ServerText::TermsOfService,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ServerText::ExtendedDescription => "extended_description",
            ServerText::PrivacyPolicy => "privacy_policy",
            ServerText::TermsOfService => "terms_of_service",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ServerText::ExtendedDescription => "About this server",
            ServerText::PrivacyPolicy => "Privacy policy",
            ServerText::TermsOfService => "Terms of service",
        }
    }
}

/// A text as written (plain text, paragraphs by blank lines) and when.
pub struct Text {
    pub source: String,
    pub html: String,
    pub updated_at: DateTime<Utc>,
}

/// One of the texts, if the admins wrote it.
pub async fn text(app: &AppState, which: ServerText) -> Result<Option<Text>> {
    let Some(source) = app.store.get_setting(which.key()).await? else {
        return Ok(None);
    };
    let updated_at = app
        .store
        .get_setting(&format!("{}_updated_at", which.key()))
        .await?
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    Ok(Some(Text {
        html: crate::text::plain_to_html(&source),
        source,
        updated_at,
    }))
}

/// Writes (or, when empty, removes) one of the texts.
pub async fn set_text(app: &AppState, actor: &User, which: ServerText, source: &str) -> Result<()> {
    super::require(actor, Role::Admin)?;
    let source = source.trim();
    if source.chars().count() > MAX_TEXT {
        let mut v = Validation::new();
        v.add(
            which.key(),
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_TEXT} characters)"),
        );
        v.finish()?;
    }
    let value = (!source.is_empty()).then_some(source);
    app.store.put_setting(which.key(), value).await?;
    let stamp = Utc::now().to_rfc3339();
    app.store
        .put_setting(
            &format!("{}_updated_at", which.key()),
            value.map(|_| stamp.as_str()),
        )
        .await?;
    log::record(
        app,
        actor,
        &format!("update_{}", which.key()),
        Target::Server,
        "",
    )
    .await
}
