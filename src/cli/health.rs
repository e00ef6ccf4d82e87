//! `exchange-um-mock health`: one `GET /__admin/health`, as a container's `HEALTHCHECK` and shell
//! scripts run it. Prints `ok` and exits 0 when the double answers `{"status":"ok",…}`;
//! otherwise one line on stderr saying why, exit 1.
//!
//! One request needs no HTTP client: a plain HTTP/1.1 GET with `Connection: close` over a TCP or
//! TLS stream, read until the body is complete or the server closes.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::listen::parse_listen;

/// Where `health` probes when there is no `--url` and no `EXUM_LISTEN`: `serve`'s default.
const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The health answer is a few dozen bytes; anything much larger is not this double.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The flags of `health`.
#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// Base URL of the double (default: the first address of EXUM_LISTEN, with 0.0.0.0 probed
    /// at 127.0.0.1 and :: at ::1, else http://127.0.0.1:8080). https:// is probed without
    /// checking the certificate.
    #[arg(long)]
    url: Option<String>,
    /// The whole probe (connect, TLS, request, answer) ends within this many milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
}

/// Runs the probe; `ok` on stdout and exit 0, or one line on stderr and exit 1.
pub(crate) fn run(args: HealthArgs) -> ExitCode {
    match probe(args) {
        Ok(()) => {
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(why) => {
            // One line whatever the server sent: its text may hold line breaks.
            let why: String = why
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            eprintln!("exchange-um-mock health: {why}");
            ExitCode::FAILURE
        }
    }
}

fn probe(args: HealthArgs) -> Result<(), String> {
    let base = match args.url {
        Some(url) => url,
        None => default_url()?,
    };
    let target = Target::parse(&base)?;
    let token = match std::env::var("EXUM_ADMIN_TOKEN") {
        Ok(token) if !token.is_empty() => Some(token),
        _ => None,
    };
    if token
        .as_deref()
        .is_some_and(|t| t.chars().any(char::is_control))
    {
        return Err("EXUM_ADMIN_TOKEN holds a control character".to_owned());
    }
    let request = target.request(token.as_deref());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    let limit = Duration::from_millis(args.timeout_ms);
    let answer = runtime
        .block_on(async { tokio::time::timeout(limit, target.exchange(request.as_bytes())).await });
    // A name lookup still running on a blocking thread must not hold the exit past the limit.
    runtime.shutdown_background();
    let answer = answer.map_err(|_| {
        format!(
            "no answer from {} within {} ms",
            target.health_url(),
            args.timeout_ms
        )
    })??;
    judge(&target, &answer)
}

/// The first address of `EXUM_LISTEN` as seen from this machine, else `serve`'s default.
fn default_url() -> Result<String, String> {
    let Ok(listen) = std::env::var("EXUM_LISTEN") else {
        return Ok(DEFAULT_URL.to_owned());
    };
    let first = listen.split(',').next().unwrap_or_default().trim();
    if first.is_empty() {
        return Ok(DEFAULT_URL.to_owned());
    }
    let listen = parse_listen(first).map_err(|why| format!("EXUM_LISTEN: {why}"))?;
    if listen.port == 0 {
        return Err(format!(
            "EXUM_LISTEN's first address '{first}' takes a free port, so its port is unknown here: give --url"
        ));
    }
    Ok(listen.local_url())
}

/// The parts of `--url` the probe needs.
struct Target {
    tls: bool,
    /// `HOST[:PORT]` as given, for the `Host` header.
    authority: String,
    /// Without IPv6 brackets, for connecting and for TLS's server name.
    host: String,
    port: u16,
    /// A path before `/__admin`, without a trailing `/` (empty for most URLs).
    prefix: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let (tls, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            return Err(format!("--url '{url}' must start with http:// or https://"));
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = match authority.rsplit_once(':') {
            // A colon inside brackets belongs to an IPv6 address, not before a port.
            Some((host, port)) if !port.contains(']') => {
                let port = port
                    .parse()
                    .map_err(|_| format!("'{port}' in --url '{url}' is not a port number"))?;
                (host, port)
            }
            _ => (authority, if tls { 443 } else { 80 }),
        };
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(format!("--url '{url}' has no host"));
        }
        Ok(Target {
            tls,
            authority: authority.to_owned(),
            host: host.to_owned(),
            port,
            prefix: path.trim_end_matches('/').to_owned(),
        })
    }

    fn health_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!(
            "{scheme}://{}{}/__admin/health",
            self.authority, self.prefix
        )
    }

    fn request(&self, token: Option<&str>) -> String {
        let authorization = token
            .map(|token| format!("Authorization: Bearer {token}\r\n"))
            .unwrap_or_default();
        format!(
            "GET {}/__admin/health HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
             User-Agent: exchange-um-mock-health\r\n{authorization}Connection: close\r\n\r\n",
            self.prefix, self.authority
        )
    }

    /// Connects, sends `request` and reads the answer, over TLS for `https://`.
    async fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|error| format!("cannot connect to {}: {error}", self.authority))?;
        if !self.tls {
            return send(stream, request).await;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("cannot set up TLS: {error}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        let name = ServerName::try_from(self.host.clone())
            .map_err(|error| format!("'{}' cannot be a TLS server name: {error}", self.host))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, stream)
            .await
            .map_err(|error| format!("TLS handshake with {} failed: {error}", self.authority))?;
        send(stream, request).await
    }
}

