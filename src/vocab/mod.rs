//! Leaves: the words every layer uses, depending on nothing else in the crate. Operation
//! names, the one hardened XML reader, the one bounded file reader, timestamps and the
//! double's clock, the bounded ring behind every store, the server's stop signal, and HTTP
//! requests and answers in the double's own terms.

pub(crate) mod clock;
pub(crate) mod file;
mod operation;
pub(crate) mod paths;
pub(crate) mod ring;
pub(crate) mod stop;
pub(crate) mod time;
pub(crate) mod wire;
pub(crate) mod xml;

pub use operation::Operation;
