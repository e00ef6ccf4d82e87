//! One `--listen` value (`[http://|https://]HOST:PORT`), as `serve` binds it and as `health`
//! reads the first one of `EXUM_LISTEN` to know where to probe.

use std::net::SocketAddr;

use exchange_um_mock::Scheme;

/// One `--listen` value.
#[derive(Debug, Clone)]
pub(crate) struct Listen {
    pub(crate) scheme: Scheme,
    /// As given, brackets of an IPv6 address removed.
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// The clap value parser of `--listen`: an address without a scheme is `http://`.
pub(crate) fn parse_listen(value: &str) -> Result<Listen, String> {
    let (scheme, rest) = match value.split_once("://") {
        Some(("http", rest)) => (Scheme::Http, rest),
        Some(("https", rest)) => (Scheme::Https, rest),
        Some((other, _)) => {
            return Err(format!(
                "unknown scheme '{other}' (use http:// or https://)"
            ))
        }
        None => (Scheme::Http, value),
    };
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("'{value}' has no port (use HOST:PORT, port 0 for a free one)"))?;
    let port = port
        .parse()
        .map_err(|_| format!("'{port}' in '{value}' is not a port number"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(format!(
            "'{value}' has no host (use 127.0.0.1:PORT or 0.0.0.0:PORT)"
        ));
    }
    Ok(Listen {
        scheme,
        host: host.to_owned(),
        port,
    })
}

impl Listen {
    /// The URL a process on this machine reaches this listener at: a wildcard address (every
    /// interface) is reached on loopback, `0.0.0.0` at `127.0.0.1` and `::` at `::1`.
    pub(crate) fn local_url(&self) -> String {
        let host = match self.host.as_str() {
            "0.0.0.0" => "127.0.0.1",
            "::" => "::1",
            host => host,
        };
        if host.contains(':') {
            format!("{}://[{host}]:{}", self.scheme, self.port)
        } else {
            format!("{}://{host}:{}", self.scheme, self.port)
        }
    }
}

/// Whether other machines may reach a bound listener: any address but loopback. Asked of the
/// bound socket rather than of the name given, so a host name that resolves to a LAN address
/// counts, and `localhost` does not.
pub(crate) fn reachable_from_elsewhere(bound: SocketAddr) -> bool {
    !bound.ip().to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_listener_is_probed_on_loopback_and_others_as_given() {
        let url = |value: &str| parse_listen(value).unwrap().local_url();

        assert_eq!(url("http://0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(url("https://[::]:8443"), "https://[::1]:8443");
        assert_eq!(url("localhost:9000"), "http://localhost:9000");
        assert_eq!(url("https://[::1]:1"), "https://[::1]:1");
    }

    #[test]
    fn only_addresses_off_loopback_are_reachable_from_elsewhere() {
        let reachable = |address: &str| reachable_from_elsewhere(address.parse().unwrap());

        assert!(reachable("0.0.0.0:8080"));
        assert!(reachable("[::]:8080"));
        assert!(reachable("192.168.1.20:8080"));
        assert!(!reachable("127.0.0.1:8080"));
        assert!(!reachable("127.1.2.3:8080"));
        assert!(!reachable("[::1]:8080"));
        assert!(!reachable("[::ffff:127.0.0.1]:8080"));
    }
}
