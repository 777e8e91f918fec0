//! An API's Repository tab (API sync). Not connected: what sync does and the Connect form
//! (a connected account, the workspace, repository and branch, where the files go, and which
//! side wins when both have differing files). Connected: the status, where it syncs to, Pull
//! changes, the local changes as line diffs with Commit and push, each conflict with both
//! versions and the three ways to resolve it, the branch (switch, create), the settings,
//! Disconnect, and the sync log. Every action is a plain form posted to the server
//! (`api_sync_forms.rs`), so all of it works without JavaScript; the page calls Bitbucket
//! only when asked to list the repository's branches (`?branches=1`).

use crate::fields::api_sync_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api_data::{
    load_api_repository, AccountChoice, ApiRepositoryData, ChangeView, ConflictView, ConnectChoice,
    ConnectForm, RepositoryConnection, SyncLogView,
};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, textarea_html, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;
use crate::repository_lists::{Choice, Place};
use crate::run_data::CommitLink;

#[component]
pub fn ApiRepositoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let load = Resource::new(
        move || {
            let query = query.read();
            let get = |name: &str| query.get(name).unwrap_or_default();
            let connect = ConnectChoice {
                account: get(field::ACCOUNT),
                place: Place {
                    workspace: get(field::WORKSPACE),
                    search: get(field::SEARCH),
                    repository: get(field::REPOSITORY),
                    branch: get(field::BRANCH),
                },
                definition_path: get(field::DEFINITION_PATH),
                collections_dir: get(field::COLLECTIONS_DIR),
                winner: get(field::WINNER),
            };
            (
                params.read().get("id").unwrap_or_default(),
                get("branches") == "1",
                connect,
            )
        },
        |(id, branches, connect)| load_api_repository(id, branches, connect),
    );
    section_page(Section::APIS, "Repository", load, repository_view)
}

fn repository_view(data: ApiRepositoryData, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.unwrap_or_default();
    let id = data.header.id.clone();
    let can_edit = data.header.can_edit;
    let body = match data.connection {
        None => not_connected(&id, can_edit, data.accounts, data.connect, &flash),
        Some(connection) => connected(&id, can_edit, connection, &flash),
    };
    view! {
        {api_tabs(&data.header, "repository")}
        <FlashMessage flash=Some(flash.clone())/>
        {body}
    }
}

