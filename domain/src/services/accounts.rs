//! Accounts as a service: sign-up, sign-in (throttled), who is asking and in which team
//! with which role — by session or by API key — teams, API keys and the audit log.
//!
//! The web layer calls one function per action; the rules live here, the SQL in the store.

use std::time::Duration;

use secrecy::SecretString;

use crate::{
    auth::{
        check_login, check_sign_up, dummy_verify, hash_password, verify_password, ApiKey,
        AuthError, Email, InviteToken, NewPassword, Permission, PlaintextApiKey, RecentFailures,
        Role, TokenHash, ACCOUNT_WINDOW, ADDRESS_WINDOW, SIGN_UP_WINDOW,
    },
    error::{DomainError, ErrorKind, Forbidden},
    hooks::events,
    store::{
        accounts::{
            is_unique_violation, personal_team_name, ApiKeyRow, AuditRow, InviteAcceptance,
            InviteRow, MemberRow, MembershipRow, NewAudit, RecentAttempts,
        },
        now_ms, Store, StoreError,
    },
};

pub const MAX_TEAM_NAME_CHARS: usize = 80;
pub const MAX_KEY_NAME_CHARS: usize = 80;
pub const MAX_KEY_EXPIRY_DAYS: u64 = 3650;
/// An invite link works once, for this long.
pub const INVITE_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 60 * 60);

const INVITE_UNKNOWN: &str =
    "Invite: this link is not valid; check that you copied the whole link, or ask a team admin for a new one";
const INVITE_USED: &str = "Invite: this link has already been used; ask a team admin for a new one";
const INVITE_EXPIRED: &str =
    "Invite: this link has expired (links last 7 days); ask a team admin for a new one";
const SIGN_UP_CLOSED: &str = "Sign-up: this Ferry does not take new accounts by sign-up; ask its operator to create one for you";
const SIGN_UP_INVITE_ONLY: &str = "Sign-up: this Ferry takes new accounts by invite only; \
     open the invite link a team admin sent you, and sign up from there";
const INVITE_WITHDRAWN: &str =
    "Invite: this link no longer works: whoever created it is no longer an admin of the team; \
     ask a team admin for a new one";

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Sign-up with a registered address: says no more than that an account exists.
    #[error("Email: an account with this address already exists; sign in instead")]
    EmailTaken,
    #[error("Email or password is not right; check both and try again")]
    WrongCredentials,
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for AccountError {
    fn kind(&self) -> ErrorKind {
        match self {
            AccountError::Auth(
                AuthError::TooManyAttempts { .. }
                | AuthError::TooManySignUps { .. }
                | AuthError::PasswordHashing(_),
            ) => ErrorKind::Unavailable,
            AccountError::Auth(_) | AccountError::WrongCredentials | AccountError::Invalid(_) => {
                ErrorKind::Invalid
            }
            AccountError::EmailTaken => ErrorKind::Conflict,
            AccountError::NotFound => ErrorKind::NotFound,
            AccountError::Forbidden(_) => ErrorKind::Forbidden,
            AccountError::Store(_) => ErrorKind::Internal,
        }
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    ApiKey,
}

/// Who is asking, in which team, with which role. Every team-scoped action takes one.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub email: String,
    pub team_id: String,
    pub team_name: String,
    pub role: Role,
    pub via: Via,
}

impl Actor {
    /// Every permission check of every service: each service error converts the refusal.
    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(Forbidden {
                role: self.role,
                needed: permission.description(),
            })
        }
    }
}

/// Whether an invite link can still be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteStatus {
    Open,
    Used,
    Expired,
    /// Its creator has left the team or lost the right to invite with its role.
    Withdrawn,
}

impl InviteStatus {
    /// Why the link cannot be accepted, or `None` while it can.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            InviteStatus::Open => None,
            InviteStatus::Used => Some(INVITE_USED),
            InviteStatus::Expired => Some(INVITE_EXPIRED),
            InviteStatus::Withdrawn => Some(INVITE_WITHDRAWN),
        }
    }
}

/// What an invite link offers, as its page shows it.
#[derive(Debug, Clone)]
pub struct InviteOffer {
    pub team_id: String,
    pub team_name: String,
    pub role: Role,
    pub status: InviteStatus,
}

/// A new invite: the token for the link (shown once) and when it stops working.
#[derive(Debug)]
pub struct NewInvite {
    pub token: InviteToken,
    pub expires_at_ms: i64,
}

