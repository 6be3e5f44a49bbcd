//! Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238):
//! the secret offered on `/settings/two_factor`, enabling with a current
//! code, ten single-use recovery codes, and the second sign-in step a
//! browser passes with a code after its password. Every code is good once:
//! the time step of the last accepted code is stored and older or equal
//! steps are refused. The OAuth password grant is refused for accounts with
//! two-factor on (Mastodon's behaviour), so a password alone never signs in.
//! <https://datatracker.ietf.org/doc/html/rfc6238>

use chrono::{Duration, Utc};
use rand::RngCore;
use totp_rs::{Algorithm, Secret, Totp};

use crate::app::AppState;
use crate::auth::{digest, random_token};
use crate::error::{Error, Kind, Result};
use crate::model::{Account, User};

/// How many recovery codes enabling (or renewing) hands out.
pub const RECOVERY_CODES: usize = 10;
/// How long a browser has to give its code after its password.
const CHALLENGE_MINUTES: i64 = 10;
/// Codes one second step takes before the password is asked again.
const CHALLENGE_ATTEMPTS: i64 = 5;
/// Codes one account may try per five minutes, and per hour, all steps
/// and settings forms together.
const CODES_PER_5MIN: u32 = 10;
const CODES_PER_HOUR: u32 = 30;
/// How long after signing in a browser may turn two-factor on without
/// giving its password again.
const RECENT_SIGN_IN_MINUTES: i64 = 15;

/// What the settings page shows to set up an authenticator app.
pub struct Setup {
    /// The secret in base 32, for typing into the app.
    pub secret: String,
    /// The `otpauth://` URL the QR code carries.
    pub url: String,
    /// The QR code of `url`, as an inline SVG element.
    pub qr_svg: String,
}

fn totp(app: &AppState, account: &Account, secret: &str) -> Result<Totp> {
    let bytes = Secret::try_from_base32(secret)
        .map_err(|_| Error::internal("stored two-factor secret is not base 32"))?;
    // The otpauth label may not hold ':'; a port in the domain would.
    let issuer = app.config.instance.title.replace(':', " ");
    let host = app.config.server.domain.replace(':', " ");
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .with_issuer(Some(issuer))
        .with_account_name(format!("{}@{host}", account.username))
        .build()
        .map_err(Error::internal)
}

/// The secret to offer for enabling (160 random bits): a new one each time
/// the page is opened (`fresh`), so a secret someone once saw is not the
/// one later turned on; the stored one when the page is shown again after
/// a mistyped code. Refused once two-factor is on.
pub async fn setup(app: &AppState, account: &Account, user: &User, fresh: bool) -> Result<Setup> {
    if user.two_factor() {
        return Err(Error::new(
            Kind::Unprocessable,
            "Two-factor authentication is already enabled.",
        ));
    }
    let secret = match user.otp_secret.as_ref().filter(|_| !fresh) {
        Some(s) => s.clone(),
        None => {
            let mut bytes = [0u8; 20];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let s = Secret::from(bytes.to_vec()).to_base32();
            app.store.set_otp_secret(account.id, &s).await?;
            s
        }
    };
    let t = totp(app, account, &secret)?;
    let url = t.to_url().map_err(Error::internal)?;
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(Error::internal)?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // Inline in HTML: without the XML declaration.
    let qr_svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    };
    Ok(Setup {
        secret,
        url,
        qr_svg,
    })
}

/// Turns two-factor on when `code` is current for the offered secret;
/// returns the recovery codes, shown once. A browser that signed in more
/// than a few minutes ago must give the password too (`password`), so a
/// stolen session cookie cannot lock the owner out with someone else's
/// phone.
pub async fn enable(
    app: &AppState,
    account: &Account,
    user: &User,
    signed_in_at: chrono::DateTime<Utc>,
    password: &str,
    code: &str,
) -> Result<Vec<String>> {
    let secret = match (&user.otp_secret, user.two_factor()) {
        (_, true) => {
            return Err(Error::new(
                Kind::Unprocessable,
                "Two-factor authentication is already enabled.",
            ));
        }
        (None, false) => return Err(invalid_code()),
        (Some(s), false) => s.clone(),
    };
    if !password.is_empty() {
        super::accounts::verify_current_password(app, user, password).await?;
    } else if Utc::now() - signed_in_at > Duration::minutes(RECENT_SIGN_IN_MINUTES) {
        return Err(Error::new(
            Kind::Unprocessable,
            "Confirm with your current password.",
        ));
    }
    limit_codes(app, account.id).await?;
    let step = current_step(app, account, &secret, code)?.ok_or_else(invalid_code)?;
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| digest(c)).collect();
    if !app
        .store
        .enable_otp(account.id, step, &hashes, Utc::now())
        .await?
    {
        return Err(invalid_code());
    }
    Ok(codes)
}

