//! The `{workspace}/{slug}` repository of a request, checked readable by its caller.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::auth::Caller;
use crate::directory::RepoRecord;
use crate::error::{Error, Result};
use crate::state::AppState;

pub struct Readable(pub Arc<RepoRecord>);

impl FromRequestParts<Arc<AppState>> for Readable {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self> {
        let not_found = || Error::NotFound("Resource not found".to_owned());
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        let (Some(workspace), Some(slug)) = (params.get("workspace"), params.get("slug")) else {
            return Err(not_found());
        };
        let caller = Caller::from_request_parts(parts, state).await?;
        let (_, repo) = state.readable_repository(&caller, workspace, slug)?;
        Ok(Readable(repo))
    }
}
