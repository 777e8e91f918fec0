//! The Collections pages' POST targets and the export downloads. Each acts in the session's
//! current team through the collections service and answers with a redirect carrying a
//! one-time message (post/redirect/get), so every change works without JavaScript. A refused
//! change stores nothing and goes back with the reason and what was typed; a collection id
//! of another team answers 404, a viewer's change 403.

use std::collections::HashMap;

use app::{
    collection_data::{collection_href, item_href, pairs_from_fields, percent_encode, Pair},
    fields::collection_fields as form_field,
    flash::Flash,
    session,
};
use axum::{
    extract::{
        multipart::MultipartRejection, FromRequest, FromRequestParts, Multipart, Path, RawForm,
        Request, State,
    },
    http::{header, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use ferry_domain::{
    accounts::Actor,
    collections::{Collections, CollectionsError},
    postman::{
        Body, BodyView, Collection, FormatError, KeyValue, Problem, RequestUpdate, RequestView,
    },
};
use tower_sessions::Session;

use super::{
    account_forms::flash_notice,
    refusal::{as_posted, Refusal, NOTHING_WAS_SAVED},
    signed_in::SignedIn,
    AppState,
};

const LIST: &str = app::routes::COLLECTIONS;

/// Posted text longer than this is not carried back to a refused form: the session would
/// hold it, and a file that large is better chosen again than pasted.
pub(super) const MAX_KEPT_BYTES: usize = 1024 * 1024;

/// A posted form's fields, in the order posted.
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn parse(RawForm(body): RawForm) -> Self {
        Fields(form_urlencoded::parse(&body).into_owned().collect())
    }

    /// The first value of `name`; empty when absent.
    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }

    fn pairs(&self, prefix: &str) -> Vec<KeyValue> {
        pairs_from_fields(&self.0, prefix)
            .into_iter()
            .map(
                |Pair {
                     key,
                     value,
                     disabled,
                 }| KeyValue {
                    key,
                    value,
                    disabled,
                },
            )
            .collect()
    }
}

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

    async fn refused(self, error: CollectionsError) -> Response {
        let refusal = match error {
            CollectionsError::NotFound => {
                return (
                    StatusCode::NOT_FOUND,
                    "Not found: this team has no such collection. Go back to Collections and reload the page.",
                )
                    .into_response()
            }
            CollectionsError::Store(inner) => Refusal::hidden(&inner, NOTHING_WAS_SAVED),
            other => Refusal::from_domain(other, as_posted),
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
        if refusal.status != Some(StatusCode::FORBIDDEN) {
            let refusal = Refusal { message, ..refusal };
            return refusal.back(self.session, &self.back, kept).await;
        }
        // The form's page shows the message too, with what was typed, when "Back" leads there.
        session::set_flash(
            self.session,
            Flash {
                error: Some(message.clone()),
                ..kept
            },
        )
        .await;
        let page = format!(
            "<!DOCTYPE html><title>Not allowed · Ferry</title><p role=\"alert\">{}</p><p><a href=\"{}\">Back</a></p>",
            escape_html(&message),
            escape_html(&self.back)
        );
        (StatusCode::FORBIDDEN, Html(page)).into_response()
    }

    async fn finish(self, result: Result<(String, String), CollectionsError>) -> Response {
        match result {
            Ok((to, notice)) => self.done(to, notice).await,
            Err(error) => self.refused(error).await,
        }
    }
}

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A name a person must fill in: refused when blank, naming the field.
fn required_name(name: &str) -> Result<&str, FormatError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid(form_field::NAME, "enter a name"));
    }
    Ok(name)
}

/// A refusal of field `path` with what to do about it.
fn invalid(path: &str, message: impl Into<String>) -> FormatError {
    FormatError::Invalid(vec![problem(path, message)])
}

/// `POST /collections`: a new, empty collection.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let reply = Reply {
        session: &session,
        back: LIST.into(),
        typed: vec![(form_field::NAME.into(), fields.get(form_field::NAME).into())],
    };
    let result: Result<_, CollectionsError> = async {
        Collections::require_editor(&actor)?;
        let collection = Collection::new(required_name(fields.get(form_field::NAME))?)?;
        let stored = state.collections().create(&actor, collection).await?;
        Ok((
            collection_href(&stored.row.id),
            format!("Collection “{}” created.", stored.row.name),
        ))
    }
    .await;
    reply.finish(result).await
}

