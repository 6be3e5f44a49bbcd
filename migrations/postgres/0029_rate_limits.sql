-- Rate-limit counts shared by every node on this database (issue 18).
-- `node = ''` holds the strict counts (sign-in, tokens, sign-ups, posting:
-- one atomic upsert per attempt, so the limit holds exactly however the
-- load balancer spreads the attempts). Every other row is one node's own
-- count of a high-volume key (the general API limit, inbox budgets),
-- written about once a second; each node adds the others' live counts to
-- its own. Keys are SHA-256 digests (the API limit is keyed by token).
-- Times are milliseconds since the epoch on PostgreSQL's clock. UNLOGGED:
-- nothing here is worth a WAL write, and a crash only forgets counts.
CREATE UNLOGGED TABLE rate_limits (
    key         TEXT   NOT NULL,
    node        TEXT   NOT NULL,
    hits        BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (key, node)
);
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);
