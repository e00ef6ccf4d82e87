//! Who the caller is, decided under the lock: the one place that finds the mailbox a user
//! names. The password check is the scheme's (`Credentials::check`); a refusal is a journaled
//! 401.

use super::World;
use crate::auth::{unauthorized, AuthScheme, Authenticated, Channel, Credentials, Refusal};
use crate::domain::journal::Entry;
use crate::vocab::wire::Plan;

impl World {
    /// The mailbox the caller named, if the credentials are right for it; the journaled 401
    /// otherwise. `channel` is where the request came from, for the challenges of the 401.
    pub(crate) fn identify(
        &mut self,
        mut entry: Entry,
        credentials: Result<Credentials, Refusal>,
        channel: &Channel,
    ) -> Result<(Entry, usize), Plan> {
        let refusal = match credentials {
            Ok(credentials) => match self.find_caller(&credentials, channel) {
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
        channel: &Channel,
    ) -> Result<(usize, String, AuthScheme), Refusal> {
        let scheme = credentials.scheme();
        let refuse = |user: &str, reason: String| Refusal {
            user: Some(user.to_string()),
            scheme: Some(scheme),
            reason,
            response: unauthorized(&self.fixtures.auth, channel),
        };
        let find = |user: &str| self.mailboxes.iter().position(|m| m.answers_to(user));
        let (index, user) = match credentials {
            Credentials::Basic { user, .. } => match find(user) {
                Some(index) => (index, user.clone()),
                None => return Err(refuse(user, format!("no mailbox has logon '{user}'"))),
            },
            Credentials::Connection(who) => match self.mailbox_index(&who.address) {
                // The handshake was checked when the connection authenticated.
                Some(index) => return Ok((index, who.user.clone(), scheme)),
                None => {
                    return Err(refuse(
                        &who.user,
                        format!(
                            "the connection authenticated as '{}', but mailbox '{}' is gone",
                            who.user, who.address
                        ),
                    ))
                }
            },
            Credentials::Ntlm { message, .. } => {
                let user = message.identity();
                // `DOMAIN\user` against the logons first, then the bare user (or UPN) against
                // the address and the logons.
                match find(&user).or_else(|| find(&message.user)) {
                    Some(index) => (index, user),
                    None => return Err(refuse(&user, format!("no mailbox has logon '{user}'"))),
                }
            }
        };
        let mailbox = &self.mailboxes[index];
        credentials
            .check(mailbox.password.as_deref(), &mailbox.state.smtp_address)
            .map_err(|reason| refuse(&user, reason))?;
        if let Credentials::Ntlm { connection, .. } = credentials {
            connection.authenticate(Authenticated {
                scheme,
                user: user.clone(),
                address: mailbox.state.smtp_address.clone(),
            });
        }
        Ok((index, user, scheme))
    }
}
