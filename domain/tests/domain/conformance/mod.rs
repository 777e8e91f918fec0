//! The harness of the conformance suites: each named `async fn name(store: &Store)` runs as
//! two tests, one per backend.

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { let db = ferry_testing::sqlite().await; super::$name(&db.store).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { let db = ferry_testing::postgres().await; super::$name(&db.store).await })*
        }
    };
}
