//! The paths the server serves, named once: the UM endpoints, the admin API and the sessions'
//! prefix. Every URL the double writes about itself is made from them.

/// The Exchange 2007 endpoint path.
pub(crate) const SERVICE_PATH_2007: &str = "/UnifiedMessaging/Service.asmx";
/// The Exchange 2010+ endpoint path.
pub(crate) const SERVICE_PATH_2010: &str = "/EWS/UM2007Legacy.asmx";
/// Where the admin API lives, at the root and under each session's prefix.
pub(crate) const ADMIN_PREFIX: &str = "/__admin";
/// What every session's prefix (`/sessions/ID`) starts with.
pub(crate) const SESSIONS_PREFIX: &str = "/sessions";
