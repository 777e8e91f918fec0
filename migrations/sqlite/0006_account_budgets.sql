-- The sync engine's per-account request budget (a token bucket), shared by every process on
-- the database so that together they stay under Bitbucket's hourly limit. `version` makes each
-- take a compare-and-swap. No foreign key: the engine also runs on credential stores of its own
-- (tests, benchmarks), and a deleted account's row is a few bytes nobody reads.
CREATE TABLE account_budgets (
    account_id  TEXT PRIMARY KEY NOT NULL,
    tokens      REAL NOT NULL,
    at_ms       INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0
);