/// `POST /collections/import` (multipart): a Postman collection from the `file` field or, if
/// no file was chosen, from the pasted `json` field.
pub async fn import(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut reply = Reply {
        session: &session,
        back: LIST.into(),
        typed: Vec::new(),
    };
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => {
            return reply
                .refused(FormatError::Invalid(vec![message]).into())
                .await
        }
    };
    reply
        .typed
        .push((form_field::JSON.into(), upload.pasted.clone()));
    let result: Result<_, CollectionsError> = async {
        Collections::require_editor(&actor)?;
        let bytes = match (&upload.file, upload.pasted.trim()) {
            (Some(file), _) => file.as_slice(),
            (None, "") => {
                return Err(invalid(
                    form_field::FILE,
                    "choose a collection file or paste its JSON",
                )
                .into())
            }
            (None, pasted) => pasted.as_bytes(),
        };
        let stored = state
            .collections()
            .create(&actor, Collection::import(bytes)?)
            .await?;
        Ok((
            collection_href(&stored.row.id),
            format!("Collection “{}” imported.", stored.row.name),
        ))
    }
    .await;
    reply.finish(result).await
}

struct Upload {
    /// The chosen file's bytes; `None` when no file (or an empty one) was chosen.
    file: Option<Vec<u8>>,
    pasted: String,
}

fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

async fn read_upload(multipart: Result<Multipart, MultipartRejection>) -> Result<Upload, Problem> {
    let unreadable = |e: &dyn std::fmt::Display| {
        problem(
            form_field::FILE,
            format!("the upload could not be read ({e}); at most 32 MiB are accepted"),
        )
    };
    let mut multipart = multipart.map_err(|e| unreadable(&e))?;
    let mut upload = Upload {
        file: None,
        pasted: String::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable(&e))? {
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some(form_field::FILE) => {
                let bytes = field.bytes().await.map_err(|e| unreadable(&e))?;
                upload.file = (!bytes.is_empty()).then(|| bytes.to_vec());
            }
            Some(form_field::JSON) => {
                upload.pasted = field.text().await.map_err(|e| unreadable(&e))?
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// `GET /collections/{id}/export`: the canonical JSON as a download.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    match state.collections().get(&actor, &id).await {
        Ok(stored) => download(&stored.collection),
        Err(error) => not_downloadable(error),
    }
}

/// `GET /collections/{id}/revisions/{number}/export`: a revision's canonical JSON as a download.
pub async fn export_revision(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, number)): Path<(String, String)>,
) -> Response {
    let Ok(number) = number.parse::<i64>() else {
        return not_downloadable(CollectionsError::NotFound);
    };
    match state.collections().revision(&actor, &id, number).await {
        Ok(revision) => download(&revision.collection),
        Err(error) => not_downloadable(error),
    }
}

fn download(collection: &Collection) -> Response {
    let disposition = attachment(&collection.file_name());
    (
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        collection.to_canonical_json(),
    )
        .into_response()
}

/// `attachment` with the file name twice: plain ASCII for old clients, and exact (RFC 6266
/// `filename*`, UTF-8 percent-encoded) for the rest.
pub(super) fn attachment(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(file_name)
    )
}

/// A download that cannot be had: a failure on Ferry's side, else (an unknown id, another
/// team's, a revision number that is none) 404.
fn not_downloadable(error: CollectionsError) -> Response {
    match error {
        CollectionsError::Store(inner) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Refusal::internal(&inner).message,
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            "Not found: this team has no such collection (or revision).",
        )
            .into_response(),
    }
}

/// `POST /collections/{id}/delete`: needs `confirm=yes` (the page's confirmation box).
pub async fn delete(post: EditPost) -> Response {
    let EditPost {
        state,
        session,
        actor,
        id,
        fields,
        ..
    } = post;
    let reply = Reply {
        session: &session,
        back: collection_href(&id),
        typed: Vec::new(),
    };
    let result: Result<_, CollectionsError> = async {
        Collections::require_editor(&actor)?;
        let service = state.collections();
        let name = service.get(&actor, &id).await?.row.name;
        if fields.get(form_field::CONFIRM) != "yes" {
            return Err(invalid(
                form_field::CONFIRM,
                "tick the box to confirm that the collection and its history go",
            )
            .into());
        }
        service.delete(&actor, &id).await?;
        Ok((LIST.to_owned(), format!("Collection “{name}” deleted.")))
    }
    .await;
    reply.finish(result).await
}

/// An editor post: who sent it, about which collection (and folder or request), with which
/// fields. Read from the session, the path and the form body.
pub struct EditPost {
    state: AppState,
    session: Session,
    actor: Actor,
    id: String,
    /// The folder or request in the path; empty for posts about the collection itself.
    item: String,
    fields: Fields,
}

impl FromRequest<AppState> for EditPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let SignedIn(actor) = SignedIn::from_request_parts(&mut parts, state).await?;
        let Path(mut params) =
            Path::<HashMap<String, String>>::from_request_parts(&mut parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let form = RawForm::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(EditPost {
            state: state.clone(),
            session,
            actor,
            id: params.remove("id").unwrap_or_default(),
            item: params.remove("item").unwrap_or_default(),
            fields: Fields::parse(form),
        })
    }
}