/// Writes the request and reads until the body announced by `Content-Length` is complete, or
/// else until the server closes.
async fn send(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    request: &[u8],
) -> Result<Vec<u8>, String> {
    let broken = |error: std::io::Error| format!("the connection broke: {error}");
    stream.write_all(request).await.map_err(broken)?;
    stream.flush().await.map_err(broken)?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some((head_end, Some(length))) = head(&answer) {
            if answer.len() >= head_end + length {
                answer.truncate(head_end + length);
                return Ok(answer);
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) => return Ok(answer),
            Ok(read) => answer.extend_from_slice(&chunk[..read]),
            // A TLS peer that closes without close_notify after a whole answer (one that had no
            // Content-Length) is still an answer.
            Err(error)
                if error.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() =>
            {
                return Ok(answer)
            }
            Err(error) => return Err(broken(error)),
        }
        if answer.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes"
            ));
        }
    }
}

/// Where the body starts and the `Content-Length`, once the head is complete.
fn head(answer: &[u8]) -> Option<(usize, Option<usize>)> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&answer[..end]);
    let length = text.lines().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())
            .flatten()
    });
    Some((end, length))
}

/// Ok for a 200 whose JSON body has `"status": "ok"`; else why not.
fn judge(target: &Target, answer: &[u8]) -> Result<(), String> {
    let url = target.health_url();
    let Some((body_start, _)) = head(answer) else {
        return Err(format!("{url} sent no HTTP answer"));
    };
    let head = String::from_utf8_lossy(&answer[..body_start]);
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).unwrap_or_default();
    let body: Option<serde_json::Value> = serde_json::from_slice(&answer[body_start..]).ok();
    let field = |name: &str| {
        body.as_ref()
            .and_then(|body| body.get(name))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    if status == "200" && field("status").as_deref() == Some("ok") {
        return Ok(());
    }
    let said = field("error").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(&answer[body_start..]);
        text.chars().take(200).collect()
    });
    let hint = match status {
        "401" => " (set EXUM_ADMIN_TOKEN to the server's --admin-token)",
        _ => "",
    };
    Err(format!("{url} answered '{status_line}': {said}{hint}"))
}

/// Accepts any certificate: `health` is a local probe of a double whose certificate it has no
/// reason to hold (a generated one, or the user's). Signatures are still checked, so the
/// handshake is a real one with the key of the certificate presented.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn a_url_gives_the_host_to_connect_to_the_host_header_and_the_path() {
        let v6 = target("https://[::1]:8443/");
        let bare = target("http://localhost");
        let prefixed = target("http://127.0.0.1:9/base/");

        assert_eq!((v6.tls, v6.host.as_str(), v6.port), (true, "::1", 8443));
        assert_eq!(v6.health_url(), "https://[::1]:8443/__admin/health");
        assert_eq!((bare.host.as_str(), bare.port), ("localhost", 80));
        assert_eq!(target("https://[::1]").port, 443);
        assert!(prefixed
            .request(Some("t"))
            .starts_with("GET /base/__admin/health HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"));
        assert!(prefixed
            .request(Some("t"))
            .contains("\r\nAuthorization: Bearer t\r\n"));
    }

    #[test]
    fn a_url_without_a_scheme_host_or_port_number_is_refused_with_why() {
        for (url, says) in [
            ("127.0.0.1:8080", "must start with http:// or https://"),
            ("http://:8080", "has no host"),
            ("http://127.0.0.1:http", "is not a port number"),
        ] {
            let why = Target::parse(url).err().unwrap();
            assert!(why.contains(says), "{url}: {why}");
        }
    }

    #[test]
    fn only_a_200_with_status_ok_is_healthy() {
        let t = target("http://127.0.0.1:1");
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 33\r\n\r\n{\"status\":\"ok\",\"version\":\"0.1.0\"}";
        let refused = b"HTTP/1.1 401 Unauthorized\r\n\r\n{\"error\":\"needs a token\"}";
        let other = b"HTTP/1.1 200 OK\r\n\r\n<html>a web server</html>";

        assert_eq!(judge(&t, ok), Ok(()));
        let refused = judge(&t, refused).unwrap_err();
        assert!(
            refused.contains("'HTTP/1.1 401 Unauthorized': needs a token (set EXUM_ADMIN_TOKEN"),
            "{refused}"
        );
        let other = judge(&t, other).unwrap_err();
        assert!(
            other.ends_with("'HTTP/1.1 200 OK': <html>a web server</html>"),
            "{other}"
        );
        assert!(judge(&t, b"SSH-2.0-OpenSSH").is_err());
    }
}
