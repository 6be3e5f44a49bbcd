//! Web Push: each access token may hold one subscription (a push service
//! endpoint and the keys to encrypt for it, the notification types wanted,
//! and from whom); every notification written queues a delivery to the
//! recipient's subscriptions that want it, sent as Mastodon sends it.
//! <https://docs.joinmastodon.org/methods/push/>

use std::collections::BTreeMap;

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::jobs::{self, Task};
use crate::model::{Json, Notification, PushSubscription, Token};
use crate::service::notifications::TYPES;

/// The longest endpoint URL accepted.
const MAX_ENDPOINT: usize = 2048;

/// How long a push service keeps an undelivered message (Mastodon's 48 h).
const TTL_SECS: u32 = 48 * 3600;

/// Who a subscription hears from.
pub const POLICIES: &[&str] = &["all", "followed", "follower", "none"];

/// A new subscription as the client asked for it.
pub struct NewSubscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub standard: bool,
    pub alerts: BTreeMap<String, bool>,
    pub policy: Option<&'a str>,
}

fn not_found() -> Error {
    Error::new(crate::error::Kind::NotFound, "Record not found")
}

/// Keeps the notification types Mastodon knows, each set or not.
fn alerts(asked: &BTreeMap<String, bool>) -> BTreeMap<String, bool> {
    TYPES
        .iter()
        .map(|t| (t.to_string(), asked.get(*t).copied().unwrap_or(false)))
        .collect()
}

fn policy(asked: Option<&str>) -> Result<String> {
    match asked {
        None => Ok("all".into()),
        Some(p) if POLICIES.contains(&p) => Ok(p.to_string()),
        Some(_) => Err(Error::unprocessable(
            "Validation failed: Policy is not included in the list",
        )),
    }
}

/// Subscribes `token` (whose text is `bearer`), replacing its earlier
/// subscription. The endpoint must be a URL the guarded client may reach
/// and the keys a P-256 point and a 16-byte secret.
pub async fn subscribe(
    app: &AppState,
    token: &Token,
    bearer: &str,
    new: NewSubscription<'_>,
) -> Result<PushSubscription> {
    let account_id = token.account_id.ok_or_else(not_found)?;
    let endpoint = url::Url::parse(new.endpoint)
        .ok()
        .filter(|_| new.endpoint.len() <= MAX_ENDPOINT)
        .filter(|u| crate::net::addr::check_url(u, app.federation.http.policy()).is_ok())
        .ok_or_else(|| Error::unprocessable("Validation failed: Endpoint is not a valid URL"))?;
    let keys = crate::push::Keys {
        p256dh: new.p256dh,
        auth: new.auth,
    };
    if crate::push::check_keys(&keys).is_none() {
        return Err(Error::unprocessable(
            "Validation failed: Keys are not a valid P-256 key and authentication secret",
        ));
    }
    let s = PushSubscription {
        id: crate::id::new_id(),
        token_id: token.id,
        account_id,
        endpoint: endpoint.to_string(),
        key_p256dh: new.p256dh.trim().to_string(),
        key_auth: new.auth.trim().to_string(),
        standard: new.standard,
        alerts: Json(alerts(&new.alerts)),
        policy: policy(new.policy)?,
        access_token: bearer.to_string(),
        created_at: Utc::now(),
    };
    app.store.put_push_subscription(&s).await?;
    Ok(s)
}

/// The subscription of `token`.
pub async fn get(app: &AppState, token: &Token) -> Result<PushSubscription> {
    app.store
        .push_subscription_of_token(token.id)
        .await?
        .ok_or_else(not_found)
}

/// Changes which notifications `token`'s subscription gets: the alerts
/// given (others keep their value) and the policy.
pub async fn update(
    app: &AppState,
    token: &Token,
    asked: &BTreeMap<String, bool>,
    asked_policy: Option<&str>,
) -> Result<PushSubscription> {
    let mut s = get(app, token).await?;
    for (kind, on) in asked {
        if TYPES.contains(&kind.as_str()) {
            s.alerts.0.insert(kind.clone(), *on);
        }
    }
    if asked_policy.is_some() {
        s.policy = policy(asked_policy)?;
    }
    app.store.update_push_subscription(&s).await?;
    Ok(s)
}

/// Removes `token`'s subscription, if any.
pub async fn unsubscribe(app: &AppState, token: &Token) -> Result<()> {
    app.store.delete_push_subscription_of_token(token.id).await
}

