//! SQL for integrations. Every query takes the team id; reads join the collection's name,
//! the account's label and the creator's email so a list renders from one query.

use super::{
    sync::{enqueue_job_now, Trigger},
    Store, StoreError,
};

pub use super::enums::IntegrationStatus;

/// An integration with its collection's name, its account's label and its creator's email.
/// The store reads `status` as stored; the integrations service shows the team one without an
/// account as needing re-authentication.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Integration {
    pub id: String,
    pub collection_id: String,
    pub collection_name: String,
    /// `None` once its connected account was deleted.
    pub account_id: Option<String>,
    pub account_label: Option<String>,
    pub workspace: String,
    pub repository: String,
    pub branch: String,
    pub directory: String,
    pub filename: String,
    pub status: IntegrationStatus,
    /// Why it is failing or needs re-authentication, in words.
    pub status_reason: Option<String>,
    pub created_by: String,
    pub created_by_email: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// The target and account of an integration, as written by a create or an update.
#[derive(Debug, Clone, Copy)]
pub struct IntegrationFields<'a> {
    pub collection_id: &'a str,
    pub account_id: &'a str,
    pub workspace: &'a str,
    pub repository: &'a str,
    pub branch: &'a str,
    pub directory: &'a str,
    pub filename: &'a str,
}

const SELECT: &str = "SELECT i.id, i.collection_id, c.name AS collection_name, i.account_id, \
     a.label AS account_label, i.workspace, i.repository, i.branch, i.directory, i.filename, i.status, \
     i.status_reason, i.created_by, COALESCE(u.email, '') AS created_by_email, i.created_at_ms, i.updated_at_ms \
     FROM integrations i \
     JOIN collections c ON c.team_id = i.team_id AND c.id = i.collection_id \
     LEFT JOIN connected_accounts a ON a.id = i.account_id AND a.team_id = i.team_id \
     LEFT JOIN users u ON u.id = i.created_by";

impl Store {
    /// The team's integrations, by collection name and then target.
    pub async fn integrations(&self, team_id: &str) -> Result<Vec<Integration>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "{SELECT} WHERE i.team_id = $1 ORDER BY c.name, i.workspace, i.repository, i.branch, i.directory, i.filename"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    pub async fn integration(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<Integration>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{SELECT} WHERE i.team_id = $1 AND i.id = $2"))
                .bind(team_id).bind(id).fetch_optional(pool).await?)
        })
    }

    /// The integrations of the team writing exactly this file (at most one, by the unique key).
    pub async fn integration_at(
        &self,
        team_id: &str,
        fields: &IntegrationFields<'_>,
    ) -> Result<Option<Integration>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "{SELECT} WHERE i.team_id = $1 AND i.workspace = $2 AND i.repository = $3 AND i.branch = $4 \
                 AND i.directory = $5 AND i.filename = $6"))
                .bind(team_id).bind(fields.workspace).bind(fields.repository).bind(fields.branch)
                .bind(fields.directory).bind(fields.filename)
                .fetch_optional(pool).await?)
        })
    }

    /// Stores the integration and queues its first run, in one transaction.
    pub async fn insert_integration(
        &self,
        team_id: &str,
        id: &str,
        fields: &IntegrationFields<'_>,
        created_by: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO integrations (id, team_id, collection_id, account_id, workspace, repository, branch, \
                 directory, filename, status, created_by, created_at_ms, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $12, $10, $11, $11)")
                .bind(id).bind(team_id).bind(fields.collection_id).bind(fields.account_id)
                .bind(fields.workspace).bind(fields.repository).bind(fields.branch)
                .bind(fields.directory).bind(fields.filename).bind(created_by).bind(at_ms)
                .bind(IntegrationStatus::Active)
                .execute(&mut *tx).await?;
            enqueue_job_now!(tx, team_id, id, Trigger::Initial, at_ms);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Rewrites every field of the integration and, unless it is paused, queues a run that
    /// writes the collection to its (maybe new) target. An edit is how a person answers a
    /// failure, so a failing or re-authentication status becomes active again; a pause stays.
    /// What was committed before is forgotten: the new target has not seen it. Returns whether
    /// the integration exists in the team.
    pub async fn update_integration(
        &self,
        team_id: &str,
        id: &str,
        fields: &IntegrationFields<'_>,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE integrations SET collection_id = $3, account_id = $4, workspace = $5, repository = $6, \
                 branch = $7, directory = $8, filename = $9, updated_at_ms = $10, \
                 committed_sha256 = NULL, committed_revision = NULL, branch_tip = NULL, \
                 status = CASE WHEN status = $11 THEN status ELSE $12 END, \
                 status_reason = CASE WHEN status = $11 THEN status_reason ELSE NULL END \
                 WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(id).bind(fields.collection_id).bind(fields.account_id)
                .bind(fields.workspace).bind(fields.repository).bind(fields.branch)
                .bind(fields.directory).bind(fields.filename).bind(at_ms)
                .bind(IntegrationStatus::Paused).bind(IntegrationStatus::Active)
                .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            let status: IntegrationStatus = sqlx::query_scalar("SELECT status FROM integrations WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            if status != IntegrationStatus::Paused {
                enqueue_job_now!(tx, team_id, id, Trigger::Initial, at_ms);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn delete_integration(&self, team_id: &str, id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM integrations WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(id).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