fn not_connected(
    id: &str,
    can_edit: bool,
    accounts: Vec<AccountChoice>,
    form: ConnectForm,
    flash: &Flash,
) -> AnyView {
    let intro = view! {
        <p data-testid="sync-intro">
            "Connect this API to a Bitbucket repository to keep its definition and linked collections in git: \
             Ferry commits and pushes your changes when you say so, and pulls the commits others push to the branch."
        </p>
    };
    if !can_edit {
        return view! {
            {intro}
            <p class="hint" data-testid="not-connected">"This API is not connected to a repository."</p>
        }
        .into_any();
    }
    let authenticate = routes::authenticate_for_api(id);
    if accounts.is_empty() {
        return view! {
            {intro}
            <p data-testid="no-accounts">
                <a href=authenticate>"Connect a Bitbucket account"</a>
                " (an API token, an app password or Connect with Bitbucket); you come back here to choose the repository."
            </p>
        }
        .into_any();
    }
    // A refused Connect keeps what was posted in the flash; a reload keeps it in the query.
    let kept = |name: &str, typed: &str, default: &str| {
        let value = flash.field(name).unwrap_or(typed);
        if value.is_empty() { default } else { value }.to_owned()
    };
    let winner = kept(field::WINNER, &form.winner, "");
    let chosen = form.account.clone();
    let account_options = accounts
        .into_iter()
        .map(|account| {
            let selected = account.id == chosen;
            view! { <option value=account.id selected=selected>{account.label}</option> }
        })
        .collect_view();
    let winner_choice = move |value: &'static str, label: &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name=field::WINNER value=value checked=winner == value/>
                {label}
            </label>
        }
    };
    let page = routes::api_sub(id, "repository");
    let reload = page.clone();
    let listed = form.lists.is_some();
    let load_label = if listed {
        "Load the lists again"
    } else {
        "Choose the repository"
    };
    view! {
        {intro}
        <form class="form card" method="post" action=page data-testid="connect-form">
            <h2>"Connect to a repository"</h2>
            <label for="sync-account">"Account"</label>
            <select id="sync-account" name=field::ACCOUNT required aria-describedby="sync-account-hint">
                {chosen.is_empty().then(|| view! { <option value="" selected=true>"Choose an account"</option> })}
                {account_options}
            </select>
            <p class="hint" id="sync-account-hint">
                "The Bitbucket account Ferry commits and reads as. "
                <a href=authenticate data-testid="connect-another-account">"Connect another account"</a>
            </p>
            {form.error.clone().map(|error| view! {
                <p class="alert error" role="alert" data-testid="bitbucket-error">{error}</p>
            })}
            {form.lists.clone().map(|lists| place_fields(&form.place, lists.workspaces, lists.repositories, lists.branches))}
            <div class="inline-form">
                <button class=if listed { "button secondary" } else { "button" } type="submit" formmethod="get" formaction=reload
                    formnovalidate=true data-testid="load-lists">{load_label}</button>
            </div>
            {listed.then(|| view! { <p class="hint">"After choosing another account, workspace, repository or search, load the lists again: the branches are the chosen repository's."</p> })}
            <label for="sync-definition-path">"Definition path"</label>
            <input id="sync-definition-path" name=field::DEFINITION_PATH type="text" placeholder="postman/schemas/index.yaml"
                value=kept(field::DEFINITION_PATH, &form.definition_path, "")/>
            <p class="hint">"Empty: the one definition in postman/schemas, else postman/schemas/index.yaml (or .json)."</p>
            <label for="sync-collections-dir">"Collections directory"</label>
            <input id="sync-collections-dir" name=field::COLLECTIONS_DIR type="text"
                value=kept(field::COLLECTIONS_DIR, &form.collections_dir, "postman/collections")/>
            <fieldset>
                <legend>"When both Ferry and the repository have differing files"</legend>
                {winner_choice("", "Ask me if both differ")}
                {winner_choice("ferry", "Ferry's version wins")}
                {winner_choice("repository", "The repository's version wins")}
            </fieldset>
            <p class="hint">"The side that loses is kept in Ferry's History."</p>
            {listed.then(|| view! { <button class="button" type="submit">"Connect"</button> })}
        </form>
    }
    .into_any()
}

/// Workspace, a repository search, Repository and Branch, chosen from what the account
/// reaches in Bitbucket.
fn place_fields(
    place: &Place,
    workspaces: Vec<Choice>,
    repositories: Vec<Choice>,
    branches: Vec<String>,
) -> impl IntoView {
    let options = |choices: Vec<Choice>, chosen: &str| {
        choices
            .into_iter()
            .map(|c| {
                let selected = c.value == chosen;
                view! { <option value=c.value selected=selected>{c.label}</option> }
            })
            .collect_view()
    };
    let branch_choices = branches
        .into_iter()
        .map(|name| Choice {
            value: name.clone(),
            label: name,
        })
        .collect();
    view! {
        <label for="sync-workspace">"Workspace"</label>
        <select id="sync-workspace" name=field::WORKSPACE required>{options(workspaces, &place.workspace)}</select>
        <label for="sync-search">"Search repositories"</label>
        <input id="sync-search" name=field::SEARCH type="search" maxlength="100" value=place.search.clone()
            placeholder="part of a repository name"/>
        <label for="sync-repository">"Repository"</label>
        <select id="sync-repository" name=field::REPOSITORY required aria-describedby="sync-repository-hint">
            {options(repositories, &place.repository)}
        </select>
        <p class="hint" id="sync-repository-hint">"Repositories this account can write to."</p>
        <label for="sync-branch">"Branch"</label>
        <select id="sync-branch" name=field::BRANCH required aria-describedby="sync-branch-hint">
            {options(branch_choices, &place.branch)}
        </select>
        <p class="hint" id="sync-branch-hint">"The working branch: Ferry pushes to it and pulls from it."</p>
    }
}

