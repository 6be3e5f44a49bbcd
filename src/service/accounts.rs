//! Local accounts: registration, sign-in, profile updates.

use chrono::Utc;

use super::blocking;
use crate::app::AppState;
use crate::auth::{keys, password};
use crate::db::accounts::{NewLocalAccount, ProfileUpdate};
use crate::db::is_unique_violation;
use crate::error::{Error, Kind, Result, Validation};
use crate::model::{Account, Field, Role, User};
use crate::text;

/// Names nobody may register: they would impersonate staff or collide with routes.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "support",
    "help",
    "webmaster",
    "mod",
    "moderator",
    "moderators",
    "staff",
    "security",
    "abuse",
    "postmaster",
    "hostmaster",
    "noreply",
    "no_reply",
    "system",
    "instance",
    "actor",
    "roost",
    "api",
    "oauth",
    "auth",
    "inbox",
    "outbox",
    "users",
    "nodeinfo",
    "about",
    "settings",
];

pub const MAX_USERNAME: usize = 30;
pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 72;
pub const MAX_DISPLAY_NAME: usize = 30;
pub const MAX_NOTE: usize = 500;
pub const MAX_FIELDS: usize = 4;
pub const MAX_FIELD_LEN: usize = 255;

/// What a sign-up supplies.
pub struct Registration<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub locale: &'a str,
    /// False when the instance requires approval.
    pub approved: bool,
    /// False when the address must be confirmed through a mailed link.
    pub confirmed: bool,
    /// Operators (`roost admin create-account`) may take reserved names such as `admin`.
    pub allow_reserved: bool,
    pub reason: Option<&'a str>,
    /// The app the sign-up came through (None from the command line).
    pub app_id: Option<i64>,
}

fn check_username(v: &mut Validation, username: &str, allow_reserved: bool) {
    if username.is_empty() {
        v.add("username", "ERR_BLANK", "can't be blank");
    } else if username.chars().count() > MAX_USERNAME {
        v.add(
            "username",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_USERNAME} characters)"),
        );
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        v.add(
            "username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        );
    } else if !allow_reserved
        && RESERVED_USERNAMES.contains(&username.to_ascii_lowercase().as_str())
    {
        v.add("username", "ERR_RESERVED", "is reserved");
    }
}

pub(crate) fn check_email(v: &mut Validation, email: &str) {
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
                && !domain.contains('@')
        });
    if email.is_empty() {
        v.add("email", "ERR_BLANK", "can't be blank");
    } else if !valid {
        v.add("email", "ERR_INVALID", "is invalid");
    }
}

pub(crate) fn check_password(v: &mut Validation, password: &str) {
    let n = password.chars().count();
    if n == 0 {
        v.add("password", "ERR_BLANK", "can't be blank");
    } else if n < MIN_PASSWORD {
        v.add(
            "password",
            "ERR_TOO_SHORT",
            format!("is too short (minimum is {MIN_PASSWORD} characters)"),
        );
    } else if n > MAX_PASSWORD {
        v.add(
            "password",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_PASSWORD} characters)"),
        );
    }
}