/// Who may create an account by themselves (`FERRY_SIGNUP`); the operator always can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignupMode {
    /// Anyone who reaches the sign-up page.
    #[default]
    Open,
    /// Only someone with a pending invite link, who joins its team.
    InviteOnly,
    /// Nobody: accounts come from `ferry user create`.
    Closed,
}

impl SignupMode {
    pub const ALL: [SignupMode; 3] = [SignupMode::Open, SignupMode::InviteOnly, SignupMode::Closed];

    /// The setting's value: "open", "invite-only" or "closed".
    pub fn as_str(self) -> &'static str {
        match self {
            SignupMode::Open => "open",
            SignupMode::InviteOnly => "invite-only",
            SignupMode::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// What the sign-up form posts.
pub struct SignUp<'a> {
    pub email: &'a str,
    pub password: SecretString,
    /// The token of the invite link the person came through, if any.
    pub invite: Option<&'a str>,
}

/// A new account, signed in; `joined` is the invite's team when they came through one.
#[derive(Debug, Clone)]
pub struct SignedUp {
    pub session: NewSession,
    pub joined: Option<InviteOffer>,
}

/// The first team of an account the operator creates.
#[derive(Debug, Clone, Copy)]
pub enum FirstTeam<'a> {
    /// "ada's team", as at sign-up.
    Personal,
    /// A new team with this name; refused when a team of that name exists.
    Named(&'a str),
    /// The existing team with this id, as an admin.
    Join(&'a str),
}

/// How an operator command names a team the user belongs to.
#[derive(Debug, Clone, Copy)]
pub enum TeamRef<'a> {
    Named(&'a str),
    Id(&'a str),
}

/// What a successful sign-up or sign-in puts into the session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: String,
    pub team_id: String,
    pub session_epoch: i64,
}

pub struct Accounts<'a> {
    store: &'a Store,
}

impl<'a> Accounts<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Someone creates their own account (the sign-up form), as far as `mode` lets them:
    /// through an invite link they join its team (the link is checked before anything else
    /// happens, and used up with the account's creation); otherwise they get a personal team.
    /// Sign-ups are throttled per client address before the password is hashed.
    pub async fn sign_up(
        &self,
        form: SignUp<'_>,
        mode: SignupMode,
        client_addr: &str,
    ) -> Result<SignedUp, AccountError> {
        match (mode, form.invite) {
            (SignupMode::Closed, _) => {
                return Err(AccountError::Invalid(SIGN_UP_CLOSED.to_owned()))
            }
            (SignupMode::InviteOnly, None) => {
                return Err(AccountError::Invalid(SIGN_UP_INVITE_ONLY.to_owned()))
            }
            _ => {}
        }
        let email = Email::parse(form.email)?;
        let password = NewPassword::parse(form.password)?;
        let invite = match form.invite {
            Some(token) => {
                let row = self.invite_by_token(token).await?;
                let offer = offer(&row)?;
                if let Some(refusal) = offer.status.refusal() {
                    return Err(AccountError::Invalid(refusal.to_owned()));
                }
                Some((row, offer))
            }
            None => None,
        };
        let since = now_ms() - SIGN_UP_WINDOW.as_millis() as i64;
        self.store
            .reserve_sign_up(client_addr, since, |count, oldest| {
                check_sign_up(
                    count,
                    Duration::from_millis(oldest.map_or(0, |at| (now_ms() - at).max(0) as u64)),
                )
            })
            .await??;
        if self.store.user_by_email(email.as_str()).await?.is_some() {
            return Err(AccountError::EmailTaken);
        }
        let hash = hash_blocking(password).await?;
        let Some((row, offer)) = invite else {
            let session = self
                .create_account(&email, &hash, FirstTeam::Personal, client_addr)
                .await?;
            return Ok(SignedUp {
                session,
                joined: None,
            });
        };
        let created = self
            .store
            .create_user_with_invite(
                email.as_str(),
                &hash,
                &row.team_id,
                &row.id,
                may_invite,
                |user_id| events::member_joined(user_id, email.as_str(), &row.role),
            )
            .await;
        let user_id = match created {
            Err(e) if is_unique_violation(&e) => return Err(AccountError::EmailTaken),
            Ok((InviteAcceptance::Joined, user_id)) => user_id,
            Ok((InviteAcceptance::InviterNotEntitled, _)) => {
                return Err(AccountError::Invalid(INVITE_WITHDRAWN.to_owned()))
            }
            Ok((InviteAcceptance::NoLongerOpen, _)) => {
                return Err(AccountError::Invalid(INVITE_USED.to_owned()))
            }
            Err(e) => return Err(e.into()),
        };
        self.audit(
            &row.team_id,
            Some(&user_id),
            email.as_str(),
            "account.created",
            "",
            client_addr,
        )
        .await?;
        let detail = format!("as {} (invited by {})", offer.role, row.created_by_email);
        self.audit(
            &row.team_id,
            Some(&user_id),
            email.as_str(),
            "member.joined",
            &detail,
            client_addr,
        )
        .await?;
        let session = NewSession {
            user_id,
            team_id: row.team_id.clone(),
            session_epoch: 0,
        };
        Ok(SignedUp {
            session,
            joined: Some(offer),
        })
    }

