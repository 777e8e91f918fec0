//! SQL for people, teams, memberships, API keys, sign-in attempts and the audit log.
//! Every query that touches a team's data takes the team id.

use ferry_webhooks::event::Activity;

use super::{activity::record_activity, now_ms, Backend, Store, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub session_epoch: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    pub team_id: String,
    pub team_name: String,
    pub role: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub client_addr: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub joined_at_ms: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRow {
    pub id: String,
    pub team_id: String,
    pub team_name: String,
    pub role: String,
    pub created_by: String,
    pub created_by_email: String,
    /// The creator's role in the team now; `None` once they have left it.
    pub creator_role: Option<String>,
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

const USER_SELECT: &str = "SELECT id, email, password_hash, session_epoch FROM users";

const MEMBERSHIP_SELECT: &str = "SELECT m.team_id, t.name AS team_name, m.role FROM memberships m \
     JOIN teams t ON t.id = m.team_id";

const API_KEY_SELECT: &str =
    "SELECT id, team_id, created_by, name, key_hash, role, created_at_ms, \
     expires_at_ms, last_used_at_ms, revoked_at_ms FROM api_keys";

/// Whether an insert met an existing unique value (e.g. an email already registered).
pub fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Query(sqlx::Error::Database(e)) if e.is_unique_violation())
}

impl Store {
    /// Creates a user, a new first team (`team_name`, or a personal team when empty) and
    /// their admin membership in one transaction. It never joins an existing team, whatever
    /// its name: a name is no proof of belonging.
    pub async fn create_user_with_team(
        &self,
        email: &str,
        password_hash: &str,
        team_name: &str,
    ) -> Result<(String, String), StoreError> {
        let user_id = uuid::Uuid::now_v7().to_string();
        let team_id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        let name = if team_name.is_empty() {
            personal_team_name(email)
        } else {
            team_name.to_owned()
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(&user_id).bind(email).bind(password_hash).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO teams (id, name, created_by, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(&team_id).bind(&name).bind(&user_id).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO memberships (team_id, user_id, role, created_at_ms) VALUES ($1, $2, 'admin', $3)")
                .bind(&team_id).bind(&user_id).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok((user_id, team_id))
        })
    }