/// Creates a local account and its user after validating every field;
/// failures come back together as one 422 in Mastodon's shape.
pub async fn register(app: &AppState, r: Registration<'_>) -> Result<Account> {
    let mut v = Validation::new();
    check_username(&mut v, r.username, r.allow_reserved);
    check_email(&mut v, r.email);
    check_password(&mut v, r.password);
    // A reason is asked for when the server says sign-ups need approval;
    // one held back by an IP block was not told to give one.
    let asks_reason = app.config.instance.registrations == crate::config::Registrations::Approval;
    if !r.approved && asks_reason && r.reason.is_none_or(|s| s.trim().is_empty()) {
        v.add("reason", "ERR_BLANK", "can't be blank");
    }
    if r.reason.is_some_and(|s| s.chars().count() > 500) {
        v.add(
            "reason",
            "ERR_TOO_LONG",
            "is too long (maximum is 500 characters)",
        );
    }
    if v.is_empty() {
        if app
            .store
            .get_local_account_by_username(r.username)
            .await?
            .is_some()
        {
            v.add("username", "ERR_TAKEN", "has already been taken");
        }
        if app
            .store
            .get_user_by_email(&r.email.to_lowercase())
            .await?
            .is_some()
        {
            v.add("email", "ERR_TAKEN", "has already been taken");
        }
    }
    v.finish()?;

    let pw = r.password.to_string();
    // The account's key pair is made when federation first needs it
    // (`with_keys`): most of the cost of a sign-up, for accounts that may
    // never talk to another server.
    let hash = blocking(move || password::hash(&pw)).await??;
    let id = crate::id::new_id();
    let uri = app.url(&format!("/users/{}", r.username));
    let new = NewLocalAccount {
        id,
        username: r.username,
        uri: &uri,
        url: &app.url(&format!("/@{}", r.username)),
        inbox_url: &format!("{uri}/inbox"),
        shared_inbox_url: &app.url("/inbox"),
        outbox_url: &format!("{uri}/outbox"),
        followers_url: &format!("{uri}/followers"),
        following_url: &format!("{uri}/following"),
        featured_url: &format!("{uri}/collections/featured"),
        public_key_pem: "",
        private_key_pem: None,
        email: &r.email.to_lowercase(),
        password_hash: &hash,
        role: r.role.as_str(),
        locale: r.locale,
        approved: r.approved,
        confirmed: r.confirmed,
        registration_reason: r.reason,
        app_id: r.app_id,
        now: Utc::now(),
    };
    if let Err(e) = app.store.put_local_account(&new).await {
        if is_unique_violation(&e) {
            // Someone took the name or address between our check and our insert.
            let mut v = Validation::new();
            v.add("username", "ERR_TAKEN", "has already been taken");
            return Err(v.finish().err().unwrap_or_else(Error::not_found));
        }
        return Err(e.into());
    }
    app.store
        .get_account(id)
        .await?
        .ok_or_else(|| Error::internal("account vanished after insert"))
}

/// The local account a login (e-mail address or username, with or without
/// `@`) names, if any.
pub async fn find_login(app: &AppState, login: &str) -> Result<Option<i64>> {
    let login = login.trim();
    if login.is_empty() || login.len() > 320 {
        return Ok(None);
    }
    if let Some(user) = app.store.get_user_by_email(&login.to_lowercase()).await? {
        return Ok(Some(user.account_id));
    }
    Ok(app
        .store
        .get_local_account_by_username(login.trim_start_matches('@'))
        .await?
        .map(|a| a.id))
}

/// Checks a sign-in by e-mail address or username and password, from
/// `ip` (kept for the admin API's `ips`). Every failure of the credentials
/// reads the same, so it does not reveal which accounts exist.
pub async fn sign_in(
    app: &AppState,
    login: &str,
    pass: &str,
    ip: std::net::IpAddr,
) -> Result<(Account, User)> {
    let user = match find_login(app, login).await? {
        Some(id) => app.store.get_user(id).await?,
        None => None,
    };
    let invalid = || Error::new(Kind::Unauthorized, "Invalid e-mail address or password.");
    let pass = pass.to_string();
    let Some(user) = user else {
        blocking(move || password::verify_dummy(&pass)).await?;
        return Err(invalid());
    };
    let stored = user.password_hash.clone();
    let verdict = blocking(move || password::verify(&pass, &stored)).await?;
    let rehash = match verdict {
        password::Verdict::Wrong => return Err(invalid()),
        password::Verdict::Right => None,
        password::Verdict::RightRehash(new) => Some(new),
    };
    let account = app
        .store
        .get_account(user.account_id)
        .await?
        .ok_or_else(invalid)?;
    check_can_sign_in(&account, &user)?;
    app.store
        .record_sign_in(account.id, rehash.as_deref(), Utc::now())
        .await?;
    app.store
        .record_user_ip(account.id, &ip.to_string(), Utc::now(), false)
        .await?;
    Ok((account, user))
}

