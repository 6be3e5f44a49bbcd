//! Accounts a person features on their profile (endorsements) and the
//! private notes they keep on others.
//! <https://docs.joinmastodon.org/methods/endorsements/>

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page};

/// Endorses (`on`) an account the owner follows, or stops endorsing it.
pub async fn endorse(app: &AppState, me: &Account, target: &Account, on: bool) -> Result<()> {
    if on && !app.store.follows(me.id, target.id).await? {
        return Err(Error::unprocessable(
            "Validation failed: You must follow an account to feature it",
        ));
    }
    app.store.set_endorsement(me.id, target.id, on).await
}

/// Sets the private note on `target` (empty clears it).
pub async fn set_note(app: &AppState, me: &Account, target: &Account, comment: &str) -> Result<()> {
    if comment.chars().count() > 2000 {
        return Err(Error::unprocessable(
            "Validation failed: Comment is too long (maximum is 2000 characters)",
        ));
    }
    app.store.put_note(me.id, target.id, comment).await
}

/// A page of the accounts `me` endorses, in endorsement order, with the
/// endorsement rows' ids of the page's ends (newest, oldest).
pub async fn endorsed(
    app: &AppState,
    me: &Account,
    page: &Page,
) -> Result<(Vec<Account>, Option<(i64, i64)>)> {
    let mut pairs = app.store.endorsements(me.id, page).await?;
    pairs.sort_by_key(|p| std::cmp::Reverse(p.0));
    let ids: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    let accounts = app.store.get_accounts(&ids).await?;
    let ordered = ids
        .iter()
        .filter_map(|id| accounts.iter().find(|a| a.id == *id).cloned())
        .collect();
    let keys = pairs.first().zip(pairs.last()).map(|(n, o)| (n.0, o.0));
    Ok((ordered, keys))
}