    /// Creates a user as an admin of an existing team (the operator names it by id); `None`
    /// (and nothing created) when no team has that id.
    pub async fn create_user_in_team(
        &self,
        email: &str,
        password_hash: &str,
        team_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let user_id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(&user_id).bind(email).bind(password_hash).bind(now)
                .execute(&mut *tx).await?;
            let joined = sqlx::query(
                "INSERT INTO memberships (team_id, user_id, role, created_at_ms) SELECT id, $1, 'admin', $2 FROM teams WHERE id = $3")
                .bind(&user_id).bind(now).bind(team_id)
                .execute(&mut *tx).await?;
            if joined.rows_affected() != 1 {
                return Ok(None);
            }
            tx.commit().await?;
            Ok(Some(user_id))
        })
    }

    /// Creates a user who joins a team through an invite, in one transaction: the invite is
    /// used and checked as in [`Store::accept_invite`], and without a `Joined` nobody is created.
    pub async fn create_user_with_invite(
        &self,
        email: &str,
        password_hash: &str,
        team_id: &str,
        invite_id: &str,
        inviter_entitled: impl Fn(Option<&str>, &str) -> bool,
        joined: impl Fn(&str) -> Activity,
    ) -> Result<(InviteAcceptance, String), StoreError> {
        let user_id = uuid::Uuid::now_v7().to_string();
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_team(&mut tx, team_id).await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(&user_id).bind(email).bind(password_hash).bind(now)
                .execute(&mut *tx).await?;
            let outcome = use_invite(&mut tx, team_id, invite_id, &user_id, now, inviter_entitled).await?;
            if outcome == InviteAcceptance::Joined {
                record_activity!(tx, team_id, &joined(&user_id));
                tx.commit().await?;
            }
            Ok((outcome, user_id))
        })
    }

    /// The ids of the teams with exactly this name, oldest first.
    pub async fn teams_named(&self, name: &str) -> Result<Vec<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT id FROM teams WHERE name = $1 ORDER BY created_at_ms")
                .bind(name).fetch_all(pool).await?)
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{USER_SELECT} WHERE email = $1"))
                .bind(email).fetch_optional(pool).await?)
        })
    }

    /// The name and email the person chose for their commits (`None` when there is no such user).
    pub async fn commit_identity(
        &self,
        user_id: &str,
    ) -> Result<Option<crate::profile::CommitIdentity>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<(Option<String>, Option<String>)> =
                sqlx::query_as("SELECT commit_name, commit_email FROM users WHERE id = $1")
                    .bind(user_id).fetch_optional(pool).await?;
            Ok(row.map(|(name, email)| crate::profile::CommitIdentity { name, email }))
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
            Ok(sqlx::query_as(&format!("{USER_SELECT} WHERE id = $1"))
                .bind(user_id).fetch_optional(pool).await?)
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
            Ok(sqlx::query_as(&format!(
                "{MEMBERSHIP_SELECT} WHERE m.user_id = $1 ORDER BY t.name, t.created_at_ms"))
                .bind(user_id).fetch_all(pool).await?)
        })
    }

    pub async fn membership(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<MembershipRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{MEMBERSHIP_SELECT} WHERE m.team_id = $1 AND m.user_id = $2"))
                .bind(team_id).bind(user_id).fetch_optional(pool).await?)
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

    /// Decides whether a sign-in may go on to the password check and, if so, records it as a
    /// failure in the same transaction; [`Store::sign_in_succeeded`] corrects that afterwards.
    /// `decide` is given the sign-in failures since the last success of the account (since
    /// `account_since_ms`) and of the address (since `address_since_ms`).
    ///
    /// Deciding and recording at once is what bounds concurrent attempts: with a read first
    /// and a record after the (slow) password check, any number of simultaneous attempts
    /// would all read the same count and all go ahead. The transaction holds the account's
    /// and the address's locks, so the next attempt counts this one.
    pub async fn reserve_sign_in<E>(
        &self,
        email: &str,
        client_addr: &str,
        account_since_ms: i64,
        address_since_ms: i64,
        decide: impl FnOnce(RecentAttempts, RecentAttempts) -> Result<(), E>,
    ) -> Result<Result<String, E>, StoreError> {
        let backend = self.backend();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(serialised_begin(backend)).await?;
            lock_attempts(&mut tx, backend, AttemptLock::Account, email).await?;
            lock_attempts(&mut tx, backend, AttemptLock::SignInAddress, client_addr).await?;
            let mut recent = Vec::with_capacity(2);
            for (column, value, since) in [("email", email, account_since_ms), ("client_addr", client_addr, address_since_ms)] {
                let sql = format!(
                    "SELECT COUNT(*), MAX(at_ms) FROM login_attempts \
                     WHERE {column} = $1 AND kind = 'sign_in' AND NOT succeeded AND at_ms > \
                     COALESCE((SELECT MAX(at_ms) FROM login_attempts \
                               WHERE {column} = $1 AND kind = 'sign_in' AND succeeded AND at_ms > $2), $2)"
                );
                let (count, latest_ms): (i64, Option<i64>) =
                    sqlx::query_as(&sql).bind(value).bind(since).fetch_one(&mut *tx).await?;
                recent.push(RecentAttempts { count: count as u32, latest_ms });
            }
            if let Err(refusal) = decide(recent[0], recent[1]) {
                return Ok(Err(refusal));
            }
            let id = uuid::Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO login_attempts (id, kind, email, client_addr, succeeded, at_ms) VALUES ($1, 'sign_in', $2, $3, $4, $5)")
                .bind(&id).bind(email).bind(client_addr).bind(false).bind(now_ms()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(id))
        })
    }

    /// The reserved sign-in attempt turned out right: it ends the run of failures.
    pub async fn sign_in_succeeded(&self, attempt_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE login_attempts SET succeeded = $1 WHERE id = $2")
                .bind(true).bind(attempt_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Decides whether a sign-up from this address may go on to hash its password and, if so,
    /// records it, in one transaction (as [`Store::reserve_sign_in`], and for the same reason).
    /// `decide` is given how many sign-ups the address made since `since_ms`, and when the
    /// oldest of them was.
    pub async fn reserve_sign_up<E>(
        &self,
        client_addr: &str,
        since_ms: i64,
        decide: impl FnOnce(u32, Option<i64>) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let backend = self.backend();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(serialised_begin(backend)).await?;
            lock_attempts(&mut tx, backend, AttemptLock::SignUpAddress, client_addr).await?;
            let (count, oldest_ms): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at_ms) FROM login_attempts WHERE client_addr = $1 AND kind = 'sign_up' AND at_ms > $2")
                .bind(client_addr).bind(since_ms).fetch_one(&mut *tx).await?;
            if let Err(refusal) = decide(count as u32, oldest_ms) {
                return Ok(Err(refusal));
            }
            sqlx::query(
                "INSERT INTO login_attempts (id, kind, email, client_addr, succeeded, at_ms) VALUES ($1, 'sign_up', '', $2, $3, $4)")
                .bind(uuid::Uuid::now_v7().to_string()).bind(client_addr).bind(true).bind(now_ms())
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(()))
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
            Ok(sqlx::query_as(
                "SELECT actor, action, detail, client_addr, at_ms FROM audit_log WHERE team_id = $1 \
                 ORDER BY at_ms DESC, id DESC LIMIT $2")
                .bind(team_id).bind(limit).fetch_all(pool).await?)
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

    pub async fn api_key_by_lookup_id(
        &self,
        lookup_id: &str,
    ) -> Result<Option<ApiKeyRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{API_KEY_SELECT} WHERE lookup_id = $1"))
                .bind(lookup_id).fetch_optional(pool).await?)
        })
    }

    pub async fn api_keys(&self, team_id: &str) -> Result<Vec<ApiKeyRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{API_KEY_SELECT} WHERE team_id = $1 ORDER BY created_at_ms DESC"))
                .bind(team_id).fetch_all(pool).await?)
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
            Ok(sqlx::query_as(
                "SELECT m.user_id, u.email, m.role, m.created_at_ms AS joined_at_ms FROM memberships m \
                 JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.email")
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// Changes a member's role unless that would leave the team without an admin, and in the
    /// same transaction withdraws the member's pending invites that `keeps_invite` (given an
    /// invite's role) rejects. `None` when nothing changed, else how many invites went.
    pub async fn set_member_role(
        &self,
        team_id: &str,
        user_id: &str,
        role: &str,
        keeps_invite: impl Fn(&str) -> bool,
        activity: &Activity,
    ) -> Result<Option<usize>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_team(&mut tx, team_id).await?;
            let done = sqlx::query(
                "UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3 \
                 AND ($1 = 'admin' OR role <> 'admin' OR \
                      (SELECT COUNT(*) FROM memberships WHERE team_id = $2 AND role = 'admin') > 1)")
                .bind(role).bind(team_id).bind(user_id).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Ok(None);
            }
            let pending: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, role FROM invites WHERE team_id = $1 AND created_by = $2 AND accepted_at_ms IS NULL")
                .bind(team_id).bind(user_id).fetch_all(&mut *tx).await?;
            let mut withdrawn = 0;
            for (id, _) in pending.iter().filter(|(_, invite_role)| !keeps_invite(invite_role)) {
                sqlx::query("DELETE FROM invites WHERE id = $1 AND team_id = $2").bind(id).bind(team_id).execute(&mut *tx).await?;
                withdrawn += 1;
            }
            record_activity!(tx, team_id, activity);
            tx.commit().await?;
            Ok(Some(withdrawn))
        })
    }

    /// Removes a member unless they are the team's last admin, and withdraws their pending
    /// invites to the team with them. `None` when nothing changed, else how many invites went.
    pub async fn remove_member(
        &self,
        team_id: &str,
        user_id: &str,
        activity: &Activity,
    ) -> Result<Option<usize>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_team(&mut tx, team_id).await?;
            let done = sqlx::query(
                "DELETE FROM memberships WHERE team_id = $1 AND user_id = $2 \
                 AND (role <> 'admin' OR (SELECT COUNT(*) FROM memberships WHERE team_id = $1 AND role = 'admin') > 1)")
                .bind(team_id).bind(user_id).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Ok(None);
            }
            let withdrawn = sqlx::query("DELETE FROM invites WHERE team_id = $1 AND created_by = $2 AND accepted_at_ms IS NULL")
                .bind(team_id).bind(user_id).execute(&mut *tx).await?;
            record_activity!(tx, team_id, activity);
            tx.commit().await?;
            Ok(Some(withdrawn.rows_affected() as usize))
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
    pub async fn invite_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<InviteRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!("{INVITE_SELECT} WHERE i.token_hash = $1"))
                .bind(token_hash).fetch_optional(pool).await?)
        })
    }

    /// The team's invites not yet accepted nor expired, newest first.
    pub async fn pending_invites(&self, team_id: &str) -> Result<Vec<InviteRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "{INVITE_SELECT} WHERE i.team_id = $1 AND i.accepted_at_ms IS NULL AND i.expires_at_ms > $2 \
                 ORDER BY i.created_at_ms DESC"))
                .bind(team_id).bind(now_ms()).fetch_all(pool).await?)
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

    /// Uses the invite and adds the member in one transaction, provided `inviter_entitled`
    /// (given the creator's current role, `None` once they left, and the invite's role)
    /// still holds. The team is locked first, so a demotion or removal of the creator is
    /// either seen here or waits until the member has joined.
    pub async fn accept_invite(
        &self,
        team_id: &str,
        invite_id: &str,
        user_id: &str,
        inviter_entitled: impl Fn(Option<&str>, &str) -> bool,
        activity: &Activity,
    ) -> Result<InviteAcceptance, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_team(&mut tx, team_id).await?;
            let outcome = use_invite(&mut tx, team_id, invite_id, user_id, now_ms(), inviter_entitled).await?;
            if outcome == InviteAcceptance::Joined {
                record_activity!(tx, team_id, activity);
                tx.commit().await?;
            }
            Ok(outcome)
        })
    }
}