/// Counts a sign-in attempt (web form or password grant) against two
/// budgets: the client address's (`limits.sign_in_per_5min`, whatever
/// accounts it tries, so also per address and account), and the account's
/// from all addresses together, a generous ceiling
/// (`limits.sign_in_per_account_per_hour`). A stranger guessing at an
/// account runs out on their own address long before the account's owner,
/// signing in from theirs, is refused. The account is found by id when
/// the login names one, so `alice`, `@alice`, `ALICE` and her e-mail
/// address share one budget.
pub async fn limit_sign_in(app: &AppState, ip: std::net::IpAddr, login: &str) -> Result<()> {
    use crate::ratelimit::{FIVE_MINUTES, HOUR, address_bucket};
    let limits = &app.config.limits;
    let address = address_bucket(ip);
    app.limiter
        .hit_shared(
            &format!("sign_in:ip:{address}"),
            limits.sign_in_per_5min,
            FIVE_MINUTES,
        )
        .await?;
    let account = match find_login(app, login).await? {
        Some(id) => id.to_string(),
        None => crate::auth::digest(&login.trim().trim_start_matches('@').to_lowercase()),
    };
    app.limiter
        .hit_shared(
            &format!("sign_in:account:{account}"),
            limits.sign_in_per_account_per_hour,
            HOUR,
        )
        .await
}

/// Checks the account's own password before a sensitive change (password,
/// e-mail, two-factor): 422 "Invalid password." when wrong, counted
/// against the account's sign-in budget so it cannot be guessed here.
pub async fn verify_current_password(app: &AppState, user: &User, pass: &str) -> Result<()> {
    app.limiter
        .hit_shared(
            &format!("sign_in:account:{}", user.account_id),
            app.config.limits.sign_in_per_account_per_hour,
            crate::ratelimit::HOUR,
        )
        .await?;
    let stored = user.password_hash.clone();
    let pass = pass.to_string();
    match blocking(move || password::verify(&pass, &stored)).await? {
        password::Verdict::Wrong => Err(Error::unprocessable("Invalid password.")),
        _ => Ok(()),
    }
}

/// Refuses accounts that may not act: disabled, suspended, or awaiting approval.
pub fn check_can_sign_in(account: &Account, user: &User) -> Result<()> {
    if user.disabled {
        return Err(Error::forbidden("Your login is currently disabled"));
    }
    if user.confirmed_at.is_none() {
        return Err(Error::forbidden(
            "Your login is missing a confirmed e-mail address",
        ));
    }
    if account.suspended_at.is_some() {
        return Err(Error::forbidden("Your login is currently suspended"));
    }
    if !user.approved {
        return Err(Error::forbidden("Your login is currently pending approval"));
    }
    Ok(())
}

/// Changes a profile: every field is optional and keeps its value when absent.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub hide_collections: Option<bool>,
    pub fields: Option<Vec<(String, String)>>,
    pub privacy: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// Who may quote new posts: `public`, `followers` or `nobody`.
    pub quote_policy: Option<String>,
}

