-- Periodic tasks (housekeeping, media prune, trends) run once per period
-- across every node sharing the database: a node runs one only when it
-- moves the task's `ran_at` forward past the period (one conditional
-- UPDATE, so exactly one node wins each period).
CREATE TABLE periodic_runs (
    name    TEXT PRIMARY KEY,
    ran_at  TEXT NOT NULL,
    node    TEXT NOT NULL
);
