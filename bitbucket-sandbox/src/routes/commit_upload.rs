//! `POST …/src`: one commit of uploaded files and deletions, with Bitbucket's branch rules
//! (see NOTES.md): no `branch` → main; an existing branch with a stale `parents` → 409; a
//! new branch starts from `parents` or main's tip; an empty repository gets a root commit.

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::directory::{Directory, RepoRecord};
use crate::error::{Error, Result};
use crate::git::{normalize_path, Change, Signature};
use crate::hooks::{self, RefSnapshot};
use crate::state::AppState;

const CANNED_MESSAGE: &str = "Edited online with Bitbucket";
const META_FIELDS: [&str; 5] = ["message", "author", "parents", "branch", "files"];

/// The form, split into metadata fields and file parts.
#[derive(Debug, Default)]
struct Upload {
    meta: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
}

impl Upload {
    fn all(&self, name: &str) -> Vec<&str> {
        self.meta
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn single(&self, name: &str) -> Result<Option<&str>> {
        let values = self.all(name);
        let first = values.first().copied();
        if values.len() > 1 {
            return Err(Error::bad_field(
                name,
                format!("{name}: the field cannot be repeated"),
            ));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    /// Writes for the file parts, deletes for `files` entries without a part.
    fn changes(&self) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        for (raw, bytes) in &self.files {
            let path = normalize_path(raw)
                .ok_or_else(|| Error::bad_field("files", format!("Invalid path: {raw}")))?;
            changes.push(Change::Write {
                path,
                bytes: bytes.clone(),
            });
        }
        for listed in self
            .all("files")
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            let path = normalize_path(listed)
                .ok_or_else(|| Error::bad_field("files", format!("Invalid path: {listed}")))?;
            let uploaded = changes
                .iter()
                .any(|c| matches!(c, Change::Write { path: p, .. } if *p == path));
            if !uploaded {
                changes.push(Change::Delete { path });
            }
        }
        Ok(changes)
    }
}

async fn read_upload(request: Request) -> Result<Upload> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut upload = Upload::default();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| Error::bad_request(e.body_text()))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| Error::bad_request(e.body_text()))?
        {
            let name = part_name(field.name(), field.headers()).unwrap_or_default();
            // A part is a file exactly when its Content-Disposition has a filename.
            let is_file = field.file_name().is_some();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| Error::bad_request(e.body_text()))?;
            if is_file {
                upload.files.push((name, bytes.to_vec()));
            } else if META_FIELDS.contains(&name.as_str()) {
                upload
                    .meta
                    .push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|e| Error::bad_request(e.to_string()))?;
        for (name, value) in form_urlencoded::parse(&body) {
            // A meta name without a leading slash is metadata; anything else is a file.
            if META_FIELDS.contains(&name.as_ref()) {
                upload.meta.push((name.into_owned(), value.into_owned()));
            } else {
                upload
                    .files
                    .push((name.into_owned(), value.into_owned().into_bytes()));
            }
        }
    } else {
        return Err(Error::bad_request(
            "Expected multipart/form-data or application/x-www-form-urlencoded",
        ));
    }
    Ok(upload)
}

