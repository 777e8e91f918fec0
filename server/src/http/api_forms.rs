//! The APIs pages' POST targets and downloads. Each acts in the session's current team
//! through the APIs service and answers with a redirect carrying a one-time message
//! (post/redirect/get), so every change works without JavaScript. A refused change stores
//! nothing and goes back with the reason and what was typed; an id of another team answers
//! 404, a change the role may not make 403, a definition over 16 MiB 413.
//!
//! A definition is sent back exactly as stored: the downloads are its text byte for byte.

use std::collections::HashSet;
use std::io::Write as _;

use app::{fields::api_fields as form_field, flash::Flash, routes, session};
use axum::{
    extract::{
        multipart::MultipartRejection, rejection::RawFormRejection, Multipart, Path, RawForm, State,
    },
    http::{header, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use ferry_domain::{
    accounts::Actor,
    api_sync::ApiSyncError,
    apis::{Apis, ApisError, NewApi},
    error::{DomainError, ErrorKind, FieldError},
    openapi::{limits, Definition, Format},
    store::apis::DefinitionFormat,
};
use tower_sessions::Session;

use super::{
    account_forms::flash_notice,
    collection_forms::{attachment, escape_html, Fields, MAX_KEPT_BYTES},
    refusal::{Refusal, NOTHING_WAS_SAVED},
    signed_in::SignedIn,
    AppState,
};

/// The largest import upload read: a definition of [`limits::MAX_BYTES`] with room for the
/// multipart envelope and the summary. A larger body is refused with 413 before it is read.
pub const MAX_UPLOAD_BYTES: usize = limits::MAX_BYTES + 1024 * 1024;

/// The largest editor post read: URL-encoding writes a byte as up to three, so a definition of
/// [`limits::MAX_BYTES`] may post three times that.
pub const MAX_EDITOR_BYTES: usize = 3 * limits::MAX_BYTES + 1024 * 1024;

const NOT_FOUND: &str =
    "Not found: this team has no such API (or version, or collection). Go back to APIs and reload the page.";

/// Where a form goes on success, and where it goes back to (with what was typed) when refused.
struct Reply<'a> {
    session: &'a Session,
    back: String,
    typed: Vec<(String, String)>,
}

impl Reply<'_> {
    async fn done(self, to: String, notice: String) -> Response {
        flash_notice(self.session, notice).await;
        Redirect::to(&to).into_response()
    }

    async fn refused(self, error: ApisError) -> Response {
        let kind = error.kind();
        let refusal = match kind {
            ErrorKind::NotFound => return (StatusCode::NOT_FOUND, NOT_FOUND).into_response(),
            ErrorKind::Internal => Refusal::hidden(&error, NOTHING_WAS_SAVED),
            ErrorKind::TooLarge => {
                Refusal::status(StatusCode::PAYLOAD_TOO_LARGE, error.to_string())
            }
            _ => Refusal::from_domain(error, label),
        };
        let (fields, too_large): (Vec<_>, Vec<_>) = self
            .typed
            .into_iter()
            .partition(|(_, value)| value.len() <= MAX_KEPT_BYTES);
        let mut message = refusal.message;
        if !too_large.is_empty() {
            message.push_str(" (the pasted text was too large to keep here; paste it again)");
        }
        let kept = Flash {
            fields,
            ..Flash::default()
        };
        let Some(status) = refusal.status else {
            let refusal = Refusal { message, ..refusal };
            return refusal.back(self.session, &self.back, kept).await;
        };
        // The form's page shows the message too, with what was typed, when "Back" leads there.
        session::set_flash(
            self.session,
            Flash {
                error: Some(message.clone()),
                ..kept
            },
        )
        .await;
        status_page(status, &message, &self.back)
    }

    async fn finish(self, result: Result<(String, String), ApisError>) -> Response {
        match result {
            Ok((to, notice)) => self.done(to, notice).await,
            Err(error) => self.refused(error).await,
        }
    }
}

/// A refusal answered as a page of its own (403, 413): the message and a way back.
fn status_page(status: StatusCode, message: &str, back: &str) -> Response {
    let title = if status == StatusCode::FORBIDDEN {
        "Not allowed"
    } else {
        "Too large"
    };
    let page = format!(
        "<!DOCTYPE html><title>{title} · Ferry</title><p role=\"alert\">{}</p><p><a href=\"{}\">Back</a></p>",
        escape_html(message),
        escape_html(back)
    );
    (status, Html(page)).into_response()
}

