//! Confirming e-mail addresses: with `mail.smtp_url` set, a new sign-up
//! gets a link (`/auth/confirmation?confirmation_token=…`) and may not act
//! until it is opened (Mastodon's 403 "Your login is missing a confirmed
//! e-mail address"). <https://docs.joinmastodon.org/methods/emails/>

use chrono::Utc;

use crate::app::AppState;
use crate::auth::{digest, random_token};
use crate::error::{Error, Result};
use crate::model::{Account, User};

/// Queues the confirmation mail for `account_id` (the token is made when
/// the job runs: no secret waits in the queue).
pub async fn send(app: &AppState, account_id: i64) -> Result<()> {
    crate::jobs::enqueue(app, crate::jobs::Task::MailConfirmation { account_id }).await
}

/// `POST /api/v1/emails/confirmations`: sends the link again, to `email`
/// when given (the address may still be corrected before confirmation).
/// Only while the address awaits confirmation.
pub async fn resend(
    app: &AppState,
    account: &Account,
    user: &User,
    email: Option<&str>,
) -> Result<()> {
    if user.confirmed_at.is_some() {
        return Err(Error::forbidden(
            "This method is only available while the e-mail is awaiting confirmation",
        ));
    }
    app.limiter.hit(
        &format!("confirmations:{}", account.id),
        app.config.limits.sign_in_per_5min,
        crate::ratelimit::FIVE_MINUTES,
    )?;
    if let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) {
        let email = email.to_lowercase();
        let mut v = crate::error::Validation::new();
        super::accounts::check_email(&mut v, &email);
        v.finish()?;
        if app
            .store
            .get_user_by_email(&email)
            .await?
            .is_some_and(|u| u.account_id != account.id)
        {
            let mut v = crate::error::Validation::new();
            v.add("email", "ERR_TAKEN", "has already been taken");
            v.finish()?;
        }
        app.store.set_unconfirmed_email(account.id, &email).await?;
    }
    send(app, account.id).await
}

/// The `mail_confirmation` job: a fresh token, stored as its digest, in a
/// link mailed to the account's address.
pub async fn mail(app: &AppState, account_id: i64) -> Result<()> {
    let Some(user) = app.store.get_user(account_id).await? else {
        return Ok(());
    };
    if user.confirmed_at.is_some() {
        return Ok(());
    }
    let token = random_token();
    app.store
        .set_confirmation_token(account_id, &digest(&token))
        .await?;
    let link = app.url(&format!("/auth/confirmation?confirmation_token={token}"));
    let title = &app.config.instance.title;
    let body = format!(
        "Welcome to {title}!\n\n\
         To confirm that this address is yours and start using your account, open:\n\n\
         {link}\n\n\
         If you did not sign up, ignore this message.\n"
    );
    app.mail
        .send(
            &user.email,
            &format!("Confirm your address on {title}"),
            &body,
        )
        .await
}

/// Confirms the address a link's token was mailed to; false for an
/// unknown or spent token.
pub async fn confirm(app: &AppState, token: &str) -> Result<bool> {
    if token.is_empty() {
        return Ok(false);
    }
    Ok(app
        .store
        .confirm_email(&digest(token), Utc::now())
        .await?
        .is_some())
}
