//! What the Profile page shows: the signed-in person's email and the name and email their
//! backup commits are signed with.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    /// The email the person signs in with (and commits with unless they chose another).
    pub email: String,
    /// Empty when not set.
    pub commit_name: String,
    /// Empty when not set.
    pub commit_email: String,
    /// How their commits are signed now: `Name <email>`.
    pub author: String,
}

/// The signed-in person's profile; `None` when signed out.
#[server(endpoint = "load_profile")]
pub async fn load_profile() -> Result<Option<ProfileView>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::profile::{ProfileError, Profiles};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let profile = match Profiles::new(&store).get(&actor.user_id).await {
        Ok(profile) => profile,
        Err(ProfileError::NotFound) => return Ok(None),
        Err(error) => return Err(server_fn_error(error)),
    };
    Ok(Some(ProfileView {
        author: profile.commit.author(&profile.email),
        commit_name: profile.commit.name.unwrap_or_default(),
        commit_email: profile.commit.email.unwrap_or_default(),
        email: profile.email,
    }))
}