fn connected(id: &str, can_edit: bool, connection: RepositoryConnection, flash: &Flash) -> AnyView {
    let status = &connection.status;
    let reason = status.reason.clone();
    let message = flash.field(field::MESSAGE).unwrap_or_default().to_owned();
    let base = match &connection.base {
        Some(base) => commit_link(base),
        None => view! { <span class="hint">"none yet"</span> }.into_any(),
    };
    let changes = connection.changes;
    let conflicts = connection.conflicts;
    let no_changes = changes.is_empty();
    // A push is refused while a conflict is open: the form waits until they are resolved.
    let can_push = can_edit && conflicts.is_empty();
    view! {
        <h2>
            "Repository " <span class=format!("badge {}", status.class) data-testid="sync-status" data-status=status.key.clone()>{status.label.clone()}</span>
        </h2>
        {reason.map(|reason| view! { <p class="alert error" data-testid="sync-reason">{reason}</p> })}
        <dl class="facts" data-testid="sync-connection">
            <dt>"Repository"</dt><dd>{format!("{}/{}", connection.workspace, connection.repository)}</dd>
            <dt>"Branch"</dt><dd data-testid="sync-branch">{connection.branch.clone()}</dd>
            <dt>"Definition"</dt><dd><code>{connection.definition_path.clone()}</code></dd>
            <dt>"Collections"</dt><dd><code>{format!("{}/", connection.collections_dir)}</code></dd>
            <dt>"Account"</dt><dd>{if connection.account.is_empty() { "(removed)".to_owned() } else { connection.account.clone() }}</dd>
            <dt>"Last synced commit"</dt><dd data-testid="sync-base">{base}" "<time class="hint" title=connection.synced.clone()>{connection.synced_ago.clone()}</time></dd>
            <dt>"Hears of pushes"</dt>
            <dd>{if connection.webhook { "by webhook" } else { "by polling the branch" }}</dd>
        </dl>
        {can_edit.then(|| view! {
            <form class="inline-form" method="post" action=routes::api_sub(id, "repository/pull")>
                <button class="button secondary" type="submit">"Pull changes"</button>
            </form>
        })}

        <h3>"Local changes"</h3>
        {if no_changes {
            view! { <p class="hint" data-testid="no-local-changes">"None: the repository has everything Ferry has."</p> }.into_any()
        } else {
            view! {
                <ul class="sync-changes" data-testid="local-changes">
                    {changes.into_iter().map(change_item).collect_view()}
                </ul>
                {(can_edit && !can_push).then(|| view! {
                    <p class="hint" data-testid="push-after-conflicts">"Resolve the conflicts below, then commit and push."</p>
                })}
                {can_push.then(|| view! {
                    <form class="form card" method="post" action=routes::api_sub(id, "repository/push") data-testid="push-form">
                        <label for="sync-message">"Commit message"</label>
                        <textarea id="sync-message" name=field::MESSAGE rows="3" required maxlength="2000"
                            inner_html=textarea_html(&message)></textarea>
                        <button class="button" type="submit">"Commit and push"</button>
                    </form>
                })}
            }.into_any()
        }}

        {(!conflicts.is_empty()).then(|| view! {
            <h3>"Conflicts"</h3>
            <p class="hint">"Both sides changed the same lines. Neither side is overwritten until you choose."</p>
            {conflicts.into_iter().map(|conflict| conflict_item(id, can_edit, conflict)).collect_view()}
        })}

        {can_edit.then(|| branch_forms(id, &connection.branch, connection.branches.clone(), flash))}
        {can_edit.then(|| settings_form(id, connection.auto_push, &connection.tag_pattern, flash))}

        <h3>"Sync log"</h3>
        {log_table(connection.log)}

        {can_edit.then(|| view! {
            <details class="danger-zone">
                <summary>"Disconnect"</summary>
                <form class="form" method="post" action=routes::api_sub(id, "repository/disconnect")>
                    <p class="hint">"Stops syncing. The API and the repository keep what they have."</p>
                    <button class="button danger" type="submit">"Disconnect"</button>
                </form>
            </details>
        })}
    }
    .into_any()
}

