#!/usr/bin/env python3
"""Print the Mastodon client API coverage table for roost as Markdown.

Usage (from the repository root):

    python3 docs/tools/api_coverage.py > docs/api.md

The list of endpoints comes from the OpenAPI description of the Mastodon
client API in ../shared/reference/mastodon-api.openapi.json (relative to the
repository root). Pass another path as the first argument, or set the
ROOST_OPENAPI environment variable, to use a different copy.

The status of each endpoint is kept by hand in STATUS below. Keys are
"METHOD /path", with the path written exactly as in the OpenAPI file (for
example "GET /api/v1/accounts/{id}"). Every operation in the spec that is not
listed in STATUS is reported as "missing".

The script exits with status 1 if a key in STATUS or NOTES does not name an
operation in the spec, so that typos are caught. Endpoints that roost serves
but that are not in the spec belong in NOT_IN_SPEC instead.

Standard library only.
"""

import json
import os
import sys
from collections import defaultdict

# ---------------------------------------------------------------------------
# Hand-maintained data
# ---------------------------------------------------------------------------

DONE = "done"
EMPTY = "empty"
MISSING = "missing"

STATUS = {
    # OAuth applications and tokens
    "POST /api/v1/apps": DONE,
    "GET /api/v1/apps/verify_credentials": DONE,
    "GET /oauth/authorize": DONE,
    "POST /oauth/token": DONE,
    "POST /oauth/revoke": DONE,
    "GET /.well-known/oauth-authorization-server": DONE,
    # Accounts
    "POST /api/v1/accounts": DONE,
    "GET /api/v1/accounts/verify_credentials": DONE,
    "PATCH /api/v1/accounts/update_credentials": DONE,
    "POST /api/v1/media": DONE,
    "GET /api/v1/media/{id}": DONE,
    "PUT /api/v1/media/{id}": DONE,
    "DELETE /api/v1/media/{id}": DONE,
    "POST /api/v2/media": DONE,
    "GET /api/v1/accounts/{id}": DONE,
    "GET /api/v1/accounts/lookup": DONE,
    "GET /api/v1/instance/peers": DONE,
    "GET /api/v1/instance/activity": DONE,
    "POST /api/v1/reports": DONE,
    "GET /api/v2/search": DONE,
    # Instance
    "GET /api/v1/instance": DONE,
    "GET /api/v2/instance": DONE,
    "GET /api/v1/custom_emojis": DONE,
    "GET /api/v1/preferences": DONE,
    # Social core (issue 4)
    "POST /api/v1/statuses": DONE,
    "GET /api/v1/statuses/{id}": DONE,
    "DELETE /api/v1/statuses/{id}": DONE,
    "PUT /api/v1/statuses/{id}": DONE,
    "GET /api/v1/statuses/{id}/context": DONE,
    "GET /api/v1/statuses/{id}/history": DONE,
    "GET /api/v1/statuses/{id}/source": DONE,
    "POST /api/v1/statuses/{id}/favourite": DONE,
    "POST /api/v1/statuses/{id}/unfavourite": DONE,
    "POST /api/v1/statuses/{id}/reblog": DONE,
    "POST /api/v1/statuses/{id}/unreblog": DONE,
    "POST /api/v1/statuses/{id}/bookmark": DONE,
    "POST /api/v1/statuses/{id}/unbookmark": DONE,
    "POST /api/v1/statuses/{id}/pin": DONE,
    "POST /api/v1/statuses/{id}/unpin": DONE,
    "POST /api/v1/statuses/{id}/mute": DONE,
    "POST /api/v1/statuses/{id}/unmute": DONE,
    "GET /api/v1/statuses/{id}/favourited_by": DONE,
    "GET /api/v1/statuses/{id}/reblogged_by": DONE,
    "GET /api/v1/polls/{id}": DONE,
    "GET /api/v1/scheduled_statuses": DONE,
    "GET /api/v1/scheduled_statuses/{id}": DONE,
    "PUT /api/v1/scheduled_statuses/{id}": DONE,
    "DELETE /api/v1/scheduled_statuses/{id}": DONE,
    "POST /api/v1/polls/{id}/votes": DONE,
    "GET /api/v1/timelines/home": DONE,
    "GET /api/v1/timelines/public": DONE,
    "GET /api/v1/timelines/tag/{hashtag}": DONE,
    "GET /api/v1/timelines/list/{list_id}": DONE,
    "GET /api/v1/accounts/relationships": DONE,
    "GET /api/v1/accounts/familiar_followers": DONE,
    "GET /api/v1/accounts/search": DONE,
    "POST /api/v1/accounts/{id}/follow": DONE,
    "POST /api/v1/accounts/{id}/unfollow": DONE,
    "POST /api/v1/accounts/{id}/remove_from_followers": DONE,
    "POST /api/v1/accounts/{id}/block": DONE,
    "POST /api/v1/accounts/{id}/unblock": DONE,
    "POST /api/v1/accounts/{id}/mute": DONE,
    "POST /api/v1/accounts/{id}/unmute": DONE,
    "POST /api/v1/accounts/{id}/note": DONE,
    "POST /api/v1/accounts/{id}/pin": DONE,
    "POST /api/v1/accounts/{id}/unpin": DONE,
    "GET /api/v1/accounts/{id}/followers": DONE,
    "GET /api/v1/accounts/{id}/following": DONE,
    "GET /api/v1/accounts/{id}/statuses": DONE,
    "GET /api/v1/accounts/{id}/lists": DONE,
    "GET /api/v1/accounts/{id}/featured_tags": DONE,
    "GET /api/v1/follow_requests": DONE,
    "POST /api/v1/follow_requests/{account_id}/authorize": DONE,
    "POST /api/v1/follow_requests/{account_id}/reject": DONE,
    "GET /api/v1/blocks": DONE,
    "GET /api/v1/mutes": DONE,
    "GET /api/v1/endorsements": DONE,
    "GET /api/v1/bookmarks": DONE,
    "GET /api/v1/favourites": DONE,
    "GET /api/v1/notifications": DONE,
    "GET /api/v1/notifications/{id}": DONE,
    "POST /api/v1/notifications/clear": DONE,
    "POST /api/v1/notifications/{id}/dismiss": DONE,
    "GET /api/v1/notifications/unread_count": DONE,
    "GET /api/v1/markers": DONE,
    "POST /api/v1/markers": DONE,
    "POST /api/v1/emails/confirmations": DONE,
    "GET /api/v1/conversations": DONE,
    "DELETE /api/v1/conversations/{id}": DONE,
    "POST /api/v1/conversations/{id}/read": DONE,
    "GET /api/v1/lists": DONE,
    "POST /api/v1/lists": DONE,
    "GET /api/v1/lists/{id}": DONE,
    "PUT /api/v1/lists/{id}": DONE,
    "DELETE /api/v1/lists/{id}": DONE,
    "GET /api/v1/lists/{id}/accounts": DONE,
    "POST /api/v1/lists/{id}/accounts": DONE,
    "DELETE /api/v1/lists/{id}/accounts": DONE,
    "GET /api/v1/tags/{name}": DONE,
    "POST /api/v1/tags/{name}/follow": DONE,
    "POST /api/v1/tags/{name}/unfollow": DONE,
    "GET /api/v1/followed_tags": DONE,
    "GET /api/v1/featured_tags": DONE,
    "POST /api/v1/featured_tags": DONE,
    "DELETE /api/v1/featured_tags/{id}": DONE,
    # Health check (listed in the spec, though not part of the client API)
    "GET /health": DONE,
    # Answer [] for an authorized user until a later issue fills them
    # Instance rules and texts
    "GET /api/v1/instance/rules": DONE,
    "GET /api/v1/instance/extended_description": DONE,
    "GET /api/v1/instance/privacy_policy": DONE,
    "GET /api/v1/instance/terms_of_service": DONE,
    "GET /api/v1/instance/domain_blocks": DONE,
    # Filters and domain blocks
    "GET /api/v1/filters": DONE,
    "POST /api/v1/filters": DONE,
    "GET /api/v1/filters/{id}": DONE,
    "PUT /api/v1/filters/{id}": DONE,
    "DELETE /api/v1/filters/{id}": DONE,
    "GET /api/v2/filters": DONE,
    "POST /api/v2/filters": DONE,
    "GET /api/v2/filters/{id}": DONE,
    "PUT /api/v2/filters/{id}": DONE,
    "DELETE /api/v2/filters/{id}": DONE,
    "GET /api/v2/filters/keywords/{id}": DONE,
    "PUT /api/v2/filters/keywords/{id}": DONE,
    "DELETE /api/v2/filters/keywords/{id}": DONE,
    "GET /api/v2/filters/statuses/{id}": DONE,
    "DELETE /api/v2/filters/statuses/{id}": DONE,
    "GET /api/v2/filters/{filter_id}/keywords": DONE,
    "POST /api/v2/filters/{filter_id}/keywords": DONE,
    "GET /api/v2/filters/{filter_id}/statuses": DONE,
    "POST /api/v2/filters/{filter_id}/statuses": DONE,
    "GET /api/v1/domain_blocks": DONE,
    "POST /api/v1/domain_blocks": DONE,
    "DELETE /api/v1/domain_blocks": DONE,
    "GET /api/v1/announcements": DONE,
    "POST /api/v1/announcements/{id}/dismiss": DONE,
    "PUT /api/v1/announcements/{id}/reactions/{name}": DONE,
    "DELETE /api/v1/announcements/{id}/reactions/{name}": DONE,
    "GET /api/v1/trends/tags": DONE,
    "GET /api/v1/trends/statuses": DONE,
    "GET /api/v1/trends/links": DONE,
    "GET /api/v1/timelines/link": DONE,
    "POST /api/v1/tags/{id}/feature": DONE,
    "POST /api/v1/tags/{id}/unfeature": DONE,
    "GET /api/v2/suggestions": DONE,
    "GET /api/v1/suggestions": DONE,
    "DELETE /api/v1/suggestions/{account_id}": DONE,
    "GET /api/v1/directory": DONE,
    "GET /api/v1/featured_tags/suggestions": DONE,
    # Real time (issue 13)
    "GET /api/v1/streaming/health": DONE,
    "GET /api/v1/streaming/user": DONE,
    "GET /api/v1/streaming/user/notification": DONE,
    "GET /api/v1/streaming/public": DONE,
    "GET /api/v1/streaming/public/local": DONE,
    "GET /api/v1/streaming/public/remote": DONE,
    "GET /api/v1/streaming/hashtag": DONE,
    "GET /api/v1/streaming/hashtag/local": DONE,
    "GET /api/v1/streaming/list": DONE,
    "GET /api/v1/streaming/direct": DONE,
    "GET /api/v1/push/subscription": DONE,
    "POST /api/v1/push/subscription": DONE,
    "PUT /api/v1/push/subscription": DONE,
    "DELETE /api/v1/push/subscription": DONE,
    "GET /api/v2/notifications": DONE,
    "GET /api/v1/timelines/direct": DONE,
    "GET /api/v2/notifications/policy": DONE,
    "PATCH /api/v2/notifications/policy": DONE,
    "GET /api/v1/notifications/requests": DONE,
    "GET /api/v1/notifications/requests/{id}": DONE,
    "POST /api/v1/notifications/requests/{id}/accept": DONE,
    "POST /api/v1/notifications/requests/{id}/dismiss": DONE,
    "POST /api/v1/notifications/requests/accept": DONE,
    "POST /api/v1/notifications/requests/dismiss": DONE,
    "GET /api/v1/notifications/requests/merged": DONE,
    "GET /api/v2/notifications/unread_count": DONE,
    "GET /api/v2/notifications/{group_key}": DONE,
    "GET /api/v2/notifications/{group_key}/accounts": DONE,
    "POST /api/v2/notifications/{group_key}/dismiss": DONE,
    # The rest of the client API (issue 16)
    "GET /api/v1/accounts": DONE,
    "GET /api/v1/statuses": DONE,
    "POST /api/v1/accounts/{id}/endorse": DONE,
    "POST /api/v1/accounts/{id}/unendorse": DONE,
    "GET /api/v1/accounts/{id}/endorsements": DONE,
    "GET /api/v1/accounts/{id}/identity_proofs": DONE,
    "GET /api/v1/profile": DONE,
    "PATCH /api/v1/profile": DONE,
    "DELETE /api/v1/profile/avatar": DONE,
    "DELETE /api/v1/profile/header": DONE,
    "GET /api/oembed": DONE,
    "GET /oauth/userinfo": DONE,
    "GET /api/v1/instance/translation_languages": DONE,
    "POST /api/v1/statuses/{id}/translate": DONE,
    "GET /api/v1/instance/terms_of_service/{date}": DONE,
    "GET /api/v1/annual_reports": DONE,
    "GET /api/v1/annual_reports/{year}": DONE,
    "GET /api/v1/annual_reports/{year}/state": DONE,
    "POST /api/v1/annual_reports/{year}/generate": DONE,
    "POST /api/v1/annual_reports/{year}/read": DONE,
    "GET /api/v1_alpha/async_refreshes/{id}": DONE,
    # Quote posts (Mastodon 4.5)
    "GET /api/v1/statuses/{id}/quotes": DONE,
    "POST /api/v1/statuses/{id}/quotes/{quoting_status_id}/revoke": DONE,
    "PUT /api/v1/statuses/{id}/interaction_policy": DONE,
    # Collections (Mastodon 4.6), local only
    "GET /api/v1/accounts/{account_id}/collections": DONE,
    "GET /api/v1/accounts/{account_id}/in_collections": DONE,
    "POST /api/v1/collections": DONE,
    "POST /api/v1/collections/{collection_id}/items": DONE,
    "DELETE /api/v1/collections/{collection_id}/items/{id}": DONE,
    "POST /api/v1/collections/{collection_id}/items/{id}/revoke": DONE,
    "GET /api/v1/collections/{id}": DONE,
    "PATCH /api/v1/collections/{id}": DONE,
    "DELETE /api/v1/collections/{id}": DONE,
}

