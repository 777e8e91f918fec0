//! SQL for connected accounts. The secret column holds only sealed bytes; every query on a
//! team's accounts takes the team id. Re-encryption (an operator command) spans all teams.

use ferry_webhooks::event::Activity;

use super::{
    activity::record_activity,
    integrations::IntegrationStatus,
    sync::{enqueue_job_now, Trigger},
    Store, StoreError,
};
use crate::bitbucket::AuthMethod;

/// A connected account as the team sees it; no secret.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectedAccount {
    pub id: String,
    pub label: String,
    #[sqlx(try_from = "String")]
    pub method: AuthMethod,
    /// The Atlassian email (API token) or the Bitbucket username (app password, OAuth).
    pub login: String,
    pub display_name: String,
    pub provider_user_id: String,
    pub created_by: String,
    /// Empty once the creator's account is gone.
    pub created_by_email: String,
    pub created_at_ms: i64,
    pub verified_at_ms: i64,
    /// When the OAuth access token expires; `None` for the other methods.
    pub token_expires_at_ms: Option<i64>,
    /// How many of the team's integrations use it.
    pub integration_count: i64,
    /// Shared with the team: any editor may use it for an integration.
    pub shared: bool,
    /// False once its creator was removed from the team (admins see it flagged).
    pub creator_is_member: bool,
}

/// Who the account is and its sealed secret: written at creation and on re-authentication.
pub struct AccountSecret<'a> {
    pub method: AuthMethod,
    pub login: &'a str,
    pub display_name: &'a str,
    pub provider_user_id: &'a str,
    pub secret: &'a [u8],
    pub secret_key_id: &'a str,
    pub token_expires_at_ms: Option<i64>,
    pub at_ms: i64,
}

/// A sealed secret with what opening it needs to know: the method it is for and the login.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealedCredential {
    #[sqlx(try_from = "String")]
    pub method: AuthMethod,
    pub login: String,
    pub secret: Vec<u8>,
    pub token_expires_at_ms: Option<i64>,
}

/// A sealed secret as stored, for re-encryption.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealedSecretRow {
    pub id: String,
    pub team_id: String,
    pub secret: Vec<u8>,
}

const SELECT: &str = "SELECT a.id, a.label, a.method, a.login, a.display_name, a.provider_user_id, \
     a.token_expires_at_ms, a.created_by, COALESCE(u.email, '') AS created_by_email, a.created_at_ms, \
     a.verified_at_ms, \
     (SELECT COUNT(*) FROM integrations i WHERE i.team_id = a.team_id AND i.account_id = a.id) AS integration_count, \
     a.shared, \
     EXISTS (SELECT 1 FROM memberships m WHERE m.team_id = a.team_id AND m.user_id = a.created_by) AS creator_is_member \
     FROM connected_accounts a LEFT JOIN users u ON u.id = a.created_by";

