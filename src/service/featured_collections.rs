//! Collections (Mastodon 4.6): a user curates named collections of
//! accounts they recommend. Local accounts only: an account may be
//! featured when it is discoverable (a locked one only by its followers)
//! and neither side blocks the other; it is accepted at once and told so
//! (`added_to_collection`), and may withdraw (revoke) later.
//! <https://docs.joinmastodon.org/methods/collections/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Kind, Result, Validation};
use crate::model::featured_collection::{
    MAX_DESCRIPTION, MAX_ITEMS, MAX_NAME, MAX_PER_ACCOUNT, featureable, state,
};
use crate::model::{Account, CollectionItem, FeaturedCollection};
use crate::service::notifications;

/// What a client sends to create or change a collection (None: unchanged,
/// or Mastodon's default when creating).
#[derive(Debug, Default)]
pub struct Draft {
    pub name: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub sensitive: Option<bool>,
    pub discoverable: Option<bool>,
    pub tag_name: Option<String>,
    /// Accounts to feature (creation only).
    pub account_ids: Vec<String>,
}

/// A collection as one viewer sees it: the owner sees pending and accepted
/// items, everyone else accepted ones; nobody sees accounts they block.
#[derive(Debug, Clone)]
pub struct Shown {
    pub collection: FeaturedCollection,
    pub owner: Account,
    pub items: Vec<CollectionItem>,
}

fn forbidden() -> Error {
    Error::forbidden("This action is not allowed")
}

/// A hashtag name as typed (`#Birds` or `birds`), lower-cased; None when
/// it is not one.
fn tag_name(raw: &str) -> Option<String> {
    let name = raw.trim().trim_start_matches('#');
    let valid = !name.is_empty()
        && name.chars().count() <= 100
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit());
    valid.then(|| name.to_lowercase())
}

fn validate(d: &Draft, creating: bool) -> Result<()> {
    let mut v = Validation::new();
    match d.name.as_deref().map(str::trim) {
        None if creating => v.add("name", "ERR_BLANK", "can't be blank"),
        Some("") => v.add("name", "ERR_BLANK", "can't be blank"),
        Some(n) if n.chars().count() > MAX_NAME => v.add(
            "name",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_NAME} characters)"),
        ),
        _ => {}
    }
    if let Some(desc) = &d.description
        && desc.trim().chars().count() > MAX_DESCRIPTION
    {
        v.add(
            "description",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_DESCRIPTION} characters)"),
        );
    }
    if let Some(lang) = d.language.as_deref().filter(|l| !l.is_empty())
        && !(lang.len() <= 3 && lang.chars().all(|c| c.is_ascii_lowercase()))
    {
        v.add("language", "ERR_INVALID", "is not a valid language code");
    }
    if let Some(tag) = d.tag_name.as_deref().filter(|t| !t.trim().is_empty())
        && tag_name(tag).is_none()
    {
        v.add("tag_name", "ERR_INVALID", "is not a valid hashtag");
    }
    v.finish()
}

/// Whether `curator` may feature `target`: a local, featureable account
/// neither of them blocks.
async fn may_feature(app: &AppState, curator: &Account, target: &Account) -> Result<bool> {
    if !target.is_local() || target.suspended_at.is_some() {
        return Ok(false);
    }
    if target.id == curator.id {
        return Ok(true);
    }
    if app.store.blocked_either_way(curator.id, target.id).await? {
        return Ok(false);
    }
    let follows = target.locked && app.store.follows(curator.id, target.id).await?;
    Ok(featureable(target.discoverable, target.locked, follows))
}

/// An account named by id: 404 when unknown.
async fn account_by_id(app: &AppState, raw: &str) -> Result<Account> {
    let id: i64 = raw.trim().parse().map_err(|_| Error::not_found())?;
    app.store
        .get_account(id)
        .await?
        .ok_or_else(Error::not_found)
}