/// Replaces the recovery codes (after a current code), returning the new ones.
pub async fn renew_recovery_codes(
    app: &AppState,
    account: &Account,
    user: &User,
    code: &str,
) -> Result<Vec<String>> {
    if !user.two_factor() {
        return Err(Error::new(
            Kind::Unprocessable,
            "Two-factor authentication is not enabled.",
        ));
    }
    if !verify(app, account, user, code).await? {
        return Err(invalid_code());
    }
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| digest(c)).collect();
    app.store
        .replace_recovery_codes(account.id, &hashes)
        .await?;
    Ok(codes)
}

/// Turns two-factor off, after the account's password.
pub async fn disable(app: &AppState, user: &User, password: &str) -> Result<()> {
    super::accounts::verify_current_password(app, user, password).await?;
    app.store.disable_otp(user.account_id).await
}

/// How many recovery codes the account has left.
pub async fn recovery_codes_left(app: &AppState, account: &Account) -> Result<i64> {
    app.store.count_recovery_codes(account.id).await
}

fn invalid_code() -> Error {
    Error::new(Kind::Unprocessable, "Invalid two-factor code.")
}

async fn limit_codes(app: &AppState, account_id: i64) -> Result<()> {
    app.limiter
        .hit_shared(
            &format!("otp:{account_id}"),
            CODES_PER_5MIN,
            crate::ratelimit::FIVE_MINUTES,
        )
        .await?;
    app.limiter
        .hit_shared(
            &format!("otp:hour:{account_id}"),
            CODES_PER_HOUR,
            crate::ratelimit::HOUR,
        )
        .await
}

/// The time step `code` matches for `secret` (one step of clock skew either way).
fn current_step(
    app: &AppState,
    account: &Account,
    secret: &str,
    code: &str,
) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(app, account, secret)?;
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    Ok(t.check(&code, now).and_then(|s| i64::try_from(s).ok()))
}

/// Ten codes of ten hex digits (40 random bits each, as Mastodon's).
fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 5];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}

/// Checks and spends a code: a current TOTP code not used before, or one of
/// the recovery codes.
pub async fn verify(app: &AppState, account: &Account, user: &User, code: &str) -> Result<bool> {
    let Some(secret) = user.otp_secret.as_deref().filter(|_| user.two_factor()) else {
        return Ok(false);
    };
    limit_codes(app, account.id).await?;
    if let Some(step) = current_step(app, account, secret, code)? {
        return app.store.spend_otp_step(account.id, step).await;
    }
    let recovery: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    if recovery.len() != 10 {
        return Ok(false);
    }
    app.store
        .spend_recovery_code(account.id, &digest(&recovery))
        .await
}

/// Opens the second sign-in step after a right password; returns the
/// token the browser keeps (in a cookie) until it gives its code.
pub async fn start_challenge(app: &AppState, account: &Account) -> Result<String> {
    let token = random_token();
    app.store
        .put_sign_in_challenge(
            &digest(&token),
            account.id,
            Utc::now() + Duration::minutes(CHALLENGE_MINUTES),
        )
        .await?;
    Ok(token)
}

/// Why a second step failed.
pub enum ChallengeError {
    /// Unknown, expired or worn out by wrong codes: start again with the password.
    Expired,
    /// A wrong code; the step stays open.
    WrongCode,
    /// Something else (rate limit, database), to answer as such.
    Other(Error),
}

impl From<Error> for ChallengeError {
    fn from(e: Error) -> Self {
        ChallengeError::Other(e)
    }
}

/// Passes the second step `token` with `code`; the account it signs in.
/// One step opens one session: it is spent on success.
pub async fn pass_challenge(
    app: &AppState,
    token: &str,
    code: &str,
) -> std::result::Result<(Account, User), ChallengeError> {
    let hash = digest(token);
    let Some(account_id) = app
        .store
        .attempt_sign_in_challenge(&hash, Utc::now(), CHALLENGE_ATTEMPTS)
        .await?
    else {
        return Err(ChallengeError::Expired);
    };
    let (Some(account), Some(user)) = (
        app.store.get_account(account_id).await?,
        app.store.get_user(account_id).await?,
    ) else {
        return Err(ChallengeError::Expired);
    };
    if super::accounts::check_can_sign_in(&account, &user).is_err() {
        return Err(ChallengeError::Expired);
    }
    if !verify(app, &account, &user, code).await? {
        return Err(ChallengeError::WrongCode);
    }
    if !app.store.delete_sign_in_challenge(&hash).await? {
        return Err(ChallengeError::Expired);
    }
    Ok((account, user))
}
