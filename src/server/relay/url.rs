//! The `--smtp-relay` URL: `smtp://[USER:PASSWORD@]HOST:PORT` (STARTTLS when the server
//! offers it) or `smtps://…` (TLS from the first byte). Read here rather than by lettre's
//! `from_url`, whose `smtp://` never upgrades and whose errors do not say which part is wrong.

/// A relay URL, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RelayUrl {
    /// `smtps://`: TLS from the first byte.
    pub(super) implicit_tls: bool,
    /// A name or an IP address (an IPv6 one without its brackets).
    pub(super) host: String,
    pub(super) port: u16,
    /// User and password, percent-decoded.
    pub(super) credentials: Option<(String, String)>,
}

impl RelayUrl {
    /// Reads `url`; the error says what is wrong with it (never repeating a password).
    pub(super) fn parse(url: &str) -> Result<RelayUrl, String> {
        let (implicit_tls, rest) = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("smtp") => (false, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("smtps") => (true, rest),
            _ => {
                return Err(
                    "the SMTP relay URL must start with smtp:// or smtps:// (smtp://HOST:PORT)"
                        .into(),
                )
            }
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let credentials = match userinfo {
            None => None,
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').ok_or(
                    "the SMTP relay URL has a user but no password (USER:PASSWORD@HOST:PORT)",
                )?;
                Some((decode(user)?, decode(password)?))
            }
        };
        let (host, port) = hostport
            .rsplit_once(':')
            .ok_or_else(|| format!("the SMTP relay URL has no port: '{hostport}' (HOST:PORT)"))?;
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| format!("the SMTP relay URL's port '{port}' is not a port number"))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(format!(
                "the SMTP relay URL's host '{host}' is not a host name"
            ));
        }
        Ok(RelayUrl {
            implicit_tls,
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

/// Percent-decodes one part of the user information (`%40` for an `@` in a user name).
fn decode(part: &str) -> Result<String, String> {
    let bad = || "the SMTP relay URL's user or password has a bad %-escape".to_owned();
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_url_with_credentials_is_read_and_decoded() {
        let url = RelayUrl::parse("smtp://me%40x.org:p%3Ass@mail.example.org:1025").unwrap();

        assert_eq!(
            url,
            RelayUrl {
                implicit_tls: false,
                host: "mail.example.org".into(),
                port: 1025,
                credentials: Some(("me@x.org".into(), "p:ss".into())),
            }
        );
    }

    #[test]
    fn smtps_and_an_ipv6_host_are_read() {
        let url = RelayUrl::parse("smtps://[::1]:465").unwrap();

        assert!(url.implicit_tls);
        assert_eq!((url.host.as_str(), url.port), ("::1", 465));
        assert_eq!(url.credentials, None);
    }

    #[test]
    fn each_mistake_is_named_and_no_password_is_repeated() {
        for (url, says) in [
            ("http://x:25", "smtp:// or smtps://"),
            ("smtp://x", "no port"),
            ("smtp://x:port", "not a port number"),
            ("smtp://x:0", "not a port number"),
            ("smtp://user@x:25", "no password"),
            ("smtp://u:secret%zz@x:25", "bad %-escape"),
            ("smtp://:25", "not a host name"),
        ] {
            let error = RelayUrl::parse(url).unwrap_err();
            assert!(error.contains(says), "{url}: {error}");
            assert!(!error.contains("secret"), "{url}: {error}");
        }
    }
}