/// Creates a collection for `owner`, featuring `d.account_ids` (each must
/// be featureable, or nothing is created: 403).
pub async fn create(app: &AppState, owner: &Account, d: Draft) -> Result<Shown> {
    validate(&d, true)?;
    if app.store.count_featured_collections(owner.id).await? >= MAX_PER_ACCOUNT {
        let mut v = Validation::new();
        v.add(
            "base",
            "ERR_TOO_MANY",
            format!("You cannot have more than {MAX_PER_ACCOUNT} collections"),
        );
        return Err(v.into_error());
    }
    let mut featured: Vec<Account> = Vec::new();
    for raw in &d.account_ids {
        let account = account_by_id(app, raw).await?;
        if !may_feature(app, owner, &account).await? {
            return Err(forbidden());
        }
        if !featured.iter().any(|a| a.id == account.id) {
            featured.push(account);
        }
    }
    if featured.len() > usize::try_from(MAX_ITEMS).unwrap_or(usize::MAX) {
        let mut v = Validation::new();
        v.add(
            "account_ids",
            "ERR_TOO_LONG",
            format!("can list at most {MAX_ITEMS} accounts"),
        );
        return Err(v.into_error());
    }
    let now = Utc::now();
    let collection = FeaturedCollection {
        id: crate::id::new_id(),
        account_id: owner.id,
        name: d.name.unwrap_or_default().trim().to_string(),
        description: d.description.unwrap_or_default().trim().to_string(),
        language: d.language.filter(|l| !l.is_empty()),
        sensitive: d.sensitive.unwrap_or(false),
        discoverable: d.discoverable.unwrap_or(true),
        tag_name: d.tag_name.as_deref().and_then(tag_name),
        created_at: now,
        updated_at: now,
    };
    let items: Vec<CollectionItem> = featured
        .iter()
        .zip(1..)
        .map(|(a, position)| CollectionItem {
            id: crate::id::new_id(),
            collection_id: collection.id,
            account_id: a.id,
            state: state::ACCEPTED.to_string(),
            position,
            created_at: now,
        })
        .collect();
    app.store
        .put_featured_collection(&collection, &items)
        .await?;
    for a in &featured {
        notifications::notify_collection(app, a.id, "added_to_collection", owner, collection.id)
            .await?;
    }
    Ok(Shown {
        collection,
        owner: owner.clone(),
        items,
    })
}

/// The collection and who sees which of its items.
async fn shown(
    app: &AppState,
    viewer: Option<&Account>,
    collection: FeaturedCollection,
    owner: Account,
) -> Result<Shown> {
    let items = app.store.collection_items(&[collection.id]).await?;
    tailored(app, viewer, collection, owner, &items).await
}

async fn tailored(
    app: &AppState,
    viewer: Option<&Account>,
    collection: FeaturedCollection,
    owner: Account,
    items: &[CollectionItem],
) -> Result<Shown> {
    let is_owner = viewer.is_some_and(|v| v.id == owner.id);
    let hidden: Vec<i64> = match viewer {
        Some(v) if !is_owner => app.store.hidden_account_ids(v.id, Utc::now()).await?,
        _ => Vec::new(),
    };
    let items = items
        .iter()
        .filter(|i| i.collection_id == collection.id)
        .filter(|i| is_owner || i.state == state::ACCEPTED)
        .filter(|i| !hidden.contains(&i.account_id))
        .cloned()
        .collect();
    Ok(Shown {
        collection,
        owner,
        items,
    })
}

/// A collection and its owner; 404 when unknown.
async fn load(app: &AppState, id: i64) -> Result<(FeaturedCollection, Account)> {
    let collection = app
        .store
        .get_featured_collection(id)
        .await?
        .ok_or_else(Error::not_found)?;
    let owner = app
        .store
        .get_account(collection.account_id)
        .await?
        .filter(|a| a.suspended_at.is_none())
        .ok_or_else(Error::not_found)?;
    Ok((collection, owner))
}

/// One of `owner`'s collections: 404 when unknown, 403 when not theirs.
async fn own(app: &AppState, owner: &Account, id: i64) -> Result<FeaturedCollection> {
    let (collection, _) = load(app, id).await?;
    if collection.account_id != owner.id {
        return Err(forbidden());
    }
    Ok(collection)
}

