//! `ferry user …`, `ferry apikey …`, `ferry keys …` and `ferry prune`: chores for the operator
//! at the console.

use std::io::Read;

use ferry_domain::{
    accounts::{secret_from_stdin_line, Accounts, FirstTeam, TeamRef},
    connected_accounts::{ConnectedAccountError, ConnectedAccounts},
    crypto::Keyring,
    retention::Pruner,
    store::now_ms,
};

use crate::{
    cli::{ApikeyCommand, KeysCommand, UserCommand},
    config::{Config, StartError},
    serve::open_store,
};

const CONSOLE: &str = "console";

pub async fn user(config: &Config, command: UserCommand) -> Result<(), StartError> {
    let UserCommand::Create {
        email,
        password_stdin: _,
        team,
        team_id,
    } = command;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| {
        StartError::Operator(format!("--password-stdin: cannot read standard input: {e}"))
    })?;
    let store = open_store(config).await?;
    let first_team = match (&team, &team_id) {
        (_, Some(id)) => FirstTeam::Join(id),
        (Some(name), None) => FirstTeam::Named(name),
        (None, None) => FirstTeam::Personal,
    };
    let result = Accounts::new(&store)
        .create_user(&email, secret_from_stdin_line(&input), first_team, CONSOLE)
        .await;
    store.close().await;
    let signed_up = result.map_err(|e| StartError::Operator(e.to_string()))?;
    println!(
        "created user {} ({}), admin of team {}",
        email.trim(),
        signed_up.user_id,
        signed_up.team_id
    );
    Ok(())
}

pub async fn apikey(config: &Config, command: ApikeyCommand) -> Result<(), StartError> {
    let ApikeyCommand::Create {
        email,
        team,
        team_id,
        name,
    } = command;
    let team = match (&team, &team_id) {
        (_, Some(id)) => TeamRef::Id(id),
        (Some(name), None) => TeamRef::Named(name),
        (None, None) => {
            return Err(StartError::Operator(
                "--team or --team-id: name the user's team".to_owned(),
            ))
        }
    };
    let store = open_store(config).await?;
    let accounts = Accounts::new(&store);
    let result = async {
        let actor = accounts.member_actor(&email, team).await?;
        accounts
            .create_api_key(&actor, &name, actor.role, None, CONSOLE)
            .await
    }
    .await;
    store.close().await;
    let (_, key) = result.map_err(|e| StartError::Operator(e.to_string()))?;
    // The only time the key is ever shown; Ferry keeps just its hash.
    println!("{}", key.expose_secret());
    Ok(())
}

/// One pruning pass now, by the configured retention; safe beside running servers.
pub async fn prune(config: &Config) -> Result<(), StartError> {
    let store = open_store(config).await?;
    let result = Pruner::new(store.clone(), config.limits.retention)
        .prune(now_ms())
        .await;
    store.close().await;
    println!("{}", result?);
    Ok(())
}

pub async fn keys(config: &Config, command: KeysCommand) -> Result<(), StartError> {
    match command {
        KeysCommand::Rotate => {
            let id = config.key_source.add_key()?;
            println!("added key {id}, now the newest: new secrets are sealed with it");
            println!("run `ferry keys reencrypt` to re-encrypt the stored ones, then older keys can be removed");
            Ok(())
        }
        KeysCommand::Reencrypt => with_accounts(config, reencrypt).await,
        KeysCommand::List => with_accounts(config, list_keys).await,
    }
}

/// Runs an operator chore over the connected accounts with the configured keys.
async fn with_accounts<F>(config: &Config, chore: F) -> Result<(), StartError>
where
    F: AsyncFnOnce(&ConnectedAccounts<'_>, &Keyring, &Config) -> Result<(), ConnectedAccountError>,
{
    let keyring = config.key_source.load()?;
    let store = open_store(config).await?;
    let result = chore(&ConnectedAccounts::new(&store, &keyring), &keyring, config).await;
    store.close().await;
    result.map_err(|e| StartError::Operator(e.to_string()))
}

async fn reencrypt(
    accounts: &ConnectedAccounts<'_>,
    keyring: &Keyring,
    _: &Config,
) -> Result<(), ConnectedAccountError> {
    let done = accounts.reencrypt_all().await?;
    println!(
        "re-encrypted {} secrets under key {}",
        done.resealed,
        keyring.newest()
    );
    Ok(())
}

async fn list_keys(
    accounts: &ConnectedAccounts<'_>,
    keyring: &Keyring,
    config: &Config,
) -> Result<(), ConnectedAccountError> {
    let counts = accounts.secrets_by_key().await?;
    let sealed = |id: &str| {
        counts
            .iter()
            .find(|(key, _)| key == id)
            .map_or(0, |(_, n)| *n)
    };
    let ids = keyring.ids();
    for id in &ids {
        let newest = if id == keyring.newest() {
            "  (newest)"
        } else {
            ""
        };
        println!("{id}  {} secrets{newest}", sealed(id.as_str()));
    }
    for (id, n) in counts
        .iter()
        .filter(|(id, _)| !ids.iter().any(|known| known.as_str() == id))
    {
        println!(
            "{id}  {n} secrets  (not in {}: they cannot be decrypted)",
            config.key_source.describe()
        );
    }
    Ok(())
}
