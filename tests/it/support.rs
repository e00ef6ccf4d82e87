//! Helpers shared by the tests: a running server with an HTTP client, request envelopes, the
//! exact response bytes Exchange writes, and raw TCP exchanges for when the bytes on the wire
//! matter.

use std::io::BufRead;
use std::net::SocketAddr;

use base64::Engine as _;
use exchange_um_mock::{FixtureSet, UmMockServer, UmMockServerBuilder};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub mod ntlm;
mod temp_dir;

pub use temp_dir::TempDir;

pub const HTTP_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";
pub const HTTPS_NS: &str = "https://schemas.microsoft.com/exchange/services/2006/messages";
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const PATH_2007: &str = "/UnifiedMessaging/Service.asmx";
pub const PATH_2010: &str = "/EWS/UM2007Legacy.asmx";
pub const CHALLENGE: &str = "Basic realm=\"exchange-um-mock\"";
/// The `WWW-Authenticate` lines of a 401 under the default `server.auth`, in order.
pub const CHALLENGES: [&str; 3] = ["Negotiate", "NTLM", CHALLENGE];
pub const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";
/// dave's password in the embedded fixtures; every other mailbox takes any password.
pub const DAVE_PASSWORD: &str = "P@ssw0rd!";

/// The path of a file in the repo's `fixtures/` folder.
pub fn fixture_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// The bytes of a file in the repo's `fixtures/` folder.
pub fn fixture_bytes(relative: &str) -> Vec<u8> {
    std::fs::read(fixture_path(relative)).unwrap()
}

/// The embedded `mock.json` text, for tests that change it a little.
pub fn default_mock_json() -> String {
    String::from_utf8(fixture_bytes("mock.json")).unwrap()
}

/// A request envelope calling `operation` (no parameters) in namespace `ns`.
pub fn envelope(ns: &str, operation: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><{operation} xmlns="{ns}"/></soap:Body></soap:Envelope>"#
    )
}

/// The ResetPIN request a client generated from the published docs sends.
pub fn reset_pin_envelope() -> String {
    envelope(HTTP_NS, "ResetPIN")
}

fn response_envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

/// The exact success response of a void operation.
pub fn empty_response_xml(ns: &str, operation: &str) -> String {
    response_envelope(&format!(r#"<{operation}Response xmlns="{ns}"/>"#))
}

/// The exact UM operation fault.
pub fn um_fault_xml(ns: &str, exception: &str, message: &str) -> String {
    response_envelope(&format!(
        r#"<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/errors">a:{exception}</faultcode><faultstring xml:lang="en-US">{message}</faultstring><detail><m:ExceptionType xmlns:m="{ns}">{exception}</m:ExceptionType></detail></s:Fault>"#
    ))
}

/// The exact fault for a caller who is not UM-enabled.
pub fn not_um_enabled_xml(ns: &str) -> String {
    um_fault_xml(
        ns,
        "UserNotUmEnabledException",
        "The user isn't enabled for Unified Messaging.",
    )
}

/// The exact `ErrorInvalidRequest` fault.
pub fn invalid_request_xml() -> String {
    response_envelope(
        r#"<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorInvalidRequest</faultcode><faultstring xml:lang="en-US">The request is invalid.</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorInvalidRequest</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The request is invalid.</e:Message></detail></s:Fault>"#,
    )
}

/// `Basic base64(user:password)`.
pub fn basic(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

/// The password that works for `user` in the embedded fixtures.
pub fn password_for(user: &str) -> &'static str {
    if user.to_ascii_lowercase().contains("dave") {
        DAVE_PASSWORD
    } else {
        "any password"
    }
}

/// A ResetPIN call as `user` to the server at `base` (`http://host:port`), as a typical client
/// makes it; built, not sent.
pub fn reset_pin_request(
    client: &reqwest::Client,
    base: &str,
    user: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}{PATH_2010}"))
        .header("Authorization", basic(user, password_for(user)))
        .header("Content-Type", SOAP_CONTENT_TYPE)
        .header("SOAPAction", format!("\"{HTTP_NS}/ResetPIN\""))
        .body(reset_pin_envelope())
}

/// What a client got back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The message of a JSON error answer (`{"error": …}`); panics if there is none.
    pub fn error(&self) -> String {
        let json = self.json();
        json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {json}"))
            .to_string()
    }

    /// The header's value; panics if it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.maybe_header(name)
            .unwrap_or_else(|| panic!("no header {name} in {:?}", self.headers))
    }

    /// Every value of header `name`, in order.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }

    pub fn maybe_header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The journal id the double gave this request.
    pub fn request_id(&self) -> u64 {
        self.header("X-Exum-Request-Id").parse().unwrap()
    }
}

