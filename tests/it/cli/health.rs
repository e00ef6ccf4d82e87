//! `exchange-um-mock health` against a spawned `serve` (http, https with the generated
//! certificate, an admin token, a closed port, a silent one), `--version`, and start-up's
//! warning about a listener without `--admin-token`.

use std::process::Output;

use super::{command, lines, run, Serving};

fn serving(args: &[&str]) -> Serving {
    let mut command = command();
    command.args(args);
    Serving::start(command)
}

fn health(args: &[&str]) -> Output {
    run(command().arg("health").args(args))
}

/// Exit code 1 and exactly one line on stderr; that line.
fn failure_line(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = lines(&output.stderr);
    assert_eq!(stderr.len(), 1, "{stderr:#?}");
    stderr[0].clone()
}

fn assert_ok(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(lines(&output.stdout), ["ok"]);
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn health_prints_ok_for_a_double_over_http_and_over_https_with_its_generated_certificate() {
    let mut server = serving(&["--listen", "127.0.0.1:0", "--listen", "https://127.0.0.1:0"]);
    let https = server.next_url();
    assert!(https.starts_with("https://127.0.0.1:"), "{https}");

    let over_http = health(&["--url", &server.url]);
    let over_https = health(&["--url", &https]);

    assert_ok(&over_http);
    assert_ok(&over_https);
}

#[test]
fn health_without_url_probes_the_first_address_of_exum_listen() {
    let server = serving(&["--listen", "127.0.0.1:0"]);
    let port = server.url.rsplit(':').next().unwrap();

    // The probe reads EXUM_LISTEN as a container's health check does; it binds nothing.
    let output = run(command().arg("health").env(
        "EXUM_LISTEN",
        format!("http://0.0.0.0:{port},https://0.0.0.0:1"),
    ));

    assert_ok(&output);
}

#[test]
fn health_sends_exum_admin_token_and_says_what_is_missing_without_it() {
    let server = serving(&["--listen", "127.0.0.1:0", "--admin-token", "sesame"]);

    let with_token = run(command()
        .args(["health", "--url", &server.url])
        .env("EXUM_ADMIN_TOKEN", "sesame"));
    let without = health(&["--url", &server.url]);

    assert_ok(&with_token);
    let why = failure_line(&without);
    assert!(why.starts_with("exchange-um-mock health: "), "{why}");
    assert!(
        why.contains("/__admin/health answered 'HTTP/1.1 401 Unauthorized'"),
        "{why}"
    );
    assert!(why.contains("set EXUM_ADMIN_TOKEN"), "{why}");
}

#[test]
fn health_exits_1_with_one_line_for_a_closed_port() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);

    let output = health(&["--url", &format!("http://{address}")]);

    let why = failure_line(&output);
    assert!(
        why.contains(&format!("cannot connect to {address}")),
        "{why}"
    );
}

#[test]
fn health_gives_up_after_timeout_ms_on_a_port_that_never_answers() {
    // Connections complete in the backlog of a listener nobody accepts on, then stay silent.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());

    let output = health(&["--url", &url, "--timeout-ms", "200"]);

    let why = failure_line(&output);
    assert!(why.ends_with("/__admin/health within 200 ms"), "{why}");
}

#[test]
fn health_of_something_else_than_the_double_is_a_failure() {
    let server = serving(&["--listen", "127.0.0.1:0"]);
    let https_to_plain_port = server.url.replacen("http://", "https://", 1);

    let output = health(&["--url", &https_to_plain_port]);

    let why = failure_line(&output);
    assert!(why.contains("TLS handshake with"), "{why}");
}

#[test]
fn version_prints_the_command_name_and_the_crate_version() {
    let output = run(command().arg("--version"));

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        lines(&output.stdout),
        [format!("exchange-um-mock {}", env!("CARGO_PKG_VERSION"))]
    );
}

#[test]
fn a_loopback_listener_logs_no_admin_token_warning_and_no_colour_codes() {
    // The warning for a listener off loopback is tested over the container image, whose
    // network namespace keeps 0.0.0.0 off every real interface (tests here bind 127.0.0.1).
    let server = serving(&["--listen", "127.0.0.1:0", "--listen", "localhost:0"]);
    server.sigterm();

    let (status, _, stderr) = server.exit();

    assert_eq!(status.code(), Some(0));
    assert!(stderr.contains("ready; admin API at"), "{stderr}");
    assert!(!stderr.contains("--admin-token"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "stderr is a pipe: {stderr:?}");
}
