//! One conformance suite, run against both backends: whatever a test here asserts holds
//! on SQLite and on PostgreSQL alike.

use ferry_domain::Store;
use ferry_testing as testing;

conformance!(
    answers_ping,
    migrating_twice_changes_nothing,
    instance_id_is_created_once,
    instance_id_is_agreed_under_concurrency,
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