/// Applies `changes` to a local account after validating them.
pub async fn update_profile(
    app: &AppState,
    account: &Account,
    user: &User,
    changes: ProfileChanges,
) -> Result<Account> {
    let mut v = Validation::new();
    if let Some(name) = &changes.display_name
        && name.chars().count() > MAX_DISPLAY_NAME
    {
        v.add(
            "display_name",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_DISPLAY_NAME} characters)"),
        );
    }
    if let Some(note) = &changes.note
        && note.chars().count() > MAX_NOTE
    {
        v.add(
            "note",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_NOTE} characters)"),
        );
    }
    if let Some(fields) = &changes.fields {
        if fields.len() > MAX_FIELDS {
            v.add(
                "fields",
                "ERR_TOO_LONG",
                format!("is too long (maximum is {MAX_FIELDS} fields)"),
            );
        }
        if fields.iter().any(|(n, val)| {
            n.chars().count() > MAX_FIELD_LEN || val.chars().count() > MAX_FIELD_LEN
        }) {
            v.add(
                "fields",
                "ERR_TOO_LONG",
                format!("is too long (maximum is {MAX_FIELD_LEN} characters per name or value)"),
            );
        }
    }
    if let Some(privacy) = &changes.privacy
        && !matches!(
            privacy.as_str(),
            "public" | "unlisted" | "private" | "direct"
        )
    {
        v.add(
            "source[privacy]",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    if let Some(policy) = &changes.quote_policy
        && !matches!(policy.as_str(), "public" | "followers" | "nobody")
    {
        v.add(
            "source[quote_policy]",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    if let Some(lang) = &changes.language
        && !(lang.is_empty() || (lang.len() <= 3 && lang.chars().all(|c| c.is_ascii_lowercase())))
    {
        v.add("source[language]", "ERR_INVALID", "is invalid");
    }
    v.finish()?;

    let note_source = changes
        .note
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| account.note_source.clone());
    let fields = match changes.fields {
        Some(list) => list
            .into_iter()
            .filter(|(n, val)| !(n.trim().is_empty() && val.trim().is_empty()))
            .map(|(name, value)| Field {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
                verified_at: None,
            })
            .collect(),
        None => account.fields.0.clone(),
    };
    let display_name = changes
        .display_name
        .map(|d| d.trim().to_string())
        .unwrap_or_else(|| account.display_name.clone());
    let mut texts: Vec<&str> = vec![&display_name, &note_source];
    for f in &fields {
        texts.push(&f.name);
        texts.push(&f.value);
    }
    let emojis = crate::service::emojis::for_profile(app, "", &texts).await?;
    let update = ProfileUpdate {
        emojis,
        display_name,
        note: text::plain_to_html(&note_source),
        note_source,
        fields,
        locked: changes.locked.unwrap_or(account.locked),
        bot: changes.bot.unwrap_or(account.bot),
        discoverable: changes.discoverable.unwrap_or(account.discoverable),
        indexable: changes.indexable.unwrap_or(account.indexable),
        hide_collections: changes.hide_collections.unwrap_or(account.hide_collections),
        default_visibility: changes
            .privacy
            .unwrap_or_else(|| user.default_visibility.clone()),
        default_sensitive: changes.sensitive.unwrap_or(user.default_sensitive),
        default_quote_policy: changes
            .quote_policy
            .unwrap_or_else(|| user.default_quote_policy.clone()),
        default_language: match changes.language {
            Some(l) if l.is_empty() => None,
            Some(l) => Some(l),
            None => user.default_language.clone(),
        },
    };
    app.store
        .update_profile(account.id, &update, Utc::now())
        .await?;
    let updated = app
        .store
        .get_account(account.id)
        .await?
        .ok_or_else(Error::not_found)?;
    crate::federation::outbox::profile_updated(app, &updated).await?;
    Ok(updated)
}

/// Removes a local account's avatar or header (the placeholder shows
/// instead); other servers hear an `Update` of the actor.
pub async fn remove_image(app: &AppState, account: &Account, header: bool) -> Result<Account> {
    crate::media::process::clear_account_image(app, account.id, header).await?;
    let updated = get(app, account.id).await?;
    crate::federation::outbox::profile_updated(app, &updated).await?;
    Ok(updated)
}

/// Deletes a local account: other servers hear a `Delete` of the actor, and
/// its posts, relationships, tokens and sessions go. The row stays, suspended
/// and unable to sign in, so the name is not reused and the deliveries can be
/// signed. <https://docs.joinmastodon.org/spec/activitypub/#Delete>
pub async fn delete_account(app: &AppState, account: &Account) -> Result<()> {
    if !account.is_local() {
        return Err(Error::unprocessable(
            "Only local accounts can be deleted here",
        ));
    }
    crate::federation::outbox::account_deleted(app, account).await?;
    crate::media::process::delete_account_media(app, account).await?;
    super::archive::delete_all(app, account.id).await?;
    app.store.erase_local_account(account.id).await
}

/// The account `id`, local or remote.
pub async fn get(app: &AppState, id: i64) -> Result<Account> {
    app.store
        .get_account(id)
        .await?
        .ok_or_else(crate::error::Error::not_found)
}

/// A sign-up through the API, before the instance's policy is applied.
pub struct SignUp<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub agreement: bool,
    pub locale: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The address it comes from, for the sign-up rate limit.
    pub ip: std::net::IpAddr,
    /// The app whose token signs up.
    pub app_id: i64,
}

/// Signs up as `instance.registrations` allows: refused when closed,
/// waiting for approval under `approval`, at most
/// `limits.registrations_per_30min` per address.
pub async fn sign_up(app: &AppState, s: SignUp<'_>) -> Result<Account> {
    let mut approved = match app.config.instance.registrations {
        crate::config::Registrations::Closed => {
            return Err(crate::error::Error::forbidden(
                "Registrations are closed on this server",
            ));
        }
        crate::config::Registrations::Approval => false,
        crate::config::Registrations::Open => true,
    };
    app.limiter
        .hit_shared(
            &format!("register:{}", s.ip),
            app.config.limits.registrations_per_30min,
            std::time::Duration::from_secs(30 * 60),
        )
        .await?;
    if !s.agreement {
        let mut v = Validation::new();
        v.add("agreement", "ERR_ACCEPTED", "must be accepted");
        v.finish()?;
    }
    // Blocked addresses and e-mail providers are refused; some address
    // ranges may only sign up for approval.
    if super::moderation::sign_up_blocks::check_sign_up(app, s.email, s.ip).await? {
        approved = false;
    }
    let locale = s
        .locale
        .filter(|l| l.len() <= 10 && !l.is_empty())
        .unwrap_or("en");
    // With e-mail configured, the address must be confirmed before the
    // account may act.
    let confirm = app.mail.enabled();
    let account = register(
        app,
        Registration {
            username: s.username.trim(),
            email: s.email.trim(),
            password: s.password,
            role: Role::User,
            locale,
            approved,
            confirmed: !confirm,
            allow_reserved: false,
            reason: s.reason,
            app_id: Some(s.app_id),
        },
    )
    .await?;
    if confirm {
        super::confirmations::send(app, account.id).await?;
    }
    app.store
        .record_user_ip(account.id, &s.ip.to_string(), Utc::now(), true)
        .await?;
    // Staff hear of every sign-up (and approve those that wait).
    for staff in app.store.staff_account_ids().await? {
        super::notifications::notify(app, staff, "admin.sign_up", &account, None).await?;
    }
    Ok(account)
}

/// The account `id` as others may see it: a local account waiting for
/// approval does not exist to them yet (Mastodon answers 404).
pub async fn visible(app: &AppState, id: i64) -> Result<Account> {
    let account = get(app, id).await?;
    ensure_approved(app, &account).await?;
    Ok(account)
}

/// The accounts of `ids` others may see, in the order asked; those that do
/// not exist or wait for approval are left out, as Mastodon does.
pub async fn visible_many(app: &AppState, ids: &[i64]) -> Result<Vec<Account>> {
    let found = app.store.get_accounts(ids).await?;
    let mut out = Vec::with_capacity(found.len());
    for id in ids {
        if let Some(account) = found.iter().find(|a| a.id == *id)
            && ensure_approved(app, account).await.is_ok()
        {
            out.push(account.clone());
        }
    }
    Ok(out)
}

async fn ensure_approved(app: &AppState, account: &Account) -> Result<()> {
    if account.is_local()
        && let Some(user) = app.store.get_user(account.id).await?
        && !user.approved
    {
        return Err(crate::error::Error::not_found());
    }
    Ok(())
}

/// `user[@domain]`: a local account, or a remote one resolved through
/// WebFinger (the stored copy when its server does not answer).
pub async fn lookup(app: &AppState, acct: &str) -> Result<Account> {
    let acct = acct.trim().trim_start_matches('@');
    if acct.is_empty() {
        return Err(crate::error::Error::not_found());
    }
    let account = match acct.split_once('@') {
        Some((user, domain)) if !domain.eq_ignore_ascii_case(&app.config.server.domain) => {
            match crate::federation::fetch::webfinger(app, user, domain).await {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::debug!(acct, error = %e, "lookup could not resolve");
                    app.store
                        .get_remote_account_by_username(user, domain)
                        .await?
                }
            }
        }
        Some((user, _)) => app.store.get_local_account_by_username(user).await?,
        None => app.store.get_local_account_by_username(acct).await?,
    };
    let account = account.ok_or_else(crate::error::Error::not_found)?;
    ensure_approved(app, &account).await?;
    Ok(account)
}

