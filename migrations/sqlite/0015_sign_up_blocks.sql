-- Who may not sign up (or reach the server at all): e-mail domains,
-- canonical e-mail addresses (as SHA-256 of the canonical form), and IP
-- ranges with what they stop.
CREATE TABLE email_domain_blocks (
    id                      INTEGER PRIMARY KEY,
    domain                  TEXT    NOT NULL,        -- lower-case; subdomains match too
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX email_domain_blocks_domain ON email_domain_blocks (domain);

CREATE TABLE canonical_email_blocks (
    id                      INTEGER PRIMARY KEY,
    canonical_email_hash    TEXT    NOT NULL,        -- hex SHA-256
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX canonical_email_blocks_hash ON canonical_email_blocks (canonical_email_hash);

CREATE TABLE ip_blocks (
    id                      INTEGER PRIMARY KEY,
    ip                      TEXT    NOT NULL,        -- a CIDR range, normalized
    severity                TEXT    NOT NULL,        -- sign_up_requires_approval, sign_up_block, no_access
    comment                 TEXT    NOT NULL DEFAULT '',
    created_at              TEXT    NOT NULL,
    expires_at              TEXT
);
CREATE UNIQUE INDEX ip_blocks_ip ON ip_blocks (ip);

-- Servers allowed to federate when federation.allowlist_mode is on (every
-- other server is then treated as suspended).
CREATE TABLE domain_allows (
    id                      INTEGER PRIMARY KEY,
    domain                  TEXT    NOT NULL,        -- lower-case host[:port]; subdomains match too
    created_at              TEXT NOT NULL
);
CREATE UNIQUE INDEX domain_allows_domain ON domain_allows (domain);
