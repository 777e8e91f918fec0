//! SQL for people, teams, memberships, API keys, sign-in attempts and the audit log.
//! Every query that touches a team's data takes the team id.

use sqlx::Row;

use super::{now_ms, Store, StoreError};

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub session_epoch: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRow {
    pub team_id: String,
    pub team_name: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    pub id: String,
    pub team_id: String,
    pub created_by: String,
    pub name: String,
    pub key_hash: String,
    pub role: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub client_addr: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub joined_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct InviteRow {
    pub id: String,
    pub team_id: String,
    pub team_name: String,
    pub role: String,
    pub created_by_email: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub accepted_at_ms: Option<i64>,
}

pub struct NewAudit<'a> {
    pub team_id: &'a str,
    pub actor_user_id: Option<&'a str>,
    pub actor: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    pub client_addr: &'a str,
}

/// Whether an insert met an existing unique value (e.g. an email already registered).
pub fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Query(sqlx::Error::Database(e)) if e.is_unique_violation())
}

impl Store {
    /// Creates a user, a first team and their admin membership in one transaction.
    pub async fn create_user_with_team(
        &self,
        email: &str,
        password_hash: &str,
        team_name: &str,
    ) -> Result<(String, String), StoreError> {
        let user_id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(&user_id).bind(email).bind(password_hash).bind(now)
                .execute(&mut *tx).await?;
            let existing: Option<String> = if team_name.is_empty() {
                None
            } else {
                sqlx::query_scalar("SELECT id FROM teams WHERE name = $1 ORDER BY created_at_ms LIMIT 1")
                    .bind(team_name).fetch_optional(&mut *tx).await?
            };
            let team_id = match existing {
                Some(id) => id,
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    let name = if team_name.is_empty() { personal_team_name(email) } else { team_name.to_owned() };
                    sqlx::query("INSERT INTO teams (id, name, created_by, created_at_ms) VALUES ($1, $2, $3, $4)")
                        .bind(&id).bind(&name).bind(&user_id).bind(now)
                        .execute(&mut *tx).await?;
                    id
                }
            };
            sqlx::query("INSERT INTO memberships (team_id, user_id, role, created_at_ms) VALUES ($1, $2, 'admin', $3)")
                .bind(&team_id).bind(&user_id).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok((user_id, team_id))
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT id, email, password_hash, session_epoch FROM users WHERE email = $1")
                .bind(email).fetch_optional(pool).await?;
            Ok(row.map(|r| UserRow {
                id: r.get("id"), email: r.get("email"),
                password_hash: r.get("password_hash"), session_epoch: r.get("session_epoch"),
            }))
        })
    }

    /// The name and email the person chose for their commits (`None` when there is no such user).
    pub async fn commit_identity(&self, user_id: &str) -> Result<Option<crate::profile::CommitIdentity>, StoreError> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT commit_name, commit_email FROM users WHERE id = $1")
                .bind(user_id).fetch_optional(pool).await?;
            Ok(row.map(|r| crate::profile::CommitIdentity { name: r.get(0), email: r.get(1) }))
        })
    }

    /// False when there is no such user.
    pub async fn set_commit_identity(
        &self,
        user_id: &str,
        identity: &crate::profile::CommitIdentity,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE users SET commit_name = $1, commit_email = $2 WHERE id = $3")
                .bind(identity.name.as_deref()).bind(identity.email.as_deref()).bind(user_id)
                .execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRow>, StoreError> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT id, email, password_hash, session_epoch FROM users WHERE id = $1")
                .bind(user_id).fetch_optional(pool).await?;
            Ok(row.map(|r| UserRow {
                id: r.get("id"), email: r.get("email"),
                password_hash: r.get("password_hash"), session_epoch: r.get("session_epoch"),
            }))
        })
    }

    /// Voids every session of the user ("sign out everywhere").
    pub async fn bump_session_epoch(&self, user_id: &str) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch")
                .bind(user_id).fetch_one(pool).await?)
        })
    }

    pub async fn memberships(&self, user_id: &str) -> Result<Vec<MembershipRow>, StoreError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT m.team_id, t.name, m.role FROM memberships m JOIN teams t ON t.id = m.team_id \
                 WHERE m.user_id = $1 ORDER BY t.name, t.created_at_ms")
                .bind(user_id).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|r| MembershipRow { team_id: r.get(0), team_name: r.get(1), role: r.get(2) }).collect())
        })
    }

    pub async fn membership(&self, team_id: &str, user_id: &str) -> Result<Option<MembershipRow>, StoreError> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT m.team_id, t.name, m.role FROM memberships m JOIN teams t ON t.id = m.team_id \
                 WHERE m.team_id = $1 AND m.user_id = $2")
                .bind(team_id).bind(user_id).fetch_optional(pool).await?;
            Ok(row.map(|r| MembershipRow { team_id: r.get(0), team_name: r.get(1), role: r.get(2) }))
        })
    }

    pub async fn create_team(&self, user_id: &str, name: &str) -> Result<String, StoreError> {
        let team_id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO teams (id, name, created_by, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(&team_id).bind(name).bind(user_id).bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO memberships (team_id, user_id, role, created_at_ms) VALUES ($1, $2, 'admin', $3)")
                .bind(&team_id).bind(user_id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(team_id)
        })
    }

    pub async fn record_login_attempt(&self, email: &str, client_addr: &str, succeeded: bool) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO login_attempts (email, client_addr, succeeded, at_ms) VALUES ($1, $2, $3, $4)")
                .bind(email).bind(client_addr).bind(succeeded).bind(now_ms()).execute(pool).await?;
            Ok(())
        })
    }

    /// Failures since the last success, within the window: (count, time of the latest).
    pub async fn recent_login_failures(
        &self,
        column: FailureKey,
        value: &str,
        since_ms: i64,
    ) -> Result<(u32, Option<i64>), StoreError> {
        let column = match column {
            FailureKey::Email => "email",
            FailureKey::ClientAddr => "client_addr",
        };
        let sql = format!(
            "SELECT COUNT(*), MAX(at_ms) FROM login_attempts WHERE {column} = $1 AND NOT succeeded AND at_ms > \
             COALESCE((SELECT MAX(at_ms) FROM login_attempts WHERE {column} = $1 AND succeeded AND at_ms > $2), $2)"
        );
        on_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(value).bind(since_ms).fetch_one(pool).await?;
            let count: i64 = row.get(0);
            Ok((count as u32, row.get::<Option<i64>, _>(1)))
        })
    }

    pub async fn append_audit(&self, entry: NewAudit<'_>) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit_log (id, team_id, actor_user_id, actor, action, detail, client_addr, at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(uuid::Uuid::now_v7().to_string()).bind(entry.team_id).bind(entry.actor_user_id)
                .bind(entry.actor).bind(entry.action).bind(entry.detail).bind(entry.client_addr).bind(now_ms())
                .execute(pool).await?;
            Ok(())
        })
    }

    pub async fn audit_log(&self, team_id: &str, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT actor, action, detail, client_addr, at_ms FROM audit_log WHERE team_id = $1 \
                 ORDER BY at_ms DESC, id DESC LIMIT $2")
                .bind(team_id).bind(limit).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|r| AuditRow {
                actor: r.get(0), action: r.get(1), detail: r.get(2), client_addr: r.get(3), at_ms: r.get(4),
            }).collect())
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_api_key(
        &self,
        team_id: &str,
        created_by: &str,
        name: &str,
        lookup_id: &str,
        key_hash: &str,
        role: &str,
        expires_at_ms: Option<i64>,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO api_keys (id, team_id, created_by, name, lookup_id, key_hash, role, created_at_ms, expires_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(&id).bind(team_id).bind(created_by).bind(name).bind(lookup_id).bind(key_hash)
                .bind(role).bind(now_ms()).bind(expires_at_ms).execute(pool).await?;
            Ok(id)
        })
    }

    pub async fn api_key_by_lookup_id(&self, lookup_id: &str) -> Result<Option<ApiKeyRow>, StoreError> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT id, team_id, created_by, name, key_hash, role, created_at_ms, expires_at_ms, last_used_at_ms, revoked_at_ms \
                 FROM api_keys WHERE lookup_id = $1")
                .bind(lookup_id).fetch_optional(pool).await?;
            Ok(row.map(api_key_row))
        })
    }

    pub async fn api_keys(&self, team_id: &str) -> Result<Vec<ApiKeyRow>, StoreError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, team_id, created_by, name, key_hash, role, created_at_ms, expires_at_ms, last_used_at_ms, revoked_at_ms \
                 FROM api_keys WHERE team_id = $1 ORDER BY created_at_ms DESC")
                .bind(team_id).fetch_all(pool).await?;
            Ok(rows.into_iter().map(api_key_row).collect())
        })
    }

    pub async fn touch_api_key(&self, key_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE api_keys SET last_used_at_ms = $1 WHERE id = $2")
                .bind(now_ms()).bind(key_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Revokes a key of this team; false when the team has no such live key.
    pub async fn revoke_api_key(&self, team_id: &str, key_id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE api_keys SET revoked_at_ms = $1 WHERE id = $2 AND team_id = $3 AND revoked_at_ms IS NULL")
                .bind(now_ms()).bind(key_id).bind(team_id).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }
}

impl Store {
    pub async fn members(&self, team_id: &str) -> Result<Vec<MemberRow>, StoreError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT m.user_id, u.email, m.role, m.created_at_ms FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.team_id = $1 ORDER BY u.email")
                .bind(team_id).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|r| MemberRow {
                user_id: r.get(0), email: r.get(1), role: r.get(2), joined_at_ms: r.get(3),
            }).collect())
        })
    }

    /// Changes a member's role unless that would leave the team without an admin. False
    /// when nothing changed.
    pub async fn set_member_role(&self, team_id: &str, user_id: &str, role: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_team(&mut tx, team_id).await?;
            let done = sqlx::query(
                "UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3 \
                 AND ($1 = 'admin' OR role <> 'admin' OR \
                      (SELECT COUNT(*) FROM memberships WHERE team_id = $2 AND role = 'admin') > 1)")
                .bind(role).bind(team_id).bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Removes a member unless they are the team's last admin. False when nothing changed.
    pub async fn remove_member(&self, team_id: &str, user_id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_team(&mut tx, team_id).await?;
            let done = sqlx::query(
                "DELETE FROM memberships WHERE team_id = $1 AND user_id = $2 \
                 AND (role <> 'admin' OR (SELECT COUNT(*) FROM memberships WHERE team_id = $1 AND role = 'admin') > 1)")
                .bind(team_id).bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn insert_invite(
        &self,
        team_id: &str,
        created_by: &str,
        token_hash: &str,
        role: &str,
        expires_at_ms: i64,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO invites (id, team_id, token_hash, role, created_by, created_at_ms, expires_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&id).bind(team_id).bind(token_hash).bind(role).bind(created_by).bind(now_ms()).bind(expires_at_ms)
                .execute(pool).await?;
            Ok(id)
        })
    }

    /// The invite a link's token hash stands for, in whichever team it is.
    pub async fn invite_by_token_hash(&self, token_hash: &str) -> Result<Option<InviteRow>, StoreError> {
        on_pool!(self, pool => {
            let row = sqlx::query(&format!("{INVITE_SELECT} WHERE i.token_hash = $1"))
                .bind(token_hash).fetch_optional(pool).await?;
            Ok(row.map(invite_row))
        })
    }

    /// The team's invites not yet accepted nor expired, newest first.
    pub async fn pending_invites(&self, team_id: &str) -> Result<Vec<InviteRow>, StoreError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(&format!(
                "{INVITE_SELECT} WHERE i.team_id = $1 AND i.accepted_at_ms IS NULL AND i.expires_at_ms > $2 \
                 ORDER BY i.created_at_ms DESC"))
                .bind(team_id).bind(now_ms()).fetch_all(pool).await?;
            Ok(rows.into_iter().map(invite_row).collect())
        })
    }

    /// Withdraws a pending invite of this team; false when the team has no such pending invite.
    pub async fn delete_invite(&self, team_id: &str, invite_id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM invites WHERE id = $1 AND team_id = $2 AND accepted_at_ms IS NULL")
                .bind(invite_id).bind(team_id).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Uses the invite and adds the member in one transaction; false (and nothing changed)
    /// when the invite was used or expired in the meantime.
    pub async fn accept_invite(&self, invite_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let used = sqlx::query(
                "UPDATE invites SET accepted_by = $1, accepted_at_ms = $2 \
                 WHERE id = $3 AND accepted_at_ms IS NULL AND expires_at_ms > $2")
                .bind(user_id).bind(now).bind(invite_id).execute(&mut *tx).await?;
            if used.rows_affected() != 1 {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO memberships (team_id, user_id, role, created_at_ms) \
                 SELECT team_id, $1, role, $2 FROM invites WHERE id = $3")
                .bind(user_id).bind(now).bind(invite_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
    }
}

/// Serialises changes to a team's memberships: PostgreSQL (read committed) would otherwise
/// let two admins demote each other at once, each counting the other as the remaining
/// admin. The row lock makes the second wait and then count afresh; SQLite has one writer.
async fn lock_team<'c, DB>(tx: &mut sqlx::Transaction<'c, DB>, team_id: &str) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE teams SET name = name WHERE id = $1").bind(team_id).execute(&mut **tx).await?;
    Ok(())
}

