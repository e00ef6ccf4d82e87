//! The `exchange-um-mock` command: `serve` (the default), `validate`, `schema` and `health`.
//! Flags become a builder; signals are handled here and only here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use exchange_um_mock::{FixtureSet, Scheme, UmMockServer};

use cli::health::HealthArgs;
use cli::listen::{parse_listen, reachable_from_elsewhere, Listen};

/// The binary's own modules (the library knows nothing of flags or probes).
mod cli {
    pub(crate) mod health;
    pub(crate) mod listen;
}

/// Makes glibc's malloc give every block of 128 KiB or more its own mapping, returned to the
/// system when freed. By default glibc raises that threshold to the size of the largest block
/// freed so far (up to 32 MiB), after which request bodies of up to `--max-body-bytes` come
/// from the heap, and the heap keeps what they free: measured with 900 KB bodies, 108 MiB
/// resident under a 64 MiB journal cap instead of 83 (BENCHMARKS.md, "Memory"). The binary
/// only: a program embedding the library keeps its own allocator settings.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's own default threshold; setting it turns the raising off.
        const THRESHOLD: libc::c_int = 128 * 1024;
        // SAFETY: mallopt only changes a malloc parameter; it is called before any thread is
        // started, and a refusal (0) leaves glibc's default, which is still correct.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}

/// A test double of the Microsoft Exchange Unified Messaging web service.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the UM web service and the admin API (the default).
    Serve(Box<ServeArgs>),
    /// Check a fixtures folder without serving; exit 1 on any problem.
    Validate {
        /// The fixtures folder (default: the embedded fixtures).
        #[arg(env = "EXUM_FIXTURES")]
        dir: Option<PathBuf>,
    },
    /// Print the JSON Schema of mock.json on stdout.
    Schema,
    /// GET /__admin/health of a running double: print "ok" and exit 0 when it answers, else
    /// say why on stderr and exit 1 (the container image's health check).
    Health(HealthArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// `[http://|https://]HOST:PORT` to listen on; repeat for several (comma-separated in
    /// the environment); port 0 takes a free port.
    #[arg(long, env = "EXUM_LISTEN", value_delimiter = ',', default_value = "http://127.0.0.1:8080", value_parser = parse_listen)]
    listen: Vec<Listen>,
    /// Certificate chain (PEM, leaf first) of the https:// listeners, instead of a generated one.
    #[arg(long, env = "EXUM_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-cert.
    #[arg(long, env = "EXUM_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Write the generated CA certificate (PEM) here before the ready lines.
    #[arg(long, env = "EXUM_TLS_CA_OUT", conflicts_with = "tls_cert")]
    tls_ca_out: Option<PathBuf>,
    /// Keep the generated CA in this folder and reuse it on later starts.
    #[arg(long, env = "EXUM_TLS_STATE", conflicts_with = "tls_cert")]
    tls_state: Option<PathBuf>,
    /// Fixtures folder (default: the fixtures embedded in the binary).
    #[arg(long, env = "EXUM_FIXTURES")]
    fixtures: Option<PathBuf>,
    /// Seed for reproducible PINs.
    #[arg(long, env = "EXUM_SEED")]
    seed: Option<u64>,
    /// Require `Authorization: Bearer TOKEN` on admin requests.
    #[arg(long, env = "EXUM_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Allow browsers to use the admin API and the web inbox under this host name, besides IP
    /// addresses, localhost and server.fqdn (DNS rebinding guard); repeat for several
    /// (comma-separated in the environment).
    #[arg(
        long = "admin-host",
        value_name = "NAME",
        env = "EXUM_ADMIN_HOST",
        value_delimiter = ','
    )]
    admin_hosts: Vec<String>,
    /// Reload --fixtures DIR when a file in it changes (all or nothing; on a problem the old
    /// fixtures stay and the problems are logged).
    #[arg(long, env = "EXUM_WATCH", requires = "fixtures")]
    watch: bool,
    /// Fault when SOAPAction is missing or names another operation than the body.
    #[arg(long, env = "EXUM_STRICT_SOAP_ACTION")]
    strict_soap_action: bool,
    /// Largest request body accepted; larger ones get 413.
    #[arg(long, env = "EXUM_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    max_body_bytes: usize,
    /// Emails kept before the oldest is dropped.
    #[arg(long, env = "EXUM_MAX_EMAILS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_emails: u64,
    /// Journal entries kept before the oldest is dropped.
    #[arg(long, env = "EXUM_MAX_REQUESTS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_requests: u64,
    /// Bytes of request and response bodies, request headers and entry text (path, reason) the
    /// journal keeps before the oldest entries are dropped.
    #[arg(long, env = "EXUM_MAX_JOURNAL_BYTES", default_value_t = 67_108_864)]
    max_journal_bytes: usize,
    /// Sessions (POST /__admin/sessions) alive at once; one more gets 409.
    #[arg(long, env = "EXUM_MAX_SESSIONS", default_value_t = 100)]
    max_sessions: usize,
    /// Seconds a session may go without a request under its prefix before it ends by itself.
    #[arg(long, env = "EXUM_SESSION_IDLE_S", default_value_t = 1800, value_parser = clap::value_parser!(u64).range(1..))]
    session_idle_s: u64,
    /// Bytes of bodies, request headers and entry text each session's journal keeps.
    #[arg(
        long,
        env = "EXUM_SESSION_MAX_JOURNAL_BYTES",
        default_value_t = 4_194_304
    )]
    session_max_journal_bytes: usize,
    /// Also deliver every captured email by SMTP: smtp://[USER:PASSWORD@]HOST:PORT (STARTTLS
    /// when offered) or smtps://[USER:PASSWORD@]HOST:PORT (implicit TLS).
    #[arg(long, env = "EXUM_SMTP_RELAY", value_name = "URL")]
    smtp_relay: Option<String>,
    /// CA certificate(s) (PEM file) the relay's TLS trusts besides the built-in roots.
    #[arg(
        long,
        env = "EXUM_SMTP_RELAY_CA",
        value_name = "PEM",
        requires = "smtp_relay"
    )]
    smtp_relay_ca: Option<PathBuf>,
    /// The wait after the first failed delivery try, in ms (then 3x and 9x); for tests.
    #[arg(
        long,
        env = "EXUM_SMTP_RELAY_BACKOFF_MS",
        hide = true,
        requires = "smtp_relay"
    )]
    smtp_relay_backoff_ms: Option<u64>,
}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Validate { dir }) => validate(dir),
        Some(Command::Schema) => {
            print!("{}", FixtureSet::schema());
            ExitCode::SUCCESS
        }
        Some(Command::Serve(args)) => serve(*args),
        Some(Command::Health(args)) => cli::health::run(args),
        None => serve(cli.serve),
    }
}

