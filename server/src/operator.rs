//! `ferry user …` and `ferry apikey …`: account chores for the operator at the console.

use std::io::Read;

use ferry_domain::accounts::{secret_from_stdin_line, Accounts};

use crate::{
    cli::{ApikeyCommand, UserCommand},
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
