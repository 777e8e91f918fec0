//! The JSON objects of the API, shaped after cloud-openapi.json's schemas (`account`,
//! `workspace_access`, `repository`, `branch`, `commit`, `commit_file`, ...). Where a schema
//! forbids extra keys (`links` objects), only the listed keys are emitted.

use serde_json::{json, Value};

use crate::directory::{Directory, RepoRecord, UserRecord, WorkspaceRecord};
use crate::git::{CommitInfo, EntryKind, TreeEntry};
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

fn repository_summary(urls: &Urls, repo: &RepoRecord) -> Value {
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