/// A collection with the accounts it shows (its owner first): anyone may
/// open one by id, except those its owner blocks (403).
pub async fn show(
    app: &AppState,
    viewer: Option<&Account>,
    id: i64,
) -> Result<(Shown, Vec<Account>)> {
    let (collection, owner) = load(app, id).await?;
    if let Some(v) = viewer
        && v.id != owner.id
        && app.store.blocked_either_way(owner.id, v.id).await?
    {
        return Err(forbidden());
    }
    let shown = shown(app, viewer, collection, owner).await?;
    let ids: Vec<i64> = shown.items.iter().map(|i| i.account_id).collect();
    let found = app.store.get_accounts(&ids).await?;
    let mut accounts = vec![shown.owner.clone()];
    accounts.extend(
        ids.iter()
            .filter_map(|id| found.iter().find(|a| a.id == *id).cloned()),
    );
    Ok((shown, accounts))
}

/// Changes a collection's name, description, language, flags or tag (not
/// its items); accounts featured in it hear of a new name or description.
pub async fn update(app: &AppState, owner: &Account, id: i64, d: Draft) -> Result<Shown> {
    let before = own(app, owner, id).await?;
    validate(&d, false)?;
    let after = FeaturedCollection {
        name: d
            .name
            .map(|n| n.trim().to_string())
            .unwrap_or_else(|| before.name.clone()),
        description: d
            .description
            .map(|n| n.trim().to_string())
            .unwrap_or_else(|| before.description.clone()),
        language: match d.language {
            Some(l) if l.is_empty() => None,
            Some(l) => Some(l),
            None => before.language.clone(),
        },
        sensitive: d.sensitive.unwrap_or(before.sensitive),
        discoverable: d.discoverable.unwrap_or(before.discoverable),
        tag_name: match d.tag_name {
            Some(t) if t.trim().is_empty() => None,
            Some(t) => tag_name(&t),
            None => before.tag_name.clone(),
        },
        updated_at: Utc::now(),
        ..before.clone()
    };
    app.store.update_featured_collection(&after).await?;
    let shown = shown(app, Some(owner), after, owner.clone()).await?;
    if shown.collection.name != before.name || shown.collection.description != before.description {
        for item in shown.items.iter().filter(|i| i.state == state::ACCEPTED) {
            notifications::notify_collection(
                app,
                item.account_id,
                "collection_update",
                owner,
                shown.collection.id,
            )
            .await?;
        }
    }
    Ok(shown)
}

/// Deletes one of `owner`'s collections.
pub async fn delete(app: &AppState, owner: &Account, id: i64) -> Result<()> {
    let collection = own(app, owner, id).await?;
    app.store.delete_featured_collection(collection.id).await
}

/// Adds an account to one of `owner`'s collections, last.
pub async fn add_item(
    app: &AppState,
    owner: &Account,
    collection_id: i64,
    account_id: Option<&str>,
) -> Result<CollectionItem> {
    let account_id = account_id
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| Error::unprocessable("`account_id` parameter is missing"))?;
    let collection = own(app, owner, collection_id).await?;
    let account = account_by_id(app, account_id).await?;
    if !may_feature(app, owner, &account).await? {
        return Err(forbidden());
    }
    let added = app
        .store
        .add_collection_item(
            collection.id,
            account.id,
            state::ACCEPTED,
            MAX_ITEMS,
            Utc::now(),
        )
        .await?;
    match added {
        crate::db::featured_collections::AddItem::Added(item) => {
            notifications::notify_collection(
                app,
                account.id,
                "added_to_collection",
                owner,
                collection.id,
            )
            .await?;
            Ok(item)
        }
        crate::db::featured_collections::AddItem::Already => {
            let mut v = Validation::new();
            v.add("account_id", "ERR_TAKEN", "has already been taken");
            Err(v.into_error())
        }
        crate::db::featured_collections::AddItem::Full => {
            let mut v = Validation::new();
            v.add(
                "base",
                "ERR_TOO_MANY",
                format!("A collection can feature at most {MAX_ITEMS} accounts"),
            );
            Err(v.into_error())
        }
    }
}