    /// The operator creates an account (`ferry user create`): whatever the sign-up mode,
    /// unthrottled, its first team as `team` says.
    pub async fn create_user(
        &self,
        email: &str,
        password: SecretString,
        team: FirstTeam<'_>,
        client_addr: &str,
    ) -> Result<NewSession, AccountError> {
        let email = Email::parse(email)?;
        let password = NewPassword::parse(password)?;
        let named = match team {
            FirstTeam::Named(name) => Some(team_name(name)?),
            _ => None,
        };
        if let Some(name) = &named {
            let existing = self.store.teams_named(name).await?;
            if !existing.is_empty() {
                return Err(AccountError::Invalid(format!(
                    "--team: a team named “{name}” already exists (id {}); to make the user an admin of it, \
                     use --team-id ID instead, or choose another name for a new team",
                    existing.join(", ")
                )));
            }
        }
        if self.store.user_by_email(email.as_str()).await?.is_some() {
            return Err(AccountError::EmailTaken);
        }
        let hash = hash_blocking(password).await?;
        let first = match (team, &named) {
            (FirstTeam::Named(_), Some(name)) => FirstTeam::Named(name),
            (FirstTeam::Join(team_id), _) => FirstTeam::Join(team_id.trim()),
            (other, _) => other,
        };
        self.create_account(&email, &hash, first, client_addr).await
    }

    async fn create_account(
        &self,
        email: &Email,
        hash: &str,
        team: FirstTeam<'_>,
        client_addr: &str,
    ) -> Result<NewSession, AccountError> {
        let created = match team {
            FirstTeam::Personal => {
                self.store
                    .create_user_with_team(email.as_str(), hash, "")
                    .await
            }
            FirstTeam::Named(name) => {
                self.store
                    .create_user_with_team(email.as_str(), hash, name)
                    .await
            }
            FirstTeam::Join(team_id) => match self
                .store
                .create_user_in_team(email.as_str(), hash, team_id)
                .await
            {
                Ok(Some(user_id)) => Ok((user_id, team_id.to_owned())),
                Ok(None) => {
                    return Err(AccountError::Invalid(format!(
                        "--team-id: no team has the id {team_id}; /api/me shows a team's id, or use --team NAME for a new team"
                    )));
                }
                Err(e) => Err(e),
            },
        };
        let (user_id, team_id) = match created {
            Err(e) if is_unique_violation(&e) => return Err(AccountError::EmailTaken),
            other => other?,
        };
        self.audit(
            &team_id,
            Some(&user_id),
            email.as_str(),
            "account.created",
            "",
            client_addr,
        )
        .await?;
        Ok(NewSession {
            user_id,
            team_id,
            session_epoch: 0,
        })
    }