/// A signed-in person's own account, user row and pending follow requests
/// (clients show the count as a badge).
pub async fn credentials(app: &AppState, account: &Account) -> Result<(User, i64)> {
    let user = app
        .store
        .get_user(account.id)
        .await?
        .ok_or_else(crate::error::Error::not_found)?;
    let pending = app.store.count_follow_requests(account.id).await?;
    Ok((user, pending))
}

/// `account` with its key pair: a local account gets one the first time
/// federation needs it (its actor document, a signed delivery, its archive).
/// Two requests or nodes making one at once keep the first stored.
pub async fn with_keys(app: &AppState, account: Account) -> Result<Account> {
    if !account.is_local() || !account.public_key_pem.is_empty() {
        return Ok(account);
    }
    let stripes = &app.federation.key_making;
    let stripe = usize::try_from(account.id.rem_euclid(stripes.len() as i64)).unwrap_or(0);
    let _making = stripes[stripe].lock().await;
    // Made while this request waited (here, or on another node)?
    let mut account = app
        .store
        .get_account(account.id)
        .await?
        .ok_or_else(Error::not_found)?;
    if !account.public_key_pem.is_empty() {
        return Ok(account);
    }
    let pair = blocking(keys::generate).await??;
    if app
        .store
        .put_account_keys(account.id, &pair.public_pem, &pair.private_pem)
        .await?
    {
        account.public_key_pem = pair.public_pem;
        account.private_key_pem = Some(pair.private_pem);
        return Ok(account);
    }
    // Another node stored its pair first: that one is the account's.
    let account = app
        .store
        .get_account(account.id)
        .await?
        .ok_or_else(Error::not_found)?;
    if account.public_key_pem.is_empty() {
        return Err(Error::internal("the account's key pair was not stored"));
    }
    Ok(account)
}