impl EditPost {
    /// Applies `change` through the service and goes to the collection with the item it
    /// names selected; refused, goes back (with the typed fields when `keep_typed`).
    async fn apply(
        self,
        keep_typed: bool,
        change: impl FnOnce(
            &mut Collection,
            &Fields,
            &str,
        ) -> Result<(Option<String>, String), FormatError>,
    ) -> Response {
        let EditPost {
            state,
            session,
            actor,
            id,
            item,
            fields,
        } = self;
        let back = if item.is_empty() {
            collection_href(&id)
        } else {
            item_href(&id, &item)
        };
        let typed = if keep_typed {
            fields.0.clone()
        } else {
            Vec::new()
        };
        let reply = Reply {
            session: &session,
            back,
            typed,
        };
        // The service checks the role before it reads anything or runs `change`.
        let result: Result<_, CollectionsError> = async {
            let mut outcome = None;
            state
                .collections()
                .edit(&actor, &id, |collection| {
                    outcome = Some(change(collection, &fields, &item)?);
                    Ok(())
                })
                .await?;
            let (selected, notice) = outcome.unwrap_or_default();
            let to = selected.map_or_else(
                || collection_href(&id),
                |selected| item_href(&id, &selected),
            );
            Ok((to, notice))
        }
        .await;
        reply.finish(result).await
    }
}

/// `POST /collections/{id}/items`: a new request or folder (`kind`), in folder `parent`.
pub async fn add_item(post: EditPost) -> Response {
    post.apply(true, |collection, fields, _| {
        let parent = Some(fields.get(form_field::PARENT)).filter(|p| !p.is_empty());
        let name = required_name(fields.get(form_field::NAME))?;
        let added = if fields.get(form_field::KIND) == "folder" {
            collection.add_folder(parent, name)?
        } else {
            collection.add_request(
                parent,
                name,
                fields.get(form_field::METHOD).trim(),
                fields.get(form_field::URL).trim(),
            )?
        };
        Ok((Some(added), format!("Added “{name}”.")))
    })
    .await
}

/// `POST /collections/{id}/requests/{item}`: the request editor's fields.
pub async fn update_request(post: EditPost) -> Response {
    post.apply(true, |collection, fields, item| {
        let update = request_update(fields, &collection.request_view(item)?)?;
        let name = update.name.clone().unwrap_or_default();
        collection.update_request(item, update)?;
        Ok((Some(item.to_owned()), format!("Saved “{name}”.")))
    })
    .await
}

/// The change the editor's fields ask for, against the request as the page showed it.
fn request_update(fields: &Fields, shown: &RequestView) -> Result<RequestUpdate, FormatError> {
    let name = required_name(fields.get(form_field::NAME))?;
    // A changed URL carries its own query string; otherwise the parameter rows are the edit.
    let url = fields.get(form_field::URL).trim();
    let url_changed = url != fields.get(form_field::URL_BEFORE).trim();
    let description = fields.get(form_field::DESCRIPTION);
    Ok(RequestUpdate {
        name: Some(name.to_owned()),
        method: Some(fields.get(form_field::METHOD).trim().to_owned()),
        url: url_changed.then(|| url.to_owned()),
        headers: Some(fields.pairs("header")),
        query: (!url_changed).then(|| fields.pairs("query")),
        body: body_update(fields, &shown.body)?,
        raw_language: raw_language_update(fields, &shown.body),
        description: (!same_text(description, &shown.description)).then(|| unix_lines(description)),
    })
}

/// Browsers post text areas with CRLF line ends: unchanged text must not count as a change.
fn same_text(posted: &str, stored: &str) -> bool {
    unix_lines(posted) == unix_lines(stored)
}

fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The raw body's language when it is chosen and differs from the one shown (a form without
/// the choice keeps the language).
fn raw_language_update(fields: &Fields, shown: &BodyView) -> Option<String> {
    let language = fields.get(form_field::RAW_LANGUAGE);
    let shown_language = shown_raw_body(shown).map(|(_, language)| language);
    (fields.get(form_field::BODY_MODE) == "raw"
        && !language.is_empty()
        && shown_language != Some(language))
    .then(|| language.to_owned())
}

fn shown_raw_body(body: &BodyView) -> Option<(&str, &str)> {
    match body {
        BodyView::Raw { text, language } => Some((text, language)),
        _ => None,
    }
}

