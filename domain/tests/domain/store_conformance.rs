//! One conformance suite, run against both backends: whatever a test here asserts holds
//! on SQLite and on PostgreSQL alike.

use ferry_domain::{
    integrations::IntegrationStatus,
    store::{
        connected_accounts::SealedCredential,
        sync::{RunOutcome, Trigger},
    },
    Store,
};
use ferry_testing as testing;

ferry_testing::on_both!(
    store:
    answers_ping,
    migrating_twice_changes_nothing,
    instance_id_is_created_once,
    instance_id_is_agreed_under_concurrency,
    stored_names_round_trip,
    an_unknown_stored_name_is_a_decode_error,
);

async fn answers_ping(store: &Store) {
    store.ping().await.expect("ping");
}

async fn migrating_twice_changes_nothing(store: &Store) {
    let before = store.instance_id().await.unwrap();
    store.migrate().await.expect("second migration is a no-op");
    assert_eq!(store.instance_id().await.unwrap(), before);
}

async fn instance_id_is_created_once(store: &Store) {
    let first = store.instance_id().await.unwrap();
    assert_eq!(first.len(), 36, "a UUID: {first}");
    assert_eq!(store.instance_id().await.unwrap(), first);
}

async fn instance_id_is_agreed_under_concurrency(store: &Store) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.instance_id().await.unwrap() })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every caller sees the same id: {ids:?}");
}

/// One value of type `$ty` read by `$sql` (with `$bind` as `$1`), on whichever pool the store
/// holds.
macro_rules! select_one {
    ($store:expr, $ty:ty, $sql:expr $(, $bind:expr)?) => {
        match $store {
            Store::Sqlite(pool) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($bind))?.fetch_one(pool).await,
            Store::Postgres(pool) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($bind))?.fetch_one(pool).await,
        }
    };
}

async fn stored_names_round_trip(store: &Store) {
    for status in IntegrationStatus::ALL {
        let text = select_one!(store, String, "SELECT $1", status).unwrap();
        assert_eq!(text, status.as_str());
        let back = select_one!(store, IntegrationStatus, "SELECT $1", text).unwrap();
        assert_eq!(back, status);
    }
    for trigger in Trigger::ALL {
        let back = select_one!(store, Trigger, "SELECT $1", trigger).unwrap();
        assert_eq!(back, trigger);
    }
    for outcome in RunOutcome::ALL {
        let back = select_one!(store, RunOutcome, "SELECT $1", outcome).unwrap();
        assert_eq!(back, outcome);
    }
}

async fn an_unknown_stored_name_is_a_decode_error(store: &Store) {
    let read = select_one!(store, IntegrationStatus, "SELECT 'broken'");
    assert!(
        matches!(&read, Err(sqlx::Error::ColumnDecode { source, .. })
            if source.to_string() == r#"unknown integration status "broken""#),
        "{read:?}"
    );
    let read = select_one!(store, Trigger, "SELECT 'someday'");
    assert!(
        matches!(read, Err(sqlx::Error::ColumnDecode { .. })),
        "{read:?}"
    );
    // The method is read first: the row needs no other column to fail.
    let sql = "SELECT 'passkey' AS method";
    let read = match store {
        Store::Sqlite(pool) => {
            sqlx::query_as::<_, SealedCredential>(sql)
                .fetch_one(pool)
                .await
        }
        Store::Postgres(pool) => {
            sqlx::query_as::<_, SealedCredential>(sql)
                .fetch_one(pool)
                .await
        }
    };
    assert!(
        matches!(&read, Err(sqlx::Error::ColumnDecode { index, .. }) if index == "method"),
        "{read:?}"
    );
}

#[tokio::test]
async fn postgres_test_databases_are_dropped() {
    let db = testing::postgres().await;
    let ferry_domain::DatabaseUrl::Postgres(url) = db.url.clone() else {
        unreachable!()
    };
    let name = url.rsplit('/').next().unwrap().to_owned();
    drop(db);
    let admin =
        Store::connect(&ferry_domain::DatabaseUrl::parse(&testing::postgres_admin_url()).unwrap())
            .await
            .unwrap();
    let Store::Postgres(pool) = &admin else {
        unreachable!()
    };
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
