//! A bare git repository driven through the `git` CLI, so what the sandbox stores is exactly
//! what `git clone` and `git log` show.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::{Error, Result};

const ZERO_SHA: &str = "0000000000000000000000000000000000000000";
const FIELD: char = '\u{1f}';
/// The hash of the empty tree, the "before" of a root commit.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

#[derive(Debug, Clone)]
pub struct GitRepo {
    path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub hash: String,
    pub parents: Vec<String>,
    pub author_name: String,
    pub author_email: String,
    /// Strict ISO 8601 as git prints it, which is valid RFC 3339.
    pub date: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Directory,
    Submodule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub path: String,
    pub mode: String,
    pub kind: EntryKind,
    pub object: String,
    pub size: Option<u64>,
}

/// One change of a commit: write bytes at a path, or delete the path.
#[derive(Debug, Clone)]
pub enum Change {
    Write { path: String, bytes: Vec<u8> },
    Delete { path: String },
}

/// Who and what a new commit records.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: String,
    pub email: String,
}

/// A tag and the commit it names; lightweight tags have no annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    pub name: String,
    pub target: CommitInfo,
    pub annotation: Option<TagAnnotation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagAnnotation {
    pub tagger_name: String,
    pub tagger_email: String,
    pub date: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
    Renamed,
}

/// One file of a diffstat; binary files count no lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    pub status: FileStatus,
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    pub lines_added: u64,
    pub lines_removed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    pub renames: bool,
    pub ignore_whitespace: bool,
    /// Limit to these paths (none: every path).
    pub paths: Vec<String>,
}

/// Fields `git log` and `for-each-ref` print for a commit, in [`CommitInfo`] order.
const LOG_FORMAT: &str = "%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%B";
const TAG_FORMAT: &str = "--format=%(refname:lstrip=2)%1f%(objecttype)%1f%(objectname)%1f%(*objectname)%1f%(taggername)%1f%(taggeremail:trim)%1f%(taggerdate:iso-strict)%1f%(contents)%00";
const REF_FORMAT: &str = "%(refname:lstrip=2)%1f%(objectname)%1f%(parent)%1f%(authorname)%1f%(authoremail:trim)%1f%(authordate:iso-strict)%1f%(contents)%00";

impl GitRepo {
    /// Opens the bare repository at `path`, creating it with `main_branch` as HEAD when absent.
    pub async fn open_or_init(path: &Path, main_branch: &str) -> Result<(Self, bool)> {
        let repo = GitRepo {
            path: path.to_owned(),
        };
        if path.join("HEAD").exists() {
            return Ok((repo, false));
        }
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let branch = format!("--initial-branch={main_branch}");
        run(
            Command::new("git")
                .args(["init", "--bare", "--quiet", &branch])
                .arg(path),
            None,
        )
        .await?;
        Ok((repo, true))
    }

    fn git(&self) -> Command {
        let mut command = Command::new("git");
        command.arg("--git-dir").arg(&self.path);
        command
    }

