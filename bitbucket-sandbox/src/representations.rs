//! The JSON objects of the API, shaped after cloud-openapi.json's schemas (`account`,
//! `workspace_access`, `repository`, `branch`, `commit`, `commit_file`, ...). Where a schema
//! forbids extra keys (`links` objects), only the listed keys are emitted.

use serde_json::{json, Value};

use crate::directory::{Directory, RepoRecord, UserRecord, WorkspaceRecord};
use crate::git::{CommitInfo, EntryKind, FileStat, FileStatus, TagInfo, TreeEntry};
use crate::hooks::Hook;
use crate::urls::{encode_path, Urls};

fn link(href: String) -> Value {
    json!({ "href": href })
}

fn avatar(urls: &Urls, name: &str) -> Value {
    link(urls.web(&format!("/avatars/{}", encode_path(name))))
}

pub fn user(urls: &Urls, user: &UserRecord, created_on: &str) -> Value {
    json!({
        "type": "user",
        "uuid": user.uuid,
        "account_id": user.account_id,
        "display_name": user.display_name,
        "nickname": user.username,
        "username": user.username,
        "account_status": "active",
        "has_2fa_enabled": false,
        "is_staff": false,
        "created_on": created_on,
        "links": {
            "self": link(urls.api(&format!("/users/{}", encode_path(&user.uuid)))),
            "html": link(urls.web(&format!("/{}/", encode_path(&user.username)))),
            "avatar": avatar(urls, &user.username),
            "repositories": link(urls.api(&format!("/repositories/{}", encode_path(&user.username)))),
        },
    })
}

/// The author object of a commit; `user` only when the email belongs to a seeded user.
fn author(urls: &Urls, directory: &Directory, commit: &CommitInfo) -> Value {
    let mut author = json!({
        "type": "author",
        "raw": format!("{} <{}>", commit.author_name, commit.author_email),
    });
    if let Some(user) = directory.user_by_email(&commit.author_email) {
        author["user"] = json!({
            "type": "user",
            "uuid": user.uuid,
            "account_id": user.account_id,
            "display_name": user.display_name,
            "nickname": user.username,
            "links": { "avatar": avatar(urls, &user.username) },
        });
    }
    author
}

pub fn workspace_access(urls: &Urls, workspace: &WorkspaceRecord, administrator: bool) -> Value {
    json!({
        "type": "workspace_access",
        "administrator": administrator,
        "workspace": {
            "type": "workspace_base",
            "uuid": workspace.uuid,
            "slug": workspace.slug,
            "name": workspace.name,
            "links": {
                "self": link(urls.api(&format!("/workspaces/{}", workspace.slug))),
                "avatar": avatar(urls, &workspace.slug),
            },
        },
    })
}

pub fn repository_summary(urls: &Urls, repo: &RepoRecord) -> Value {
    let full_name = repo.full_name();
    json!({
        "type": "repository",
        "uuid": repo.uuid,
        "full_name": full_name,
        "name": repo.slug,
        "links": {
            "self": link(urls.repository(&full_name)),
            "html": link(urls.web(&format!("/{full_name}"))),
            "avatar": avatar(urls, &full_name),
        },
    })
}

pub fn repository(urls: &Urls, workspace: &WorkspaceRecord, repo: &RepoRecord) -> Value {
    let full_name = repo.full_name();
    let api = urls.repository(&full_name);
    json!({
        "type": "repository",
        "uuid": repo.uuid,
        "full_name": full_name,
        "name": repo.slug,
        "slug": repo.slug,
        "is_private": repo.is_private,
        "scm": "git",
        "description": "",
        "language": "",
        "has_issues": false,
        "has_wiki": false,
        "fork_policy": if repo.is_private { "no_public_forks" } else { "allow_forks" },
        "created_on": repo.created_on,
        "updated_on": repo.created_on,
        "mainbranch": { "type": "branch", "name": repo.main_branch() },
        "owner": {
            "type": "team",
            "uuid": workspace.uuid,
            "display_name": workspace.name,
            "username": workspace.slug,
            "links": { "avatar": avatar(urls, &workspace.slug) },
        },
        "workspace": {
            "type": "workspace",
            "uuid": workspace.uuid,
            "slug": workspace.slug,
            "name": workspace.name,
            "links": {
                "self": link(urls.api(&format!("/workspaces/{}", workspace.slug))),
                "html": link(urls.web(&format!("/{}/", workspace.slug))),
                "avatar": avatar(urls, &workspace.slug),
            },
        },
        "links": {
            "self": link(api.clone()),
            "html": link(urls.web(&format!("/{full_name}"))),
            "avatar": avatar(urls, &full_name),
            "commits": link(format!("{api}/commits")),
            "clone": [{ "name": "https", "href": urls.web(&format!("/{full_name}.git")) }],
        },
    })
}

/// A commit as listed; `parents` carry only their hash and links, as on Bitbucket.
pub fn commit(urls: &Urls, directory: &Directory, repo: &RepoRecord, commit: &CommitInfo) -> Value {
    let full_name = repo.full_name();
    let summary_line = commit.message.lines().next().unwrap_or_default();
    json!({
        "type": "commit",
        "hash": commit.hash,
        "date": commit.date,
        "message": commit.message,
        "summary": { "raw": commit.message, "markup": "markdown", "html": format!("<p>{}</p>", html_escape(summary_line)) },
        "author": author(urls, directory, commit),
        "parents": commit.parents.iter().map(|hash| commit_ref(urls, repo, hash)).collect::<Vec<_>>(),
        "repository": repository_summary(urls, repo),
        "links": {
            "self": link(urls.commit(&full_name, &commit.hash)),
            "html": link(urls.web(&format!("/{full_name}/commits/{}", commit.hash))),
        },
    })
}

