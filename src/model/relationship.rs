//! How a viewer and another account relate.

use super::Follow;

/// Everything `relationships` reports between a viewer and one account.
#[derive(Debug, Default, Clone)]
pub struct RelationFlags {
    pub following: Option<Follow>,
    pub followed_by: bool,
    pub requested: Option<Follow>,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
}
