-- Two-factor sign-in (TOTP, RFC 6238). otp_secret is the base-32 secret:
-- while otp_enabled_at is NULL it is only offered on the settings page;
-- once enabled, sign-in asks for a code. otp_last_step is the time step of
-- the last code accepted: a code is good once (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN otp_secret TEXT;
ALTER TABLE users ADD COLUMN otp_enabled_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN otp_last_step BIGINT;
-- A new address waiting for its confirmation link (an e-mail change).
ALTER TABLE users ADD COLUMN unconfirmed_email TEXT;

-- Single-use recovery codes, as digests; a used code is deleted.
CREATE TABLE recovery_codes (
    account_id          BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash           TEXT    NOT NULL,
    PRIMARY KEY (account_id, code_hash)
);

-- The second sign-in step: a password was right, a code is still owed.
-- The browser holds the token (a cookie); failed codes are counted.
CREATE TABLE sign_in_challenges (
    token_hash          TEXT    PRIMARY KEY,
    account_id          BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at          TIMESTAMPTZ NOT NULL,
    failures            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_challenges_account ON sign_in_challenges (account_id);