const INVITE_SELECT: &str = "SELECT i.id, i.team_id, t.name, i.role, u.email, i.created_at_ms, i.expires_at_ms, i.accepted_at_ms \
     FROM invites i JOIN teams t ON t.id = i.team_id JOIN users u ON u.id = i.created_by";

fn invite_row<R: Row>(r: R) -> InviteRow
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    InviteRow {
        id: r.get(0),
        team_id: r.get(1),
        team_name: r.get(2),
        role: r.get(3),
        created_by_email: r.get(4),
        created_at_ms: r.get(5),
        expires_at_ms: r.get(6),
        accepted_at_ms: r.get(7),
    }
}

#[derive(Debug, Clone, Copy)]
pub enum FailureKey {
    Email,
    ClientAddr,
}

fn api_key_row<R: Row>(r: R) -> ApiKeyRow
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    ApiKeyRow {
        id: r.get("id"),
        team_id: r.get("team_id"),
        created_by: r.get("created_by"),
        name: r.get("name"),
        key_hash: r.get("key_hash"),
        role: r.get("role"),
        created_at_ms: r.get("created_at_ms"),
        expires_at_ms: r.get("expires_at_ms"),
        last_used_at_ms: r.get("last_used_at_ms"),
        revoked_at_ms: r.get("revoked_at_ms"),
    }
}

/// "ada@example.com" → "ada's team".
/// The name of the team everyone gets at sign-up (and again when they have none left).
pub fn personal_team_name(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    format!("{local}'s team")
}