/// The local account named `username`.
pub async fn local_by_username(app: &AppState, username: &str) -> Result<Account> {
    app.store
        .get_local_account_by_username(username)
        .await?
        .ok_or_else(crate::error::Error::not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(f: impl Fn(&mut Validation)) -> bool {
        let mut v = Validation::new();
        f(&mut v);
        !v.is_empty()
    }

    fn check_username_strict(v: &mut Validation, name: &str) {
        check_username(v, name, false);
    }

    #[test]
    fn username_rules() {
        assert!(!fails(|v| check_username_strict(v, "alice_99")));
        assert!(fails(|v| check_username_strict(v, "")));
        assert!(fails(|v| check_username_strict(v, "al ice")));
        assert!(fails(|v| check_username_strict(v, "al.ice")));
        assert!(fails(|v| check_username_strict(v, "Admin")));
        assert!(fails(|v| check_username_strict(v, &"a".repeat(31))));
        assert!(fails(|v| check_username_strict(v, "ålice")));
    }

    #[test]
    fn email_rules() {
        assert!(!fails(|v| check_email(v, "a@example.org")));
        assert!(fails(|v| check_email(v, "a@localhost")));
        assert!(fails(|v| check_email(v, "example.org")));
        assert!(fails(|v| check_email(v, "a b@example.org")));
    }

    #[test]
    fn password_rules() {
        assert!(fails(|v| check_password(v, "short")));
        assert!(!fails(|v| check_password(v, "long enough")));
        assert!(fails(|v| check_password(v, &"x".repeat(73))));
    }
}
