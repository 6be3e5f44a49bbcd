-- Which app a user signed up through (the admin `sources` dimension);
-- NULL for accounts made by `roost admin create-account`, and for users
-- from before this column.
ALTER TABLE users ADD COLUMN created_by_app_id INTEGER REFERENCES apps (id) ON DELETE SET NULL;
