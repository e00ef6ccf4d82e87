//! The hyper-free HTTP layer: a [`WireRequest`](crate::vocab::wire::WireRequest) in, a decided
//! [`Plan`](crate::vocab::wire::Plan) out. The router, the UM endpoint, Autodiscover, caller
//! authentication, the admin API and the web inbox's embedded assets. The hyper server and the wiremock responder both call it.

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod autodiscover;
pub(crate) mod endpoint;
pub(crate) mod router;
pub(crate) mod ui;
