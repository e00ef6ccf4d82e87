//! The baseline for `benches/load.sh`: a bare hyper 1 HTTP/1.1 server that answers every request
//! with the bytes and headers the double sends for a successful `ResetPIN`, and does nothing
//! else. Whatever the double costs beyond this is its own work (authentication, the SOAP read,
//! the operation, the email, the journal).
//!
//! ```sh
//! cargo run --release --example bare_hyper -- --listen 127.0.0.1:0
//! ```
//!
//! Like the double, it prints one line on stdout when it is ready:
//! `listening on http://HOST:PORT`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// The double's answer to `ResetPIN`, captured byte for byte from
/// `exchange-um-mock --seed 7` (the empty `ResetPINResponse` is the same for every caller).
const RESET_PIN_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="utf-8"?>"#,
    r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#,
    r#"<s:Body><ResetPINResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body>"#,
    r#"</s:Envelope>"#
);

/// The same header timeout as the double's, so both connections run with a timer.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let listen = match listen_address() {
        Ok(listen) => listen,
        Err(message) => {
            eprintln!("bare_hyper: {message}");
            return ExitCode::FAILURE;
        }
    };
    // Multi-threaded, like the double's binary (`tokio::runtime::Runtime::new`).
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime can be created");
    match runtime.block_on(serve(listen)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bare_hyper: cannot listen on {listen}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `--listen ADDR` (default `127.0.0.1:0`, a free port).
fn listen_address() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                let value = args.next().ok_or("--listen needs an address")?;
                listen = value
                    .parse()
                    .map_err(|error| format!("--listen {value}: {error}"))?;
            }
            other => return Err(format!("unknown argument '{other}' (only --listen ADDR)")),
        }
    }
    Ok(listen)
}

async fn serve(listen: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                eprintln!("bare_hyper: accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let conn = builder.serve_connection(TokioIo::new(stream), service_fn(answer));
        tokio::spawn(async move {
            // A client that goes away mid-request is not this server's problem.
            let _ = conn.await;
        });
    }
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the whole body, as the double does before it answers.
    let _ = request.into_body().collect().await;
    let mut response = Response::new(Full::new(Bytes::from_static(RESET_PIN_RESPONSE.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    // The double numbers its answers; a fixed id keeps the header block the same size.
    headers.insert("x-exum-request-id", HeaderValue::from_static("1"));
    Ok(response)
}
