//! A person's profile: the name and email Ferry signs the backup commits of their changes with.
//!
//! Ferry knows people by the email they signed up with, so by default a commit of their change
//! is authored `<local part> <sign-up email>`. On the Profile page a person can choose another
//! name and email for their commits (e.g. the identity their git host knows them by). The email
//! is checked for form only, never verified: it says who made a change, it proves nothing.

use crate::{
    auth::{AuthError, Email},
    error::{DomainError, ErrorKind, FieldError},
    store::{Store, StoreError},
};

pub const MAX_COMMIT_NAME_CHARS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A field of the form is refused; `field` is its name on the form.
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("no such person; sign in again")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for ProfileError {
    fn kind(&self) -> ErrorKind {
        match self {
            ProfileError::Field(_) => ErrorKind::Invalid,
            ProfileError::NotFound => ErrorKind::NotFound,
            ProfileError::Store(_) => ErrorKind::Internal,
        }
    }

    fn field_error(&self) -> Option<&FieldError> {
        match self {
            ProfileError::Field(error) => Some(error),
            _ => None,
        }
    }
}

/// The name and email a person chose for their commits; `None` = not set, the default applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitIdentity {
    pub name: Option<String>,
    pub email: Option<String>,
}

impl CommitIdentity {
    /// Parses what was typed on the Profile page; an empty field is "not set".
    pub fn parse(name: &str, email: &str) -> Result<Self, FieldError> {
        let name = name.trim();
        let email = email.trim();
        let refuse = |field: &'static str, message: &str| FieldError {
            field,
            message: message.to_owned(),
        };
        if name.chars().count() > MAX_COMMIT_NAME_CHARS {
            return Err(refuse(
                "commit_name",
                &format!("use at most {MAX_COMMIT_NAME_CHARS} characters"),
            ));
        }
        // `<` and `>` delimit the email in a git author line; a line break would end it.
        if name.chars().any(|c| c.is_control() || c == '<' || c == '>') {
            return Err(refuse(
                "commit_name",
                "remove line breaks, < and >: git puts the name before <email>",
            ));
        }
        let email = match email {
            "" => None,
            typed => match Email::parse(typed) {
                Ok(email) => Some(email.as_str().to_owned()),
                Err(AuthError::EmailTooLong) => {
                    return Err(refuse("commit_email", "is too long for an email address"))
                }
                Err(_) => {
                    return Err(refuse(
                        "commit_email",
                        "enter an email address like you@example.com, or leave it empty",
                    ))
                }
            },
        };
        Ok(CommitIdentity {
            name: Some(name.to_owned()).filter(|n| !n.is_empty()),
            email,
        })
    }

    /// `Name <email>` as git wants it: the chosen name and email where set, else the local part
    /// of the sign-up email and that email.
    pub fn author(&self, signed_up_with: &str) -> String {
        let clean = |text: &str| -> String {
            text.chars()
                .filter(|c| !c.is_control() && *c != '<' && *c != '>')
                .collect()
        };
        let email = clean(self.email.as_deref().unwrap_or(signed_up_with));
        let name = match self
            .name
            .as_deref()
            .map(clean)
            .filter(|n| !n.trim().is_empty())
        {
            Some(name) => name.trim().to_owned(),
            None => email
                .split('@')
                .next()
                .filter(|local| !local.is_empty())
                .unwrap_or("Ferry")
                .to_owned(),
        };
        format!("{name} <{email}>")
    }
}

/// What the Profile page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The email the person signs in with.
    pub email: String,
    pub commit: CommitIdentity,
}

pub struct Profiles<'a> {
    store: &'a Store,
}

impl<'a> Profiles<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    pub async fn get(&self, user_id: &str) -> Result<Profile, ProfileError> {
        let user = self
            .store
            .user_by_id(user_id)
            .await?
            .ok_or(ProfileError::NotFound)?;
        let commit = self
            .store
            .commit_identity(user_id)
            .await?
            .unwrap_or_default();
        Ok(Profile {
            email: user.email,
            commit,
        })
    }

    /// Sets (or, with empty fields, clears) the name and email of the person's commits.
    pub async fn set_commit_identity(
        &self,
        user_id: &str,
        name: &str,
        email: &str,
    ) -> Result<Profile, ProfileError> {
        let commit = CommitIdentity::parse(name, email)?;
        if !self.store.set_commit_identity(user_id, &commit).await? {
            return Err(ProfileError::NotFound);
        }
        self.get(user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_default_to_the_sign_up_email() {
        let none = CommitIdentity::default();
        assert_eq!(none.author("ada@example.com"), "ada <ada@example.com>");
        assert_eq!(none.author("x<y>@e.com\n"), "xy <xy@e.com>");
        assert_eq!(none.author(""), "Ferry <>");
    }

    #[test]
    fn a_chosen_name_and_email_sign_the_commit() {
        let chosen = CommitIdentity::parse(" Ada Lovelace ", " Ada@Analytical.Example ").unwrap();
        assert_eq!(
            chosen.author("ada@example.com"),
            "Ada Lovelace <ada@analytical.example>"
        );
        let name_only = CommitIdentity::parse("Ada Lovelace", "").unwrap();
        assert_eq!(
            name_only.author("ada@example.com"),
            "Ada Lovelace <ada@example.com>"
        );
        assert_eq!(
            CommitIdentity::parse("", "").unwrap(),
            CommitIdentity::default()
        );
    }

    #[test]
    fn refusals_name_their_field() {
        for (name, email, field) in [
            ("Ada <x@y>", "", "commit_name"),
            ("Ada\nEvil: 1", "", "commit_name"),
            (&"a".repeat(MAX_COMMIT_NAME_CHARS + 1), "", "commit_name"),
            ("Ada", "not an email", "commit_email"),
            ("Ada", "a@b@c", "commit_email"),
        ] {
            assert_eq!(
                CommitIdentity::parse(name, email).unwrap_err().field,
                field,
                "{name:?} {email:?}"
            );
        }
    }
}
