-- Analytics and insights (issue 17): aggregates only. `daily_metrics`
-- holds a count per metric, subject (0 for the instance, else an account)
-- and UTC day ('YYYY-MM-DD'). `daily_uniques` remembers, for the current
-- day only, whom a once-per-day count has counted: a salted hash
-- (`analytics_salts`, a new random salt each day), deleted with the salt
-- when the day is over. `status_reach` counts, per post, the home feeds
-- that received it and the remote followers it was delivered to.
-- `user_activity` keeps the days each local user used the server (for
-- active users and retention cohorts). `users.insights` turns recording
-- for an account off.
CREATE TABLE daily_metrics (
    metric  TEXT   NOT NULL,
    subject BIGINT NOT NULL,
    day     TEXT   NOT NULL,
    value   BIGINT NOT NULL,
    PRIMARY KEY (metric, subject, day)
);
CREATE TABLE daily_uniques (
    metric  TEXT   NOT NULL,
    subject BIGINT NOT NULL,
    day     TEXT   NOT NULL,
    visitor TEXT   NOT NULL,
    PRIMARY KEY (metric, subject, day, visitor)
);
CREATE TABLE analytics_salts (
    day  TEXT PRIMARY KEY,
    salt TEXT NOT NULL
);
CREATE TABLE status_reach (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    local     BIGINT NOT NULL,
    remote    BIGINT NOT NULL
);
CREATE TABLE user_activity (
    day        TEXT   NOT NULL,
    account_id BIGINT NOT NULL,
    PRIMARY KEY (day, account_id)
);
ALTER TABLE users ADD COLUMN insights BOOLEAN NOT NULL DEFAULT TRUE;