/// An item of a collection; 404 when it is not one of its items.
async fn item_of(app: &AppState, collection_id: i64, item_id: i64) -> Result<CollectionItem> {
    app.store
        .get_collection_item(item_id)
        .await?
        .filter(|i| i.collection_id == collection_id)
        .ok_or_else(Error::not_found)
}

/// The owner takes an account out of their collection.
pub async fn remove_item(
    app: &AppState,
    owner: &Account,
    collection_id: i64,
    item_id: i64,
) -> Result<()> {
    let collection = own(app, owner, collection_id).await?;
    let item = item_of(app, collection.id, item_id).await?;
    app.store.delete_collection_item(item.id).await
}

/// A featured account takes itself out of someone's collection.
pub async fn revoke(app: &AppState, me: &Account, collection_id: i64, item_id: i64) -> Result<()> {
    let (collection, _) = load(app, collection_id).await?;
    let item = item_of(app, collection.id, item_id).await?;
    if item.account_id != me.id {
        return Err(forbidden());
    }
    app.store
        .set_collection_item_state(item.id, state::REVOKED)
        .await
}

/// A page of an account's collections for `viewer` (its hidden ones only
/// for itself; none for those it blocks), with the total.
pub async fn of_account(
    app: &AppState,
    viewer: Option<&Account>,
    account_id: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Shown>, i64)> {
    let owner = app
        .store
        .get_account(account_id)
        .await?
        .filter(|a| a.suspended_at.is_none())
        .ok_or_else(Error::not_found)?;
    if let Some(v) = viewer
        && v.id != owner.id
        && app.store.blocked_either_way(owner.id, v.id).await?
    {
        return Ok((Vec::new(), 0));
    }
    let is_owner = viewer.is_some_and(|v| v.id == owner.id);
    let (rows, total) = app
        .store
        .featured_collections_of(owner.id, is_owner, limit, offset)
        .await?;
    let owners = vec![owner; rows.len()];
    Ok((many(app, viewer, rows, owners).await?, total))
}

/// A page of the collections featuring the caller (only their own id: 403
/// for anyone else's), with the total.
pub async fn featuring(
    app: &AppState,
    me: &Account,
    account_id: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Shown>, i64)> {
    if account_id != me.id {
        return Err(Error::new(Kind::Forbidden, "This action is not allowed"));
    }
    let (rows, total) = app
        .store
        .collections_featuring(me.id, limit, offset)
        .await?;
    let (kept, owners) = with_owners(app, rows).await?;
    Ok((many(app, Some(me), kept, owners).await?, total))
}

/// Collections paired with their curators (those whose curator is gone
/// are left out).
async fn with_owners(
    app: &AppState,
    rows: Vec<FeaturedCollection>,
) -> Result<(Vec<FeaturedCollection>, Vec<Account>)> {
    let owner_ids: Vec<i64> = rows.iter().map(|c| c.account_id).collect();
    let found = app.store.get_accounts(&owner_ids).await?;
    let mut kept = Vec::new();
    let mut owners = Vec::new();
    for c in rows {
        if let Some(o) = found.iter().find(|a| a.id == c.account_id) {
            owners.push(o.clone());
            kept.push(c);
        }
    }
    Ok((kept, owners))
}

/// Collections (with their owners) as `viewer` sees them, items loaded in
/// one query.
pub async fn many(
    app: &AppState,
    viewer: Option<&Account>,
    rows: Vec<FeaturedCollection>,
    owners: Vec<Account>,
) -> Result<Vec<Shown>> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let items = app.store.collection_items(&ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (c, owner) in rows.into_iter().zip(owners) {
        out.push(tailored(app, viewer, c, owner, &items).await?);
    }
    Ok(out)
}

/// The collections notifications in a page refer to, as `viewer` sees them.
pub async fn for_notifications(
    app: &AppState,
    viewer: &Account,
    ids: &[i64],
) -> Result<Vec<Shown>> {
    let rows = app.store.get_featured_collections(ids).await?;
    let (kept, owners) = with_owners(app, rows).await?;
    many(app, Some(viewer), kept, owners).await
}