    pub async fn sign_in(
        &self,
        email: &str,
        password: SecretString,
        client_addr: &str,
    ) -> Result<NewSession, AccountError> {
        let email = Email::parse(email).map_err(|_| AccountError::WrongCredentials)?;
        let now = now_ms();
        let attempt = self
            .store
            .reserve_sign_in(
                email.as_str(),
                client_addr,
                now - ACCOUNT_WINDOW.as_millis() as i64,
                now - ADDRESS_WINDOW.as_millis() as i64,
                |account, address| check_login(recent(account, now), recent(address, now)),
            )
            .await??;

        let user = self.store.user_by_email(email.as_str()).await?;
        let verified = match &user {
            Some(user) => verify_blocking(password, user.password_hash.clone()).await,
            None => {
                // Same cost as a real check, so timing does not tell which emails exist.
                tokio::task::spawn_blocking(move || dummy_verify(&password))
                    .await
                    .ok();
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            return Err(AccountError::WrongCredentials);
        };
        self.store.sign_in_succeeded(&attempt).await?;
        let team_id = match self.store.memberships(&user.id).await?.into_iter().next() {
            Some(team) => team.team_id,
            None => {
                self.personal_team(&user.id, &user.email, client_addr)
                    .await?
            }
        };
        self.audit(
            &team_id,
            Some(&user.id),
            &user.email,
            "signed_in",
            "",
            client_addr,
        )
        .await?;
        Ok(NewSession {
            user_id: user.id,
            team_id,
            session_epoch: user.session_epoch,
        })
    }

    /// The actor behind a session, or `None` if the session is void (signed out everywhere,
    /// user gone). A team the user no longer belongs to falls back to their first team.
    pub async fn session_actor(
        &self,
        user_id: &str,
        team_id: &str,
        session_epoch: i64,
    ) -> Result<Option<Actor>, AccountError> {
        let Some(user) = self.store.user_by_id(user_id).await? else {
            return Ok(None);
        };
        if user.session_epoch != session_epoch {
            return Ok(None);
        }
        let membership = match self.store.membership(team_id, user_id).await? {
            Some(m) => Some(m),
            None => self.store.memberships(user_id).await?.into_iter().next(),
        };
        Ok(membership.map(|m| actor(&user.id, &user.email, m, Via::Session)))
    }

    /// The actor behind an `X-Api-Key`: the key acts in its team with its role, never above
    /// its creator's current role, and not at all once expired, revoked or its creator left.
    pub async fn api_key_actor(&self, presented: &str) -> Result<Option<Actor>, AccountError> {
        let Ok(key) = ApiKey::parse(presented) else {
            return Ok(None);
        };
        let Some(row) = self.store.api_key_by_lookup_id(key.id()).await? else {
            return Ok(None);
        };
        if !key.hash().matches(&row.key_hash) || row.revoked_at_ms.is_some() {
            return Ok(None);
        }
        if row.expires_at_ms.is_some_and(|at| at <= now_ms()) {
            return Ok(None);
        }
        let Some(creator) = self.store.user_by_id(&row.created_by).await? else {
            return Ok(None);
        };
        let Some(membership) = self.store.membership(&row.team_id, &row.created_by).await? else {
            return Ok(None);
        };
        let key_role: Role = row.role.parse()?;
        let creator_role: Role = membership.role.parse()?;
        self.store.touch_api_key(&row.id).await?;
        let mut actor = actor(&creator.id, &creator.email, membership, Via::ApiKey);
        actor.role = key_role.min(creator_role);
        Ok(Some(actor))
    }

    /// The user acting in a team of theirs, for operator commands: by id, or by name when
    /// exactly one of their teams has it.
    pub async fn member_actor(
        &self,
        email: &str,
        team: TeamRef<'_>,
    ) -> Result<Actor, AccountError> {
        let email = Email::parse(email)?;
        let user = self
            .store
            .user_by_email(email.as_str())
            .await?
            .ok_or_else(|| {
                AccountError::Invalid(format!(
                    "--email: no account has the address {}",
                    email.as_str()
                ))
            })?;
        let membership = match team {
            TeamRef::Id(team_id) => self
                .store
                .membership(team_id.trim(), &user.id)
                .await?
                .ok_or_else(|| {
                    AccountError::Invalid(format!(
                        "--team-id: {} is not a member of a team with the id {}",
                        email.as_str(),
                        team_id.trim()
                    ))
                })?,
            TeamRef::Named(name) => {
                let mut named: Vec<_> = self
                    .store
                    .memberships(&user.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.team_name == name.trim())
                    .collect();
                match named.len() {
                    0 => {
                        return Err(AccountError::Invalid(format!(
                            "--team: {} is not a member of a team named “{}”",
                            email.as_str(),
                            name.trim()
                        )));
                    }
                    1 => named.remove(0),
                    n => {
                        let ids: Vec<_> = named.iter().map(|m| m.team_id.as_str()).collect();
                        return Err(AccountError::Invalid(format!(
                            "--team: {} is a member of {n} teams named “{}” (ids {}); choose one with --team-id ID",
                            email.as_str(),
                            name.trim(),
                            ids.join(", ")
                        )));
                    }
                }
            }
        };
        Ok(actor(&user.id, &user.email, membership, Via::Session))
    }

    pub async fn teams(&self, user_id: &str) -> Result<Vec<MembershipRow>, AccountError> {
        Ok(self.store.memberships(user_id).await?)
    }

    /// The actor in another of their teams (the team switcher); `NotFound` if not a member.
    pub async fn switch_team(&self, actor: &Actor, team_id: &str) -> Result<Actor, AccountError> {
        let membership = self
            .store
            .membership(team_id, &actor.user_id)
            .await?
            .ok_or(AccountError::NotFound)?;
        Ok(self::actor(
            &actor.user_id,
            &actor.email,
            membership,
            actor.via,
        ))
    }

    pub async fn create_team(
        &self,
        actor: &Actor,
        name: &str,
        client_addr: &str,
    ) -> Result<String, AccountError> {
        let name = team_name(name)?;
        let team_id = self.store.create_team(&actor.user_id, &name).await?;
        self.audit(
            &team_id,
            Some(&actor.user_id),
            &actor.email,
            "team.created",
            &name,
            client_addr,
        )
        .await?;
        Ok(team_id)
    }

    /// The members of the actor's team, by email.
    pub async fn members(&self, actor: &Actor) -> Result<Vec<MemberRow>, AccountError> {
        actor.require(Permission::ReadTeamData)?;
        Ok(self.store.members(&actor.team_id).await?)
    }

    /// Admins change a member's role; the team's last admin cannot be demoted. The member's
    /// pending invites that their new role could not create go with the change (today every
    /// one of them on a demotion from admin, as only admins invite): a demoted admin must not
    /// keep a way back to the role they lost.
    pub async fn change_role(
        &self,
        actor: &Actor,
        user_id: &str,
        role: Role,
        client_addr: &str,
    ) -> Result<(), AccountError> {
        actor.require(Permission::ManageMembers)?;
        let member = self.member(actor, user_id).await?;
        let old: Role = member.role.parse()?;
        if old == role {
            return Ok(());
        }
        let keeps_invite = |invited: &str| may_invite(Some(role.as_str()), invited);
        let activity =
            events::member_role_changed(actor, user_id, &member.email, old.as_str(), role.as_str());
        let Some(withdrawn) = self
            .store
            .set_member_role(
                &actor.team_id,
                user_id,
                role.as_str(),
                keeps_invite,
                &activity,
            )
            .await?
        else {
            return Err(self
                .unchanged(
                    actor,
                    user_id,
                    format!(
                        "Role: {} is the team's last admin; make another member admin first",
                        member.email
                    ),
                )
                .await);
        };
        let detail = format!("{}: {old} → {role}", member.email);
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            "member.role_changed",
            &detail,
            client_addr,
        )
        .await?;
        self.audit_withdrawn(
            actor,
            withdrawn,
            &member.email,
            &format!("now {role}"),
            client_addr,
        )
        .await
    }

