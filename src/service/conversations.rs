//! Direct-message conversations as each participant sees them: the newest
//! post of each, whether it is unread, and who else takes part.
//! <https://docs.joinmastodon.org/methods/conversations/>

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, AccountConversation, Page, Status};

/// One conversation of a viewer's.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: i64,
    pub unread: bool,
    pub last_status: Status,
    /// The last post's author and everyone it mentions, minus the viewer.
    pub participants: Vec<Account>,
}

/// A page of `me`'s conversations, newest first. A conversation whose last
/// post `me` may no longer see (edited to drop them, its author blocked) is
/// left out.
pub async fn list(app: &AppState, me: &Account, page: &Page) -> Result<Vec<Conversation>> {
    let mut rows = app.store.conversations(me.id, page).await?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.last_status_id));
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(c) = load(app, me, row).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Marks `me`'s conversation `id` read and returns it.
pub async fn mark_read(app: &AppState, me: &Account, id: i64) -> Result<Conversation> {
    if !app.store.set_conversation_read(me.id, id).await? {
        return Err(Error::not_found());
    }
    let row = app
        .store
        .get_conversation(me.id, id)
        .await?
        .ok_or_else(Error::not_found)?;
    load(app, me, row).await?.ok_or_else(Error::not_found)
}

/// `me`'s view of the direct-message conversation `conversation_id`, if
/// they take part and may still see its last post (for the streaming API).
pub async fn of_conversation(
    app: &AppState,
    me: &Account,
    conversation_id: i64,
) -> Result<Option<Conversation>> {
    match app
        .store
        .get_account_conversation(me.id, conversation_id)
        .await?
    {
        Some(row) => load(app, me, row).await,
        None => Ok(None),
    }
}

/// Removes conversation `id` from `me`'s list (the posts stay).
pub async fn remove(app: &AppState, me: &Account, id: i64) -> Result<()> {
    if !app.store.delete_conversation(me.id, id).await? {
        return Err(Error::not_found());
    }
    Ok(())
}

async fn load(
    app: &AppState,
    me: &Account,
    row: AccountConversation,
) -> Result<Option<Conversation>> {
    let Ok((last_status, _)) =
        crate::service::statuses::visible_status(app, Some(me), row.last_status_id).await
    else {
        return Ok(None);
    };
    let mut ids: Vec<i64> = app
        .store
        .mentions_of(&[last_status.id])
        .await?
        .into_iter()
        .map(|(_, account)| account)
        .collect();
    ids.push(last_status.account_id);
    ids.retain(|id| *id != me.id);
    ids.sort_unstable();
    ids.dedup();
    let participants = app.store.get_accounts(&ids).await?;
    Ok(Some(Conversation {
        id: row.id,
        unread: row.unread,
        last_status,
        participants,
    }))
}
