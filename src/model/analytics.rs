//! What the admin measures count (Mastodon's `/api/v1/admin/measures` keys).
//! <https://docs.joinmastodon.org/methods/admin/measures/>

/// One measure, with the parameter it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureKey {
    /// Local users who used the server (distinct over the window).
    ActiveUsers,
    /// Local sign-ups.
    NewUsers,
    /// Favourites, boosts, replies to others, poll votes and follows by
    /// local users.
    Interactions,
    OpenedReports,
    ResolvedReports,
    /// Distinct accounts that used the hashtag in public posts.
    TagAccounts(i64),
    /// Public posts with the hashtag.
    TagUses(i64),
    /// Distinct other servers whose accounts used the hashtag publicly.
    TagServers(i64),
    /// Accounts of the domain (the total is all time).
    InstanceAccounts(String),
    /// Bytes of the domain's media kept here (the total is all time).
    InstanceMediaAttachments(String),
    /// Reports about the domain's accounts (the total is all time).
    InstanceReports(String),
    /// Posts by the domain's accounts (the total is all time).
    InstanceStatuses(String),
    /// Follows of the domain's accounts from here (the total is all time).
    InstanceFollows(String),
    /// Follows of accounts here from the domain (the total is all time).
    InstanceFollowers(String),
}

impl MeasureKey {
    /// Mastodon's name of the key.
    pub fn name(&self) -> &'static str {
        match self {
            MeasureKey::ActiveUsers => "active_users",
            MeasureKey::NewUsers => "new_users",
            MeasureKey::Interactions => "interactions",
            MeasureKey::OpenedReports => "opened_reports",
            MeasureKey::ResolvedReports => "resolved_reports",
            MeasureKey::TagAccounts(_) => "tag_accounts",
            MeasureKey::TagUses(_) => "tag_uses",
            MeasureKey::TagServers(_) => "tag_servers",
            MeasureKey::InstanceAccounts(_) => "instance_accounts",
            MeasureKey::InstanceMediaAttachments(_) => "instance_media_attachments",
            MeasureKey::InstanceReports(_) => "instance_reports",
            MeasureKey::InstanceStatuses(_) => "instance_statuses",
            MeasureKey::InstanceFollows(_) => "instance_follows",
            MeasureKey::InstanceFollowers(_) => "instance_followers",
        }
    }

    /// Whether the total counts all time rather than the window (and so
    /// has no previous total), as Mastodon's `instance_*` measures do.
    pub fn all_time(&self) -> bool {
        self.name().starts_with("instance_")
    }

    /// `bytes` for sizes.
    pub fn unit(&self) -> Option<&'static str> {
        matches!(self, MeasureKey::InstanceMediaAttachments(_)).then_some("bytes")
    }
}

/// One dimension (Mastodon's `/api/v1/admin/dimensions` keys): the largest
/// groups of something over a window.
/// <https://docs.joinmastodon.org/methods/admin/dimensions/>
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimensionKey {
    /// Interface languages of the local users active in the window.
    Languages,
    /// How the window's sign-ups registered: the app that created them,
    /// or the website.
    Sources,
    /// Servers whose accounts posted most in the window (this one too).
    Servers,
    /// Bytes used by the database and by media.
    SpaceUsage,
    /// Versions of roost and the parts it runs on.
    SoftwareVersions,
    /// Servers whose accounts used the hashtag publicly in the window.
    TagServers(i64),
    /// Languages of the window's public posts with the hashtag.
    TagLanguages(i64),
    /// The domain's accounts most followed from here in the window.
    InstanceAccounts(String),
    /// Languages of the domain's posts in the window.
    InstanceLanguages(String),
}

impl DimensionKey {
    /// Mastodon's name of the key.
    pub fn name(&self) -> &'static str {
        match self {
            DimensionKey::Languages => "languages",
            DimensionKey::Sources => "sources",
            DimensionKey::Servers => "servers",
            DimensionKey::SpaceUsage => "space_usage",
            DimensionKey::SoftwareVersions => "software_versions",
            DimensionKey::TagServers(_) => "tag_servers",
            DimensionKey::TagLanguages(_) => "tag_languages",
            DimensionKey::InstanceAccounts(_) => "instance_accounts",
            DimensionKey::InstanceLanguages(_) => "instance_languages",
        }
    }
}