# Operations not served yet that another open issue builds, as
# "METHOD /path": "issue N". Their rows say so.
OWNER = {
}

NOTES = {
    "GET /api/v1/instance/activity": "Public: the last 12 weeks, newest first, seven days each with the newest ending today (week = its first day's midnight UTC): local public and unlisted posts, local users who used the server, local sign-ups. Cache-Control public, 5 minutes.",
    "GET /api/v1/announcements": "Written by admins at /admin/announcements (plain text, optional start and end in UTC); with_dismissed; reactions with counts and me.",
    "PUT /api/v1/announcements/{id}/reactions/{name}": "A Unicode emoji or one of this server's custom emoji; at most 8 different ones per announcement.",
    "GET /api/v1/accounts": "id[] (at most 40), in the order asked; unknown and unapproved accounts left out.",
    "GET /api/v1/statuses": "id[] (at most 40), in the order asked; what the caller may not see is left out.",
    "POST /api/v1/accounts/{id}/endorse": "Also at the pre-4.4 name /pin; needs a follow.",
    "GET /api/v1/accounts/{id}/identity_proofs": "Always [] (deprecated by Mastodon 3.5).",
    "GET /api/v1/profile": "Image descriptions, profile tabs (show_media, show_featured) and attribution_domains are not stored: Mastodon's defaults.",
    "PATCH /api/v1/profile": "The parameters of update_credentials (avatar and header as files).",
    "GET /api/oembed": "Local public and unlisted posts; the html is a self-contained blockquote (no iframe, no script).",
    "GET /oauth/userinfo": "profile scope; iss, sub (the actor URI), name, preferred_username, profile, picture.",
    "GET /api/v1/instance/translation_languages": "{} : roost has no translation engine.",
    "POST /api/v1/statuses/{id}/translate": "404, as Mastodon answers without a translation engine.",
    "GET /api/v1/instance/terms_of_service/{date}": "The one version kept, under the date it took effect.",
    "GET /api/v1/annual_reports": "roost makes no annual reports: an empty list, each year ineligible.",
    "GET /api/v1_alpha/async_refreshes/{id}": "Always 404: roost starts no background refreshes.",
    "GET /api/v1/instance/rules": "Written by admins at /admin/rules; reports cite them with rule_ids.",
    "GET /api/v1/instance/extended_description": "Written by admins at /admin/rules (plain text, paragraphs); 404 until then. Privacy policy and terms of service likewise.",
    "GET /api/v1/instance/domain_blocks": "Per instance.show_domain_blocks: disabled (404), users (401 signed out) or all.",
    "POST /api/v2/filters": "Contexts home, notifications, public, thread, account; warn, hide or blur; keywords_attributes (whole_word); at most 100 filters of 100 keywords and 1,000 posts. `hide` drops the post from timelines, threads, notifications and streams; `warn` and `blur` mark it (`filtered`).",
    "GET /api/v1/filters": "Each keyword of a v2 filter appears as a v1 filter; irreversible = hide.",
    "POST /api/v1/domain_blocks": "Hides the domain's accounts from timelines and notifications and removes the user's followers there (no Reject is sent to their server).",
    "POST /api/v1/emails/confirmations": "only while mail.smtp_url is set and the address awaits confirmation; any of the user's apps may ask (Mastodon: only the app that signed up)",
    "GET /api/v1/accounts/lookup": "Remote accounts are resolved through WebFinger when unknown or a day old.",
    "GET /api/v2/search": "Accounts (local by name, remote by handle or URL with resolve=true), statuses by URL or URI (fetched with resolve=true) and by full text with Mastodon's operators (from:, has:media|poll|link|embed, is:reply|sensitive, language:, in:library|public, before:/after:/during:, \"phrases\", -exclusion; account_id, max_id, min_id): public posts of indexable accounts plus your own and those you favourited, bookmarked, boosted or were mentioned in; hashtags by prefix, each with its id and seven days of history.",
    "GET /api/v1/trends/tags": "Hashtags two or more discoverable accounts used in public posts in the last 48 hours, each account counted once and halving every 12 hours; recomputed every discovery.trends_interval_secs; with discovery.trends_require_review only those staff approved; never those staff rejected. Also at /api/v1/trends.",
    "GET /api/v1/trends/statuses": "Public posts of discoverable, indexable accounts that two or more other accounts favourited or boosted, by the post's age (halving every 12 hours); as the viewer may see them.",
    "GET /api/v1/trends/links": "Links two or more discoverable accounts shared in public posts, each as its preview card (or the URL and its host while the page has none) with one day of history.",
    "GET /api/v1/timelines/link": "Public posts of the last 7 days whose HTML links to the url, which must trend now (404 otherwise, as Mastodon); paged by id.",
    "POST /api/v1/tags/{id}/feature": "{id} is the hashtag's name, as in Mastodon; nothing when it is featured already; featuring in the answer.",
    "GET /api/v1/directory": "Discoverable accounts that are not suspended, silenced or moved (local ones approved), by latest post (order=active) or newest (order=new), local=true for this server's; public; without whom the viewer blocks or mutes.",
    "GET /api/v2/suggestions": "Ranked over five sources (featured by staff endorsements, friends_of_friends, similar_to_recently_followed by hashtags followed or used in 30 days, most_interactions and most_followed locally); never yourself, followed, requested, blocked, muted, dismissed or non-discoverable accounts.",
    "GET /api/v1/featured_tags/suggestions": "Your most used hashtags of the last 30 days that you do not feature, with history.",
    "GET /api/v1/tags/{name}": "With id (empty for a tag no post used) and seven days of history: public and unlisted posts and their distinct accounts per UTC day.",
    "POST /api/v1/reports": "forward=true sends a Flag to the reported account's server.",
    "POST /api/v1/statuses": "Polls, media_ids, scheduled_at and Idempotency-Key supported; scheduled posts cannot carry media yet. quoted_status_id and quote_approval_policy (public, followers, nobody) as Mastodon 4.5: a remote post is quoted through FEP-044f (pending until its server approves).",
    "GET /api/v1/statuses/{id}/quotes": "Accepted quotes, newest first; Link pages by quote id, as Mastodon's do.",
    "POST /api/v1/statuses/{id}/quotes/{quoting_status_id}/revoke": "The quoted author only (403 otherwise); a remote quoter's server gets a Delete of the stamp.",
    "GET /api/v1/accounts/{account_id}/collections": "Newest first, offset-paged (limit 40, at most 80); unlisted ones only for their curator; an empty list for those the curator blocks.",
    "GET /api/v1/accounts/{account_id}/in_collections": "Your own id only (403 otherwise).",
    "POST /api/v1/collections": "Local accounts only (discoverable; locked ones by their followers; no block either way), accepted at once and notified (added_to_collection); at most 10 collections of 25 accounts. Collections do not federate yet (FEP-7aa9).",
    "POST /api/v1/collections/{collection_id}/items": "Added last; 422 when missing, already in it (also after a revoke) or full.",
    "PATCH /api/v1/collections/{id}": "Name, description, language, sensitive, discoverable, tag_name; a new name or description notifies the featured accounts (collection_update).",
    "POST /api/v1/collections/{collection_id}/items/{id}/revoke": "The featured account only (403 for anyone else, the curator too).",
    "PUT /api/v1/statuses/{id}/interaction_policy": "quote_approval_policy; followers-only and private posts stay nobody; federated as an Update of the Note.",
    "PUT /api/v1/statuses/{id}": "Text, spoiler, sensitivity, language and media_ids; an empty media_ids keeps the attachments; media_attributes not yet.",
    "GET /api/v1/timelines/public": "Local and remote statuses; only_media; silenced servers' accounts are left out.",
    "PATCH /api/v1/accounts/update_credentials":
        "Avatar (400x400) and header (1500x500) as multipart files, cropped around the centre.",
    "POST /api/v2/media": "200 for images (processed at once), 202 for video, audio and GIFs (transcoded by a job).",
    "POST /api/v1/media": "Processes video and audio before answering.",
    "GET /api/v1/media/{id}": "206 while processing.",
    "PUT /api/v1/media/{id}": "description, focus, thumbnail; 404 once posted (as Mastodon).",
    "DELETE /api/v1/media/{id}": "422 while a post has it.",
    "GET /api/v1/custom_emojis": "Added by admins with `roost admin emoji add NAME FILE [--category C]` (list, remove); static_url is the image itself. Statuses list the emoji their text names, local and remote (copied); accounts show the emoji their name, note and fields name.",
    "GET /health": "Health check, not a client API endpoint.",
    "GET /api/v1/streaming/user": "Server-sent events; update, status.update, delete, notification (with read or read:notifications), conversation. Every stream is also on the WebSocket at /api/v1/streaming.",
    "GET /api/v1/streaming/public": "only_media=true for public:media; public streams leave out replies to others, as Mastodon's do.",
    "GET /api/v1/streaming/direct": "conversation events (also sent on the user stream).",
    "GET /api/v2/notifications": "Favourites and boosts of one post, and follows, group within 12 hours of a group's start (grouped_types[] narrows it); expand_accounts is always full. Notifications held back by the policy are left out.",
    "GET /api/v1/notifications/requests": "A request's id is its sender's account id; accepting lets the sender's later notifications through.",
    "POST /api/v1/push/subscription": "aes128gcm with standard=true, aesgcm otherwise; VAPID; one subscription per token.",
}

