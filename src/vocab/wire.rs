//! HTTP requests and answers in the double's own terms, so that routing, the SOAP endpoint and
//! the admin API never see hyper types (the hyper adapter and the wiremock responder convert).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::vocab::time::Timestamp;

#[derive(Debug, Clone)]
pub(crate) struct WireRequest {
    pub(crate) method: String,
    /// The path within the double the request is for: below its session's prefix.
    pub(crate) path: String,
    /// The session prefix the request came under (`/sessions/ID`), empty for the root double.
    /// URLs the double writes about itself (WSDL, Autodiscover, redirects) start with it, and
    /// the journal records it with the path, as the client sent it.
    pub(crate) prefix: String,
    pub(crate) query: Option<String>,
    /// Shared, so the journal keeps them without copying (it makes its map when read).
    pub(crate) headers: Arc<[(String, String)]>,
    pub(crate) body: Bytes,
    pub(crate) received_at: Timestamp,
    pub(crate) started: Instant,
    /// The scheme of the listener the request came in on (`http` or `https`): URLs the
    /// double writes about itself (WSDL, Autodiscover) use it, and the journal records it.
    pub(crate) scheme: &'static str,
    /// The DER of the leaf certificate an `https` connection was served with: what Extended
    /// Protection's channel binding hashes. `None` on plain HTTP.
    pub(crate) certificate: Option<Arc<[u8]>>,
}

impl WireRequest {
    pub(crate) fn new(
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: Vec<(String, String)>,
        body: Bytes,
    ) -> Self {
        WireRequest {
            method: method.to_string(),
            path: path.to_string(),
            prefix: String::new(),
            query: query.map(str::to_string),
            headers: headers.into(),
            body,
            received_at: Timestamp::now(),
            started: Instant::now(),
            scheme: "http",
            certificate: None,
        }
    }

    /// The same request, received at `at` by the double's clock (it is stamped with the
    /// system's time until then).
    pub(crate) fn received(mut self, at: Timestamp) -> Self {
        self.received_at = at;
        self
    }

    /// The same request, as received on a listener of `scheme` (`http` or `https`).
    pub(crate) fn over(mut self, scheme: &'static str) -> Self {
        self.scheme = scheme;
        self
    }

    /// The same request, having come on a TLS connection served with `certificate` (DER).
    pub(crate) fn served_with(mut self, certificate: Option<Arc<[u8]>>) -> Self {
        self.certificate = certificate;
        self
    }

    /// The first header called `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The same request for the double under `prefix` (`/sessions/ID`): `path` is what
    /// follows the prefix (`/` when nothing does).
    pub(crate) fn under(mut self, prefix: &str) -> Self {
        let rest = &self.path[prefix.len().min(self.path.len())..];
        self.path = if rest.is_empty() {
            "/".into()
        } else {
            rest.into()
        };
        self.prefix = prefix.into();
        self
    }

    /// The path as the client sent it, with the session prefix, and the query.
    pub(crate) fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}{}?{q}", self.prefix, self.path),
            None => format!("{}{}", self.prefix, self.path),
        }
    }

    /// `scheme://host` as the request reached the server. Without a `Host` (HTTP/1.0) there
    /// is no better guess than localhost.
    pub(crate) fn origin(&self) -> String {
        let host = self
            .header("host")
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost");
        format!("{}://{host}", self.scheme)
    }

    /// The origin and the session prefix: the start of every URL the double writes about
    /// itself.
    pub(crate) fn base_url(&self) -> String {
        format!("{}{}", self.origin(), self.prefix)
    }

    /// Query parameters, percent-decoded, in order.
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        let Some(query) = &self.query else {
            return Vec::new();
        };
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }
}

/// Request headers as (name, value) pairs; a value that is not UTF-8 is read lossily.
pub(crate) fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                // The strict check is much cheaper than the lossy one when it succeeds,
                // which is nearly always.
                match value.to_str() {
                    Ok(text) => text.to_string(),
                    Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
                },
            )
        })
        .collect()
}

/// Decodes a query-string name or value: `%XX` escapes and `+` (as a space); malformed escapes
/// stay as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    decode(text, true)
}

/// Decodes a path segment: `%XX` escapes only. A `+` in a path is literal (RFC 3986), as in
/// `/__admin/mailboxes/john+um@contoso.com`.
pub(crate) fn percent_decode_path(text: &str) -> String {
    decode(text, false)
}

/// A `Host` header's name without its port: `um01:8080` → `um01`, `[::1]:80` → `::1` (the
/// address alone for a bracketed IPv6 literal). The admin guard and Extended Protection's
/// service binding both read the name this way.
pub(crate) fn host_without_port(host: &str) -> &str {
    let host = host.trim();
    if let Some(bracketed) = host.strip_prefix('[') {
        // An unclosed bracket is no address: the value stays as it came.
        return bracketed.split_once(']').map_or(host, |(inside, _)| inside);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone)]