/// Within a transaction holding the team's lock: uses the invite for `user_id` and adds the
/// membership, if it is still open and its creator still entitled to it.
async fn use_invite<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    team_id: &str,
    invite_id: &str,
    user_id: &str,
    now: i64,
    inviter_entitled: impl Fn(Option<&str>, &str) -> bool,
) -> Result<InviteAcceptance, StoreError>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'r> (String, Option<String>): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
{
    let invite: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT i.role, m.role FROM invites i \
         LEFT JOIN memberships m ON m.team_id = i.team_id AND m.user_id = i.created_by \
         WHERE i.id = $1 AND i.team_id = $2",
    )
    .bind(invite_id)
    .bind(team_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((invite_role, creator_role)) = invite else {
        return Ok(InviteAcceptance::NoLongerOpen);
    };
    if !inviter_entitled(creator_role.as_deref(), &invite_role) {
        return Ok(InviteAcceptance::InviterNotEntitled);
    }
    let used: Option<String> = sqlx::query_scalar(
        "UPDATE invites SET accepted_by = $1, accepted_at_ms = $2 \
         WHERE id = $3 AND accepted_at_ms IS NULL AND expires_at_ms > $2 RETURNING id",
    )
    .bind(user_id)
    .bind(now)
    .bind(invite_id)
    .fetch_optional(&mut **tx)
    .await?;
    if used.is_none() {
        return Ok(InviteAcceptance::NoLongerOpen);
    }
    sqlx::query(
        "INSERT INTO memberships (team_id, user_id, role, created_at_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(invite_role.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(InviteAcceptance::Joined)
}

/// What came of accepting an invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteAcceptance {
    Joined,
    /// Used, expired or withdrawn since it was read.
    NoLongerOpen,
    /// Its creator has left the team or may no longer invite with its role.
    InviterNotEntitled,
}

