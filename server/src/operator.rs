//! `ferry user …`, `ferry apikey …` and `ferry keys …`: chores for the operator at the console.

use std::io::Read;

use ferry_domain::{
    accounts::{secret_from_stdin_line, Accounts},
    connected_accounts::ConnectedAccounts,
};

use crate::{
    cli::{ApikeyCommand, KeysCommand, UserCommand},
    config::{Config, StartError},
    serve::open_store,
};

const CONSOLE: &str = "console";

pub async fn user(config: &Config, command: UserCommand) -> Result<(), StartError> {
    let UserCommand::Create { email, password_stdin: _, team } = command;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| StartError::Operator(format!("--password-stdin: cannot read standard input: {e}")))?;
    let store = open_store(config).await?;
    let result = Accounts::new(&store)
        .sign_up(&email, secret_from_stdin_line(&input), team.as_deref(), CONSOLE)
        .await;
    store.close().await;
    let signed_up = result.map_err(|e| StartError::Operator(e.to_string()))?;
    println!("created user {} ({})", email.trim(), signed_up.user_id);
    Ok(())
}

pub async fn apikey(config: &Config, command: ApikeyCommand) -> Result<(), StartError> {
    let ApikeyCommand::Create { email, team, name } = command;
    let store = open_store(config).await?;
    let accounts = Accounts::new(&store);
    let result = async {
        let actor = accounts.member_actor(&email, &team).await?;
        accounts.create_api_key(&actor, &name, actor.role, None, CONSOLE).await
    }
    .await;
    store.close().await;
    let (_, key) = result.map_err(|e| StartError::Operator(e.to_string()))?;
    // The only time the key is ever shown; Ferry keeps just its hash.
    println!("{}", key.expose_secret());
    Ok(())
}

pub async fn keys(config: &Config, command: KeysCommand) -> Result<(), StartError> {
    if let KeysCommand::Rotate = command {
        let id = config.key_source.add_key()?;
        println!("added key {id}, now the newest: new secrets are sealed with it");
        println!("run `ferry keys reencrypt` to re-encrypt the stored ones, then older keys can be removed");
        return Ok(());
    }
    let keyring = config.key_source.load()?;
    let store = open_store(config).await?;
    let service = ConnectedAccounts::new(&store, &keyring);
    let result = match command {
        KeysCommand::Reencrypt => service.reencrypt_all().await.map(|done| {
            println!("re-encrypted {} secrets under key {}", done.resealed, keyring.newest());
        }),
        _ => service.secrets_by_key().await.map(|counts| {
            let sealed = |id: &str| counts.iter().find(|(key, _)| key == id).map_or(0, |(_, n)| *n);
            for id in keyring.ids() {
                let newest = if &id == keyring.newest() { "  (newest)" } else { "" };
                println!("{id}  {} secrets{newest}", sealed(id.as_str()));
            }
            for (id, n) in counts.iter().filter(|(id, _)| !keyring.ids().iter().any(|k| k.as_str() == id)) {
                println!("{id}  {n} secrets  (not in {}: they cannot be decrypted)", config.key_source.describe());
            }
        }),
    };
    store.close().await;
    result.map_err(|e| StartError::Operator(e.to_string()))
}
