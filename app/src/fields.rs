//! The names of form fields that a page renders (`name=…`) and a form handler in
//! `server/src/http/<feature>_forms.rs` reads back: one constant per name, so a renamed
//! field cannot leave the handler reading an empty value with both sides compiling.
//!
//! A handler that takes a `Form<…>` struct names its fields by the struct's field names
//! instead; those are tied to the page by the server's tests in `server/tests`, which post
//! the same names a browser would.

/// The Collections pages (`pages/collections*.rs`) and `collection_forms.rs`.
pub mod collection_fields {
    /// The search box of the collections list (a `GET` form).
    pub const SEARCH: &str = "q";
    pub const NAME: &str = "name";
    pub const DESCRIPTION: &str = "description";
    /// Import: a chosen file, or pasted JSON.
    pub const FILE: &str = "file";
    pub const JSON: &str = "json";
    /// Delete: a checkbox that must be `yes`.
    pub const CONFIRM: &str = "confirm";
    /// Marks the details form, so a refusal shows on it and not on the add form.
    pub const DETAILS: &str = "details";
    /// Add an item: `request` or `folder`.
    pub const KIND: &str = "kind";
    pub const METHOD: &str = "method";
    pub const URL: &str = "url";
    pub const PARENT: &str = "parent";
    pub const POSITION: &str = "position";
    /// The request editor: which request, and its URL as shown (to tell an edit).
    pub const EDITING: &str = "editing";
    pub const URL_BEFORE: &str = "url_before";
    pub const BODY_MODE: &str = "body_mode";
    pub const BODY: &str = "body";
    pub const RAW_LANGUAGE: &str = "raw_language";
    pub const GRAPHQL_QUERY: &str = "graphql_query";
    pub const GRAPHQL_VARIABLES: &str = "graphql_variables";
}

/// The Repository tab of an API (`pages/api_repository.rs`) and `api_sync_forms.rs`.
pub mod api_sync_fields {
    /// Connect: the connected account and where in Bitbucket.
    pub const ACCOUNT: &str = "accountId";
    pub const WORKSPACE: &str = "workspace";
    pub const REPOSITORY: &str = "repository";
    pub const BRANCH: &str = "branch";
    /// Narrows the Connect form's repository list (read by the tab's `GET` reload only).
    pub const SEARCH: &str = "q";
    pub const DEFINITION_PATH: &str = "definitionPath";
    pub const COLLECTIONS_DIR: &str = "collectionsDir";
    /// Which side wins where both have differing files: `ferry` or `repository`.
    pub const WINNER: &str = "winner";
    /// Commit and push: the commit message.
    pub const MESSAGE: &str = "message";
    /// Resolve: the conflicting file, the choice (`ferry`, `repository`, `edited`) and the
    /// edited text.
    pub const PATH: &str = "path";
    pub const CHOICE: &str = "choice";
    pub const CONTENT: &str = "content";
    /// Create branch: its name, and a checkbox to work on it at once.
    pub const NAME: &str = "name";
    pub const SWITCH: &str = "switch";
    /// Settings: push every change automatically (checkbox), the release tag pattern.
    pub const AUTO_PUSH: &str = "autoPush";
    pub const TAG_PATTERN: &str = "tagPattern";
}

/// The APIs pages (`pages/apis*.rs`) and `api_forms.rs`.
pub mod api_fields {
    /// The search box of the APIs list (a `GET` form).
    pub const SEARCH: &str = "q";
    pub const NAME: &str = "name";
    pub const SUMMARY: &str = "summary";
    /// Import: a chosen file, or pasted text (JSON or YAML).
    pub const FILE: &str = "file";
    pub const TEXT: &str = "text";
    /// The definition editor's text, and the revision it was loaded at (a save over a newer
    /// change is refused rather than overwriting it).
    pub const DEFINITION: &str = "definition";
    pub const REVISION: &str = "revision";
    /// Link: the collection chosen.
    pub const COLLECTION: &str = "collection";
    /// Publish: the version's name (like `1.4.0`) and its release notes.
    pub const VERSION: &str = "version";
    pub const RELEASE_NOTES: &str = "release_notes";
    /// Delete: a checkbox that must be `yes`.
    pub const CONFIRM: &str = "confirm";
}
