-- Password resets by e-mail: the digest of the mailed token, whose account,
-- until when. A reset consumes its row; any reset removes the account's others.
CREATE TABLE password_resets (
    token_hash          TEXT    PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL
);
CREATE INDEX password_resets_account ON password_resets (account_id);
