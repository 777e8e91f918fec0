//! `POST /repositories/{workspace}/{repo}/src`: several files in one commit, with optimistic
//! concurrency on the branch tip.

use reqwest::header::LOCATION;
use reqwest::multipart::{Form, Part};

use super::client::{authorize, BitbucketClient};
use super::credential::Credential;
use super::errors::BitbucketError;
use super::models::CommitHash;

/// One commit of whole files.
#[derive(Debug, Clone)]
pub struct CommitRequest {
    pub workspace: String,
    pub repository: String,
    /// Created by this commit when it does not exist (from `parent`, else the main branch).
    pub branch: String,
    /// The tip the commit must go on top of; when the branch has moved elsewhere Bitbucket
    /// answers 409 ([`BitbucketError::Conflict`]). `None` commits on whatever the tip is.
    pub parent: Option<CommitHash>,
    /// `Name <email>`.
    pub author: String,
    pub message: String,
    /// Repository paths and their complete new contents.
    pub files: Vec<(String, Vec<u8>)>,
    /// Repository paths the commit removes (a `files` field without a file part).
    pub deletions: Vec<String>,
}

impl BitbucketClient {
    /// Makes one commit holding every file of `request` and returns its hash.
    pub async fn commit_files(
        &self,
        credential: &Credential,
        request: CommitRequest,
    ) -> Result<CommitHash, BitbucketError> {
        let CommitRequest {
            workspace,
            repository,
            branch,
            parent,
            author,
            message,
            files,
            deletions,
        } = request;
        if files.is_empty() && deletions.is_empty() {
            return Err(BitbucketError::Rejected {
                reason: "a commit needs at least one file".to_owned(),
            });
        }
        // Metadata goes in the body: `branch` as a query parameter is ignored by Bitbucket
        // and the commit lands on the main branch (NOTES.md).
        let mut form = Form::new()
            // Plain field names (`Postman Collections/x.json`), not RFC 5987 `name*=`, whose
            // support on Bitbucket is unconfirmed; `file_part` keeps quotes and controls out.
            .percent_encode_noop()
            .text("message", message)
            .text("author", author)
            .text("branch", branch);
        if let Some(parent) = parent {
            form = form.text("parents", parent.to_string());
        }
        for (path, bytes) in files {
            let (name, part) = file_part(path, bytes)?;
            form = form.part(name, part);
        }
        for path in deletions {
            let (name, _) = file_part(path, Vec::new())?;
            form = form.text("files", name);
        }
        let url = self.api(&["repositories", &workspace, &repository, "src"]);
        let what = format!("repository {workspace}/{repository}");
        let response = self
            .send(authorize(self.http.post(url), credential).multipart(form))
            .await?;
        let response = self.expect_success(response, credential, &what).await?;
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok());
        location
            .and_then(|location| location.rsplit('/').next())
            .and_then(|hash| CommitHash::parse(hash).ok())
            .ok_or_else(|| BitbucketError::BadResponse {
                detail: format!(
                    "the commit to {what} was made but its Location header names no commit"
                ),
            })
    }
}

/// A multipart file part whose field name is the repository path (a part is a file only
/// when it has a filename).
fn file_part(path: String, bytes: Vec<u8>) -> Result<(String, Part), BitbucketError> {
    let path = path.trim_start_matches('/').to_owned();
    if path.is_empty()
        || path
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Err(BitbucketError::Rejected {
            reason: format!(
                "the file path {path:?} is empty or holds a quote, backslash or control character"
            ),
        });
    }
    let file_name = path.rsplit('/').next().unwrap_or(&path).to_owned();
    Ok((path, Part::bytes(bytes).file_name(file_name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_that_would_break_the_multipart_header_are_refused() {
        assert!(file_part("a\"b.json".into(), vec![]).is_err());
        assert!(file_part("a\nb.json".into(), vec![]).is_err());
        assert!(file_part("/".into(), vec![]).is_err());
        assert_eq!(
            file_part("/Postman Collections/x.json".into(), vec![])
                .unwrap()
                .0,
            "Postman Collections/x.json"
        );
    }
}
