//! Forgotten passwords: a reset link by e-mail, and the reset, which ends
//! every session and revokes every token of the account. Offered only when
//! e-mail is configured (`mail.smtp_url`).

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::auth::{digest, random_token};
use crate::error::{Error, Result, Validation};

/// How long a mailed reset link works (Mastodon's 6 hours).
const RESET_LIFETIME_HOURS: i64 = 6;

/// Whether password resets are offered (e-mail is configured).
pub fn offered(app: &AppState) -> bool {
    app.mail.enabled()
}

/// Asks for a reset link for `email`, from `ip`. The answer is the same
/// whether or not the address belongs to an account, so the form cannot
/// tell who has one; the mail itself goes out from the job queue.
pub async fn request_reset(app: &AppState, ip: std::net::IpAddr, email: &str) -> Result<()> {
    if !offered(app) {
        return Err(Error::not_found());
    }
    app.limiter
        .hit_shared(
            &format!("password_reset:{}", crate::ratelimit::address_bucket(ip)),
            app.config.limits.sign_in_per_5min,
            crate::ratelimit::FIVE_MINUTES,
        )
        .await?;
    let email = email.trim().to_lowercase();
    if email.is_empty() || email.len() > 320 {
        return Ok(());
    }
    let Some(user) = app.store.get_user_by_email(&email).await? else {
        return Ok(());
    };
    let Some(account) = app.store.get_account(user.account_id).await? else {
        return Ok(());
    };
    if super::accounts::check_can_sign_in(&account, &user).is_err() {
        return Ok(());
    }
    crate::jobs::enqueue(
        app,
        crate::jobs::Task::MailPasswordReset {
            account_id: account.id,
        },
    )
    .await
}

/// The `mail_password_reset` job: a fresh token, stored as its digest, in
/// a link mailed to the account's address. A retry mails a new token.
pub async fn mail_reset(app: &AppState, account_id: i64) -> Result<()> {
    let Some(user) = app.store.get_user(account_id).await? else {
        return Ok(());
    };
    let token = random_token();
    let now = Utc::now();
    app.store
        .put_password_reset(
            &digest(&token),
            account_id,
            now,
            now + Duration::hours(RESET_LIFETIME_HOURS),
        )
        .await?;
    let link = app.url(&format!("/auth/password/edit?reset_password_token={token}"));
    let title = &app.config.instance.title;
    let body = format!(
        "Someone asked to change the password of your account on {title}.\n\n\
         To choose a new password, open this link within {RESET_LIFETIME_HOURS} hours:\n\n\
         {link}\n\n\
         If it was not you, ignore this message: your password stays as it is.\n"
    );
    app.mail
        .send(
            &user.email,
            &format!("Reset your password on {title}"),
            &body,
        )
        .await
}

/// Whether `token` is a live reset token.
pub async fn token_is_live(app: &AppState, token: &str) -> Result<bool> {
    Ok(!token.is_empty()
        && app
            .store
            .password_reset_account(&digest(token), Utc::now())
            .await?
            .is_some())
}

/// Sets a new password with a live reset token. Every session ends and
/// every token of the account is revoked, in one transaction.
pub async fn reset(app: &AppState, token: &str, password: &str, confirmation: &str) -> Result<()> {
    let mut v = Validation::new();
    super::accounts::check_password(&mut v, password);
    if password != confirmation {
        v.add(
            "password_confirmation",
            "ERR_INVALID",
            "doesn't match Password",
        );
    }
    v.finish()?;
    let hash = crate::auth::password::hash(password)?;
    match app
        .store
        .reset_password(&digest(token), &hash, Utc::now())
        .await?
    {
        Some(_) => Ok(()),
        None => Err(Error::unprocessable(
            "This link has expired or was already used; ask for a new one.",
        )),
    }
}

/// Changes the password from the settings page, after the current one:
/// every token is revoked and every other browser session ends (whoever
/// knew the old password is out), the session making the change stays.
pub async fn change(
    app: &AppState,
    user: &crate::model::User,
    keep_session: &crate::model::Session,
    current: &str,
    password: &str,
    confirmation: &str,
) -> Result<()> {
    super::accounts::verify_current_password(app, user, current).await?;
    let mut v = Validation::new();
    super::accounts::check_password(&mut v, password);
    if password != confirmation {
        v.add(
            "password_confirmation",
            "ERR_INVALID",
            "doesn't match Password",
        );
    }
    v.finish()?;
    let new = password.to_string();
    let hash = super::blocking(move || crate::auth::password::hash(&new)).await??;
    app.store
        .change_password(user.account_id, &hash, &keep_session.id_hash, Utc::now())
        .await
}
