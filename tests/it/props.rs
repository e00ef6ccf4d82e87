//! Property tests (issue 10): arbitrary and mutated envelopes, outcome JSON, PATCH bodies and
//! fixture files always get a well-formed answer (success, SOAP fault or JSON error), never a
//! panic, and the invariants hold afterwards. Each case talks HTTP to one real server per
//! property, so case counts stay modest.

mod envelopes;
mod fixtures;
mod json;
mod outcomes;
mod patch;
mod soap;

use std::fmt::Debug;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::Reply;

/// Runs `test` over `cases` values of `strategy`; on failure panics with the shrunk input.
/// No regression files are written: the inputs are reported, not replayed.
pub fn check<S>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        // Every shrink step is another HTTP exchange; this is plenty to reach a small input.
        max_shrink_iters: 1024,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(error) = runner.run(&strategy, test) {
        panic!("{error}");
    }
}

/// A runtime for the client side; the server runs on its own thread and runtime.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends `request`; a connection that drops or a body that cannot be read is an `Err`.
pub async fn try_send(request: reqwest::RequestBuilder) -> Result<Reply, String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("no answer: {e:?}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("answer cut short: {e:?}"))?
        .to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Fails the case unless the reply is a JSON `{"error": "…"}` with a non-empty message.
pub fn assert_json_error(reply: &Reply) -> Result<(), TestCaseError> {
    let value: serde_json::Value = serde_json::from_slice(&reply.body).map_err(|e| {
        TestCaseError::fail(format!(
            "{} answer is not JSON ({e}): {:?}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        ))
    })?;
    let message = value["error"].as_str().unwrap_or_default();
    proptest::prop_assert!(
        !message.is_empty(),
        "{} answer without an error message: {value}",
        reply.status
    );
    Ok(())
}