/// A running server and a client for it.
pub struct Mock {
    pub server: UmMockServer,
    pub client: reqwest::Client,
}

impl Mock {
    /// A server on the embedded fixtures.
    pub async fn start() -> Mock {
        Mock::from(UmMockServer::start().await)
    }

    /// A server from a configured builder.
    pub async fn with(builder: UmMockServerBuilder) -> Mock {
        Mock::from(builder.start().await.unwrap())
    }

    /// A server on this `mock.json` (and no canned responses).
    pub async fn with_mock_json(json: &str) -> Mock {
        Mock::with(UmMockServer::builder().fixtures(FixtureSet::from_mock_json(json))).await
    }

    fn from(server: UmMockServer) -> Mock {
        Mock {
            server,
            client: reqwest::Client::new(),
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::from(request.send().await.unwrap()).await
    }

    /// POSTs `body` to the endpoint `path` as `user` (with the password that works for them).
    pub async fn post_as(&self, user: &str, path: &str, body: impl Into<reqwest::Body>) -> Reply {
        let request = self
            .client
            .post(self.url(path))
            .header("Authorization", basic(user, password_for(user)))
            .header("Content-Type", SOAP_CONTENT_TYPE)
            .body(body);
        self.send(request).await
    }

    /// A ResetPIN call as `user`, as a typical client makes it.
    pub async fn reset_pin(&self, user: &str) -> Reply {
        self.send(self.reset_pin_request(user)).await
    }

    /// The request [`Mock::reset_pin`] sends, built but not sent: for tests that time the
    /// exchange from the moment it is sent.
    pub fn reset_pin_request(&self, user: &str) -> reqwest::RequestBuilder {
        reset_pin_request(&self.client, &self.server.uri(), user)
    }

    /// A ResetPIN call as `user` that must succeed; returns the reply.
    pub async fn reset_pin_ok(&self, user: &str) -> Reply {
        let reply = self.reset_pin(user).await;
        assert_eq!(reply.status, 200, "ResetPIN as {user}: {}", reply.text());
        reply
    }

    /// An admin request with an optional JSON body.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// `GET path` on the admin API, which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let reply = self.admin("GET", path, None).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
        reply.json()
    }

    pub async fn mailbox(&self, address: &str) -> Value {
        self.get_json(&format!("/__admin/mailboxes/{address}"))
            .await
    }

    /// `GET /__admin/emails?{query}`.
    pub async fn emails(&self, query: &str) -> Value {
        self.get_json(&format!("/__admin/emails?{query}")).await
    }

    /// `GET /__admin/requests?{query}`.
    pub async fn journal(&self, query: &str) -> Value {
        self.get_json(&format!("/__admin/requests?{query}")).await
    }

    /// The journal entry with this id.
    pub async fn journal_entry(&self, id: u64) -> Value {
        let after = id.saturating_sub(1);
        let journal = self.journal(&format!("after_id={after}&limit=1")).await;
        journal["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no journal entry {id} in {journal:#}"))
            .clone()
    }

    /// Adds a scenario through the admin API; returns the stored scenario.
    pub async fn add_scenario(&self, scenario: Value) -> Value {
        let reply = self
            .admin("POST", "/__admin/scenarios", Some(scenario))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()
    }
}

/// A whole HTTP/1.1 ResetPIN request as bytes, closing the connection after the answer.
pub fn raw_reset_pin(address: SocketAddr, user: &str) -> Vec<u8> {
    raw_post(address, PATH_2010, user, reset_pin_envelope().as_bytes())
}

/// A whole HTTP/1.1 POST to `path` as bytes, closing the connection after the answer.
pub fn raw_post(address: SocketAddr, path: &str, user: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\nContent-Type: {SOAP_CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        basic(user, password_for(user)),
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Connects, writes `request` and reads until the server closes the connection: the bytes read
/// and how the reading ended.
pub async fn raw_exchange(address: SocketAddr, request: &[u8]) -> (Vec<u8>, std::io::Result<()>) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_until_closed(&mut stream).await
}

/// Reads until EOF or an error; the bytes read and how the reading ended.
pub async fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, std::io::Result<()>) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) => return (received, Ok(())),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) => return (received, Err(error)),
        }
    }
}

/// The value of `field` in each element of a JSON array.
pub fn field<'a>(list: &'a Value, field: &str) -> Vec<&'a Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| &item[field])
        .collect()
}

/// Reads the binary's next ready line (`listening on URL`) from its stdout; the URL.
pub fn read_ready_url(stdout: &mut impl BufRead) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line.trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
        .to_string()
}

/// The `HOST:PORT` of an `http://` URL.
pub fn http_address(url: &str) -> String {
    url.strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http:// URL: {url}"))
        .to_string()
}
