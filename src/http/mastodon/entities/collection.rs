//! Collection and CollectionItem (Mastodon 4.6).
//! <https://docs.joinmastodon.org/entities/Collection/>

use serde::Serialize;

use super::timestamp;
use crate::app::AppState;
use crate::model::CollectionItem;
use crate::model::featured_collection::state;
use crate::service::featured_collections::Shown;

/// <https://docs.joinmastodon.org/entities/Collection/>
#[derive(Debug, Clone, Serialize)]
pub struct CollectionEntity {
    pub id: String,
    pub uri: String,
    pub name: String,
    pub description: String,
    pub language: Option<String>,
    pub account_id: String,
    pub local: bool,
    pub sensitive: bool,
    pub discoverable: bool,
    /// roost has no web page for a collection yet.
    pub url: Option<String>,
    /// The items this viewer is shown.
    pub item_count: usize,
    pub created_at: String,
    pub updated_at: String,
    pub tag: Option<ShallowTag>,
    pub items: Vec<CollectionItemEntity>,
}

/// <https://docs.joinmastodon.org/entities/ShallowTag/>
#[derive(Debug, Clone, Serialize)]
pub struct ShallowTag {
    pub name: String,
    pub url: String,
}

/// <https://docs.joinmastodon.org/entities/CollectionItem/>
#[derive(Debug, Clone, Serialize)]
pub struct CollectionItemEntity {
    pub id: String,
    pub state: String,
    pub created_at: String,
    /// Only while the item is pending or accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

pub fn collection_item(i: &CollectionItem) -> CollectionItemEntity {
    let live = i.state == state::ACCEPTED || i.state == state::PENDING;
    CollectionItemEntity {
        id: i.id.to_string(),
        state: i.state.clone(),
        created_at: timestamp(i.created_at),
        account_id: live.then(|| i.account_id.to_string()),
    }
}

pub fn collection(app: &AppState, s: &Shown) -> CollectionEntity {
    let c = &s.collection;
    CollectionEntity {
        id: c.id.to_string(),
        uri: format!("{}/featured_collections/{}", s.owner.uri, c.id),
        name: c.name.clone(),
        description: c.description.clone(),
        language: c.language.clone(),
        account_id: c.account_id.to_string(),
        local: true,
        sensitive: c.sensitive,
        discoverable: c.discoverable,
        url: None,
        item_count: s.items.len(),
        created_at: timestamp(c.created_at),
        updated_at: timestamp(c.updated_at),
        tag: c.tag_name.as_ref().map(|t| ShallowTag {
            name: t.clone(),
            url: app.url(&format!("/tags/{t}")),
        }),
        items: s.items.iter().map(collection_item).collect(),
    }
}
