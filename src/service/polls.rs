//! Polls: who may vote and how, reading a poll, and the end of a poll.
//! <https://docs.joinmastodon.org/methods/polls/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::outbox;
use crate::model::{Account, Poll};
use crate::service::statuses::visible_status;

/// Poll `id` with its status's author, when `viewer` may see the status.
pub async fn get(app: &AppState, viewer: Option<&Account>, id: i64) -> Result<(Poll, i64)> {
    let poll = app.store.get_poll(id).await?.ok_or_else(Error::not_found)?;
    let (status, _) = visible_status(app, viewer, poll.status_id).await?;
    Ok((poll, status.account_id))
}

/// Records `voter`'s choices in poll `poll_id`. <https://docs.joinmastodon.org/methods/polls/#vote>
pub async fn vote(app: &AppState, voter: &Account, poll_id: i64, choices: &[i64]) -> Result<Poll> {
    let poll = app
        .store
        .get_poll(poll_id)
        .await?
        .ok_or_else(Error::not_found)?;
    let (status, _) = visible_status(app, Some(voter), poll.status_id).await?;
    if status.account_id == voter.id {
        return Err(Error::unprocessable(
            "Validation failed: You cannot vote in your own poll",
        ));
    }
    if poll.expired(Utc::now()) {
        return Err(Error::unprocessable(
            "Validation failed: The poll has already ended",
        ));
    }
    let mut choices = choices.to_vec();
    choices.sort_unstable();
    choices.dedup();
    let n = i64::try_from(poll.options.0.len()).unwrap_or(0);
    if choices.is_empty() || choices.iter().any(|c| *c < 0 || *c >= n) {
        return Err(Error::unprocessable(
            "Validation failed: That choice is not in the poll",
        ));
    }
    if !poll.multiple && choices.len() > 1 {
        return Err(Error::unprocessable(
            "Validation failed: This poll allows only one choice",
        ));
    }
    if !app
        .store
        .put_votes(poll.id, voter.id, &choices, Utc::now())
        .await?
    {
        return Err(Error::unprocessable(
            "Validation failed: You have already voted on this poll",
        ));
    }
    if let Some(remote) = &poll.remote_tallies {
        // Counted here at once; the author's server sends the real counts.
        let mut tallies = remote.0.clone();
        for c in &choices {
            if let Some(t) = usize::try_from(*c).ok().and_then(|i| tallies.get_mut(i)) {
                *t += 1;
            }
        }
        app.store
            .set_remote_tallies(poll.id, &tallies, poll.voters_count + 1)
            .await?;
        outbox::voted(app, voter, &status, &poll, &choices).await?;
    }
    app.store
        .get_poll(poll.id)
        .await?
        .ok_or_else(Error::not_found)
}

/// A remote account's vote, one choice per `Note` (a multiple-choice vote
/// arrives as several), in a local poll. Votes the voter could not cast
/// through the API (a post they may not see, their own poll, an ended poll,
/// a second choice in a single-choice poll, an unknown option) are
/// ignored, as Mastodon ignores them.
pub async fn vote_from_remote(
    app: &AppState,
    voter: &Account,
    status: &crate::model::Status,
    option: &str,
) -> Result<()> {
    let Some(poll_id) = status.poll_id.filter(|_| status.local) else {
        return Ok(());
    };
    let Some(poll) = app.store.get_poll(poll_id).await? else {
        return Ok(());
    };
    let Some(choice) = poll.options.0.iter().position(|o| o == option) else {
        return Ok(());
    };
    if poll.expired(Utc::now()) || status.account_id == voter.id {
        return Ok(());
    }
    // The same visibility rule as every read: a followers-only poll takes
    // votes from followers (and the mentioned) only.
    let Some(author) = app.store.get_account(status.account_id).await? else {
        return Ok(());
    };
    if !super::visibility::can_see(app, Some(voter), status, &author).await? {
        return Ok(());
    }
    // A single-choice poll takes one vote per account.
    if !poll.multiple && !app.store.own_votes(voter.id, &[poll.id]).await?.is_empty() {
        return Ok(());
    }
    let choice = i64::try_from(choice).unwrap_or(0);
    app.store.add_remote_vote(poll.id, voter.id, choice).await?;
    Ok(())
}

/// The queued end of a poll: its author and voters get a `poll` notification.
pub async fn poll_ended(app: &AppState, poll_id: i64) -> Result<()> {
    let Some(poll) = app.store.get_poll(poll_id).await? else {
        return Ok(());
    };
    let Some(status) = app.store.get_status(poll.status_id).await? else {
        return Ok(());
    };
    let Some(author) = app.store.get_account(status.account_id).await? else {
        return Ok(());
    };
    let mut recipients = app.store.poll_voters(poll.id).await?;
    recipients.push(author.id);
    for account_id in recipients {
        // The author "sends" it to themselves too, as in Mastodon.
        let n = crate::model::Notification {
            id: crate::id::new_id(),
            account_id,
            r#type: "poll".into(),
            from_account_id: author.id,
            status_id: Some(status.id),
            created_at: Utc::now(),
            group_key: None,
            filtered: false,
            report_id: None,
            collection_id: None,
        };
        if app
            .store
            .get_account(account_id)
            .await?
            .is_some_and(|a| a.is_local())
            && app.store.put_notification(&n).await?
        {
            crate::service::notifications::published(app, &n).await?;
        }
    }
    Ok(())
}