fn commit_link(commit: &CommitLink) -> AnyView {
    if commit.url.is_empty() {
        view! { <code>{commit.short.clone()}</code> }.into_any()
    } else {
        view! { <a href=commit.url.clone() rel="external"><code>{commit.short.clone()}</code></a> }
            .into_any()
    }
}

fn change_item(change: ChangeView) -> AnyView {
    let moved = change
        .old_path
        .map(|old| view! { <span class="hint">{format!(" (was {old})")}</span> });
    let lines = change
        .diff
        .into_iter()
        .map(|line| {
            let class = match line.tag {
                '+' => "added",
                '-' => "removed",
                '…' => "gap",
                _ => "context",
            };
            let text = if line.tag == '…' {
                "…".to_owned()
            } else {
                format!("{}{}", line.tag, line.text)
            };
            view! { <span class=class>{text}"\n"</span> }
        })
        .collect_view();
    view! {
        <li data-testid="local-change">
            <details open>
                <summary><code data-testid="local-change-path">{change.path}</code>" " <span class="hint">{change.kind}</span>{moved}</summary>
                <pre class="diff">{lines}</pre>
            </details>
        </li>
    }
    .into_any()
}

fn conflict_item(id: &str, can_edit: bool, conflict: ConflictView) -> AnyView {
    let resolve = routes::api_sub(id, "repository/resolve");
    let from = conflict.commit.as_ref().map(|commit| {
        view! { " in commit " {commit_link(commit)} }
    });
    let choose = |choice: &'static str, label: &'static str| {
        view! {
            <form class="inline-form" method="post" action=resolve.clone()>
                <input type="hidden" name=field::PATH value=conflict.path.clone()/>
                <input type="hidden" name=field::CHOICE value=choice/>
                <button class="button secondary" type="submit">{label}</button>
            </form>
        }
    };
    let forms = can_edit.then(|| {
        view! {
            // A div, not a p: a form inside a p closes it, and hydration would find another DOM.
            <div class="row-actions">
                {choose("ferry", "Keep Ferry's")}
                {choose("repository", "Take the repository's")}
            </div>
            <details>
                <summary>"Edit the result"</summary>
                <form class="form" method="post" action=resolve.clone()>
                    <input type="hidden" name=field::PATH value=conflict.path.clone()/>
                    <input type="hidden" name=field::CHOICE value="edited"/>
                    <label for=format!("resolve-{}", conflict.path)>"Edited version"</label>
                    <textarea id=format!("resolve-{}", conflict.path) name=field::CONTENT rows="20" spellcheck="false" wrap="off"
                        inner_html=textarea_html(&conflict.draft)></textarea>
                    <button class="button" type="submit">"Save the edited version"</button>
                </form>
            </details>
        }
    });
    view! {
        <section class="card sync-conflict" data-testid="conflict">
            <h4><code data-testid="conflict-path">{conflict.path.clone()}</code></h4>
            <p class="hint">"Found " <time title=conflict.found.clone()>{conflict.found_ago.clone()}</time>{from}</p>
            <div class="side-by-side">
                <div>
                    <h5>"Ferry's version"</h5>
                    <pre data-testid="conflict-ours">{conflict.ours.clone()}</pre>
                </div>
                <div>
                    <h5>"The repository's version"</h5>
                    <pre data-testid="conflict-theirs">{conflict.theirs.clone()}</pre>
                </div>
            </div>
            {forms}
        </section>
    }
    .into_any()
}