# Endpoints that roost serves but that the spec does not list, as
# "METHOD /path": (status, note). They are printed in their own table.
# The OAuth and discovery endpoints go here if a future spec drops them.
NOT_IN_SPEC = {
    "POST /api/v1/admin/measures": (DONE, "Staff (admin:read): Mastodon's 14 keys (active_users, new_users, interactions, opened_reports, resolved_reports, tag_accounts|uses|servers with [id], instance_accounts|media_attachments|reports|statuses|follows|followers with [domain]); unknown keys left out; start_at/end_at as dates or ISO times (422 when missing, reversed or over 400 days); instance_* totals are all time with no previous_total; bytes with human_value."),
    "POST /api/v1/admin/dimensions": (DONE, "Staff (admin:read): Mastodon's 9 keys: languages (interface languages of users active in the window), sources (sign-ups by the app they came through; `unknown` for the command line and users from before roost recorded it), servers (posts per server, this one included), space_usage (database and media bytes, with human_value), software_versions (roost, the database, ffmpeg), tag_servers and tag_languages with [id], instance_accounts (most followed from here in the window) and instance_languages with [domain]; limit (default 10, at most 100; 422 when not a positive number); unknown keys left out; missing [id|domain] 400; unknown tag 404."),
    "GET /api/v1/instance/languages": (DONE, "Every language with a two-letter ISO 639 code, as [{code, name}] with English names."),
    "POST /api/v1/admin/retention": (DONE, "Staff: daily or monthly cohorts of local sign-ups and the share of each active (recorded use of the server) in each period since."),
    "GET /api/v1/roost/insights": (DONE, "roost's own (read:accounts): the caller's followers gained, lost and total per day, profile views per day (once per viewer per day), posts with their reach and engagement, and the top 5 posts, over days=N (default 30, 1 to 90; 422 otherwise); enabled says whether recording is on. docs/privacy.md says what is kept."),
    "GET /api/v1/roost/statuses/{id}/insights": (DONE, "roost's own (read:statuses): one post's reach (home feeds here plus remote followers delivered to), remote_reach, favourites, reblogs, replies; the author only, 404 for anyone else."),
    "GET /api/v1/statuses/{id}/card": (DONE, "Removed from Mastodon's documentation in 3.0, kept for older clients: the post's PreviewCard, or {} when it has none; 404 when the post is not visible. The card is also in the Status entity, fetched by a job from the post's first link (docs/architecture.md)."),
    "GET /api/v1/admin/trends/{tags,statuses,links}": (DONE, "Staff: everything that trends, with requires_review and trendable."),
    "POST /api/v1/admin/trends/{tags,statuses,links}/{id}/approve": (DONE, "Staff; in the audit log. A link's id is the one the admin list gives."),
    "POST /api/v1/admin/trends/{tags,statuses,links}/{id}/reject": (DONE, "Staff; a rejected item never shows; in the audit log."),
    "GET /api/v1/roost/timelines/recommended": (DONE, "roost's own: public posts of the last three days, by accounts you do not follow, that accounts you follow favourited or boosted, and posts trending here in your language, ranked by votes / (hours + 2)^1.5 (trending counts one vote); each Status carries roost.reason; limit (20, at most 40) and offset. docs/architecture.md explains the ranking."),
    "GET /metrics": (DONE, "Prometheus metrics, not a client API endpoint."),
    "GET /api/v1/streaming": (DONE, "The streaming WebSocket: stream, tag, list in the query or subscribe/unsubscribe messages; token by header, access_token or Sec-WebSocket-Protocol."),
    "GET /api/v1/admin/accounts": (DONE, "Mastodon's admin API (moderator or admin role); local, remote, by_domain, status flags, staff, username, display_name, email, ip."),
    "GET /api/v2/admin/accounts": (DONE, "origin, status (active, pending, disabled, silenced, suspended, sensitized), permissions=staff, by_domain, username, display_name, email, ip."),
    "GET /api/v1/admin/accounts/{id}": (DONE, "Admin::Account with email, ip, ips, invite_request, role."),
    "DELETE /api/v1/admin/accounts/{id}": (DONE, "Admins only, suspended accounts only: deletes the data."),
    "POST /api/v1/admin/accounts/{id}/action": (DONE, "none, sensitive, disable, silence, suspend; report_id, text (the warning), send_email_notification. A suspension federates a Delete of the actor."),
    "POST /api/v1/admin/accounts/{id}/approve": (DONE, "Pending sign-ups only."),
    "POST /api/v1/admin/accounts/{id}/reject": (DONE, "Pending sign-ups only; the account is deleted and its name freed."),
    "POST /api/v1/admin/accounts/{id}/enable": (DONE, ""),
    "POST /api/v1/admin/accounts/{id}/unsilence": (DONE, ""),
    "POST /api/v1/admin/accounts/{id}/unsuspend": (DONE, "Restores the account; followers' servers get an Update of the actor."),
    "POST /api/v1/admin/accounts/{id}/unsensitive": (DONE, ""),
    "GET /api/v1/admin/reports": (DONE, "Open reports unless resolved=true; account_id, target_account_id."),
    "GET /api/v1/admin/reports/{id}": (DONE, "Admin::Report with the reported statuses."),
    "POST /api/v1/admin/reports/{id}/assign_to_self": (DONE, ""),
    "POST /api/v1/admin/reports/{id}/unassign": (DONE, ""),
    "POST /api/v1/admin/reports/{id}/resolve": (DONE, ""),
    "POST /api/v1/admin/reports/{id}/reopen": (DONE, ""),
    "GET /api/v1/roost/admin/action_logs": (DONE, "roost only: the audit log, newest first (account_id: by one staff member; target_account_id: about one account). Each line: id, account (who), action, target_type, target_id, target, text, created_at."),
    "GET /api/v1/admin/email_domain_blocks": (DONE, "Admins; sign-ups with an address at the domain or a subdomain get 422 (email ERR_BLOCKED). history is always []."),
    "POST /api/v1/admin/email_domain_blocks": (DONE, ""),
    "GET /api/v1/admin/email_domain_blocks/{id}": (DONE, ""),
    "DELETE /api/v1/admin/email_domain_blocks/{id}": (DONE, ""),
    "GET /api/v1/admin/canonical_email_blocks": (DONE, "Admins; SHA-256 of the address lower-cased, without dots or +tag in its local part."),
    "POST /api/v1/admin/canonical_email_blocks": (DONE, "email or canonical_email_hash."),
    "POST /api/v1/admin/canonical_email_blocks/test": (DONE, ""),
    "GET /api/v1/admin/canonical_email_blocks/{id}": (DONE, ""),
    "DELETE /api/v1/admin/canonical_email_blocks/{id}": (DONE, ""),
    "GET /api/v1/admin/ip_blocks": (DONE, "Admins; severity sign_up_requires_approval, sign_up_block (403 on sign-up) or no_access (403 on every request but /health); expires_in."),
    "POST /api/v1/admin/ip_blocks": (DONE, ""),
    "GET /api/v1/admin/ip_blocks/{id}": (DONE, ""),
    "PUT /api/v1/admin/ip_blocks/{id}": (DONE, ""),
    "DELETE /api/v1/admin/ip_blocks/{id}": (DONE, ""),
    "GET /api/v1/admin/domain_allows": (DONE, "Admins; the servers federation.allowlist_mode lets in (subdomains too)."),
    "POST /api/v1/admin/domain_allows": (DONE, ""),
    "GET /api/v1/admin/domain_allows/{id}": (DONE, ""),
    "DELETE /api/v1/admin/domain_allows/{id}": (DONE, ""),
    "GET /api/v1/admin/domain_blocks": (DONE, "Mastodon's admin API (admin role)."),
    "POST /api/v1/admin/domain_blocks": (DONE, "suspend, silence or noop; reject_media; applied to known accounts."),
    "DELETE /api/v1/admin/domain_blocks/{id}": (DONE, "Lifts the block and its effect on known accounts."),
    "GET /api/v1/admin/held_statuses": (DONE, "roost's moderation queue for remote posts (moderation.review_remote)."),
    "POST /api/v1/admin/held_statuses/{id}/approve": (DONE, "roost only: the held post becomes a status."),
    "POST /api/v1/admin/held_statuses/{id}/reject": (DONE, "roost only: the held post is dropped."),
}