/// The service's field names as the APIs forms label them.
fn label(field: &str) -> &str {
    match field {
        "name" => "Name",
        "summary" => "Summary",
        "definition" => "Definition",
        "releaseNotes" => "Release notes",
        other => other,
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> ApisError {
    ApisError::Field(FieldError {
        field,
        message: message.into(),
    })
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// `POST /apis`: a new API with a starter definition.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let (name, summary) = (
        fields.get(form_field::NAME),
        fields.get(form_field::SUMMARY),
    );
    let reply = Reply {
        session: &session,
        back: routes::APIS.into(),
        typed: vec![
            (form_field::NAME.into(), name.into()),
            (form_field::SUMMARY.into(), summary.into()),
        ],
    };
    let result = async {
        let stored = state
            .apis()
            .create(&actor, NewApi::Empty { name, summary })
            .await?;
        Ok((
            routes::api(&stored.row.id),
            format!("API “{}” created.", stored.row.name),
        ))
    }
    .await;
    reply.finish(result).await
}

struct Upload {
    /// The chosen file's bytes; `None` when no file (or an empty one) was chosen.
    file: Option<Vec<u8>>,
    pasted: String,
    summary: String,
}

/// Why an upload could not be read: too large (413), or unreadable.
enum UploadError {
    TooLarge,
    Unreadable(String),
}

async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Upload, UploadError> {
    fn unreadable(status: StatusCode, error: &dyn std::fmt::Display) -> UploadError {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Unreadable(format!("the upload could not be read ({error})"))
        }
    }
    let mut multipart = multipart.map_err(|e| unreadable(e.status(), &e))?;
    let mut upload = Upload {
        file: None,
        pasted: String::new(),
        summary: String::new(),
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| unreadable(e.status(), &e))?
    {
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some(form_field::FILE) => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| unreadable(e.status(), &e))?;
                upload.file = (!bytes.is_empty()).then(|| bytes.to_vec());
            }
            Some(form_field::TEXT) => {
                upload.pasted = field.text().await.map_err(|e| unreadable(e.status(), &e))?
            }
            Some(form_field::SUMMARY) => {
                upload.summary = field.text().await.map_err(|e| unreadable(e.status(), &e))?
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /apis/import` (multipart): a definition from the `file` field or, if no file was
/// chosen, from the pasted `text` field; the API is named after its `info.title`.
pub async fn import(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut reply = Reply {
        session: &session,
        back: routes::APIS.into(),
        typed: Vec::new(),
    };
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge) => {
            let message = format!(
                "The upload is larger than Ferry reads: a definition may have at most {} MiB. Split it or remove what it does not need; nothing was saved.",
                limits::MAX_BYTES / (1024 * 1024)
            );
            return status_page(StatusCode::PAYLOAD_TOO_LARGE, &message, routes::APIS);
        }
        Err(UploadError::Unreadable(message)) => {
            return reply.refused(invalid("file", message)).await
        }
    };
    reply.typed = vec![
        (form_field::TEXT.into(), upload.pasted.clone()),
        (form_field::SUMMARY.into(), upload.summary.clone()),
    ];
    let result = async {
        Apis::require_editor(&actor)?;
        let text = match (upload.file, upload.pasted.trim()) {
            (Some(file), _) => String::from_utf8(file).map_err(|_| {
                invalid(
                    "file",
                    "the file is not UTF-8 text; choose an OpenAPI definition in JSON or YAML",
                )
            })?,
            (None, "") => {
                return Err(invalid(
                    "file",
                    "choose a definition file (JSON or YAML) or paste its text",
                ))
            }
            // Pasted text has no line endings of its own to keep: the browser posts CRLF.
            (None, _) => browser_lines(&upload.pasted, ""),
        };
        let stored = state
            .apis()
            .create(
                &actor,
                NewApi::Import {
                    text: &text,
                    summary: &upload.summary,
                },
            )
            .await?;
        let mut notice = format!("API “{}” imported.", stored.row.name);
        let problems = stored.definition.problems().len();
        if problems > 0 {
            notice.push_str(&format!(
                " Its definition has {}: see Definition.",
                plural(problems, "problem")
            ));
        }
        Ok((routes::api(&stored.row.id), notice))
    }
    .await;
    reply.finish(result).await
}

/// `POST /apis/{id}/details`: the API's name and summary.
pub async fn update_details(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let (name, summary) = (
        fields.get(form_field::NAME),
        fields.get(form_field::SUMMARY),
    );
    let reply = Reply {
        session: &session,
        back: routes::api(&id),
        typed: fields.0.clone(),
    };
    let result = async {
        let stored = state
            .apis()
            .update(&actor, &id, Some(name), Some(summary))
            .await?;
        Ok((
            routes::api(&id),
            format!("Saved the name and summary of “{}”.", stored.row.name),
        ))
    }
    .await;
    reply.finish(result).await
}

/// `POST /apis/{id}/definition`: the editor's text, saved over the revision it loaded. A
/// definition with problems is saved and counted; one that cannot be read goes back to the
/// editor with the line and column that broke it, the text kept.
pub async fn save_definition(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: Result<RawForm, RawFormRejection>,
) -> Response {
    let back = routes::api_sub(&id, "definition");
    let form = match form {
        Ok(form) => form,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return status_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                &ApisError::TooLarge.to_string(),
                &back,
            )
        }
        Err(rejection) => return rejection.into_response(),
    };
    let fields = Fields::parse(form);
    let reply = Reply {
        session: &session,
        back: back.clone(),
        typed: fields.0.clone(),
    };
    let result = async {
        let revision = fields
            .get(form_field::REVISION)
            .trim()
            .parse::<i64>()
            .map_err(|_| {
                invalid(
                    "revision",
                    "the editor did not say which revision it loaded; reload the page and save again",
                )
            })?;
        let apis = state.apis();
        let posted = fields.get(form_field::DEFINITION);
        let current = apis.get(&actor, &id).await?;
        let text = browser_lines(posted, &current.text);
        let stored = apis
            .replace_definition(&actor, &id, &text, Some(revision))
            .await?;
        let notice = if stored.row.revision == revision {
            "Nothing to save: the definition is as it was.".to_owned()
        } else {
            match stored.definition.problems().len() {
                0 => "Definition saved.".to_owned(),
                n => format!(
                    "Definition saved, with {} (listed beside the editor).",
                    plural(n, "problem")
                ),
            }
        };
        Ok((back.clone(), notice))
    }
    .await;
    reply.finish(result).await
}

/// A text area posts its lines ending in CRLF whatever they ended in: a definition whose
/// stored lines end in LF keeps LF, so an untouched save is no change and git sees no noise.
fn browser_lines(posted: &str, stored: &str) -> String {
    if stored.contains("\r\n") {
        posted.to_owned()
    } else {
        posted.replace("\r\n", "\n")
    }
}

/// `POST /apis/{id}/delete`: needs `confirm=yes`; admins only. The API's collections stay.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let reply = Reply {
        session: &session,
        back: routes::api(&id),
        typed: Vec::new(),
    };
    let result = async {
        Apis::require_editor(&actor)?;
        let apis = state.apis();
        let name = apis.row(&actor, &id).await?.name;
        if fields.get(form_field::CONFIRM) != "yes" {
            return Err(invalid(
                "confirm",
                "tick the box to confirm that the API, its history and its versions go (its collections stay)",
            ));
        }
        apis.delete(&actor, &id).await?;
        Ok((routes::APIS.to_owned(), format!("API “{name}” deleted.")))
    }
    .await;
    reply.finish(result).await
}

/// `POST /apis/{id}/collections/link`: links one of the team's collections.
pub async fn link_collection(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let collection = fields.get(form_field::COLLECTION).trim();
    let back = routes::api_sub(&id, "collections");
    let reply = Reply {
        session: &session,
        back: back.clone(),
        typed: Vec::new(),
    };
    let result = async {
        Apis::require_editor(&actor)?;
        if collection.is_empty() {
            return Err(invalid("collection", "choose a collection to link"));
        }
        let apis = state.apis();
        apis.link(&actor, &id, collection).await?;
        let name = linked_name(&apis, &actor, &id, collection).await?;
        Ok((back.clone(), format!("Linked “{name}”.")))
    }
    .await;
    reply.finish(result).await
}

async fn linked_name(
    apis: &Apis<'_>,
    actor: &Actor,
    id: &str,
    collection: &str,
) -> Result<String, ApisError> {
    Ok(apis
        .linked_collections(actor, id)
        .await?
        .into_iter()
        .find(|link| link.collection_id == collection)
        .map(|link| link.name)
        .unwrap_or_default())
}

/// `POST /apis/{id}/collections/{collection}/unlink`: the collection itself stays.
pub async fn unlink_collection(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path((id, collection)): Path<(String, String)>,
) -> Response {
    let back = routes::api_sub(&id, "collections");
    let reply = Reply {
        session: &session,
        back: back.clone(),
        typed: Vec::new(),
    };
    let result = async {
        Apis::require_editor(&actor)?;
        let apis = state.apis();
        let name = linked_name(&apis, &actor, &id, &collection).await?;
        apis.unlink(&actor, &id, &collection).await?;
        Ok((
            back.clone(),
            format!("Unlinked “{name}”; the collection itself stays under Collections."),
        ))
    }
    .await;
    reply.finish(result).await
}

/// `POST /apis/{id}/collections/generate`: generates the API's collection from its
/// definition, or updates it (keeping what people added by hand).
pub async fn generate_collection(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let back = routes::api_sub(&id, "collections");
    let reply = Reply {
        session: &session,
        back: back.clone(),
        typed: Vec::new(),
    };
    let result = async {
        let apis = state.apis();
        let generated_before: HashSet<String> = apis
            .linked_collections(&actor, &id)
            .await?
            .into_iter()
            .filter(|link| link.generated)
            .map(|link| link.collection_id)
            .collect();
        let collection_id = apis.generate_collection(&actor, &id).await?;
        let name = state
            .collections()
            .get(&actor, &collection_id)
            .await?
            .row
            .name;
        let done = if generated_before.contains(&collection_id) {
            "updated"
        } else {
            "generated"
        };
        Ok((
            back.clone(),
            format!("Collection “{name}” {done} from the definition."),
        ))
    }
    .await;
    reply.finish(result).await
}

/// `POST /apis/{id}/versions`: publishes a version (a snapshot of the definition and every
/// linked collection) and goes to its page.
pub async fn publish(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let reply = Reply {
        session: &session,
        back: routes::api_sub(&id, "versions"),
        typed: fields.0.clone(),
    };
    // A connected API pushes what is pending and tags the commit (API sync).
    let result = state
        .api_sync()
        .publish(
            &actor,
            &id,
            fields.get(form_field::VERSION),
            fields.get(form_field::RELEASE_NOTES),
        )
        .await
        .map(|(version, tag)| {
            let tagged = tag.map_or(String::new(), |tag| {
                format!(" The repository has it as tag {tag}.")
            });
            (
                routes::api_version(&id, &version.id),
                format!("Published version {}.{tagged}", version.name),
            )
        })
        .map_err(as_apis_error);
    reply.finish(result).await
}

/// An API sync refusal as the APIs forms answer one: the APIs service's own errors as they
/// are, the rest by their kind, in API sync's words.
fn as_apis_error(error: ApiSyncError) -> ApisError {
    match error {
        ApiSyncError::Apis(error) => error,
        ApiSyncError::NotFound => ApisError::NotFound,
        ApiSyncError::Forbidden(forbidden) => ApisError::Forbidden(forbidden),
        ApiSyncError::Store(error) => ApisError::Store(error),
        other => ApisError::Conflict(other.to_string()),
    }
}

/// `<stem>.<extension>` with what a file name cannot hold replaced, `api` for a blank stem.
fn file_name(stem: &str, extension: &str) -> String {
    let stem: String = stem
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stem = if stem.trim().is_empty() { "api" } else { &stem };
    format!("{stem}.{extension}")
}

fn format_of(format: DefinitionFormat) -> Format {
    match format {
        DefinitionFormat::Json => Format::Json,
        DefinitionFormat::Yaml => Format::Yaml,
    }
}

fn download(content_type: String, file_name: &str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, attachment(file_name)),
        ],
        body,
    )
        .into_response()
}

fn definition_download(format: Format, stem: &str, text: String) -> Response {
    download(
        format!("{}; charset=utf-8", format.content_type()),
        &file_name(stem, format.extension()),
        text,
    )
}

/// A download that cannot be had: a failure on Ferry's side, else (an unknown id, another
/// team's) 404.
fn not_downloadable(error: ApisError) -> Response {
    if error.kind() == ErrorKind::Internal {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Refusal::internal(&error).message,
        )
            .into_response();
    }
    (
        StatusCode::NOT_FOUND,
        "Not found: this team has no such API (or version, or collection).",
    )
        .into_response()
}

/// `GET /apis/{id}/definition/export`: the current definition, byte for byte.
pub async fn export_definition(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    match state.apis().get(&actor, &id).await {
        Ok(stored) => {
            definition_download(stored.definition.format(), &stored.row.name, stored.text)
        }
        Err(error) => not_downloadable(error),
    }
}

/// `GET /apis/{id}/revisions/{number}/definition`: the definition as a change of the History
/// saved it.
pub async fn export_revision_definition(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, number)): Path<(String, String)>,
) -> Response {
    let Ok(number) = number.parse::<i64>() else {
        return not_downloadable(ApisError::NotFound);
    };
    let apis = state.apis();
    let found = async {
        let name = apis.row(&actor, &id).await?.name;
        Ok::<_, ApisError>((name, apis.revision_definition(&actor, &id, number).await?))
    }
    .await;
    match found {
        Ok((name, text)) => {
            // The format is the text's own: a revision may predate a switch from JSON to YAML.
            let format = Definition::parse(&text).map_or(Format::Yaml, |read| read.format());
            definition_download(format, &format!("{name}-{number}"), text)
        }
        Err(error) => not_downloadable(error),
    }
}

/// `GET /apis/{id}/versions/{version}/definition`: the definition as the version keeps it.
pub async fn export_version_definition(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    let apis = state.apis();
    let found = async {
        let name = apis.row(&actor, &id).await?.name;
        Ok::<_, ApisError>((name, apis.version(&actor, &id, &version).await?))
    }
    .await;
    match found {
        Ok((name, version)) => definition_download(
            format_of(version.row.format),
            &format!("{name}-{}", version.row.name),
            version.definition,
        ),
        Err(error) => not_downloadable(error),
    }
}

/// `GET /apis/{id}/versions/{version}/collections/{collection}`: one collection's canonical
/// JSON as the version keeps it.
pub async fn export_version_collection(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, version, collection)): Path<(String, String, String)>,
) -> Response {
    let version = match state.apis().version(&actor, &id, &version).await {
        Ok(version) => version,
        Err(error) => return not_downloadable(error),
    };
    match version
        .collections
        .into_iter()
        .find(|kept| kept.collection_id == collection)
    {
        Some(kept) => download(
            "application/json; charset=utf-8".to_owned(),
            &file_name(&kept.name, "postman_collection.json"),
            kept.canonical_json,
        ),
        None => not_downloadable(ApisError::NotFound),
    }
}

/// `GET /apis/{id}/versions/{version}/export.zip`: the version's definition file and
/// `collections/<name>.postman_collection.json` for each collection it keeps.
pub async fn export_version_zip(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    let apis = state.apis();
    let found = async {
        let name = apis.row(&actor, &id).await?.name;
        Ok::<_, ApisError>((name, apis.version(&actor, &id, &version).await?))
    }
    .await;
    let (name, version) = match found {
        Ok(found) => found,
        Err(error) => return not_downloadable(error),
    };
    let stem = format!("{name}-{}", version.row.name);
    let format = format_of(version.row.format);
    let mut files = vec![(file_name(&stem, format.extension()), version.definition)];
    let mut taken = HashSet::new();
    for kept in version.collections {
        let mut entry = format!(
            "collections/{}",
            file_name(&kept.name, "postman_collection.json")
        );
        // Two collections of one name: the second is told apart by its id.
        if !taken.insert(entry.clone()) {
            entry = format!(
                "collections/{}",
                file_name(
                    &format!("{} ({})", kept.name, kept.collection_id),
                    "postman_collection.json"
                )
            );
            taken.insert(entry.clone());
        }
        files.push((entry, kept.canonical_json));
    }
    match zip_of(&files) {
        Ok(bytes) => download(
            "application/zip".to_owned(),
            &file_name(&stem, "zip"),
            bytes,
        ),
        Err(error) => not_downloadable(ApisError::Store(ferry_domain::StoreError::Corrupt {
            what: "version export",
            reason: error.to_string(),
        })),
    }
}

/// A zip of `(path, text)` entries, DEFLATE-compressed.
fn zip_of(files: &[(String, String)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, text) in files {
        writer.start_file(path.as_str(), options)?;
        writer.write_all(text.as_bytes())?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_only_what_a_file_name_cannot_hold() {
        assert_eq!(file_name("Users API", "yaml"), "Users API.yaml");
        assert_eq!(file_name("a/b\\c\n", "json"), "a_b_c_.json");
        assert_eq!(file_name("  ", "json"), "api.json");
    }

    #[test]
    fn the_editor_keeps_the_line_ends_the_definition_had() {
        assert_eq!(browser_lines("a: 1\r\nb: 2\r\n", "a: 1\n"), "a: 1\nb: 2\n");
        assert_eq!(
            browser_lines("a: 1\r\nb: 2\r\n", "a: 1\r\n"),
            "a: 1\r\nb: 2\r\n"
        );
    }
}
