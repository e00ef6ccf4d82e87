//! Who the caller is, decided under the lock: the mailbox the credentials name, the password
//! (Basic's, or the NTLM response checked against it), and the 401 when they do not check out.

use super::World;
use crate::auth::ntlm::{self, Authenticate, Challenge, Scheme};
use crate::auth::{AuthScheme, Authenticated, ConnectionAuth};
use crate::domain::journal::Entry;
use crate::vocab::wire::{Plan, WireResponse};

/// Who the caller says they are, as read from the request.
#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    /// `Authorization: Basic`; the password is checked if the mailbox sets one.
    Basic { user: String, password: String },
    /// An NTLM AUTHENTICATE answering this connection's pending challenge.
    Ntlm {
        scheme: Scheme,
        message: Box<Authenticate>,
        /// The challenge the message answers.
        challenge: Challenge,
        /// The `WWW-Authenticate` value to add to the answer (SPNEGO's accept-completed).
        final_reply: Option<String>,
        /// Marked authenticated when the message checks out.
        connection: ConnectionAuth,
    },
    /// No `Authorization` header on a connection NTLM already authenticated.
    Connection(Authenticated),
}

/// A caller who could not be identified: the user name they gave (if any) and why.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) user: Option<String>,
    /// The journal's `auth_scheme`, when the request got as far as naming an offered one.
    pub(crate) scheme: Option<AuthScheme>,
    pub(crate) reason: String,
    /// The 401 to answer.
    pub(crate) response: WireResponse,
}

/// The HTTP scheme an NTLM-codec scheme came under.
fn scheme_name(scheme: Scheme) -> AuthScheme {
    match scheme {
        Scheme::Ntlm => AuthScheme::Ntlm,
        Scheme::Negotiate => AuthScheme::Negotiate,
    }
}

impl World {
    /// The mailbox the caller named, if the credentials are right for it; the journaled 401
    /// otherwise.
    pub(crate) fn identify(
        &mut self,
        mut entry: Entry,
        credentials: Result<Credentials, Refusal>,
    ) -> Result<(Entry, usize), Plan> {
        let refusal = match credentials {
            Ok(credentials) => match self.find_caller(&credentials) {
                Ok((index, user, scheme)) => {
                    entry.record.identity = Some(user);
                    entry.record.auth_scheme = Some(scheme.name().into());
                    entry.record.mailbox = Some(self.mailboxes[index].state.smtp_address.clone());
                    return Ok((entry, index));
                }
                Err(refusal) => refusal,
            },
            Err(refusal) => refusal,
        };
        entry.record.identity = refusal.user;
        entry.record.auth_scheme = refusal.scheme.map(|s| s.name().to_string());
        let entry = entry.because(refusal.reason);
        Err(self.journal(entry, Plan::now(refusal.response)))
    }

    /// The caller's mailbox index, the name they gave and the journal's scheme word.
    fn find_caller(
        &self,
        credentials: &Credentials,
    ) -> Result<(usize, String, AuthScheme), Refusal> {
        let refuse = |user: &str, scheme: AuthScheme, reason: String| Refusal {
            user: Some(user.to_string()),
            scheme: Some(scheme),
            reason,
            response: unauthorized(&self.fixtures.auth),
        };
        let find = |user: &str| self.mailboxes.iter().position(|m| m.answers_to(user));
        match credentials {
            Credentials::Basic { user, password } => {
                let basic = AuthScheme::Basic;
                let Some(index) = find(user) else {
                    return Err(refuse(
                        user,
                        basic,
                        format!("no mailbox has logon '{user}'"),
                    ));
                };
                match &self.mailboxes[index].password {
                    Some(expected) if expected != password => Err(refuse(
                        user,
                        basic,
                        format!(
                            "wrong password for '{}'",
                            self.mailboxes[index].state.smtp_address
                        ),
                    )),
                    _ => Ok((index, user.clone(), basic)),
                }
            }
            Credentials::Connection(who) => {
                let scheme = scheme_name(who.scheme);
                match self.mailbox_index(&who.address) {
                    Some(index) => Ok((index, who.user.clone(), scheme)),
                    None => Err(refuse(
                        &who.user,
                        scheme,
                        format!(
                            "the connection authenticated as '{}', but mailbox '{}' is gone",
                            who.user, who.address
                        ),
                    )),
                }
            }
            Credentials::Ntlm {
                scheme,
                message,
                challenge,
                connection,
                ..
            } => {
                let name = scheme_name(*scheme);
                let user = message.identity();
                // `DOMAIN\user` against the logons first, then the bare user (or UPN) against
                // the address and the logons.
                let Some(index) = find(&user).or_else(|| find(&message.user)) else {
                    return Err(refuse(
                        &user,
                        name,
                        format!("no mailbox has logon '{user}'"),
                    ));
                };
                let mailbox = &self.mailboxes[index];
                if let Some(password) = &mailbox.password {
                    if let Err(error) = ntlm::verify(message, challenge, password) {
                        let reason = format!("{error} ('{}')", mailbox.state.smtp_address);
                        return Err(refuse(&user, name, reason));
                    }
                }
                connection.authenticate(Authenticated {
                    scheme: *scheme,
                    user: user.clone(),
                    address: mailbox.state.smtp_address.clone(),
                });
                Ok((index, user, name))
            }
        }
    }
}

/// IIS's 401 for missing or wrong credentials, one challenge line per offered scheme.
pub(crate) fn unauthorized(offered: &[AuthScheme]) -> WireResponse {
    let body = "401 - Unauthorized: Access is denied due to invalid credentials.";
    offered.iter().fold(
        WireResponse::new(401, "text/plain; charset=utf-8", body),
        |response, scheme| response.with_header("WWW-Authenticate", scheme.challenge()),
    )
}

/// The challenge lines alone, for a scripted 401 without a `WWW-Authenticate` of its own.
pub(crate) fn challenge_lines(offered: &[AuthScheme]) -> impl Iterator<Item = &'static str> + '_ {
    offered.iter().map(|scheme| scheme.challenge())
}
