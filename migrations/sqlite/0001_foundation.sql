-- Foundation: accounts (local and remote), local users, OAuth apps, codes,
-- tokens and web sessions. Times are RFC 3339 text in UTC; booleans are 0/1.

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL,
    domain              TEXT,                       -- NULL for local accounts
    display_name        TEXT    NOT NULL DEFAULT '',
    note                TEXT    NOT NULL DEFAULT '',  -- sanitized HTML shown to clients
    note_source         TEXT    NOT NULL DEFAULT '',  -- what a local user typed
    fields              TEXT    NOT NULL DEFAULT '[]',-- JSON [{name, value, verified_at}]
    locked              INTEGER NOT NULL DEFAULT 0,
    bot                 INTEGER NOT NULL DEFAULT 0,
    group_actor         INTEGER NOT NULL DEFAULT 0,
    discoverable        INTEGER NOT NULL DEFAULT 1,
    indexable           INTEGER NOT NULL DEFAULT 1,
    hide_collections    INTEGER NOT NULL DEFAULT 0,
    uri                 TEXT    NOT NULL,             -- ActivityPub id
    url                 TEXT,                         -- profile page
    inbox_url           TEXT,
    shared_inbox_url    TEXT,
    outbox_url          TEXT,
    followers_url       TEXT,
    following_url       TEXT,
    featured_url        TEXT,
    public_key_pem      TEXT    NOT NULL,
    private_key_pem     TEXT,                         -- local accounts only
    avatar_remote_url   TEXT,
    header_remote_url   TEXT,
    statuses_count      INTEGER NOT NULL DEFAULT 0,
    followers_count     INTEGER NOT NULL DEFAULT 0,
    following_count     INTEGER NOT NULL DEFAULT 0,
    last_status_at      TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    fetched_at          TEXT,
    suspended_at        TEXT,
    silenced_at         TEXT,
    moved_to_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX accounts_uri ON accounts (uri);
CREATE UNIQUE INDEX accounts_local_username ON accounts (lower(username)) WHERE domain IS NULL;
CREATE UNIQUE INDEX accounts_remote_username ON accounts (lower(username), lower(domain)) WHERE domain IS NOT NULL;

CREATE TABLE users (
    account_id          INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email               TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    role                TEXT    NOT NULL DEFAULT 'user',
    locale              TEXT    NOT NULL DEFAULT 'en',
    approved            INTEGER NOT NULL DEFAULT 1,
    disabled            INTEGER NOT NULL DEFAULT 0,
    registration_reason TEXT,
    default_visibility  TEXT    NOT NULL DEFAULT 'public',
    default_sensitive   INTEGER NOT NULL DEFAULT 0,
    default_language    TEXT,
    created_at          TEXT    NOT NULL,
    last_sign_in_at     TEXT
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE apps (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    website             TEXT,
    redirect_uris       TEXT    NOT NULL,             -- newline separated
    scopes              TEXT    NOT NULL,             -- space separated
    client_id           TEXT    NOT NULL,
    client_secret_hash  TEXT    NOT NULL,
    created_at          TEXT    NOT NULL
);
CREATE UNIQUE INDEX apps_client_id ON apps (client_id);

CREATE TABLE oauth_codes (
    code_hash           TEXT    PRIMARY KEY,
    app_id              INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri        TEXT    NOT NULL,
    scopes              TEXT    NOT NULL,
    code_challenge      TEXT,                         -- PKCE S256 challenge
    created_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL
);

CREATE TABLE tokens (
    id                  INTEGER PRIMARY KEY,
    token_hash          TEXT    NOT NULL,
    refresh_hash        TEXT,
    app_id              INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id          INTEGER REFERENCES accounts (id) ON DELETE CASCADE, -- NULL: app-only token
    scopes              TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    revoked_at          TEXT,
    last_used_at        TEXT
);
CREATE UNIQUE INDEX tokens_token_hash ON tokens (token_hash);
CREATE UNIQUE INDEX tokens_refresh_hash ON tokens (refresh_hash);
CREATE INDEX tokens_account ON tokens (account_id);
CREATE INDEX tokens_app ON tokens (app_id);

CREATE TABLE sessions (
    id_hash             TEXT    PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token          TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL,
    user_agent          TEXT,
    ip                  TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);