/// The short form of a commit used inside other objects.
pub fn commit_ref(urls: &Urls, repo: &RepoRecord, hash: &str) -> Value {
    let full_name = repo.full_name();
    json!({
        "type": "commit",
        "hash": hash,
        "links": {
            "self": link(urls.commit(&full_name, hash)),
            "html": link(urls.web(&format!("/{full_name}/commits/{hash}"))),
        },
    })
}

pub fn branch(
    urls: &Urls,
    directory: &Directory,
    repo: &RepoRecord,
    name: &str,
    tip: &CommitInfo,
) -> Value {
    let full_name = repo.full_name();
    let encoded = encode_path(name);
    json!({
        "type": "branch",
        "name": name,
        "target": commit(urls, directory, repo, tip),
        "merge_strategies": ["merge_commit", "squash", "fast_forward"],
        "default_merge_strategy": "merge_commit",
        "links": {
            "self": link(urls.api(&format!("/repositories/{full_name}/refs/branches/{encoded}"))),
            "commits": link(urls.api(&format!("/repositories/{full_name}/commits/{encoded}"))),
            "html": link(urls.web(&format!("/{full_name}/branch/{encoded}"))),
        },
    })
}

/// A tag: annotated tags carry `message`, `date` and `tagger`; lightweight ones do not.
pub fn tag(urls: &Urls, directory: &Directory, repo: &RepoRecord, tag: &TagInfo) -> Value {
    let full_name = repo.full_name();
    let encoded = encode_path(&tag.name);
    let mut value = json!({
        "type": "tag",
        "name": tag.name,
        "target": commit(urls, directory, repo, &tag.target),
        "links": {
            "self": link(urls.api(&format!("/repositories/{full_name}/refs/tags/{encoded}"))),
            "commits": link(urls.api(&format!("/repositories/{full_name}/commits/{encoded}"))),
            "html": link(urls.web(&format!("/{full_name}/commits/tag/{encoded}"))),
        },
    });
    if let Some(annotation) = &tag.annotation {
        let tagger = CommitInfo {
            author_name: annotation.tagger_name.clone(),
            author_email: annotation.tagger_email.clone(),
            ..tag.target.clone()
        };
        value["message"] = json!(annotation.message);
        value["date"] = json!(annotation.date);
        value["tagger"] = author(urls, directory, &tagger);
    }
    value
}

/// A `webhook_subscription`; the secret itself is never shown, only whether there is one.
pub fn webhook(urls: &Urls, repo: &RepoRecord, hook: &Hook) -> Value {
    let full_name = repo.full_name();
    json!({
        "type": "webhook_subscription",
        "uuid": hook.uuid,
        "url": hook.url,
        "description": hook.description,
        "subject_type": "repository",
        "subject": repository_summary(urls, repo),
        "active": hook.active,
        "created_at": hook.created_at,
        "events": hook.events,
        "secret_set": hook.secret.is_some(),
        "links": {
            "self": link(urls.api(&format!("/repositories/{full_name}/hooks/{}", encode_path(&hook.uuid)))),
        },
    })
}

/// One file of a diffstat. The spec types `old`/`new` as `commit_file`, so a side that
/// does not exist is left out rather than `null`.
pub fn diffstat(urls: &Urls, repo: &RepoRecord, old: &str, new: &str, stat: &FileStat) -> Value {
    let side = |commit_hash: &str, path: &Option<String>| {
        path.as_ref().map(|path| {
            let src = urls.api(&format!(
                "/repositories/{}/src/{commit_hash}/{}",
                repo.full_name(),
                encode_path(path)
            ));
            json!({
                "type": "commit_file",
                "path": path,
                "escaped_path": path,
                "links": { "self": link(src) },
            })
        })
    };
    let status = match stat.status {
        FileStatus::Added => "added",
        FileStatus::Removed => "removed",
        FileStatus::Modified => "modified",
        FileStatus::Renamed => "renamed",
    };
    let mut value = json!({
        "type": "diffstat",
        "status": status,
        "lines_added": stat.lines_added,
        "lines_removed": stat.lines_removed,
    });
    if let Some(file) = side(old, &stat.old_path) {
        value["old"] = file;
    }
    if let Some(file) = side(new, &stat.new_path) {
        value["new"] = file;
    }
    value
}

/// A `commit_file` or `commit_directory` object, as in directory listings and `format=meta`.
pub fn tree_entry(urls: &Urls, repo: &RepoRecord, commit_hash: &str, entry: &TreeEntry) -> Value {
    let src = urls.api(&format!(
        "/repositories/{}/src/{commit_hash}/{}",
        repo.full_name(),
        encode_path(&entry.path)
    ));
    let commit = commit_ref(urls, repo, commit_hash);
    if entry.kind == EntryKind::Directory {
        return json!({
            "type": "commit_directory",
            "path": entry.path,
            "commit": commit,
            "links": { "self": link(format!("{src}/")), "meta": link(format!("{src}/?format=meta")) },
        });
    }
    let mut file = json!({
        "type": "commit_file",
        "path": entry.path,
        "escaped_path": entry.path,
        "commit": commit,
        "size": entry.size.unwrap_or(0),
        "links": { "self": link(src.clone()), "meta": link(format!("{src}?format=meta")) },
    });
    let attribute = match (entry.kind, entry.mode.as_str()) {
        (EntryKind::Submodule, _) => Some("subrepository"),
        (_, "120000") => Some("link"),
        (_, "100755") => Some("executable"),
        _ => None,
    };
    if let Some(attribute) = attribute {
        file["attributes"] = json!(attribute);
    }
    file
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