fn branch_forms(
    id: &str,
    branch: &str,
    branches: Option<Result<Vec<String>, String>>,
    flash: &Flash,
) -> AnyView {
    let switch_to = flash.field(field::BRANCH).unwrap_or_default().to_owned();
    let new_name = flash.field(field::NAME).unwrap_or_default().to_owned();
    let list_href = format!("{}?branches=1#branches", routes::api_sub(id, "repository"));
    let choose = match branches {
        Some(Ok(names)) => {
            let others: Vec<String> = names.into_iter().filter(|name| name != branch).collect();
            if others.is_empty() {
                view! { <p class="hint" data-testid="no-other-branches">"The repository has no other branch: create one below."</p> }.into_any()
            } else {
                view! {
                    <label for="sync-switch-branch">"Branch"</label>
                    <select id="sync-switch-branch" name=field::BRANCH required data-testid="branch-choices">
                        {others.into_iter().map(|name| {
                            let selected = name == switch_to;
                            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }
        }
        listing => view! {
            {listing.and_then(Result::err).map(|reason| view! {
                <p class="alert error" role="alert">{format!("The branches could not be listed: {reason}")}</p>
            })}
            <label for="sync-switch-branch">"Branch"</label>
            <input id="sync-switch-branch" name=field::BRANCH type="text" required value=switch_to/>
            <p class="hint"><a href=list_href data-testid="list-branches">"List the repository's branches"</a></p>
        }.into_any(),
    };
    view! {
        <h3 id="branches">"Branch"</h3>
        <p>"Ferry works on " <code>{branch.to_owned()}</code>"."</p>
        <div class="collection-forms">
            <form class="form card" method="post" action=routes::api_sub(id, "repository/branch")>
                <h4>"Switch branch"</h4>
                <p class="hint">"Push or undo local changes first; Ferry then reads the branch as it is."</p>
                {choose}
                <button class="button secondary" type="submit">"Switch branch"</button>
            </form>
            <form class="form card" method="post" action=routes::api_sub(id, "repository/branches")>
                <h4>"Create branch"</h4>
                <p class="hint">"At the working branch's tip."</p>
                <label for="sync-new-branch">"Name"</label>
                <input id="sync-new-branch" name=field::NAME type="text" required value=new_name/>
                <label class="choice"><input type="checkbox" name=field::SWITCH value="yes"/>" Work on it now"</label>
                <button class="button secondary" type="submit">"Create branch"</button>
            </form>
        </div>
    }
    .into_any()
}

fn settings_form(id: &str, auto_push: bool, tag_pattern: &str, flash: &Flash) -> AnyView {
    let pattern = flash
        .field(field::TAG_PATTERN)
        .unwrap_or(tag_pattern)
        .to_owned();
    view! {
        <form class="form card" method="post" action=routes::api_sub(id, "repository/settings") data-testid="sync-settings">
            <h3>"Settings"</h3>
            <label class="choice"><input type="checkbox" name=field::AUTO_PUSH value="yes" checked=auto_push/>" Push every change automatically"</label>
            <label for="sync-tag-pattern">"Release tag pattern"</label>
            <input id="sync-tag-pattern" name=field::TAG_PATTERN type="text" required value=pattern/>
            <p class="hint">"{version} is the version's name: a version published in Ferry is tagged so, and a tag so named is read as a version."</p>
            <button class="button secondary" type="submit">"Save settings"</button>
        </form>
    }
    .into_any()
}

fn log_table(log: Vec<SyncLogView>) -> AnyView {
    if log.is_empty() {
        return view! { <p class="hint">"Nothing yet."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="sync-log">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Direction"</th><th scope="col">"Commit"</th>
                <th scope="col">"Files"</th><th scope="col">"Outcome"</th><th scope="col">"Detail"</th>
            </tr></thead>
            <tbody>{log.into_iter().map(log_row).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

fn log_row(entry: SyncLogView) -> AnyView {
    view! {
        <tr data-testid="sync-log-row">
            <td><time title=entry.at>{entry.ago}</time></td>
            <td data-testid="sync-log-direction">{entry.direction}</td>
            <td>{entry.commit.as_ref().map(commit_link)}</td>
            <td>{entry.files.into_iter().map(|file| view! { <code>{file}</code><br/> }).collect_view()}</td>
            <td data-testid="sync-log-outcome">{entry.outcome}</td>
            <td>{entry.detail}</td>
        </tr>
    }
    .into_any()
}
