//! Moving an account to another server: the new account first lists this
//! one among its aliases (`alsoKnownAs`), then this one moves, and its
//! followers follow the new account, here and on other servers.
//! <https://docs.joinmastodon.org/spec/activitypub/#Move>

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, User};

/// Most aliases an account keeps.
pub const MAX_ALIASES: usize = 10;

/// Adds `acct` (`user@domain`, resolved through WebFinger) to `account`'s
/// aliases, so that it may move here; other servers hear an `Update`.
pub async fn add_alias(app: &AppState, account: &Account, acct: &str) -> Result<Account> {
    let other = super::accounts::lookup(app, acct).await.map_err(|_| {
        Error::unprocessable(format!("Validation failed: {acct} could not be found"))
    })?;
    if other.id == account.id {
        return Err(Error::unprocessable(
            "Validation failed: An account cannot be its own alias",
        ));
    }
    let mut aliases = account.also_known_as.0.clone();
    if !aliases.contains(&other.uri) {
        if aliases.len() >= MAX_ALIASES {
            return Err(Error::unprocessable(format!(
                "Validation failed: at most {MAX_ALIASES} aliases"
            )));
        }
        aliases.push(other.uri.clone());
    }
    save_aliases(app, account, &aliases).await
}

/// Removes an alias (by its actor URI).
pub async fn remove_alias(app: &AppState, account: &Account, uri: &str) -> Result<Account> {
    let aliases: Vec<String> = account
        .also_known_as
        .0
        .iter()
        .filter(|a| *a != uri)
        .cloned()
        .collect();
    save_aliases(app, account, &aliases).await
}

async fn save_aliases(app: &AppState, account: &Account, aliases: &[String]) -> Result<Account> {
    app.store.set_also_known_as(account.id, aliases).await?;
    let updated = super::accounts::get(app, account.id).await?;
    crate::federation::outbox::profile_updated(app, &updated).await?;
    Ok(updated)
}

/// Moves `account` to `acct`, after its current password: the new account
/// must already list this one as an alias (checked on its own server).
/// Local followers follow the new account at once; other servers' do when
/// the `Move` reaches them.
pub async fn move_to(
    app: &AppState,
    account: &Account,
    user: &User,
    acct: &str,
    password: &str,
) -> Result<Account> {
    super::accounts::verify_current_password(app, user, password).await?;
    let target = super::accounts::lookup(app, acct).await.map_err(|_| {
        Error::unprocessable(format!("Validation failed: {acct} could not be found"))
    })?;
    if target.id == account.id {
        return Err(Error::unprocessable(
            "Validation failed: An account cannot move to itself",
        ));
    }
    // Its aliases as its server says them now.
    let target = if target.is_local() {
        target
    } else {
        crate::federation::fetch::refresh_actor(app, &target.uri).await?
    };
    if !target.also_known_as.0.iter().any(|a| a == &account.uri) {
        return Err(Error::unprocessable(format!(
            "Validation failed: {acct} must list this account as an alias first"
        )));
    }
    app.store.set_moved_to(account.id, target.id).await?;
    let moved = super::accounts::get(app, account.id).await?;
    super::relationships::move_followers(app, &moved, &target).await?;
    crate::federation::outbox::moved(app, &moved, &target).await?;
    Ok(moved)
}

/// The account `account` moved to, if it moved and that one is not
/// suspended.
pub async fn moved_to(app: &AppState, account: &Account) -> Result<Option<Account>> {
    Ok(match account.moved_to_account_id {
        Some(id) => app
            .store
            .get_account(id)
            .await?
            .filter(|a| a.suspended_at.is_none()),
        None => None,
    })
}

/// The actor `account` moved to, if it moved (its Person's `movedTo`).
pub async fn moved_to_uri(app: &AppState, account: &Account) -> Result<Option<String>> {
    Ok(match account.moved_to_account_id {
        Some(id) => app.store.get_account(id).await?.map(|a| a.uri),
        None => None,
    })
}
