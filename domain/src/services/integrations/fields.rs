//! The fields of an integration's target, parsed: a value of these types is safe to put in a
//! repository path or a git ref. Every refusal names the form field and says what to do.

use std::fmt;

use crate::error::FieldError;

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError {
        field,
        message: message.into(),
    })
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

const MAX_DIRECTORY_CHARS: usize = 200;
const MAX_FILENAME_CHARS: usize = 150;
const MAX_BRANCH_CHARS: usize = 200;
const MAX_SLUG_CHARS: usize = 100;

/// Files that build tools, package managers, editors or CI read and act on. A backup written
/// over one of them would change what a repository builds or runs, committed as the connected
/// account's owner, so Ferry refuses them as file names (in any case: checkouts on macOS and
/// Windows do not tell `Package.json` from `package.json`).
pub const RESERVED_FILENAMES: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "composer.json",
    "bower.json",
    "deno.json",
    "tsconfig.json",
    "jsconfig.json",
    "lerna.json",
    "nx.json",
    "turbo.json",
    "angular.json",
    "global.json",
    "vercel.json",
    "firebase.json",
    "renovate.json",
    ".renovaterc.json",
    ".eslintrc.json",
    "babel.config.json",
    ".babelrc.json",
    "devcontainer.json",
    ".devcontainer.json",
    "bitbucket-pipelines.yml",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
    ".travis.yml",
    "jenkinsfile",
];

/// Folders whose files git, CI services, editors or git hooks act on; Ferry writes nowhere
/// inside them (compared in any case).
pub const RESERVED_DIRECTORIES: &[&str] = &[
    ".git",
    ".github",
    ".gitlab",
    ".circleci",
    ".devcontainer",
    ".vscode",
    ".husky",
];

/// A directory inside the repository, relative to its root, `/`-separated; empty = the root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Directory(String);

