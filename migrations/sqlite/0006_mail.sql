-- Password resets by e-mail: the digest of the mailed token, whose account,
-- until when. A reset consumes its row; any reset removes the account's others.
CREATE TABLE password_resets (
    token_hash          TEXT    PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL
);
CREATE INDEX password_resets_account ON password_resets (account_id);

-- Confirmed e-mail addresses. Accounts from before e-mail existed count as
-- confirmed; a new sign-up with mail configured waits for its link.
ALTER TABLE users ADD COLUMN confirmed_at TEXT;
UPDATE users SET confirmed_at = created_at;
-- The digest of the mailed confirmation token, while one is out.
ALTER TABLE users ADD COLUMN confirmation_token_hash TEXT;
CREATE UNIQUE INDEX users_confirmation_token ON users (confirmation_token_hash)
    WHERE confirmation_token_hash IS NOT NULL;
