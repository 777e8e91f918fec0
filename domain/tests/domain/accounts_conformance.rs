//! Accounts' throttles under concurrency, on both backends: deciding whether an attempt may
//! go ahead and recording it are one step, so a burst of simultaneous attempts cannot all
//! pass on the same count.

use std::time::{Duration, Instant};

use ferry_domain::{
    accounts::{AccountError, Accounts, FirstTeam},
    auth::{AuthError, FREE_ACCOUNT_FAILURES},
    Store,
};

ferry_testing::on_both!(
    store:
    concurrent_wrong_passwords_reach_the_password_check_only_as_the_throttle_allows,
    a_right_password_ends_the_run_of_failures,
);

const PASSWORD: &str = "correct horse battery staple";
const BURST: usize = 200;

/// 200 wrong passwords for one account at once. Within its first minute an account takes at
/// most 11 failures (0, 0, 0, 0, 0, 1, 2, 4, 8, 16 and 32 s apart; the README's bound is 71
/// an hour), so no more than that may reach the password check; every other attempt is
/// told to wait, without a check and without being recorded.
async fn concurrent_wrong_passwords_reach_the_password_check_only_as_the_throttle_allows(
    store: &Store,
) {
    Accounts::new(store)
        .create_user(
            "target@example.com",
            PASSWORD.into(),
            FirstTeam::Personal,
            "console",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let attempts: Vec<_> = (0..BURST)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                Accounts::new(&store)
                    .sign_in(
                        "target@example.com",
                        "not the password".into(),
                        "203.0.113.9",
                    )
                    .await
            })
        })
        .collect();
    let (mut checked, mut told_to_wait) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Err(AccountError::WrongCredentials) => checked += 1,
            Err(AccountError::Auth(AuthError::TooManyAttempts { .. })) => told_to_wait += 1,
            other => panic!("a wrong password is refused one way or the other: {other:?}"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the bound below is for the first minute"
    );
    assert_eq!(checked + told_to_wait, BURST);
    assert!(
        (FREE_ACCOUNT_FAILURES as usize..=11).contains(&checked),
        "{checked} of {BURST} simultaneous attempts reached the password check"
    );
    assert_eq!(
        recorded_failures(store).await,
        checked as i64,
        "each check, and nothing else, is on record"
    );
}

/// A sign-in is recorded as a failure before its check; the right password then marks it a
/// success, so the failures before it no longer count towards the account's wait.
async fn a_right_password_ends_the_run_of_failures(store: &Store) {
    let accounts = Accounts::new(store);
    accounts
        .create_user(
            "target@example.com",
            PASSWORD.into(),
            FirstTeam::Personal,
            "console",
        )
        .await
        .unwrap();
    let wrong = || {
        accounts.sign_in(
            "target@example.com",
            "not the password".into(),
            "203.0.113.9",
        )
    };
    for _ in 1..FREE_ACCOUNT_FAILURES {
        assert!(matches!(wrong().await, Err(AccountError::WrongCredentials)));
    }
    accounts
        .sign_in("target@example.com", PASSWORD.into(), "203.0.113.9")
        .await
        .unwrap();
    for n in 0..FREE_ACCOUNT_FAILURES {
        let refused = wrong().await;
        assert!(
            matches!(refused, Err(AccountError::WrongCredentials)),
            "failure {n} after the success: {refused:?}"
        );
    }
    assert!(matches!(
        wrong().await,
        Err(AccountError::Auth(AuthError::TooManyAttempts { .. }))
    ));
}

async fn recorded_failures(store: &Store) -> i64 {
    const SQL: &str =
        "SELECT COUNT(*) FROM login_attempts WHERE email = 'target@example.com' AND NOT succeeded";
    match store {
        Store::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await.unwrap(),
        Store::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await.unwrap(),
    }
}