# ---------------------------------------------------------------------------

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
DEFAULT_SPEC = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "..", "shared", "reference", "mastodon-api.openapi.json",
)


def load_operations(spec_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method in item:
            if method.upper() in METHODS:
                ops.append((method.upper(), path))
    return spec, ops


def section_of(path):
    """Group name for a path.

    /api/v1/accounts/{id} -> accounts (also /api/v2/... and /api/v1_alpha/...)
    /api/oembed           -> oembed
    /oauth/token          -> oauth
    /.well-known/...      -> well-known
    /health               -> health
    """
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    if parts[0] == "api":
        if len(parts) >= 3 and parts[1].startswith("v"):
            return parts[2]
        return parts[1] if len(parts) >= 2 else "api"
    if parts[0] == ".well-known":
        return "well-known"
    return parts[0]


SECTION_TITLES = {
    "oauth": "OAuth and discovery",
    "well-known": "OAuth and discovery",
}


def sort_key(op):
    method, path = op
    return (path, METHODS.index(method))


def cell(text):
    return text.replace("|", "\\|")


def table(rows):
    out = ["| Method | Path | Status | Notes |", "| --- | --- | --- | --- |"]
    for method, path, status, note in rows:
        out.append("| {} | `{}` | {} | {} |".format(
            method, path, status, cell(note)))
    return out


def main(argv):
    spec_path = (argv[1] if len(argv) > 1
                 else os.environ.get("ROOST_OPENAPI", DEFAULT_SPEC))
    spec, ops = load_operations(spec_path)
    known = {"{} {}".format(m, p) for m, p in ops}

    errors = []
    for name, mapping in (("STATUS", STATUS), ("NOTES", NOTES), ("OWNER", OWNER)):
        for key in mapping:
            if key not in known:
                errors.append("{} key not in the spec: {!r}".format(name, key))
    for key, value in STATUS.items():
        if value not in (DONE, EMPTY, MISSING):
            errors.append("bad status {!r} for {!r}".format(value, key))
    for key in NOT_IN_SPEC:
        if key in known:
            errors.append(
                "NOT_IN_SPEC key is in the spec, move it to STATUS: {!r}"
                .format(key))
    if errors:
        for e in errors:
            print("api_coverage.py: " + e, file=sys.stderr)
        return 1

    sections = defaultdict(list)
    counts = {DONE: 0, EMPTY: 0, MISSING: 0}
    owned = 0
    for method, path in sorted(ops, key=sort_key):
        key = "{} {}".format(method, path)
        status = STATUS.get(key, MISSING)
        note = NOTES.get(key, "")
        if status == MISSING and key in OWNER:
            owned += 1
            note = "Built by {}.".format(OWNER[key]) + (" " + note if note else "")
        counts[status] += 1
        title = SECTION_TITLES.get(section_of(path), section_of(path))
        sections[title].append((method, path, status, note))

    version = spec.get("info", {}).get("version", "unknown")
    total = len(ops)
    out = []
    out.append("# Mastodon client API coverage")
    out.append("")
    out.append("<!-- Generated by docs/tools/api_coverage.py. Do not edit by "
               "hand; edit the script and regenerate. -->")
    out.append("")
    out.append(
        "**{} operations in the spec: {} done, {} empty, {} missing "
        "({} of them built by another open issue).**".format(
            total, counts[DONE], counts[EMPTY], counts[MISSING], owned))
    out.append("")
    out.append(
        "This page lists every operation in the OpenAPI description of the "
        "Mastodon client API (Mastodon {}, the admin API is not included) and "
        "says how far roost serves it. The statuses are:".format(version))
    out.append("")
    out.append("- `done`: roost implements the endpoint.")
    out.append(
        "- `empty`: the endpoint exists and answers an empty list `[]` to an "
        "authorized user, so clients work, until a later issue fills it.")
    out.append(
        "- `missing`: not implemented yet; the request gets a JSON 404.")
    out.append("")
    out.append(
        "Any `/api` path that roost does not know answers HTTP 404 with the "
        "body `{\"error\":\"Record not found\"}`; a known path asked "
        "with a method it does not take answers 405 with "
        "`{\"error\":\"Method not allowed\"}` and an `Allow` header.")
    out.append("")
    out.append(
        "Every GET answered, and the 30 writes that populate the instance "
        "first, are checked against the response schemas of the "
        "OpenAPI description "
        "(`tests/clients/openapi_conformance.py`, run by "
        "`clients::answers_are_valid_against_the_mastodon_openapi_schemas`). "
        "Where the description disagrees with Mastodon itself (V1 filters "
        "as one object, notification group ids as integers), roost answers "
        "as Mastodon does.")
    out.append("")
    out.append("To regenerate this page after changing a status in the "
               "script, run from the repository root:")
    out.append("")
    out.append("```sh")
    out.append("python3 docs/tools/api_coverage.py > docs/api.md")
    out.append("```")
    out.append("")
    out.append("The script fails (exit status 1) if one of its keys does not "
               "name an operation in the spec.")

    # OAuth and discovery first, then the rest alphabetically.
    first = "OAuth and discovery"
    order = ([first] if first in sections else []) + sorted(
        s for s in sections if s != first)
    for title in order:
        rows = sections[title]
        n = {st: sum(1 for r in rows if r[2] == st)
             for st in (DONE, EMPTY, MISSING)}
        out.append("")
        out.append("## {} ({} done, {} empty, {} missing)".format(
            title, n[DONE], n[EMPTY], n[MISSING]))
        out.append("")
        out.extend(table(rows))

    out.append("")
    out.append("## Endpoints outside the Mastodon client API")
    out.append("")
    out.append(
        "`GET /health` is a plain health check (it appears in the spec "
        "above under `health`). The endpoints below are served by roost "
        "but are not in the spec.")
    out.append("")
    rows = []
    for key in sorted(NOT_IN_SPEC, key=lambda k: sort_key(k.split(" ", 1))):
        method, path = key.split(" ", 1)
        status, note = NOT_IN_SPEC[key]
        rows.append((method, path, status, note))
    out.extend(table(rows))

    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
