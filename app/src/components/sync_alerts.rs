//! The banner naming each integration that stopped backing up (and each API whose sync
//! stopped), why, and where to fix it.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::alert_data::{load_sync_alerts, SyncAlert};

#[component]
pub fn SyncAlerts() -> impl IntoView {
    let alerts = Resource::new(|| (), |()| load_sync_alerts());
    view! {
        <Suspense fallback=|| ()>
            {move || alerts.get().and_then(Result::ok).filter(|alerts| !alerts.is_empty()).map(|alerts| view! {
                <div class="alert error sync-alerts" role="alert" data-testid="sync-alerts">
                    <strong>"Sync stopped"</strong>
                    <ul>{alerts.into_iter().map(alert).collect_view()}</ul>
                </div>
            })}
        </Suspense>
    }
}

fn alert(alert: SyncAlert) -> impl IntoView {
    view! {
        <li data-testid="sync-alert">
            <strong>{alert.collection}</strong> " → " <code>{alert.target}</code> " · " {alert.status}
            {alert.reason.map(|reason| view! { ": " {reason} })}
            " " <A href=alert.fix_href>{alert.fix_label}</A>
        </li>
    }
}