    /// Admins remove a member; anyone may leave (remove themselves), except the last admin.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        user_id: &str,
        client_addr: &str,
    ) -> Result<(), AccountError> {
        let leaving = user_id == actor.user_id;
        if !leaving {
            actor.require(Permission::ManageMembers)?;
        }
        let member = self.member(actor, user_id).await?;
        let activity = events::member_left(actor, user_id, &member.email, &member.role);
        let Some(withdrawn) = self
            .store
            .remove_member(&actor.team_id, user_id, &activity)
            .await?
        else {
            let message = if leaving {
                "Leave team: you are the team's last admin; make another member admin first, then leave".to_owned()
            } else {
                format!(
                    "Remove: {} is the team's last admin; make another member admin first",
                    member.email
                )
            };
            return Err(self.unchanged(actor, user_id, message).await);
        };
        let (action, detail) = if leaving {
            ("member.left", String::new())
        } else {
            ("member.removed", member.email.clone())
        };
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            action,
            &detail,
            client_addr,
        )
        .await?;
        let why = if leaving {
            "left the team"
        } else {
            "removed from the team"
        };
        self.audit_withdrawn(actor, withdrawn, &member.email, why, client_addr)
            .await?;
        // Everyone keeps a team to act in: who has none left gets a personal one, as at sign-up.
        if self.store.memberships(user_id).await?.is_empty() {
            self.personal_team(user_id, &member.email, client_addr)
                .await?;
        }
        Ok(())
    }

    /// A new personal team for someone who has no team (left or removed from their last one).
    async fn personal_team(
        &self,
        user_id: &str,
        email: &str,
        client_addr: &str,
    ) -> Result<String, AccountError> {
        let team_id = self
            .store
            .create_team(user_id, &personal_team_name(email))
            .await?;
        self.audit(
            &team_id,
            Some(user_id),
            email,
            "team.created",
            "a personal team: no other team was left",
            client_addr,
        )
        .await?;
        Ok(team_id)
    }

    /// The audit entry for invites withdrawn with their creator's demotion or departure.
    async fn audit_withdrawn(
        &self,
        actor: &Actor,
        withdrawn: usize,
        creator: &str,
        why: &str,
        client_addr: &str,
    ) -> Result<(), AccountError> {
        if withdrawn == 0 {
            return Ok(());
        }
        let links = if withdrawn == 1 { "link" } else { "links" };
        let detail = format!("{withdrawn} pending {links} by {creator} ({why})");
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            "invite.revoked",
            &detail,
            client_addr,
        )
        .await
    }

    async fn member(&self, actor: &Actor, user_id: &str) -> Result<MemberRow, AccountError> {
        let members = self.store.members(&actor.team_id).await?;
        members
            .into_iter()
            .find(|m| m.user_id == user_id)
            .ok_or(AccountError::NotFound)
    }

    /// Why a guarded change did not happen: the member has gone meanwhile, or they are the last admin.
    async fn unchanged(&self, actor: &Actor, user_id: &str, last_admin: String) -> AccountError {
        match self.member(actor, user_id).await {
            Ok(_) => AccountError::Invalid(last_admin),
            Err(error) => error,
        }
    }

    /// Admins create a single-use link that lets one person join with `role` within 7 days.
    pub async fn create_invite(
        &self,
        actor: &Actor,
        role: Role,
        client_addr: &str,
    ) -> Result<NewInvite, AccountError> {
        actor.require(Permission::ManageMembers)?;
        let (token, hash) = InviteToken::generate();
        let expires_at_ms = now_ms() + INVITE_VALID_FOR.as_millis() as i64;
        self.store
            .insert_invite(
                &actor.team_id,
                &actor.user_id,
                hash.as_str(),
                role.as_str(),
                expires_at_ms,
            )
            .await?;
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            "invite.created",
            &format!("as {role}"),
            client_addr,
        )
        .await?;
        Ok(NewInvite {
            token,
            expires_at_ms,
        })
    }

    /// The team's links not yet used nor expired, for admins.
    pub async fn pending_invites(&self, actor: &Actor) -> Result<Vec<InviteRow>, AccountError> {
        actor.require(Permission::ManageMembers)?;
        Ok(self.store.pending_invites(&actor.team_id).await?)
    }

    pub async fn revoke_invite(
        &self,
        actor: &Actor,
        invite_id: &str,
        client_addr: &str,
    ) -> Result<(), AccountError> {
        actor.require(Permission::ManageMembers)?;
        let invites = self.store.pending_invites(&actor.team_id).await?;
        let invite = invites
            .iter()
            .find(|i| i.id == invite_id)
            .ok_or(AccountError::NotFound)?;
        if !self.store.delete_invite(&actor.team_id, invite_id).await? {
            return Err(AccountError::NotFound);
        }
        let detail = format!("as {}", invite.role);
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            "invite.revoked",
            &detail,
            client_addr,
        )
        .await
    }

    /// What the link with this token offers; `Invalid` (saying so) for an unknown token.
    pub async fn invite_offer(&self, token: &str) -> Result<InviteOffer, AccountError> {
        offer(&self.invite_by_token(token).await?)
    }

    async fn invite_by_token(&self, token: &str) -> Result<InviteRow, AccountError> {
        self.store
            .invite_by_token_hash(TokenHash::of(token).as_str())
            .await?
            .ok_or_else(|| AccountError::Invalid(INVITE_UNKNOWN.to_owned()))
    }

    /// The signed-in actor joins the invite's team with its role; the link is used up.
    pub async fn accept_invite(
        &self,
        actor: &Actor,
        token: &str,
        client_addr: &str,
    ) -> Result<InviteOffer, AccountError> {
        let row = self.invite_by_token(token).await?;
        let offer = offer(&row)?;
        if let Some(refusal) = offer.status.refusal() {
            return Err(AccountError::Invalid(refusal.to_owned()));
        }
        if self
            .store
            .membership(&offer.team_id, &actor.user_id)
            .await?
            .is_some()
        {
            return Err(AccountError::Invalid(format!(
                "Invite: you are already a member of “{}”; choose it in the team switcher, and leave the link for the person it was meant for",
                offer.team_name
            )));
        }
        match self
            .store
            .accept_invite(
                &row.team_id,
                &row.id,
                &actor.user_id,
                may_invite,
                &events::member_joined(&actor.user_id, &actor.email, &row.role),
            )
            .await?
        {
            InviteAcceptance::Joined => {}
            InviteAcceptance::InviterNotEntitled => {
                return Err(AccountError::Invalid(INVITE_WITHDRAWN.to_owned()))
            }
            InviteAcceptance::NoLongerOpen => {
                // Used, expired or withdrawn between the check and the update.
                let status = match self
                    .store
                    .invite_by_token_hash(TokenHash::of(token).as_str())
                    .await?
                {
                    Some(row) => self::offer(&row)?.status,
                    None => return Err(AccountError::Invalid(INVITE_UNKNOWN.to_owned())),
                };
                return Err(AccountError::Invalid(
                    status.refusal().unwrap_or(INVITE_USED).to_owned(),
                ));
            }
        }
        let detail = format!("as {} (invited by {})", offer.role, row.created_by_email);
        self.audit(
            &offer.team_id,
            Some(&actor.user_id),
            &actor.email,
            "member.joined",
            &detail,
            client_addr,
        )
        .await?;
        Ok(offer)
    }

    /// A new API key in the actor's team, with a role no higher than the actor's.
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        expires_in: Option<Duration>,
        client_addr: &str,
    ) -> Result<(String, PlaintextApiKey), AccountError> {
        let name = bounded("Name", name, MAX_KEY_NAME_CHARS)?;
        if role > actor.role {
            return Err(AccountError::Invalid(format!(
                "Role: a key cannot have a higher role than yours ({})",
                actor.role
            )));
        }
        let (plaintext, key) = ApiKey::generate();
        let expires_at = expires_in.map(|d| now_ms() + d.as_millis() as i64);
        let id = self
            .store
            .insert_api_key(
                &actor.team_id,
                &actor.user_id,
                &name,
                key.id(),
                key.hash().as_str(),
                role.as_str(),
                expires_at,
            )
            .await?;
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            "api_key.created",
            &format!("{name} ({role})"),
            client_addr,
        )
        .await?;
        Ok((id, plaintext))
    }

    /// The team's keys for admins; a member's own keys for everyone else.
    pub async fn api_keys(&self, actor: &Actor) -> Result<Vec<ApiKeyRow>, AccountError> {
        let mut keys = self.store.api_keys(&actor.team_id).await?;
        if !actor.role.allows(Permission::ManageAllApiKeys) {
            keys.retain(|key| key.created_by == actor.user_id);
        }
        Ok(keys)
    }

    /// Admins revoke any key of the team; others only the keys they created.
    pub async fn revoke_api_key(
        &self,
        actor: &Actor,
        key_id: &str,
        client_addr: &str,
    ) -> Result<(), AccountError> {
        let keys = self.store.api_keys(&actor.team_id).await?;
        let key = keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or(AccountError::NotFound)?;
        if key.created_by != actor.user_id {
            actor.require(Permission::ManageAllApiKeys)?;
        }
        if !self.store.revoke_api_key(&actor.team_id, key_id).await? {
            return Err(AccountError::NotFound);
        }
        self.audit(
            &actor.team_id,
            Some(&actor.user_id),
            &actor.email,
            "api_key.revoked",
            &key.name,
            client_addr,
        )
        .await?;
        Ok(())
    }

    pub async fn sign_out_everywhere(&self, actor: &Actor) -> Result<(), AccountError> {
        self.store.bump_session_epoch(&actor.user_id).await?;
        Ok(())
    }

    pub async fn audit_log(&self, actor: &Actor) -> Result<Vec<AuditRow>, AccountError> {
        actor.require(Permission::ViewAuditLog)?;
        Ok(self.store.audit_log(&actor.team_id, 200).await?)
    }

    async fn audit(
        &self,
        team_id: &str,
        user_id: Option<&str>,
        actor: &str,
        action: &str,
        detail: &str,
        client_addr: &str,
    ) -> Result<(), AccountError> {
        self.store
            .append_audit(NewAudit {
                team_id,
                actor_user_id: user_id,
                actor,
                action,
                detail,
                client_addr,
            })
            .await?;
        Ok(())
    }
}

