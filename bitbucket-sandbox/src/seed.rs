//! The seed: users, credentials, workspaces, repositories and OAuth consumers a sandbox
//! starts with. It is the JSON file given by `--seed` and, for tests, a plain Rust value
//! built with the small builder methods below.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub workspaces: Vec<Workspace>,
    #[serde(default)]
    pub oauth_consumers: Vec<OAuthConsumer>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub api_tokens: Vec<ApiToken>,
    #[serde(default)]
    pub app_passwords: Vec<AppPassword>,
    #[serde(default)]
    pub access_tokens: Vec<AccessToken>,
}

/// An Atlassian API token, used as HTTP Basic with the account email.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    pub token: String,
    pub scopes: Vec<String>,
    /// RFC 3339; a token past it answers 401.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A legacy app password, used as HTTP Basic with the username.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppPassword {
    pub password: String,
    pub scopes: Vec<String>,
}

/// A repository/workspace access token, used as `Authorization: Bearer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessToken {
    pub token: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub repositories: Vec<Repository>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub username: String,
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    pub slug: String,
    #[serde(default = "default_main_branch")]
    pub main_branch: String,
    #[serde(default = "default_true")]
    pub is_private: bool,
    /// Files of the initial commit. Absent: one `README.md`. Present but empty: the
    /// repository starts with no commits at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
}

/// An OAuth 2.0 consumer. `scopes` and `name` are sandbox extensions with defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConsumer {
    pub key: String,
    pub secret: String,
    pub callback_url: String,
    #[serde(default = "default_consumer_scopes")]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn default_main_branch() -> String {
    "main".to_owned()
}

fn default_true() -> bool {
    true
}

fn default_consumer_scopes() -> Vec<String> {
    ["account", "repository", "repository:write"]
        .map(String::from)
        .to_vec()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl Seed {
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    pub fn workspace(mut self, workspace: Workspace) -> Self {
        self.workspaces.push(workspace);
        self
    }

    pub fn oauth_consumer(mut self, consumer: OAuthConsumer) -> Self {
        self.oauth_consumers.push(consumer);
        self
    }
}

impl User {
    pub fn new(username: &str, email: &str) -> Self {
        User {
            username: username.to_owned(),
            email: email.to_owned(),
            display_name: username.to_owned(),
            ..Default::default()
        }
    }

    pub fn api_token(mut self, token: &str, scopes: &[&str]) -> Self {
        self.api_tokens.push(ApiToken {
            token: token.to_owned(),
            scopes: strings(scopes),
            expires_at: None,
        });
        self
    }

    pub fn app_password(mut self, password: &str, scopes: &[&str]) -> Self {
        self.app_passwords.push(AppPassword {
            password: password.to_owned(),
            scopes: strings(scopes),
        });
        self
    }

    pub fn access_token(mut self, token: &str, scopes: &[&str]) -> Self {
        self.access_tokens.push(AccessToken {
            token: token.to_owned(),
            scopes: strings(scopes),
        });
        self
    }
}

impl Workspace {
    pub fn new(slug: &str) -> Self {
        Workspace {
            slug: slug.to_owned(),
            name: slug.to_owned(),
            ..Default::default()
        }
    }

    pub fn member(mut self, username: &str, admin: bool) -> Self {
        self.members.push(Member {
            username: username.to_owned(),
            admin,
        });
        self
    }

    pub fn repository(mut self, repository: Repository) -> Self {
        self.repositories.push(repository);
        self
    }
}

impl Repository {
    /// A private repository on `main` with the default initial commit.
    pub fn new(slug: &str) -> Self {
        Repository {
            slug: slug.to_owned(),
            main_branch: default_main_branch(),
            is_private: true,
            files: None,
        }
    }

    pub fn main_branch(mut self, branch: &str) -> Self {
        self.main_branch = branch.to_owned();
        self
    }

    pub fn public(mut self) -> Self {
        self.is_private = false;
        self
    }

    /// No initial commit: the first upload becomes the root commit.
    pub fn empty(mut self) -> Self {
        self.files = Some(BTreeMap::new());
        self
    }

    pub fn file(mut self, path: &str, content: &str) -> Self {
        self.files
            .get_or_insert_with(BTreeMap::new)
            .insert(path.to_owned(), content.to_owned());
        self
    }
}

impl OAuthConsumer {
    pub fn new(key: &str, secret: &str, callback_url: &str) -> Self {
        OAuthConsumer {
            key: key.to_owned(),
            secret: secret.to_owned(),
            callback_url: callback_url.to_owned(),
            scopes: default_consumer_scopes(),
            name: None,
        }
    }

    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = strings(scopes);
        self
    }
}
