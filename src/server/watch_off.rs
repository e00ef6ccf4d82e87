//! What stands in for `watch.rs` when the crate is built without its `watch` feature: asking
//! for a watch is refused at start with an error that says how to get it.
//! `POST /__admin/reload` needs no watch and works either way.

use std::future::Future;
use std::path::Path;

use crate::error::Error;
use crate::state::Shared;

/// Uninhabited: without the `watch` feature no watch is ever set up.
#[derive(Debug)]
pub(crate) enum Watch {}

impl Watch {
    /// Always an error naming the missing feature.
    pub(crate) fn new(_shared: Shared, dir: &Path) -> Result<Watch, Error> {
        Err(Error::watch(format!(
            "exchange-um-mock was built without the `watch` feature, so it cannot watch {} \
             (build it with `--features watch`, on by default; POST /__admin/reload works)",
            dir.display()
        )))
    }
}

/// Runs `serve`: there is never a watch beside it.
pub(crate) async fn serving(watch: Option<Watch>, serve: impl Future<Output = ()>) {
    if let Some(watch) = watch {
        match watch {}
    }
    serve.await
}