/// Queues a delivery of `n` to each of its recipient's subscriptions that
/// wants it (its alert on, its policy met).
pub async fn on_notification(app: &AppState, n: &Notification) -> Result<()> {
    let subs = app.store.push_subscriptions_of(n.account_id).await?;
    if subs.is_empty() {
        return Ok(());
    }
    let flags = app
        .store
        .relation_flags(n.account_id, n.from_account_id, Utc::now())
        .await?;
    for s in subs {
        let wanted = s.alerts.0.get(&n.r#type).copied().unwrap_or(false)
            && match s.policy.as_str() {
                "all" => true,
                "followed" => flags.following.is_some(),
                "follower" => flags.followed_by,
                _ => false,
            };
        if wanted {
            let task = Task::WebPush {
                subscription_id: s.id,
                notification_id: n.id,
            };
            // Mastodon tries a push five times.
            jobs::schedule(app, &task, Utc::now(), 5).await?;
        }
    }
    Ok(())
}

/// The notification's title, as Mastodon's e-mails and pushes word it.
fn title(kind: &str, name: &str) -> String {
    match kind {
        "mention" => format!("You were mentioned by {name}"),
        "status" => format!("{name} just posted"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} is now following you"),
        "follow_request" => format!("Pending follower: {name}"),
        "favourite" => format!("{name} favorited your post"),
        "poll" => "A poll has ended".to_string(),
        "update" => format!("{name} edited a post"),
        "quote" => format!("{name} quoted your post"),
        "quoted_update" => format!("{name} edited a post you quoted"),
        "added_to_collection" => format!("{name} added you to a collection"),
        "collection_update" => format!("{name} changed a collection you are in"),
        "admin.sign_up" => format!("{name} signed up"),
        "admin.report" => format!("New report from {name}"),
        _ => format!("New notification from {name}"),
    }
}

/// Text cut to `max` characters, with an ellipsis when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The `web_push` job: sends notification `notification_id` to subscription
/// `subscription_id`. A subscription the push service no longer knows (404,
/// 410, any other refusal but 408 and 429) is removed; other failures retry.
pub async fn deliver(app: &AppState, subscription_id: i64, notification_id: i64) -> Result<()> {
    let Some(s) = app.store.get_push_subscription(subscription_id).await? else {
        return Ok(());
    };
    let Some(n) = app
        .store
        .get_notification(s.account_id, notification_id)
        .await?
    else {
        return Ok(());
    };
    let Some(from) = app.store.get_account(n.from_account_id).await? else {
        return Ok(());
    };
    let locale = app
        .store
        .get_user(s.account_id)
        .await?
        .map_or_else(|| "en".to_string(), |u| u.locale);
    let status = match n.status_id {
        Some(id) => app.store.get_status(id).await?,
        None => None,
    };
    let body = match &status {
        Some(st) if !st.spoiler_text.is_empty() => st.spoiler_text.clone(),
        Some(st) => crate::text::html_to_text(&st.content),
        None => crate::text::html_to_text(&from.note),
    };
    let name = if from.display_name.trim().is_empty() {
        from.username.clone()
    } else {
        from.display_name.clone()
    };
    let payload = serde_json::json!({
        "access_token": s.access_token,
        "preferred_locale": locale,
        "notification_id": n.id,
        "notification_type": n.r#type,
        "icon": crate::http::mastodon::entities::avatar_url(app, &from),
        "title": title(&n.r#type, &name),
        "body": truncate(&body, 140),
    });
    let keys = crate::push::Keys {
        p256dh: &s.key_p256dh,
        auth: &s.key_auth,
    };
    let (Some((public, auth)), Ok(endpoint)) =
        (crate::push::check_keys(&keys), url::Url::parse(&s.endpoint))
    else {
        return app.store.delete_push_subscription(s.id).await;
    };
    let encrypted =
        crate::push::encrypt(&public, &auth, payload.to_string().as_bytes(), s.standard)?;
    let subject = if app.config.instance.contact_email.is_empty() {
        app.base_url.clone()
    } else {
        format!("mailto:{}", app.config.instance.contact_email)
    };
    let (headers, body) =
        crate::push::request(&app.vapid, &endpoint, &subject, encrypted, TTL_SECS)?;
    match app.federation.http.post(&endpoint, headers, body).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() || matches!(e.status(), Some(401 | 404 | 410)) => {
            tracing::info!(endpoint = %s.endpoint, error = %e.reason(), "push subscription removed: its service refused it");
            app.store.delete_push_subscription(s.id).await
        }
        Err(e) => Err(Error::internal(format!(
            "web push to {}: {}",
            s.endpoint,
            e.reason()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_cut_at_140_characters() {
        assert_eq!(truncate("short", 140), "short");
        let long = "é".repeat(200);
        let cut = truncate(&long, 140);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn unknown_alerts_are_dropped_and_missing_ones_off() {
        let asked = BTreeMap::from([("mention".to_string(), true), ("bogus".to_string(), true)]);
        let a = alerts(&asked);
        assert_eq!(a.get("mention"), Some(&true));
        assert_eq!(a.get("follow"), Some(&false));
        assert!(!a.contains_key("bogus"));
    }
}
