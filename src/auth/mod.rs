//! Authentication as protocols, one module per HTTP scheme the double can offer (`basic`,
//! `ntlm`, `negotiate`), each owning its name, its challenge, how its `Authorization` token is
//! read and how what it proves is checked against a password. [`AuthScheme`] lists them; the
//! NTLM and SPNEGO codec is [`ntlmssp`]; what one connection remembers of a handshake is
//! [`ConnectionAuth`]; what a header proved is [`Credentials`]. Below the fixtures, the state and
//! the service: finding the mailbox a user names is the state's (`World::identify`), reading the
//! settings from the fixtures the service's (`service::auth`).
//!
//! A new scheme is a module here, whose `SCHEME` ([`SchemeDef`]: its words, its challenge, how
//! it reads a token into [`Credentials`] with a [`Proof`] to check) joins [`AuthScheme::ALL`].

mod basic;
mod connection;
mod credentials;
mod extended_protection;
mod negotiate;
mod ntlm;
pub(crate) mod ntlmssp;

pub(crate) use connection::{Authenticated, ConnectionAuth};
pub(crate) use credentials::{unauthorized, Credentials, Lookup, Proof, Refusal};
pub(crate) use extended_protection::ExtendedProtection;

use ntlmssp::ChallengeProfile;

/// The facts of the channel a request came on that a scheme's challenge and checks may need.
/// Built per request from what the connection knows; Extended Protection (a channel binding to
/// the TLS certificate, a service binding to the host) reads its facts from here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Channel {
    /// The request came over TLS.
    pub(crate) tls: bool,
    /// The `Host` the client addressed, if it sent one.
    pub(crate) host: Option<String>,
    /// The DER of the leaf certificate the TLS connection was served with (`None` on plain
    /// HTTP): what a channel binding hashes.
    pub(crate) certificate: Option<std::sync::Arc<[u8]>>,
}

/// What the fixtures say about authentication, as one request reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings<'a> {
    /// `server.auth`: the schemes offered, in challenge order.
    pub(crate) offered: &'a [AuthScheme],
    /// `server.fqdn`, for the names in a CHALLENGE.
    pub(crate) fqdn: &'a str,
    /// `server.ntlm_challenge`.
    pub(crate) profile: ChallengeProfile,
    /// `server.extended_protection`.
    pub(crate) extended_protection: ExtendedProtection,
}

/// Everything a scheme's `read` is given besides its token.
pub(crate) struct Leg<'a> {
    pub(crate) settings: Settings<'a>,
    /// `None` where there is no connection to hold a handshake (the wiremock responder).
    pub(crate) connection: Option<&'a ConnectionAuth>,
    pub(crate) channel: &'a Channel,
}

impl Leg<'_> {
    /// The refusal of a request that named `scheme` (or none): a 401 offering every scheme.
    pub(crate) fn refuse(&self, scheme: Option<AuthScheme>, reason: String) -> Refusal {
        Refusal {
            user: None,
            scheme,
            reason,
            response: unauthorized(self.settings.offered, self.channel),
        }
    }
}

/// What a scheme's module tells the rest of the double: its words, its challenge, and how it
/// reads an `Authorization` token.
pub(crate) struct SchemeDef {
    /// The fixture and journal word: `negotiate`, `ntlm`, `basic`.
    name: &'static str,
    /// The word that starts its `Authorization` and `WWW-Authenticate` values.
    word: &'static str,
    /// The `WWW-Authenticate` line of a 401 that offers the scheme on a channel.
    challenge: fn(&Channel) -> String,
    /// The credentials in a token (the text after the word), or why there are none.
    read: fn(&str, &Leg<'_>) -> Result<Credentials, Refusal>,
}

/// An HTTP authentication scheme the double can offer (`server.auth` in the fixtures): a
/// handle on its module's [`SchemeDef`], equal by name.
#[derive(Clone, Copy)]
pub(crate) struct AuthScheme(&'static SchemeDef);

impl PartialEq for AuthScheme {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for AuthScheme {}

impl std::fmt::Debug for AuthScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl AuthScheme {
    /// SPNEGO carrying NTLM (or raw NTLM under `Negotiate`).
    pub(crate) const NEGOTIATE: AuthScheme = AuthScheme(&negotiate::SCHEME);
    /// Bare NTLM.
    pub(crate) const NTLM: AuthScheme = AuthScheme(&ntlm::SCHEME);
    /// HTTP Basic.
    pub(crate) const BASIC: AuthScheme = AuthScheme(&basic::SCHEME);

    /// Every scheme the double knows, in the order messages list them: the one list a new
    /// scheme joins. Every list of names (the fixture check, the schema, the refusals) is made
    /// from it.
    pub(crate) const ALL: [AuthScheme; 3] =
        [AuthScheme::NEGOTIATE, AuthScheme::NTLM, AuthScheme::BASIC];

    /// What an Exchange with Windows and Basic authentication offers, in its order: the
    /// default of `server.auth`.
    pub(crate) const EXCHANGE_DEFAULT: [AuthScheme; 3] =
        [AuthScheme::NEGOTIATE, AuthScheme::NTLM, AuthScheme::BASIC];

    /// The fixture and journal word: `negotiate`, `ntlm`, `basic`.
    pub(crate) fn name(self) -> &'static str {
        self.0.name
    }

    /// The word that starts its `Authorization` and `WWW-Authenticate` values: `Negotiate`,
    /// `NTLM`, `Basic`.
    pub(crate) fn word(self) -> &'static str {
        self.0.word
    }

    /// The `WWW-Authenticate` line of a 401 that offers this scheme on `channel`.
    pub(crate) fn challenge(self, channel: &Channel) -> String {
        (self.0.challenge)(channel)
    }

    /// The credentials in `token` (the text after the scheme's word), or why there are none.
    pub(crate) fn read(self, token: &str, leg: &Leg<'_>) -> Result<Credentials, Refusal> {
        (self.0.read)(token, leg)
    }

    /// The scheme of a fixture word (exact, lowercase) or of an `Authorization` header
    /// (any case).
    pub(crate) fn from_name(name: &str) -> Option<AuthScheme> {
        AuthScheme::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// Every fixture word, in [`AuthScheme::ALL`]'s order.
    pub(crate) fn names() -> Vec<&'static str> {
        AuthScheme::ALL.iter().map(|s| s.name()).collect()
    }
}

/// `a, b or c`: a list as a sentence says it.
pub(crate) fn spoken(items: &[&str], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., end] => format!("{} {last} {end}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_is_found_by_its_name_in_any_case_and_the_lists_read_as_sentences() {
        for scheme in AuthScheme::ALL {
            assert_eq!(AuthScheme::from_name(scheme.name()), Some(scheme));
            assert_eq!(AuthScheme::from_name(scheme.word()), Some(scheme));
        }
        let words: Vec<_> = AuthScheme::ALL.iter().map(|s| s.word()).collect();
        assert_eq!(spoken(&words, "or"), "Negotiate, NTLM or Basic");
        assert_eq!(spoken(&["one"], "or"), "one");
    }
}
