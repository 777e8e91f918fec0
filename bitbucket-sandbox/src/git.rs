//! A bare git repository driven through the `git` CLI, so what the sandbox stores is exactly
//! what `git clone` and `git log` show.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::{Error, Result};

const ZERO_SHA: &str = "0000000000000000000000000000000000000000";
const FIELD: char = '\u{1f}';

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

/// Fields `git log` and `for-each-ref` print for a commit, in [`CommitInfo`] order.
const LOG_FORMAT: &str = "%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%B";
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

fn trimmed(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_owned()
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
