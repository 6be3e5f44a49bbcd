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
    app.limiter
        .hit_shared(
            &format!("confirmations:{}", account.id),
            app.config.limits.sign_in_per_5min,
            crate::ratelimit::FIVE_MINUTES,
        )
        .await?;
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
    // A sign-up's address, or the new one of an e-mail change.
    let (to, changing) = match (&user.unconfirmed_email, user.confirmed_at) {
        (Some(new), _) => (new.clone(), true),
        (None, None) => (user.email.clone(), false),
        (None, Some(_)) => return Ok(()),
    };
    let token = random_token();
    let pending = changing.then_some(to.as_str());
    if !app
        .store
        .set_confirmation_token(account_id, &digest(&token), pending)
        .await?
    {
        // The address changed again since: that change sends its own link.
        return Ok(());
    }
    let link = app.url(&format!("/auth/confirmation?confirmation_token={token}"));
    let title = &app.config.instance.title;
    let body = if changing {
        format!(
            "To make this the e-mail address of your account on {title}, open:\n\n\
             {link}\n\n\
             If you did not ask for this, ignore this message.\n"
        )
    } else {
        format!(
            "Welcome to {title}!\n\n\
             To confirm that this address is yours and start using your account, open:\n\n\
             {link}\n\n\
             If you did not sign up, ignore this message.\n"
        )
    };
    app.mail
        .send(&to, &format!("Confirm your address on {title}"), &body)
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

/// Changes the account's address, after its password. With mail configured
/// the new address gets a confirmation link and the old one a notice, and
/// the change happens when the link is opened; without mail it happens at
/// once. A taken address is refused as at sign-up.
pub async fn change_email(app: &AppState, user: &User, password: &str, email: &str) -> Result<()> {
    super::accounts::verify_current_password(app, user, password).await?;
    let email = email.trim().to_lowercase();
    let mut v = crate::error::Validation::new();
    super::accounts::check_email(&mut v, &email);
    v.finish()?;
    if email == user.email.to_lowercase() {
        return Ok(());
    }
    if app.store.get_user_by_email(&email).await?.is_some() {
        let mut v = crate::error::Validation::new();
        v.add("email", "ERR_TAKEN", "has already been taken");
        v.finish()?;
    }
    if !app.mail.enabled() {
        // A race for the same address ends at the unique index, as a 500.
        return app.store.set_email(user.account_id, &email).await;
    }
    app.store.set_email_change(user.account_id, &email).await?;
    crate::jobs::enqueue(
        app,
        crate::jobs::Task::MailEmailChange {
            account_id: user.account_id,
        },
    )
    .await?;
    send(app, user.account_id).await
}

/// The `mail_email_change` job: tells the current address that a change to
/// another one was asked for (the owner learns of it if it was not them).
pub async fn mail_change_notice(app: &AppState, account_id: i64) -> Result<()> {
    let Some(user) = app.store.get_user(account_id).await? else {
        return Ok(());
    };
    let Some(new) = user.unconfirmed_email.as_deref() else {
        return Ok(());
    };
    let title = &app.config.instance.title;
    let body = format!(
        "Someone asked to change the e-mail address of your account on {title} to {new}.\n\n\
         The change happens when the link sent to the new address is opened.\n\
         If it was not you, change your password and check your account's sessions.\n"
    );
    app.mail
        .send(
            &user.email,
            &format!("Your e-mail address on {title} is being changed"),
            &body,
        )
        .await
}