/// Failures as the throttle counts them, seen at `now`.
fn recent(attempts: RecentAttempts, now: i64) -> RecentFailures {
    RecentFailures {
        count: attempts.count,
        since_latest: Duration::from_millis(
            attempts
                .latest_ms
                .map(|at| (now - at).max(0) as u64)
                .unwrap_or_default(),
        ),
    }
}

fn actor(user_id: &str, email: &str, membership: MembershipRow, via: Via) -> Actor {
    Actor {
        user_id: user_id.to_owned(),
        email: email.to_owned(),
        role: membership.role.parse().unwrap_or(Role::Viewer),
        team_id: membership.team_id,
        team_name: membership.team_name,
        via,
    }
}

/// The "Expires in (days)" field of a new API key: empty for a key that does not expire.
pub fn key_expiry(days: &str) -> Result<Option<Duration>, AccountError> {
    let days = days.trim();
    if days.is_empty() {
        return Ok(None);
    }
    match days.parse::<u64>() {
        Ok(days @ 1..=MAX_KEY_EXPIRY_DAYS) => Ok(Some(Duration::from_secs(days * 24 * 60 * 60))),
        _ => Err(AccountError::Invalid(format!(
            "Expires in: enter a whole number of days from 1 to {MAX_KEY_EXPIRY_DAYS}, or leave it empty for a key that does not expire"
        ))),
    }
}

