//! A build without the optional features refuses what needs them, saying which to add
//! (run by `cargo test --no-default-features --lib`).

use crate::UmMockServer;

#[cfg(not(feature = "tls"))]
#[tokio::test]
async fn an_https_listener_is_refused_naming_the_tls_feature() {
    let error = UmMockServer::builder().https().start().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("built without the `tls` feature"),
        "{error}"
    );
}

#[cfg(not(feature = "tls"))]
#[tokio::test]
async fn a_tls_setting_without_an_https_listener_is_refused_too() {
    let dir = std::env::temp_dir();
    let error = UmMockServer::builder()
        .tls_state_dir(dir)
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("`--features tls`"), "{error}");
}

#[cfg(not(feature = "watch"))]
#[tokio::test]
async fn a_watch_is_refused_naming_the_watch_feature() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let error = UmMockServer::builder()
        .fixtures_dir(fixtures)
        .watch()
        .start()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("built without the `watch` feature"),
        "{error}"
    );
}