pub(crate) struct WireResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl WireResponse {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        WireResponse {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        WireResponse {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub(crate) fn json(status: u16, value: &impl Serialize) -> Self {
        let body =
            serde_json::to_vec(value).expect("admin values serialise: plain data, string keys");
        Self::new(status, "application/json", body)
    }

    /// `{"error": message}`
    pub(crate) fn json_error(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, &serde_json::json!({ "error": message.into() }))
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// With the headers an outcome sets, each replacing one of the same name (a scripted
    /// Content-Type must not go out next to the double's own).
    pub(crate) fn with_scripted_headers(
        mut self,
        headers: &std::collections::BTreeMap<String, String>,
    ) -> Self {
        for (header, value) in headers {
            self.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case(header));
            self.headers.push((header.clone(), value.clone()));
        }
        self
    }
}

/// A connection-level failure.
///
/// ```
/// use exchange_um_mock::{NetworkFault, Outcome};
///
/// // Arrange, Act
/// let outcome = Outcome::network(NetworkFault::Close);
///
/// // Assert
/// assert_eq!(serde_json::to_value(&outcome).unwrap(), serde_json::json!({"network": "close"}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum NetworkFault {
    /// Reset the TCP connection (RST) without answering.
    Reset,
    /// Close the connection (FIN) without answering.
    Close,
    /// Write random bytes that are not HTTP, then close.
    Garbage,
    /// Never answer; the connection stays open until the client gives up or the server stops.
    Hang,
}

impl NetworkFault {
    /// The word of the JSON form (`reset`, `close`, `garbage`, `hang`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            NetworkFault::Reset => "reset",
            NetworkFault::Close => "close",
            NetworkFault::Garbage => "garbage",
            NetworkFault::Hang => "hang",
        }
    }
}

/// What to do with a connection for one request.
#[derive(Debug)]
pub(crate) enum Reply {
    Http(WireResponse),
    Network(NetworkFault),
    /// Status and headers now, then a body sent as it is produced (`GET /__admin/events`).
    Stream(Streamed),
}

impl From<WireResponse> for Reply {
    fn from(response: WireResponse) -> Self {
        Reply::Http(response)
    }
}

/// An answer whose body is written as it is produced: `head`'s body is ignored, `chunks`
/// carries the body, which ends when its sender is dropped. A channel rather than a stream
/// type so the service layer stays free of hyper's body traits; bounded, so a client that does
/// not read makes the writer wait (and the event stream drop it) instead of piling bytes up.
#[derive(Debug)]
pub(crate) struct Streamed {
    pub(crate) head: WireResponse,
    pub(crate) chunks: tokio::sync::mpsc::Receiver<Bytes>,
}

/// A decided answer and when to give it.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) reply: Reply,
    pub(crate) delay: Duration,
}

impl Plan {
    pub(crate) fn now(reply: impl Into<Reply>) -> Self {
        Plan {
            reply: reply.into(),
            delay: Duration::ZERO,
        }
    }
}

/// Longest header value [`header_safe`] gives. A reason can quote what the client sent (an
/// operation name, a namespace, a user name) at any length, but clients refuse responses with
/// large headers (Node: 16 KiB for all of them, curl: 100 KiB for one); the journal keeps the
/// whole text.
const MAX_HEADER_VALUE: usize = 1000;
const CUT: &str = " ... (cut; the journal has it whole)";

/// A header value that is safe to send: visible ASCII kept, anything else escaped, and at most
/// [`MAX_HEADER_VALUE`] bytes.
pub(crate) fn header_safe(text: &str) -> String {
    let mut safe: String = text
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect();
    if safe.len() > MAX_HEADER_VALUE {
        // All ASCII by now, so any byte index is a char boundary.
        safe.truncate(MAX_HEADER_VALUE - CUT.len());
        safe.push_str(CUT);
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_loses_its_port_and_an_ipv6_literal_its_brackets() {
        assert_eq!(host_without_port("um01:8080"), "um01");
        assert_eq!(host_without_port("[::1]:443"), "::1");
        assert_eq!(host_without_port("[::1]"), "::1");
        assert_eq!(host_without_port("um01."), "um01.");
        assert_eq!(host_without_port("um01"), "um01");
    }

    #[test]
    fn percent_decoding_handles_escapes_plus_and_junk() {
        assert_eq!(percent_decode("alice%40contoso.com"), "alice@contoso.com");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(
            percent_decode_path("john+um%40contoso.com"),
            "john+um@contoso.com"
        );
    }

    #[test]
    fn header_values_are_made_safe() {
        assert_eq!(
            header_safe("no mailbox has logon 'CONTOSO\\bob2'"),
            "no mailbox has logon 'CONTOSO\\bob2'"
        );
        assert_eq!(header_safe("é\n"), "\\u{e9}\\u{a}");
    }
}