/// The body the editor's fields ask for (`body_mode` picks which fields count); `None` when
/// it is the body the page showed, so that saving an untouched form changes nothing.
fn body_update(fields: &Fields, shown: &BodyView) -> Result<Option<Body>, FormatError> {
    let body = match fields.get(form_field::BODY_MODE) {
        "keep" => return Ok(None),
        "none" if matches!(shown, BodyView::None) => return Ok(None),
        "none" => Body::Empty,
        "raw" => match shown_raw_body(shown) {
            Some((stored, _)) if same_text(fields.get(form_field::BODY), stored) => {
                return Ok(None)
            }
            _ => Body::Raw(unix_lines(fields.get(form_field::BODY))),
        },
        "urlencoded" => Body::UrlEncoded(fields.pairs("urlencoded")),
        "formdata" => Body::FormData(fields.pairs("formdata")),
        "graphql" => {
            let (query, variables) = (
                fields.get(form_field::GRAPHQL_QUERY),
                fields.get(form_field::GRAPHQL_VARIABLES),
            );
            if let BodyView::GraphQl {
                query: stored_query,
                variables: stored_variables,
            } = shown
            {
                if same_text(query, stored_query) && same_text(variables, stored_variables) {
                    return Ok(None);
                }
            }
            Body::GraphQl {
                query: unix_lines(query),
                variables: unix_lines(variables),
            }
        }
        _ => {
            return Err(invalid(
                form_field::BODY_MODE,
                "choose none, raw text, URL-encoded form, form data or GraphQL",
            ))
        }
    };
    Ok(Some(body))
}

/// `POST /collections/{id}/details`: the collection's name and description.
pub async fn update_details(post: EditPost) -> Response {
    post.apply(true, |collection, fields, _| {
        let name = required_name(fields.get(form_field::NAME))?;
        collection.set_name(name)?;
        let description = fields.get(form_field::DESCRIPTION);
        if !same_text(description, &collection.description()) {
            collection.set_description(&unix_lines(description));
        }
        Ok((None, format!("Saved the name and description of “{name}”.")))
    })
    .await
}

/// `POST /collections/{id}/items/{item}/rename`
pub async fn rename_item(post: EditPost) -> Response {
    post.apply(false, |collection, fields, item| {
        let name = required_name(fields.get(form_field::NAME))?;
        collection.rename(item, name)?;
        Ok((Some(item.to_owned()), format!("Renamed to “{name}”.")))
    })
    .await
}

/// `POST /collections/{id}/items/{item}/move`: into folder `parent` (empty: the top level)
/// at `position` (1 is first; empty: last).
pub async fn move_item(post: EditPost) -> Response {
    post.apply(false, |collection, fields, item| {
        let parent = Some(fields.get(form_field::PARENT)).filter(|p| !p.is_empty());
        let index =
            match fields.get(form_field::POSITION).trim() {
                "" => usize::MAX,
                text => match text.parse::<usize>() {
                    Ok(position) if position >= 1 => position - 1,
                    _ => return Err(invalid(
                        form_field::POSITION,
                        "enter a whole number from 1 (first), or leave it empty to move to the end",
                    )),
                },
            };
        collection.move_item(item, parent, index)?;
        Ok((Some(item.to_owned()), "Moved.".to_owned()))
    })
    .await
}

/// `POST /collections/{id}/items/{item}/delete`: a request, or a folder with its contents.
pub async fn delete_item(post: EditPost) -> Response {
    post.apply(false, |collection, _, item| {
        let name = collection
            .tree()
            .into_iter()
            .find(|node| node.id == item)
            .map(|node| node.name)
            .unwrap_or_default();
        collection.delete(item)?;
        Ok((None, format!("Deleted “{name}”.")))
    })
    .await
}

/// `POST /collections/{id}/variables`: the variable rows, in order.
pub async fn set_variables(post: EditPost) -> Response {
    post.apply(false, |collection, fields, _| {
        collection.set_variables(&fields.pairs("var"))?;
        Ok((None, "Variables saved.".to_owned()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_offers_exactly_the_raw_languages_the_domain_takes() {
        let offered: Vec<&str> = app::collection_data::BodyForm::RAW_LANGUAGES
            .iter()
            .map(|(value, _)| *value)
            .collect();
        assert_eq!(offered, ferry_domain::postman::RAW_LANGUAGES);
    }

    #[test]
    fn attachments_name_the_file_safely_and_exactly() {
        assert_eq!(
            attachment("Users API.postman_collection.json"),
            "attachment; filename=\"Users API.postman_collection.json\"; filename*=UTF-8''Users%20API.postman_collection.json"
        );
        assert_eq!(
            attachment("Café \"x\".postman_collection.json"),
            "attachment; filename=\"Caf_ _x_.postman_collection.json\"; filename*=UTF-8''Caf%C3%A9%20%22x%22.postman_collection.json"
        );
    }
}
