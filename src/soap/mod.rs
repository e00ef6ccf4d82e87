//! SOAP 1.1 on the wire: reading a request envelope ([`read`]), writing responses and faults
//! ([`write`]) exactly as Exchange does, each operation's description ([`schema`]) and the WSDL
//! written from it ([`wsdl`]).

pub(crate) mod read;
pub(crate) mod schema;
pub(crate) mod write;
pub(crate) mod wsdl;

pub(crate) const SOAP11_ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub(crate) const SOAP12_ENVELOPE: &str = "http://www.w3.org/2003/05/soap-envelope";
pub(crate) const ERRORS_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/errors";
pub(crate) const TYPES_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
pub(crate) const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// The UM messages namespace a client used. Published docs disagree on the scheme, so both are
/// accepted and the answer repeats the one the request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum MessagesNs {
    #[default]
    Http,
    Https,
}

impl MessagesNs {
    pub(crate) fn uri(self) -> &'static str {
        match self {
            MessagesNs::Http => "http://schemas.microsoft.com/exchange/services/2006/messages",
            MessagesNs::Https => "https://schemas.microsoft.com/exchange/services/2006/messages",
        }
    }

    pub(crate) fn from_uri(uri: &[u8]) -> Option<Self> {
        [MessagesNs::Http, MessagesNs::Https]
            .into_iter()
            .find(|ns| ns.uri().as_bytes() == uri)
    }
}