    async fn output(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>> {
        let mut command = self.git();
        command.args(args);
        run(&mut command, stdin).await
    }

    /// The commit a revision names, or `None` when it names no commit.
    pub async fn resolve_commit(&self, revision: &str) -> Result<Option<String>> {
        if revision.starts_with('-') || revision.contains(['\0', ':']) {
            return Ok(None);
        }
        let spec = format!("{revision}^{{commit}}");
        let mut command = self.git();
        command.args([
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ]);
        match run(&mut command, None).await {
            Ok(out) => Ok(Some(String::from_utf8_lossy(&out).trim().to_owned())),
            Err(Error::Git { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    pub async fn branch_tip(&self, branch: &str) -> Result<Option<String>> {
        self.resolve_commit(&format!("refs/heads/{branch}")).await
    }

    pub async fn branches(&self) -> Result<Vec<(String, CommitInfo)>> {
        let format = format!("--format={REF_FORMAT}");
        let out = self
            .output(&["for-each-ref", &format, "refs/heads"], None)
            .await?;
        let text = String::from_utf8_lossy(&out);
        let mut branches = Vec::new();
        // for-each-ref ends each record with the NUL from the format plus a newline.
        for record in text.split("\0\n").filter(|r| !r.is_empty()) {
            if let Some((name, rest)) = record.split_once(FIELD) {
                if let Some(commit) = parse_commit(rest) {
                    branches.push((name.to_owned(), commit));
                }
            }
        }
        Ok(branches)
    }

    /// Commits reachable from `revision`, newest first.
    pub async fn log(&self, revision: &str, skip: usize, limit: usize) -> Result<Vec<CommitInfo>> {
        let format = format!("--format={LOG_FORMAT}");
        let skip = format!("--skip={skip}");
        let limit = format!("--max-count={limit}");
        let out = self
            .output(&["log", "-z", &format, &skip, &limit, revision, "--"], None)
            .await?;
        let text = String::from_utf8_lossy(&out);
        Ok(text
            .split('\0')
            .filter(|r| !r.is_empty())
            .filter_map(parse_commit)
            .collect())
    }

    pub async fn commit_info(&self, hash: &str) -> Result<Option<CommitInfo>> {
        Ok(self.log(hash, 0, 1).await?.into_iter().next())
    }

    /// The entry at `path` in `commit` (`path` empty = the root tree).
    pub async fn entry(&self, commit: &str, path: &str) -> Result<Option<TreeEntry>> {
        if path.is_empty() {
            let tree = self
                .output(&["rev-parse", &format!("{commit}^{{tree}}")], None)
                .await?;
            let object = String::from_utf8_lossy(&tree).trim().to_owned();
            return Ok(Some(TreeEntry {
                path: String::new(),
                mode: "040000".into(),
                kind: EntryKind::Directory,
                object,
                size: None,
            }));
        }
        let out = self
            .output(
                &["ls-tree", "-z", "-l", "--full-tree", commit, "--", path],
                None,
            )
            .await?;
        Ok(parse_tree(&out)
            .into_iter()
            .find(|entry| entry.path == path))
    }

    /// The direct children of the directory at `path` in `commit`.
    pub async fn list_directory(&self, commit: &str, path: &str) -> Result<Vec<TreeEntry>> {
        let mut args = vec!["ls-tree", "-z", "-l", "--full-tree", commit];
        let prefix = format!("{path}/");
        if !path.is_empty() {
            args.extend(["--", prefix.as_str()]);
        }
        Ok(parse_tree(&self.output(&args, None).await?))
    }

    pub async fn read_blob(&self, object: &str) -> Result<Vec<u8>> {
        self.output(&["cat-file", "blob", object], None).await
    }

    /// Writes a commit of `changes` on top of `parent` (a root commit when `None`) without
    /// moving any ref. Returns `None` when the changes leave the parent's tree as it was,
    /// because the sandbox never makes empty commits.
    pub async fn write_commit(
        &self,
        parent: Option<&str>,
        changes: &[Change],
        author: &Signature,
        message: &str,
    ) -> Result<Option<String>> {
        let scratch = tempfile::Builder::new()
            .prefix("sandbox-commit")
            .tempdir_in(&self.path)?;
        let index = scratch.path().join("index");
        let with_index = |args: &[&str]| {
            let mut command = self.git();
            command.env("GIT_INDEX_FILE", &index).args(args);
            command
        };
        if let Some(parent) = parent {
            run(&mut with_index(&["read-tree", parent]), None).await?;
        }
        let blobs = self.write_blobs(scratch.path(), changes).await?;
        let mut index_info = Vec::new();
        let mut blob = blobs.iter();
        for change in changes {
            let line = match change {
                Change::Write { path, .. } => format!(
                    "100644 {}\t{path}\0",
                    blob.next().map_or(ZERO_SHA, String::as_str)
                ),
                Change::Delete { path } => format!("0 {ZERO_SHA}\t{path}\0"),
            };
            index_info.extend_from_slice(line.as_bytes());
        }
        run(
            &mut with_index(&["update-index", "-z", "--index-info"]),
            Some(&index_info),
        )
        .await?;
        let tree = trimmed(run(&mut with_index(&["write-tree"]), None).await?);
        if let Some(parent) = parent {
            let parent_tree = trimmed(
                self.output(&["rev-parse", &format!("{parent}^{{tree}}")], None)
                    .await?,
            );
            if parent_tree == tree {
                return Ok(None);
            }
        }
        let mut command = self.git();
        command
            .env("GIT_AUTHOR_NAME", &author.name)
            .env("GIT_AUTHOR_EMAIL", &author.email)
            .env("GIT_COMMITTER_NAME", &author.name)
            .env("GIT_COMMITTER_EMAIL", &author.email)
            .args(["commit-tree", &tree, "-F", "-"]);
        if let Some(parent) = parent {
            command.args(["-p", parent]);
        }
        Ok(Some(trimmed(
            run(&mut command, Some(message.as_bytes())).await?,
        )))
    }

    /// Stores the written files as blobs with one `git hash-object` for the whole commit.
    async fn write_blobs(&self, scratch: &Path, changes: &[Change]) -> Result<Vec<String>> {
        let mut paths = String::new();
        for (n, change) in changes.iter().enumerate() {
            if let Change::Write { bytes, .. } = change {
                let file = scratch.join(format!("blob-{n}"));
                tokio::fs::write(&file, bytes).await?;
                paths.push_str(&file.to_string_lossy());
                paths.push('\n');
            }
        }
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let out = self
            .output(
                &["hash-object", "-w", "--no-filters", "--stdin-paths"],
                Some(paths.as_bytes()),
            )
            .await?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_owned)
            .collect())
    }

    /// Moves `branch` to `new` only if it still points at `old` (`None`: must not exist).
    /// Returns false when another writer got there first.
    pub async fn compare_and_swap_branch(
        &self,
        branch: &str,
        new: &str,
        old: Option<&str>,
    ) -> Result<bool> {
        let reference = format!("refs/heads/{branch}");
        match self
            .output(
                &["update-ref", &reference, new, old.unwrap_or(ZERO_SHA)],
                None,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(Error::Git { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Points HEAD (what `git clone` checks out) at `branch`.
    pub async fn set_head(&self, branch: &str) -> Result<()> {
        self.output(
            &["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")],
            None,
        )
        .await
        .map(drop)
    }

    /// Runs `git http-backend` (smart HTTP, CGI) for this repository. `path_info` is the
    /// part after `<slug>.git`, e.g. `/info/refs`; `cgi` are the other CGI variables.
    /// Returns the CGI output: headers, a blank line, the body.
    pub async fn http_backend(
        &self,
        path_info: &str,
        cgi: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<u8>> {
        let (Some(root), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return Err(Error::Io(std::io::Error::other(
                "repository path has no parent",
            )));
        };
        let mut command = Command::new("git");
        command
            .arg("http-backend")
            .env("GIT_PROJECT_ROOT", root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env(
                "PATH_INFO",
                format!("/{}{path_info}", name.to_string_lossy()),
            )
            .env("CONTENT_LENGTH", body.len().to_string())
            .envs(cgi.iter().copied());
        run(&mut command, Some(body)).await
    }

    /// Every branch and tag: full ref name (`refs/heads/main`) → the object it points at.
    pub async fn refs(&self) -> Result<BTreeMap<String, String>> {
        let out = self
            .output(
                &[
                    "for-each-ref",
                    "--format=%(refname)%1f%(objectname)",
                    "refs/heads",
                    "refs/tags",
                ],
                None,
            )
            .await?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|line| line.split_once(FIELD))
            .map(|(name, object)| (name.to_owned(), object.to_owned()))
            .collect())
    }

    /// The tags, in `git tag --list` order, with the commit each one names.
    pub async fn tags(&self) -> Result<Vec<TagInfo>> {
        self.tags_matching("refs/tags").await
    }

    pub async fn tag(&self, name: &str) -> Result<Option<TagInfo>> {
        if name.starts_with('-') || name.contains(['\0', '*', '?', '[']) {
            return Ok(None);
        }
        let wanted = format!("refs/tags/{name}");
        Ok(self
            .tags_matching(&wanted)
            .await?
            .into_iter()
            .find(|tag| tag.name == name))
    }

    async fn tags_matching(&self, pattern: &str) -> Result<Vec<TagInfo>> {
        let out = self
            .output(&["for-each-ref", TAG_FORMAT, pattern], None)
            .await?;
        let text = String::from_utf8_lossy(&out);
        let mut tags = Vec::new();
        for record in text.split("\0\n").filter(|r| !r.is_empty()) {
            let fields: Vec<&str> = record.splitn(8, FIELD).collect();
            let [name, kind, object, peeled, tagger, email, date, message] = fields[..] else {
                continue;
            };
            let commit = if kind == "tag" { peeled } else { object };
            let annotation = (kind == "tag").then(|| TagAnnotation {
                tagger_name: tagger.to_owned(),
                tagger_email: email.to_owned(),
                date: date.to_owned(),
                message: message.to_owned(),
            });
            tags.push((name.to_owned(), commit.to_owned(), annotation));
        }
        let hashes: Vec<&str> = tags.iter().map(|(_, commit, _)| commit.as_str()).collect();
        let commits = self.commits(&hashes).await?;
        Ok(tags
            .into_iter()
            .filter_map(|(name, hash, annotation)| {
                let target = commits.iter().find(|c| c.hash == hash)?.clone();
                Some(TagInfo {
                    name,
                    target,
                    annotation,
                })
            })
            .collect())
    }

    /// The commits with these hashes, in one `git log --no-walk`.
    pub async fn commits(&self, hashes: &[&str]) -> Result<Vec<CommitInfo>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let format = format!("--format={LOG_FORMAT}");
        let mut args = vec!["log", "-z", "--no-walk=unsorted", &format];
        args.extend_from_slice(hashes);
        args.push("--");
        let out = self.output(&args, None).await?;
        Ok(String::from_utf8_lossy(&out)
            .split('\0')
            .filter(|r| !r.is_empty())
            .filter_map(parse_commit)
            .collect())
    }

    /// Commits reachable from `tip` but from none of `excluded`, newest first, at most `limit`.
    pub async fn commits_between(
        &self,
        tip: &str,
        excluded: &[&str],
        limit: usize,
    ) -> Result<Vec<CommitInfo>> {
        let format = format!("--format={LOG_FORMAT}");
        let limit = format!("--max-count={limit}");
        let mut args = vec!["log", "-z", &format, &limit, tip];
        if !excluded.is_empty() {
            args.push("--not");
            args.extend_from_slice(excluded);
        }
        args.push("--");
        let out = self.output(&args, None).await?;
        Ok(String::from_utf8_lossy(&out)
            .split('\0')
            .filter(|r| !r.is_empty())
            .filter_map(parse_commit)
            .collect())
    }

    /// Whether `ancestor` is reachable from `descendant`.
    pub async fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        match self
            .output(&["merge-base", "--is-ancestor", ancestor, descendant], None)
            .await
        {
            Ok(_) => Ok(true),
            Err(Error::Git { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    pub async fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>> {
        match self.output(&["merge-base", a, b], None).await {
            Ok(out) => Ok(Some(trimmed(out))),
            Err(Error::Git { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Creates the annotated tag `name` at `commit`. False when the tag already exists.
    pub async fn create_tag(
        &self,
        name: &str,
        commit: &str,
        tagger: &Signature,
        message: &str,
    ) -> Result<bool> {
        let object = {
            let mut command = self.git();
            command.arg("mktag");
            let newline = if message.ends_with('\n') { "" } else { "\n" };
            let body = format!(
                "object {commit}\ntype commit\ntag {name}\ntagger {} <{}> {}\n\n{message}{newline}",
                tagger.name,
                tagger.email,
                git_now()
            );
            trimmed(run(&mut command, Some(body.as_bytes())).await?)
        };
        let reference = format!("refs/tags/{name}");
        match self
            .output(&["update-ref", &reference, &object, ZERO_SHA], None)
            .await
        {
            Ok(_) => Ok(true),
            Err(Error::Git { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Deletes `reference` if it still points at `old`.
    pub async fn delete_ref(&self, reference: &str, old: &str) -> Result<bool> {
        match self
            .output(&["update-ref", "-d", reference, old], None)
            .await
        {
            Ok(_) => Ok(true),
            Err(Error::Git { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    pub async fn is_valid_tag_name(&self, name: &str) -> bool {
        is_valid_ref_name("refs/tags/", name).await
    }

    /// A name a new branch may take: a valid ref under `refs/heads/` (so no `@{`, `..`,
    /// `~`, `^`, `:`, spaces, …), not starting with `-` and not `HEAD`, as `git branch` asks.
    pub async fn is_valid_new_branch_name(&self, name: &str) -> bool {
        name != "HEAD" && is_valid_ref_name("refs/heads/", name).await
    }

    /// What changed between two trees: `old` `None` is the empty tree (a root commit).
    pub async fn diffstat(
        &self,
        old: Option<&str>,
        new: &str,
        options: &DiffOptions,
    ) -> Result<Vec<FileStat>> {
        let old = old.unwrap_or(EMPTY_TREE);
        let mut common = vec!["diff", "-z", "--no-ext-diff", "--no-textconv"];
        common.push(if options.renames {
            "--find-renames"
        } else {
            "--no-renames"
        });
        if options.ignore_whitespace {
            common.push("--ignore-all-space");
        }
        let with = |flag: &'static str| {
            let mut args = common.clone();
            args.extend([flag, old, new, "--"]);
            args.extend(options.paths.iter().map(String::as_str));
            args
        };
        let statuses = self.output(&with("--name-status"), None).await?;
        let counts = self.output(&with("--numstat"), None).await?;
        Ok(zip_diff(&statuses, &counts))
    }

    pub async fn is_valid_branch_name(&self, branch: &str) -> bool {
        let mut command = Command::new("git");
        command.args(["check-ref-format", "--branch", branch]);
        !branch.starts_with('-') && run(&mut command, None).await.is_ok()
    }
}

/// A repository path as Bitbucket takes it: a leading `/` is optional, and no segment may be
/// empty, `.`, `..` or `.git`. `None` when the path is not acceptable.
pub fn normalize_path(raw: &str) -> Option<String> {
    let path = raw.strip_prefix('/').unwrap_or(raw);
    let acceptable = !path.is_empty()
        && !path.contains(['\0', '\n'])
        && path
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".." | ".git"));
    acceptable.then(|| path.to_owned())
}

/// Whether `namespace` + `name` is a valid full ref name (`git check-ref-format`).
async fn is_valid_ref_name(namespace: &str, name: &str) -> bool {
    let mut command = Command::new("git");
    command.args(["check-ref-format", &format!("{namespace}{name}")]);
    !name.starts_with('-') && run(&mut command, None).await.is_ok()
}

fn trimmed(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_owned()
}

/// Now as git writes it in a tag header: seconds since the epoch and a UTC offset.
fn git_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{seconds} +0000")
}

/// Pairs `--name-status -z` and `--numstat -z` output of the same diff, entry by entry.
fn zip_diff(statuses: &[u8], counts: &[u8]) -> Vec<FileStat> {
    let statuses = String::from_utf8_lossy(statuses);
    let mut status_fields = statuses.split('\0').filter(|f| !f.is_empty());
    let counts = String::from_utf8_lossy(counts);
    let mut count_fields = counts.split('\0');
    let mut stats = Vec::new();
    while let Some(code) = status_fields.next() {
        let renamed = code.starts_with('R') || code.starts_with('C');
        let first = status_fields.next().unwrap_or_default().to_owned();
        let second = renamed.then(|| status_fields.next().unwrap_or_default().to_owned());
        // numstat: `added\tremoved\tpath` or, for a rename, `added\tremoved\t` then both paths.
        let numbers = count_fields.next().unwrap_or_default();
        let mut parts = numbers.splitn(3, '\t');
        let lines_added = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let lines_removed = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        if renamed {
            count_fields.next();
            count_fields.next();
        }
        let (status, old_path, new_path) = match (code.chars().next(), second) {
            (Some('A'), _) => (FileStatus::Added, None, Some(first)),
            (Some('D'), _) => (FileStatus::Removed, Some(first), None),
            (Some('R' | 'C'), Some(second)) => (FileStatus::Renamed, Some(first), Some(second)),
            _ => (FileStatus::Modified, Some(first.clone()), Some(first)),
        };
        stats.push(FileStat {
            status,
            old_path,
            new_path,
            lines_added,
            lines_removed,
        });
    }
    stats
}

fn parse_commit(record: &str) -> Option<CommitInfo> {
    let mut fields = record.splitn(6, FIELD);
    let hash = fields.next()?.trim().to_owned();
    let parents = fields
        .next()?
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let author_name = fields.next()?.to_owned();
    let author_email = fields.next()?.to_owned();
    let date = fields.next()?.to_owned();
    let message = fields.next()?.to_owned();
    Some(CommitInfo {
        hash,
        parents,
        author_name,
        author_email,
        date,
        message,
    })
}

/// Parses `git ls-tree -z -l` output: `<mode> <type> <object> <size>\t<path>\0`.
fn parse_tree(out: &[u8]) -> Vec<TreeEntry> {
    let text = String::from_utf8_lossy(out);
    text.split('\0')
        .filter_map(|record| {
            let (meta, path) = record.split_once('\t')?;
            let mut parts = meta.split_whitespace();
            let mode = parts.next()?.to_owned();
            let kind = match parts.next()? {
                "blob" => EntryKind::File,
                "tree" => EntryKind::Directory,
                _ => EntryKind::Submodule,
            };
            let object = parts.next()?.to_owned();
            let size = parts.next().and_then(|s| s.parse().ok());
            Some(TreeEntry {
                path: path.to_owned(),
                mode,
                kind,
                object,
                size,
            })
        })
        .collect()
}

/// Runs a git command to completion; a non-zero exit becomes [`Error::Git`] with stderr.
async fn run(command: &mut Command, stdin: Option<&[u8]>) -> Result<Vec<u8>> {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_LITERAL_PATHSPECS", "1")
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    // Feed stdin from its own task so a command that answers while reading cannot fill
    // its stdout pipe and deadlock against us.
    let feeder = match (stdin, child.stdin.take()) {
        (Some(input), Some(mut pipe)) => {
            let input = input.to_vec();
            Some(tokio::spawn(async move { pipe.write_all(&input).await }))
        }
        _ => None,
    };
    let output = child.wait_with_output().await?;
    if let Some(feeder) = feeder {
        feeder.await.map_err(std::io::Error::other)??;
    }
    if output.status.success() {
        return Ok(output.stdout);
    }
    let program = command.as_std();
    let args: Vec<String> = program
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Err(Error::Git {
        command: args.join(" "),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}
