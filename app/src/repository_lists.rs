//! The workspaces, repositories and branches a connected account reaches, listed live from
//! Bitbucket for the forms that choose where files go: Add Integration's Configure step, Edit,
//! and an API's Connect form.
//!
//! The workspace, repository and branch asked for are parsed as the domain's types before any
//! of them goes into a request path, and every call is charged to the account's hourly request
//! budget, shared with the sync engine — when it is spent, the page says so instead of calling.

use serde::{Deserialize, Serialize};

/// One option of a select.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Where in Bitbucket, as chosen so far. Listing fills in what is missing (or no longer
/// listed) with the first workspace, the first repository and its main branch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub workspace: String,
    /// Narrows the repository list.
    pub search: String,
    pub repository: String,
    pub branch: String,
}

/// What the account reaches, as far as listing got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepositoryLists {
    pub workspaces: Vec<Choice>,
    /// The repositories the account can write to, in the chosen workspace.
    pub repositories: Vec<Choice>,
    /// The chosen repository's branches.
    pub branches: Vec<String>,
    /// The chosen repository's main branch, as Bitbucket names it.
    pub main_branch: Option<String>,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Choice, Place, RepositoryLists};
    use crate::server_error::SOMETHING_WENT_WRONG;
    use ferry_domain::{
        bitbucket::{pages_read, BitbucketClient, BitbucketError},
        error::{DomainError, ErrorKind},
        sync::BitbucketSync,
    };

    /// The connected account the lists are read as.
    pub struct ListingAccount<'a> {
        pub team_id: &'a str,
        pub id: &'a str,
        pub label: &'a str,
    }

    /// Fills `lists` as far as Bitbucket answers, choosing in `place` what is missing; the
    /// error says, in words, why listing stopped (what was listed before it stays).
    pub async fn load(
        lists: &mut RepositoryLists,
        place: &mut Place,
        sync: &BitbucketSync,
        bitbucket: &BitbucketClient,
        account: &ListingAccount<'_>,
    ) -> Result<(), String> {
        parse_place(place)?;
        let label = account.label;
        let credential = sync
            .destination()
            .fresh_credential(account.team_id, account.id)
            .await
            .map_err(|error| match error.kind() {
                ErrorKind::Internal => {
                    tracing::error!(%error, "opening a connected account's credential failed");
                    SOMETHING_WENT_WRONG.to_owned()
                }
                _ => format!("The connected account “{label}” cannot be used: {error}. Re-authenticate it under Connected accounts."),
            })?;
        let refused = |e: BitbucketError| format!("Bitbucket, as “{label}”: {e}.");
        take_call(sync, account).await?;
        let verified = bitbucket.verify(&credential).await.map_err(refused)?;
        // `/user`, then the workspaces' pages.
        charge_pages(sync, account, 1 + pages_read(verified.workspaces.len())).await;
        lists.workspaces = verified
            .workspaces
            .into_iter()
            .map(|w| Choice {
                label: w
                    .name
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| w.slug.clone()),
                value: w.slug,
            })
            .collect();
        if !lists.workspaces.iter().any(|w| w.value == place.workspace) {
            match lists.workspaces.first() {
                Some(first) => place.workspace = first.value.clone(),
                None => {
                    return Err(format!(
                        "“{label}” is not a member of any Bitbucket workspace."
                    ))
                }
            }
        }
        // A GET can carry any length; a repository name is at most 100 characters anyway.
        if place.search.chars().count() > 100 {
            place.search = place.search.chars().take(100).collect();
        }
        let search = Some(place.search.as_str()).filter(|s| !s.trim().is_empty());
        take_call(sync, account).await?;
        let repositories = bitbucket
            .repositories(&credential, &place.workspace, search)
            .await
            .map_err(refused)?;
        charge_pages(sync, account, pages_read(repositories.len())).await;
        let main_branch = |slug: &str| {
            repositories
                .iter()
                .find(|r| r.slug == slug)
                .and_then(|r| r.main_branch.clone())
        };
        if !repositories.iter().any(|r| r.slug == place.repository) {
            // A chosen repository a search hides stays chosen; anything else falls to the first.
            let keep = !place.repository.is_empty() && search.is_some();
            if !keep {
                place.repository = repositories
                    .first()
                    .map(|r| r.slug.clone())
                    .unwrap_or_default();
            }
        }
        lists.main_branch = main_branch(&place.repository);
        let default_branch = lists
            .main_branch
            .clone()
            .unwrap_or_else(|| "main".to_owned());
        lists.repositories = repositories
            .iter()
            .map(|r| Choice {
                value: r.slug.clone(),
                label: r.name.clone(),
            })
            .collect();
        if !place.repository.is_empty()
            && !lists
                .repositories
                .iter()
                .any(|r| r.value == place.repository)
        {
            lists.repositories.insert(
                0,
                Choice {
                    value: place.repository.clone(),
                    label: place.repository.clone(),
                },
            );
        }
        if place.repository.is_empty() {
            return Err(match search {
                Some(search) => format!(
                    "No repository of {} that “{label}” can write has “{search}” in its name.",
                    place.workspace
                ),
                None => format!(
                    "“{label}” cannot write to any repository of workspace {}.",
                    place.workspace
                ),
            });
        }
        take_call(sync, account).await?;
        let branches = bitbucket
            .branches(&credential, &place.workspace, &place.repository)
            .await
            .map_err(refused)?;
        charge_pages(sync, account, pages_read(branches.len())).await;
        lists.branches = branches.into_iter().map(|b| b.name).collect();
        if place.branch.trim().is_empty() {
            place.branch = default_branch;
        }
        Ok(())
    }

    /// Parses the workspace, repository and branch asked for, before any of them reaches a
    /// request to Bitbucket; a refused one is cleared (so the next load starts over) and named.
    fn parse_place(place: &mut Place) -> Result<(), String> {
        use ferry_domain::integrations::{BranchName, Slug};

        let refused = |label: &str, message: &str| {
            format!("{label}: {message}. Nothing was loaded from Bitbucket; choose from the lists and load them again.")
        };
        for (field, label, value) in [
            ("workspace", "Workspace", &mut place.workspace),
            ("repository", "Repository", &mut place.repository),
        ] {
            if !value.trim().is_empty() {
                if let Err(error) = Slug::parse(field, value) {
                    value.clear();
                    return Err(refused(label, &error.message));
                }
            }
        }
        if !place.branch.trim().is_empty() {
            if let Err(error) = BranchName::parse(&place.branch) {
                place.branch.clear();
                return Err(refused("Branch", &error.message));
            }
        }
        Ok(())
    }

    /// Takes one call from the account's request budget before a listing, or says when the
    /// page can load again.
    async fn take_call(sync: &BitbucketSync, account: &ListingAccount<'_>) -> Result<(), String> {
        match sync.take_budget(account.id, 1).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(wait)) => Err(format!(
                "“{}” has used its Bitbucket requests for now: Ferry keeps each account under Bitbucket's hourly \
                 limit, shared with its backups. The lists can load again in about {}.",
                account.label,
                in_words(wait)
            )),
            Err(error) => {
                tracing::error!(%error, "reading an account's request budget failed");
                Err(SOMETHING_WENT_WRONG.to_owned())
            }
        }
    }

    /// Charges the further pages a listing read (its first was taken beforehand).
    async fn charge_pages(sync: &BitbucketSync, account: &ListingAccount<'_>, calls: u32) {
        if let Err(error) = sync
            .charge_budget(account.id, calls.saturating_sub(1))
            .await
        {
            tracing::error!(%error, "charging an account's request budget failed");
        }
    }

    /// "40 seconds", "3 minutes".
    fn in_words(wait: std::time::Duration) -> String {
        match wait.as_secs() + 1 {
            1 => "a second".to_owned(),
            s @ 2..=90 => format!("{s} seconds"),
            s => format!("{} minutes", s.div_ceil(60)),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn waits_read_as_words() {
            assert_eq!(in_words(std::time::Duration::from_millis(300)), "a second");
            assert_eq!(in_words(std::time::Duration::from_secs(39)), "40 seconds");
            assert_eq!(in_words(std::time::Duration::from_secs(150)), "3 minutes");
        }

        #[test]
        fn a_place_bitbucket_would_not_take_is_refused_and_cleared() {
            let mut place = Place {
                workspace: "../admin".into(),
                repository: "api".into(),
                ..Place::default()
            };
            let error = parse_place(&mut place).unwrap_err();
            assert!(error.starts_with("Workspace:"), "{error}");
            assert!(place.workspace.is_empty());
            let mut place = Place {
                workspace: "demo".into(),
                branch: "a..b".into(),
                ..Place::default()
            };
            assert!(parse_place(&mut place).unwrap_err().starts_with("Branch:"));
            assert!(place.branch.is_empty());
            let mut place = Place {
                workspace: "demo".into(),
                repository: "api-collections".into(),
                branch: "feature/x".into(),
                ..Place::default()
            };
            assert!(parse_place(&mut place).is_ok());
        }
    }
}
