//! Domains a user blocks: nothing from them reaches the user's timelines or
//! notifications, and the user's followers there are removed.
//! <https://docs.joinmastodon.org/methods/domain_blocks/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Result, Validation};
use crate::model::{Account, AccountDomainBlock, Page};

/// A page of the domains `account` blocks, newest first.
pub async fn list(
    app: &AppState,
    account: &Account,
    page: &Page,
) -> Result<Vec<AccountDomainBlock>> {
    app.store.account_domain_blocks(account.id, page).await
}

/// `domain` as stored: lower-case, no trailing dot; a 422 when it is not one.
fn normalize(app: &AppState, domain: &str) -> Result<String> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut v = Validation::new();
    if d.is_empty() || d.len() > 253 || d.contains(['/', ' ', '@', '?', '#']) {
        v.add("domain", "ERR_INVALID", "is invalid");
    } else if d == app.config.server.domain.to_ascii_lowercase() {
        v.add("domain", "ERR_INVALID", "cannot be this server");
    }
    v.finish()?;
    Ok(d)
}

pub async fn block(app: &AppState, account: &Account, domain: &str) -> Result<()> {
    let domain = normalize(app, domain)?;
    app.store
        .block_domain_for(account.id, &domain, Utc::now())
        .await
}

pub async fn unblock(app: &AppState, account: &Account, domain: &str) -> Result<()> {
    let domain = normalize(app, domain)?;
    app.store.unblock_domain_for(account.id, &domain).await
}
