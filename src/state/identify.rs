//! Who the caller is, decided under the lock: the one place that finds the mailbox a user
//! names. The password check is the scheme's (`Proof::check`); a refusal is a journaled
//! 401.

use super::World;
use crate::auth::{unauthorized, AuthScheme, Authenticated, Channel, Credentials, Lookup, Refusal};
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
        let Credentials {
            scheme,
            user,
            lookup,
            proof,
            ..
        } = credentials;
        let refuse = |reason: String| Refusal {
            user: Some(user.clone()),
            scheme: Some(*scheme),
            reason,
            response: unauthorized(&self.fixtures.auth, channel),
        };
        let index = match lookup {
            Lookup::Names(names) => names
                .iter()
                .find_map(|name| self.mailboxes.iter().position(|m| m.answers_to(name)))
                .ok_or_else(|| refuse(format!("no mailbox has logon '{user}'")))?,
            Lookup::Address(address) => self.mailbox_index(address).ok_or_else(|| {
                refuse(format!(
                    "the connection authenticated as '{user}', but mailbox '{address}' is gone"
                ))
            })?,
        };
        let mailbox = &self.mailboxes[index];
        let address = &mailbox.state.smtp_address;
        if let Some(password) = &mailbox.password {
            proof.check(password, address, channel).map_err(refuse)?;
        }
        proof.identified(Authenticated {
            scheme: *scheme,
            user: user.clone(),
            address: address.clone(),
        });
        Ok((index, user.clone(), *scheme))
    }
}