fn validate(dir: Option<PathBuf>) -> ExitCode {
    let set = match dir {
        Some(dir) => match FixtureSet::from_dir(&dir) {
            Ok(set) => set,
            Err(error) => {
                eprintln!("exchange-um-mock: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => FixtureSet::embedded(),
    };
    match set.validate() {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            for problem in error.problems() {
                println!("{problem}");
            }
            eprintln!("{} problem(s) found", error.problems().len());
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    // Lines go through a bounded queue to a writer thread, and are dropped when it is full:
    // a harness that pipes stderr and never reads it must not stall serving: logging never blocks a request. The
    // guard flushes what is queued when `serve` returns.
    let (writer, _flush_on_exit) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .finish(std::io::stderr());
    // Colour codes only for a person at a terminal: in a CI log file they are noise
    // (NO_COLOR, https://no-color.org, turns them off there too).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    tracing_subscriber::fmt()
        .with_ansi(colour)
        .with_writer(writer)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "exchange_um_mock=info".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("exchange-um-mock: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        // A TLS flag without an https:// listener would be ignored: say so rather than let
        // a user wait for a CA file that never comes.
        let tls_flags: Vec<&str> = [
            ("--tls-cert", args.tls_cert.is_some()),
            ("--tls-key", args.tls_key.is_some()),
            ("--tls-ca-out", args.tls_ca_out.is_some()),
            ("--tls-state", args.tls_state.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect();
        if !tls_flags.is_empty() && !args.listen.iter().any(|l| l.scheme == Scheme::Https) {
            let verb = if tls_flags.len() == 1 { "applies" } else { "apply" };
            return Err(format!("{} only {verb} to https:// listeners, and there is none: add one (--listen https://127.0.0.1:0) or drop the TLS flags", tls_flags.join(", ")));
        }
        let mut listeners = Vec::with_capacity(args.listen.len());
        for listen in &args.listen {
            let listener = std::net::TcpListener::bind((listen.host.as_str(), listen.port)).map_err(|source| {
                format!("cannot listen on {}:{}: {source}. Is another server using that port? Try --listen 127.0.0.1:0 for a free port.", listen.host, listen.port)
            })?;
            listeners.push((listen.scheme, listener));
        }
        warn_when_reachable_without_token(&listeners, args.admin_token.is_some());
        let mut builder = UmMockServer::builder()
            .max_body_bytes(args.max_body_bytes)
            .max_emails(args.max_emails as usize)
            .max_requests(args.max_requests as usize)
            .max_journal_bytes(args.max_journal_bytes)
            .max_sessions(args.max_sessions)
            .session_idle(std::time::Duration::from_secs(args.session_idle_s))
            .session_max_journal_bytes(args.session_max_journal_bytes);
        if let Some(dir) = args.fixtures {
            builder = builder.fixtures_dir(dir);
        }
        if let Some(seed) = args.seed {
            builder = builder.seed(seed);
        }
        if let Some(token) = args.admin_token {
            builder = builder.admin_token(token);
        }
        for name in args.admin_hosts {
            builder = builder.admin_host(name);
        }
        builder = builder.strict_soap_action(args.strict_soap_action);
        if args.watch {
            builder = builder.watch();
        }
        if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
            builder = builder.tls_files(cert, key);
        }
        if let Some(dir) = args.tls_state {
            builder = builder.tls_state_dir(dir);
        }
        if let Some(path) = args.tls_ca_out {
            builder = builder.tls_ca_out(path);
        }
        builder = builder.tls_hosts(args.listen.iter().map(|l| l.host.clone()));
        if let Some(url) = args.smtp_relay {
            builder = builder.smtp_relay(url);
        }
        if let Some(path) = args.smtp_relay_ca {
            builder = builder.smtp_relay_ca_file(path);
        }
        if let Some(ms) = args.smtp_relay_backoff_ms {
            builder = builder.smtp_relay_backoff(std::time::Duration::from_millis(ms));
        }
        let ready = |scheme: Scheme, address: SocketAddr| {
            println!("listening on {scheme}://{address}");
            tracing::info!("ready; admin API at {scheme}://{address}/__admin");
        };
        builder.run_listeners(listeners, ready, shutdown_signal()).await.map_err(|error| error.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("exchange-um-mock: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One warning line in all when a listener other machines may reach has no admin token:
/// whoever reaches the port can read every PIN and change every mailbox.
fn warn_when_reachable_without_token(listeners: &[(Scheme, std::net::TcpListener)], token: bool) {
    let reachable: Vec<String> = listeners
        .iter()
        .filter_map(|(scheme, listener)| Some((scheme, listener.local_addr().ok()?)))
        .filter(|(_, address)| reachable_from_elsewhere(*address))
        .map(|(scheme, address)| format!("{scheme}://{address}"))
        .collect();
    if !token && !reachable.is_empty() {
        tracing::warn!(
            "{} can be reached from other machines and there is no --admin-token (EXUM_ADMIN_TOKEN): whoever reaches it can read every PIN and change every mailbox",
            reachable.join(", ")
        );
    }
}

/// Installs the SIGINT and SIGTERM handlers now, and resolves when either arrives (Ctrl-C
/// elsewhere). Installed before the ready line is printed: a signal sent right after it must stop
/// the server cleanly, not kill the process (an `async fn` would only install them when first
/// polled, after the line).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("stopping");
    }
}
