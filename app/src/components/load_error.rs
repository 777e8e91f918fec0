//! What a page shows when its data could not be loaded.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A refusal or failure the server words (a server function's `ServerError`) as the server
/// words it. Any other error means no server function answered: the server was redeployed
/// with other server functions than this tab's bundle knows, or could not be reached. Its
/// text (a transport message, maybe a whole HTML page) means nothing to a person; reloading
/// the page loads the bundle that fits the server.
#[component]
pub fn LoadError(error: ServerFnError) -> impl IntoView {
    if let Some(message) = server_words(&error) {
        return view! { <p class="alert error" role="alert">{message.to_owned()}</p> }.into_any();
    }
    leptos::logging::warn!("a server function call failed: {error}");
    let location = use_location();
    let here = match location.search.get_untracked() {
        search if search.is_empty() => location.pathname.get_untracked(),
        search => format!("{}?{search}", location.pathname.get_untracked()),
    };
    // rel="external": the router leaves the click to the browser, which loads the page (and
    // a bundle that fits the server) anew.
    view! {
        <p class="alert error" role="alert" data-testid="load-error">
            "Ferry was updated or could not be reached. "
            <a href=here rel="external">"Reload the page"</a>
            "."
        </p>
    }
    .into_any()
}

/// The server's own sentence, or `None` when the answer did not come from a server function.
fn server_words(error: &ServerFnError) -> Option<&str> {
    match error {
        ServerFnError::ServerError(message) => Some(message),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_own_sentences_are_shown() {
        let refused = ServerFnError::new("Not found: this team has no such collection.");
        assert_eq!(
            server_words(&refused),
            Some("Not found: this team has no such collection.")
        );
        // What an old tab reads when the server answers its stale URL with the 404 page.
        let other_build = ServerFnError::Deserialization(
            "Invalid format: missing delimiter in \"<!DOCTYPE html><html>…\"".to_owned(),
        );
        assert_eq!(server_words(&other_build), None);
        assert_eq!(
            server_words(&ServerFnError::Request("connection refused".to_owned())),
            None
        );
    }
}