/// A part's field name: plain `name="..."`, or RFC 5987 `name*=utf-8''...` as reqwest
/// writes names with `/` in them by default.
fn part_name(plain: Option<&str>, headers: &HeaderMap) -> Option<String> {
    if let Some(plain) = plain {
        return Some(plain.to_owned());
    }
    let disposition = headers.get(header::CONTENT_DISPOSITION)?.to_str().ok()?;
    let encoded = disposition
        .split(';')
        .map(str::trim)
        .find_map(|param| param.strip_prefix("name*="))?;
    let (charset, value) = encoded.split_once("''")?;
    charset
        .eq_ignore_ascii_case("utf-8")
        .then(|| percent_decode(value.trim_matches('"')))
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn parse_author(raw: &str) -> Result<Signature> {
    let invalid = || {
        Error::bad_field(
            "author",
            format!("author: Invalid author \"{raw}\", expected \"Name <email>\""),
        )
    };
    let (name, rest) = raw.rsplit_once('<').ok_or_else(invalid)?;
    let email = rest.strip_suffix('>').ok_or_else(invalid)?.trim();
    let name = name.trim();
    if name.is_empty() || email.is_empty() || email.contains(['<', '>']) {
        return Err(invalid());
    }
    Ok(Signature {
        name: name.to_owned(),
        email: email.to_owned(),
    })
}

pub fn default_author(directory: &Directory, username: &str) -> Signature {
    match directory.user(username) {
        Some(user) => Signature {
            name: user.display_name.clone(),
            email: user.email.clone(),
        },
        None => Signature {
            name: username.to_owned(),
            email: format!("{username}@users.noreply.bitbucket.invalid"),
        },
    }
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug)): Path<(String, String)>,
    request: Request,
) -> Result<Response> {
    let (_, repo) = state.writable_repository(&caller, &workspace, &slug)?;
    let principal = caller.principal()?;
    let upload = read_upload(request).await?;
    let author = match upload.single("author")? {
        Some(raw) => parse_author(raw)?,
        None => default_author(&state.directory, &principal.username),
    };
    let message = upload
        .single("message")?
        .unwrap_or(CANNED_MESSAGE)
        .to_owned();
    let parents = upload.single("parents")?.map(|p| {
        p.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
    });
    let parent = match parents.as_deref() {
        None | Some([]) => None,
        Some([one]) => Some(*one),
        Some(_) => {
            return Err(Error::bad_field(
                "parents",
                "parents: Only a single parent commit is supported",
            ))
        }
    };
    let branch = upload.single("branch")?;
    if let Some(branch) = branch {
        if !repo.git.is_valid_branch_name(branch).await {
            return Err(Error::bad_field(
                "branch",
                format!("branch: Invalid branch name: {branch}"),
            ));
        }
    }
    let changes = upload.changes()?;
    let request = CommitRequest {
        branch,
        parent,
        changes: &changes,
        author: &author,
        message: &message,
    };
    let watched = hooks::wants_pushes(&state, &repo);
    let (hash, refs) = commit(&repo, request, watched).await?;
    if let Some((before, after)) = refs {
        hooks::push(&state, &repo, &principal.username, before, after);
    }
    let location = state.urls.commit(&repo.full_name(), &hash);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

struct CommitRequest<'a> {
    branch: Option<&'a str>,
    parent: Option<&'a str>,
    changes: &'a [Change],
    author: &'a Signature,
    message: &'a str,
}

/// Applies the branch rules and moves the branch; returns the hash `Location` names and,
/// when `watched`, the refs before and after (for the `repo:push` webhook).
async fn commit(
    repo: &RepoRecord,
    request: CommitRequest<'_>,
    watched: bool,
) -> Result<(String, Option<(RefSnapshot, RefSnapshot)>)> {
    let _writer = repo.write_lock.lock().await;
    let git = &repo.git;
    let before = if watched {
        Some(git.refs().await?)
    } else {
        None
    };
    let main = repo.main_branch();
    let target = request.branch.unwrap_or(&main).to_owned();
    let tip = git.branch_tip(&target).await?;
    let parent = match request.parent {
        Some(given) => {
            let resolved = git.resolve_commit(given).await?.ok_or_else(|| {
                Error::bad_field("parents", format!("parents: Commit not found: {given}"))
            })?;
            if tip.as_ref().is_some_and(|tip| *tip != resolved) {
                return Err(Error::Conflict(format!(
                    "Parent {given} is not the tip of branch {target}; the branch has moved on"
                )));
            }
            Some(resolved)
        }
        None if tip.is_some() => tip.clone(),
        // A new branch starts from main's tip (None in an empty repository).
        None => git.branch_tip(&main).await?,
    };
    let repository_was_empty = parent.is_none();
    let created = git
        .write_commit(
            parent.as_deref(),
            request.changes,
            request.author,
            request.message,
        )
        .await?;
    let new_tip = match (created, &parent) {
        (Some(created), _) => created,
        // Nothing changed: no empty commit. A new branch still comes into being at the parent.
        (None, Some(parent)) if tip.is_none() => parent.clone(),
        (None, Some(parent)) => return Ok((parent.clone(), None)),
        (None, None) => return Err(Error::bad_field("files", "files: Nothing to commit")),
    };
    if !git
        .compare_and_swap_branch(&target, &new_tip, tip.as_deref())
        .await?
    {
        return Err(Error::Conflict(format!(
            "Branch {target} was updated concurrently"
        )));
    }
    if repository_was_empty && target != main {
        // The first commit of an empty repository defines its main branch.
        git.set_head(&target).await?;
        repo.set_main_branch(&target);
    }
    let refs = match before {
        Some(before) => Some((before, git.refs().await?)),
        None => None,
    };
    Ok((new_tip, refs))
}