/// Whether a member with the role `creator` (`None`: not a member) may hand out a link for
/// `invited`: they must still be allowed to manage members, with a role at least the link's.
fn may_invite(creator: Option<&str>, invited: &str) -> bool {
    let (Some(Ok(creator)), Ok(invited)) =
        (creator.map(str::parse::<Role>), invited.parse::<Role>())
    else {
        return false;
    };
    creator.allows(Permission::ManageMembers) && creator >= invited
}

fn offer(row: &InviteRow) -> Result<InviteOffer, AccountError> {
    let status = if row.accepted_at_ms.is_some() {
        InviteStatus::Used
    } else if row.expires_at_ms <= now_ms() {
        InviteStatus::Expired
    } else if !may_invite(row.creator_role.as_deref(), &row.role) {
        InviteStatus::Withdrawn
    } else {
        InviteStatus::Open
    };
    Ok(InviteOffer {
        team_id: row.team_id.clone(),
        team_name: row.team_name.clone(),
        role: row.role.parse()?,
        status,
    })
}

fn team_name(raw: &str) -> Result<String, AccountError> {
    bounded("Team name", raw, MAX_TEAM_NAME_CHARS)
}

fn bounded(field: &str, raw: &str, max: usize) -> Result<String, AccountError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(AccountError::Invalid(format!("{field}: enter a name")));
    }
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(AccountError::Invalid(format!(
            "{field}: use at most {max} characters, without control characters"
        )));
    }
    Ok(value.to_owned())
}

/// argon2 spends ~tens of milliseconds of CPU; keep it off the async workers.
async fn hash_blocking(password: NewPassword) -> Result<String, AccountError> {
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AccountError::Invalid(format!("Password: could not be stored ({e})")))??;
    Ok(hash.as_str().to_owned())
}

async fn verify_blocking(password: SecretString, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false)
}

/// A password piped to an operator command, without the line ending the shell adds.
pub fn secret_from_stdin_line(text: &str) -> SecretString {
    SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_expiry_is_optional_whole_days() {
        assert_eq!(key_expiry(" ").unwrap(), None);
        assert_eq!(
            key_expiry("30").unwrap(),
            Some(Duration::from_secs(30 * 86_400))
        );
        for bad in ["0", "-1", "1.5", "soon", "3651"] {
            let error = key_expiry(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("Expires in: enter a whole number of days"),
                "{bad}: {error}"
            );
        }
    }
}