impl Directory {
    pub const DEFAULT: &'static str = "Postman Collections";

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        const FIELD: &str = "directory";
        let text = text.trim();
        if text.chars().count() > MAX_DIRECTORY_CHARS {
            return refuse(
                FIELD,
                format!("is longer than {MAX_DIRECTORY_CHARS} characters; choose a shorter path"),
            );
        }
        if has_control(text) {
            return refuse(
                FIELD,
                "contains a control character; use printable characters only",
            );
        }
        if text.contains('\\') {
            return refuse(FIELD, "contains a backslash; separate folders with /");
        }
        if text.starts_with('/') {
            return refuse(
                FIELD,
                "must be relative to the repository root; remove the leading /",
            );
        }
        let text = text.trim_end_matches('/');
        if text.is_empty() {
            return Ok(Directory(String::new()));
        }
        for segment in text.split('/') {
            match segment.trim() {
                "" => return refuse(FIELD, "contains an empty folder name (//); remove the extra /"),
                "." | ".." => return refuse(FIELD, "may not contain . or .. as a folder; name the folders explicitly"),
                reserved if RESERVED_DIRECTORIES.iter().any(|r| r.eq_ignore_ascii_case(reserved)) => {
                    return refuse(
                        FIELD,
                        format!(
                            "may not write inside {reserved}: git, CI services or editors act on the files there; \
                             choose another folder, e.g. Postman Collections"
                        ),
                    )
                }
                trimmed if trimmed != segment => {
                    return refuse(FIELD, "a folder name starts or ends with a space; remove it")
                }
                _ => {}
            }
        }
        Ok(Directory(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of the collection's file: one path segment ending in `.json`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filename(String);

impl Filename {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        const FIELD: &str = "filename";
        let text = text.trim();
        if text.is_empty() {
            return refuse(
                FIELD,
                "is required; for example Users API.postman_collection.json",
            );
        }
        if text.chars().count() > MAX_FILENAME_CHARS {
            return refuse(
                FIELD,
                format!("is longer than {MAX_FILENAME_CHARS} characters; choose a shorter name"),
            );
        }
        if has_control(text) {
            return refuse(
                FIELD,
                "contains a control character; use printable characters only",
            );
        }
        if text.contains('/') || text.contains('\\') {
            return refuse(
                FIELD,
                "is a file name, not a path; put folders in Directory",
            );
        }
        if RESERVED_FILENAMES
            .iter()
            .any(|reserved| reserved.eq_ignore_ascii_case(text))
        {
            return refuse(
                FIELD,
                format!(
                    "{text} is a build or CI file that tools read and act on; a backup must not replace it. \
                     Choose another name, e.g. Users API.postman_collection.json"
                ),
            );
        }
        if !text.ends_with(".json") || text == ".json" {
            return refuse(
                FIELD,
                "must end in .json (the file holds the collection's JSON)",
            );
        }
        Ok(Filename(text.to_owned()))
    }

    /// `<collection name>.postman_collection.json`, with the name made safe for a file name.
    pub fn default_for(collection_name: &str) -> Filename {
        let mut stem: String = collection_name
            .chars()
            .map(|c| {
                if c.is_control() || "/\\:*?\"<>|".contains(c) {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        stem = stem.trim().trim_matches('.').trim().to_owned();
        let limit = MAX_FILENAME_CHARS - ".postman_collection.json".len();
        if stem.chars().count() > limit {
            stem = stem
                .chars()
                .take(limit)
                .collect::<String>()
                .trim_end()
                .to_owned();
        }
        if stem.is_empty() {
            stem = "collection".to_owned();
        }
        Filename(format!("{stem}.postman_collection.json"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A branch name git accepts (`git check-ref-format --branch`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BranchName(String);

impl BranchName {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        const FIELD: &str = "branch";
        let text = text.trim();
        let problem = if text.is_empty() {
            Some("is required; for example main")
        } else if text.chars().count() > MAX_BRANCH_CHARS {
            Some("is too long; git branch names here are at most 200 characters")
        } else if text
            .chars()
            .any(|c| c.is_control() || c == ' ' || "~^:?*[\\".contains(c))
        {
            Some("may not contain spaces, control characters or any of ~ ^ : ? * [ \\")
        } else if text.starts_with('-') {
            Some("may not start with -")
        } else if text == "@" || text.contains("@{") {
            Some("may not be @ or contain @{")
        } else if text.contains("..") {
            Some("may not contain ..")
        } else if text.starts_with('/') || text.ends_with('/') || text.contains("//") {
            Some("may not start or end with / or contain //")
        } else if text.ends_with('.') {
            Some("may not end with .")
        } else if text
            .split('/')
            .any(|part| part.starts_with('.') || part.ends_with(".lock"))
        {
            Some("no part between slashes may start with . or end with .lock")
        } else {
            None
        };
        match problem {
            Some(problem) => refuse(FIELD, format!("{problem} (git's rules for branch names)")),
            None => Ok(BranchName(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Bitbucket workspace or repository slug (or its `{uuid}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// `field` is the form field the slug came from ("workspace" or "repository").
    pub fn parse(field: &'static str, text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let is_uuid = text.starts_with('{') && text.ends_with('}') && text.len() > 2;
        let body = if is_uuid {
            &text[1..text.len() - 1]
        } else {
            text
        };
        if text.is_empty() {
            return refuse(field, "is required; choose one from the list");
        }
        if text.chars().count() > MAX_SLUG_CHARS
            || !body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return refuse(
                field,
                "is not a Bitbucket slug (letters, digits, - _ .); choose one from the list",
            );
        }
        // Both are path segments of their own in a request URL: `..` would climb out of it.
        if body == "." || body == ".." {
            return refuse(field, "may not be . or ..; choose one from the list");
        }
        Ok(Slug(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Directory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Filename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for BranchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The file's path in the repository: `directory/filename`, or `filename` at the root.
pub fn repository_path(directory: &str, filename: &str) -> String {
    if directory.is_empty() {
        filename.to_owned()
    } else {
        format!("{directory}/{filename}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories() {
        assert_eq!(
            Directory::parse(" Postman Collections ").unwrap().as_str(),
            "Postman Collections"
        );
        assert_eq!(Directory::parse("api/v2/").unwrap().as_str(), "api/v2");
        assert_eq!(Directory::parse("").unwrap().as_str(), "");
        for bad in [
            "/etc",
            "a/../b",
            "..",
            "./a",
            "a//b",
            "a\\b",
            "x\u{7}y",
            ".git/hooks",
            "a/.GIT",
            ".github/workflows",
            "x/.vscode",
            "a/ b",
        ] {
            let error = Directory::parse(bad).unwrap_err();
            assert_eq!(error.field, "directory", "{bad}");
        }
        assert!(Directory::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn filenames() {
        assert_eq!(
            Filename::parse("Users.postman_collection.json")
                .unwrap()
                .as_str(),
            "Users.postman_collection.json"
        );
        for bad in [
            "",
            "users.txt",
            ".json",
            "a/b.json",
            "a\\b.json",
            "a\nb.json",
        ] {
            assert_eq!(
                Filename::parse(bad).unwrap_err().field,
                "filename",
                "{bad:?}"
            );
        }
        assert!(Filename::parse(&format!("{}.json", "a".repeat(150))).is_err());
    }

    #[test]
    fn build_and_ci_files_are_refused_with_the_reason() {
        for reserved in [
            "package.json",
            "Package.JSON",
            "package-lock.json",
            "composer.json",
            "tsconfig.json",
            "bitbucket-pipelines.yml",
        ] {
            let error = Filename::parse(reserved).unwrap_err();
            assert_eq!(error.field, "filename");
            assert!(
                error.message.contains("build or CI file"),
                "{reserved}: {}",
                error.message
            );
        }
        assert!(Filename::parse("package.postman_collection.json").is_ok());
        for name in RESERVED_FILENAMES {
            assert!(Filename::parse(name).is_err(), "{name}");
            assert_eq!(
                name.to_lowercase(),
                *name,
                "the list is compared in lower case: {name}"
            );
        }
    }

    #[test]
    fn default_filenames_are_valid_and_readable() {
        assert_eq!(
            Filename::default_for("Users API").as_str(),
            "Users API.postman_collection.json"
        );
        assert_eq!(
            Filename::default_for("a/b: c?").as_str(),
            "a-b- c-.postman_collection.json"
        );
        assert_eq!(
            Filename::default_for(" .. ").as_str(),
            "collection.postman_collection.json"
        );
        for name in [
            "",
            "x".repeat(500).as_str(),
            "tab\there",
            "../../etc/passwd",
        ] {
            let default = Filename::default_for(name);
            assert!(Filename::parse(default.as_str()).is_ok(), "{default:?}");
        }
    }

    #[test]
    fn branch_names_follow_git() {
        for good in ["main", "feature/backups", "release-1.2", "ferry_sync"] {
            assert_eq!(BranchName::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "", "a b", "a..b", "-x", "a/", "/a", "a//b", "a.lock", ".hidden", "a/.b", "x.", "@",
            "a@{1}", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "a\u{1}",
        ] {
            assert_eq!(
                BranchName::parse(bad).unwrap_err().field,
                "branch",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("workspace", "demo-team_1.x").is_ok());
        assert!(Slug::parse("repository", "{0b1c-22}").is_ok());
        for bad in ["", "a b", "a/b", "{}", "ü", ".", "..", "{..}", "a/../b"] {
            assert_eq!(
                Slug::parse("repository", bad).unwrap_err().field,
                "repository",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn paths_join_directory_and_filename() {
        assert_eq!(repository_path("", "a.json"), "a.json");
        assert_eq!(repository_path("x/y", "a.json"), "x/y/a.json");
    }
}
