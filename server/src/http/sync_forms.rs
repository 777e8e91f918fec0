//! The sync engine's controls on the Integrations pages: Run now, Pause and Resume. Each acts
//! in the session's current team only: another team's id answers 404 and a role that may not
//! manage the integration 403, with nothing changed. Otherwise back to the page the button was
//! on, with a message saying what happens next.

use app::flash::Flash;
use axum::{
    extract::{Form, Path, State},
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::integrations::{Integration, IntegrationError, Integrations};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    account_forms::flash_notice,
    integration_forms::LIST,
    refusal::{as_posted, Refusal},
    signed_in::SignedIn,
    AppState,
};

/// Which page the button was on.
#[derive(Debug, Default, Deserialize)]
pub struct Back {
    #[serde(default)]
    back: String,
}

impl Back {
    fn page(&self, id: &str) -> String {
        match self.back.as_str() {
            "runs" => app::routes::integration_runs(id),
            _ => LIST.to_owned(),
        }
    }
}

/// **Run now**: queued past the debounce, and the workers woken.
pub async fn run_now(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    id: Path<String>,
    back: Form<Back>,
) -> Response {
    control(Control::RunNow, state, session, actor, id, back).await
}

/// **Pause**: no commits until resumed; changes meanwhile are committed by the resume.
pub async fn pause(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    id: Path<String>,
    back: Form<Back>,
) -> Response {
    control(Control::Pause, state, session, actor, id, back).await
}

/// **Resume**: the latest state is committed once, then every change again.
pub async fn resume(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    id: Path<String>,
    back: Form<Back>,
) -> Response {
    control(Control::Resume, state, session, actor, id, back).await
}

#[derive(Debug, Clone, Copy)]
enum Control {
    RunNow,
    Pause,
    Resume,
}

impl Control {
    fn notice(self, i: &Integration) -> String {
        match self {
            Control::RunNow => {
                format!(
                    "Running now: “{}” is being backed up to {}/{}.",
                    i.collection_name, i.workspace, i.repository
                )
            }
            Control::Pause => format!(
                "Paused: changes to “{}” are kept and committed when you resume.",
                i.collection_name
            ),
            Control::Resume => format!(
                "Resumed: the latest “{}” is being committed to {}/{}.",
                i.collection_name, i.workspace, i.repository
            ),
        }
    }
}

async fn control(
    control: Control,
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    Form(back): Form<Back>,
) -> Response {
    let integrations = Integrations::new(&state.store);
    let done = match control {
        Control::RunNow => integrations.run_now(&actor, &id).await,
        Control::Pause => integrations.pause(&actor, &id).await,
        Control::Resume => integrations.resume(&actor, &id).await,
    };
    if done.is_ok() && !matches!(control, Control::Pause) {
        // A run was queued: workers pick it up now rather than at their next poll.
        state.sync.wake();
    }
    answer(&session, &back.page(&id), done, |i| control.notice(i)).await
}

async fn answer(
    session: &Session,
    page: &str,
    done: Result<Integration, IntegrationError>,
    notice: impl FnOnce(&Integration) -> String,
) -> Response {
    match done {
        Ok(integration) => {
            flash_notice(session, notice(&integration)).await;
            Redirect::to(page).into_response()
        }
        Err(error) => {
            Refusal::from_domain(error, as_posted)
                .back(session, page, Flash::default())
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_button_returns_to_its_page_and_nowhere_else() {
        let back = |page: &str| Back {
            back: page.to_owned(),
        };
        assert_eq!(
            back("runs").page("a b"),
            "/integrations/bitbucket/a%20b/runs"
        );
        assert_eq!(back("").page("x"), LIST);
        assert_eq!(back("https://evil.example").page("x"), LIST);
    }
}
