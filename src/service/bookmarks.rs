//! The statuses an account bookmarked or favourited, as lists of their own,
//! paged by when they were flagged.
//! <https://docs.joinmastodon.org/methods/bookmarks/>,
//! <https://docs.joinmastodon.org/methods/favourites/>

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Page, Status};

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flagged {
    Bookmarks,
    Favourites,
}

/// One page of a flagged list: the statuses `me` may still see, newest
/// flag first, and the flag rows' ids of the page's ends (its pagination
/// keys, newest and oldest).
pub struct FlaggedPage {
    pub statuses: Vec<Status>,
    pub keys: Option<(i64, i64)>,
}

pub async fn page(
    app: &AppState,
    me: &Account,
    which: Flagged,
    page: &Page,
) -> Result<FlaggedPage> {
    let mut pairs = match which {
        Flagged::Bookmarks => app.store.bookmarks_page(me.id, page).await?,
        Flagged::Favourites => app.store.favourites_page(me.id, page).await?,
    };
    pairs.sort_by_key(|x| std::cmp::Reverse(x.0));
    let ids: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    let rows = crate::model::status::in_order(&ids, app.store.get_statuses(&ids).await?);
    let statuses = crate::service::timelines::filter_visible(app, Some(me), rows).await?;
    let keys = pairs.first().zip(pairs.last()).map(|(n, o)| (n.0, o.0));
    Ok(FlaggedPage { statuses, keys })
}
