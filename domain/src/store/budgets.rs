//! SQL for the sync engine's per-account request budgets: read a bucket, create it, and
//! replace it only if nobody else did meanwhile (compare-and-swap on `version`).

use super::{Store, StoreError};

/// A bucket as stored: the calls left at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct BudgetRow {
    pub tokens: f64,
    pub at_ms: i64,
    pub version: i64,
}

impl Store {
    pub async fn account_budget(&self, account_id: &str) -> Result<Option<BudgetRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as("SELECT tokens, at_ms, version FROM account_budgets WHERE account_id = $1")
                .bind(account_id).fetch_optional(pool).await?)
        })
    }

    /// Creates the account's bucket unless another process just did.
    pub async fn create_account_budget(
        &self,
        account_id: &str,
        tokens: f64,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO account_budgets (account_id, tokens, at_ms) VALUES ($1, $2, $3) \
                         ON CONFLICT (account_id) DO NOTHING")
                .bind(account_id).bind(tokens).bind(at_ms).execute(pool).await?;
            Ok(())
        })
    }

    /// Replaces the bucket read as `version`; false when another process changed it first.
    pub async fn swap_account_budget(
        &self,
        account_id: &str,
        version: i64,
        tokens: f64,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE account_budgets SET tokens = $3, at_ms = $4, version = version + 1 \
                                    WHERE account_id = $1 AND version = $2")
                .bind(account_id).bind(version).bind(tokens).bind(at_ms).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