impl Store {
    /// The team's connected accounts, by label.
    pub async fn connected_accounts(
        &self,
        team_id: &str,
    ) -> Result<Vec<ConnectedAccount>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{SELECT} WHERE a.team_id = $1 ORDER BY a.label, a.id"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    pub async fn connected_account(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<ConnectedAccount>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{SELECT} WHERE a.team_id = $1 AND a.id = $2"))
                .bind(team_id).bind(id).fetch_optional(pool).await?)
        })
    }

    /// The account's sealed credential.
    pub async fn connected_account_secret(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<SealedCredential>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT method, login, secret, token_expires_at_ms FROM connected_accounts WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Fails with a unique violation when the team already has an account with this label.
    pub async fn insert_connected_account(
        &self,
        team_id: &str,
        id: &str,
        label: &str,
        created_by: &str,
        account: &AccountSecret<'_>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO connected_accounts (id, team_id, provider, label, method, login, display_name, \
                 provider_user_id, secret, secret_key_id, token_expires_at_ms, created_by, created_at_ms, \
                 verified_at_ms, updated_at_ms) VALUES ($1, $2, 'bitbucket', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)")
                .bind(id).bind(team_id).bind(label).bind(account.method.as_str()).bind(account.login)
                .bind(account.display_name).bind(account.provider_user_id).bind(account.secret)
                .bind(account.secret_key_id).bind(account.token_expires_at_ms).bind(created_by).bind(account.at_ms)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// Replaces who the account is and its secret in place (same id, so its integrations
    /// follow), and gives the integrations that stopped needing re-authentication or failing
    /// another run, recording for each the event `recovered(integration id, collection name)`.
    /// False when there is no such account.
    pub async fn replace_connected_account_secret(
        &self,
        team_id: &str,
        id: &str,
        account: &AccountSecret<'_>,
        recovered: impl Fn(&str, &str) -> Activity,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE connected_accounts SET method = $1, login = $2, display_name = $3, provider_user_id = $4, \
                 secret = $5, secret_key_id = $6, token_expires_at_ms = $7, verified_at_ms = $8, updated_at_ms = $8 \
                 WHERE team_id = $9 AND id = $10")
                .bind(account.method.as_str()).bind(account.login).bind(account.display_name).bind(account.provider_user_id)
                .bind(account.secret).bind(account.secret_key_id).bind(account.token_expires_at_ms).bind(account.at_ms)
                .bind(team_id).bind(id)
                .execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            // A new credential is an answer to the failures the old one caused: the
            // integrations that stopped on it become active and run once with it.
            let revived: Vec<(String, String)> = sqlx::query_as(
                "UPDATE integrations SET status = $3, status_reason = NULL \
                 WHERE team_id = $1 AND account_id = $2 AND status IN ($4, $5) RETURNING id, collection_id")
                .bind(team_id).bind(id).bind(IntegrationStatus::Active)
                .bind(IntegrationStatus::NeedsReauth).bind(IntegrationStatus::Failing)
                .fetch_all(&mut *tx).await?;
            for (integration_id, collection_id) in &revived {
                enqueue_job_now!(tx, team_id, integration_id, Trigger::Retry, account.at_ms);
                let name: String = sqlx::query_scalar("SELECT name FROM collections WHERE team_id = $1 AND id = $2")
                    .bind(team_id).bind(collection_id).fetch_optional(&mut *tx).await?.unwrap_or_default();
                record_activity!(tx, team_id, &recovered(integration_id, &name));
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Stores refreshed OAuth tokens and their expiry in one statement, so a rotated refresh
    /// token is never lost half-way. False when there is no such OAuth account.
    pub async fn update_connected_account_tokens(
        &self,
        team_id: &str,
        id: &str,
        secret: &[u8],
        secret_key_id: &str,
        expires_at_ms: i64,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE connected_accounts SET secret = $1, secret_key_id = $2, token_expires_at_ms = $3, \
                 updated_at_ms = $4 WHERE team_id = $5 AND id = $6 AND method = $7")
                .bind(secret).bind(secret_key_id).bind(expires_at_ms).bind(at_ms).bind(team_id).bind(id)
                .bind(AuthMethod::OAuth.as_str())
                .execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Shares the account with the team or takes it back. False when there is no such account.
    pub async fn set_connected_account_shared(
        &self,
        team_id: &str,
        id: &str,
        shared: bool,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "UPDATE connected_accounts SET shared = $1, updated_at_ms = $2 WHERE team_id = $3 AND id = $4")
                .bind(shared).bind(at_ms).bind(team_id).bind(id)
                .execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The names of the collections whose integrations use the account.
    pub async fn connected_account_usage(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Vec<String>, StoreError> {
        on_pool!(self, pool => {
            let names = sqlx::query_scalar(
                "SELECT c.name FROM integrations i JOIN collections c ON c.team_id = i.team_id AND c.id = i.collection_id \
                 WHERE i.team_id = $1 AND i.account_id = $2 ORDER BY c.name, i.id")
                .bind(team_id).bind(id).fetch_all(pool).await?;
            Ok(names)
        })
    }

    /// Deletes the account; its integrations keep existing without one. False when absent.
    pub async fn delete_connected_account(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM connected_accounts WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(id).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Every team's secrets not sealed with `key_id` (operator re-encryption).
    pub async fn sealed_secrets_not_under(
        &self,
        key_id: &str,
    ) -> Result<Vec<SealedSecretRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, team_id, secret FROM connected_accounts WHERE secret_key_id <> $1 ORDER BY id")
                .bind(key_id).fetch_all(pool).await?)
        })
    }

    /// Swaps each row's secret for its re-sealed form in one transaction, but only where the
    /// secret is still the one read (a concurrent token refresh wins). Returns how many changed.
    pub async fn reseal_secrets(
        &self,
        resealed: &[(SealedSecretRow, Vec<u8>)],
        key_id: &str,
    ) -> Result<u64, StoreError> {
        self.reseal(
            "UPDATE connected_accounts SET secret = $1, secret_key_id = $2 \
             WHERE team_id = $3 AND id = $4 AND secret = $5",
            resealed,
            key_id,
        )
        .await
    }

    /// Runs `update` (binding the new secret, `key_id`, the team, the row id and the old
    /// secret) for each re-sealed secret, in one transaction.
    pub(super) async fn reseal(
        &self,
        update: &'static str,
        resealed: &[(SealedSecretRow, Vec<u8>)],
        key_id: &str,
    ) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut changed = 0;
            for (old, new) in resealed {
                changed += sqlx::query(update)
                    .bind(new).bind(key_id).bind(&old.team_id).bind(&old.id).bind(&old.secret)
                    .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// How many secrets each key id seals, across all teams: connected accounts' credentials
    /// and API sync's webhook secrets.
    pub async fn sealed_secrets_by_key(&self) -> Result<Vec<(String, i64)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT key_id, CAST(SUM(n) AS BIGINT) FROM ( \
                 SELECT secret_key_id AS key_id, COUNT(*) AS n FROM connected_accounts GROUP BY secret_key_id \
                 UNION ALL SELECT hook_secret_key_id, COUNT(*) FROM api_connections GROUP BY hook_secret_key_id \
                 UNION ALL SELECT key_id, COUNT(*) FROM hook_integrations GROUP BY key_id \
                 ) AS sealed GROUP BY key_id ORDER BY key_id")
                .fetch_all(pool).await?)
        })
    }
}