/// Serialises changes to a team's memberships: PostgreSQL (read committed) would otherwise
/// let two admins demote each other at once, each counting the other as the remaining
/// admin. The row lock makes the second wait and then count afresh; SQLite has one writer.
async fn lock_team<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    team_id: &str,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE teams SET name = name WHERE id = $1")
        .bind(team_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const INVITE_SELECT: &str =
    "SELECT i.id, i.team_id, t.name AS team_name, i.role, i.created_by, u.email AS created_by_email, \
     m.role AS creator_role, i.created_at_ms, i.expires_at_ms, i.accepted_at_ms \
     FROM invites i JOIN teams t ON t.id = i.team_id JOIN users u ON u.id = i.created_by \
     LEFT JOIN memberships m ON m.team_id = i.team_id AND m.user_id = i.created_by";

/// Failed sign-ins since the last success within a window, and when the latest was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentAttempts {
    pub count: u32,
    pub latest_ms: Option<i64>,
}

/// Which attempts a reservation serialises on.
#[derive(Debug, Clone, Copy)]
enum AttemptLock {
    Account = 1,
    SignInAddress = 2,
    SignUpAddress = 3,
}

/// SQLite: take the write lock at BEGIN, so the count read next is still true at the
/// insert (a deferred transaction reads a snapshot another writer may already have passed).
fn serialised_begin(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// PostgreSQL: a transaction-scoped advisory lock per account or address, in a fixed order
/// (account before address, one namespace per kind), so attempts on one key queue up while
/// others go ahead. SQLite is already serialised by `BEGIN IMMEDIATE`.
async fn lock_attempts<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    backend: Backend,
    lock: AttemptLock,
    key: &str,
) -> Result<(), StoreError>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(lock as i32)
            .bind(key)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// "ada@example.com" → "ada's team".
/// The name of the team everyone gets at sign-up (and again when they have none left).
pub fn personal_team_name(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    format!("{local}'s team")
}
