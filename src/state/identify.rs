//! Who the caller is, decided under the lock: the one place that finds the mailbox a user
//! names. The password check is the scheme's (`Proof::check`); a refusal is a journaled
//! 401. The caller is identified before the request body is read (an unauthenticated client
//! costs no parse), so the answer comes under a second lock: [`World::resume`] finds the
//! mailbox again there, by address.

use super::World;
use crate::auth::ntlmssp::ServerNames;
use crate::auth::{unauthorized, AuthScheme, Authenticated, Channel, Credentials, Lookup, Refusal};
use crate::domain::journal::Entry;
use crate::domain::mailbox::Mailbox;
use crate::vocab::wire::Plan;

/// A caller identified under one lock, to be answered under the next: the journal entry with
/// who they are, and their mailbox by address (its index may move in between, by a reload
/// or a reset).
#[derive(Debug)]
pub(crate) struct Caller {
    pub(crate) entry: Entry,
    address: String,
}

impl World {
    /// The caller the credentials name, if they are right for their mailbox; the journaled
    /// 401 otherwise. `channel` is where the request came from, for the challenges of the 401.
    pub(crate) fn identify(
        &mut self,
        mut entry: Entry,
        credentials: Result<Credentials, Refusal>,
        channel: &Channel,
    ) -> Result<Caller, Plan> {
        let refusal = match credentials {
            Ok(credentials) => match self.find_caller(&credentials, channel) {
                Ok((index, user, scheme)) => {
                    let address = self.mailboxes[index].state.smtp_address.clone();
                    entry.record.identity = Some(user);
                    entry.record.auth_scheme = Some(scheme.name().into());
                    entry.record.mailbox = Some(address.clone());
                    return Ok(Caller { entry, address });
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

    /// The identified caller's entry and mailbox index now; the journaled 401 if their
    /// mailbox went away since [`World::identify`] (a reload or a reset in between).
    pub(crate) fn resume(
        &mut self,
        caller: Caller,
        channel: &Channel,
    ) -> Result<(Entry, usize), Plan> {
        let Caller { entry, address } = caller;
        match self.mailbox_index(&address) {
            Some(index) => Ok((entry, index)),
            None => {
                let reason = format!("mailbox '{address}' went away while the request was read");
                let response = unauthorized(&self.fixtures.auth, channel);
                Err(self.journal(entry.because(reason), Plan::now(response)))
            }
        }
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
            Lookup::Name(name) => self
                .mailboxes
                .iter()
                .position(|m| m.answers_to(name))
                .ok_or_else(|| refuse(format!("no mailbox has logon '{user}'")))?,
            Lookup::InDomain { domain, name } => self
                .in_domain(domain, name)
                .ok_or_else(|| refuse(self.not_in_domain(user, domain, name)))?,
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

    /// The mailbox of `name` in the Windows domain `domain`, as a domain controller finds it:
    /// the `DOMAIN\name` logon, else a mailbox that answers to the bare `name` and that the
    /// domain could hold — the domain of one of its `DOMAIN\user` logons, or the server's own
    /// (the NetBIOS or DNS domain of `server.fqdn`), in any case. `EVIL\dave` is nobody.
    fn in_domain(&self, domain: &str, name: &str) -> Option<usize> {
        let qualified = format!("{domain}\\{name}");
        let servers = ServerNames::from_fqdn(self.fqdn());
        let own = [servers.nb_domain, servers.dns_domain];
        let could_hold = |mailbox: &Mailbox| {
            own.iter().any(|d| d.eq_ignore_ascii_case(domain))
                || mailbox.state.logons.iter().any(|logon| {
                    logon
                        .split_once('\\')
                        .is_some_and(|(d, _)| d.eq_ignore_ascii_case(domain))
                })
        };
        self.mailboxes
            .iter()
            .position(|m| m.answers_to(&qualified))
            .or_else(|| {
                self.mailboxes
                    .iter()
                    .position(|m| m.answers_to(name) && could_hold(m))
            })
    }

    /// Why `DOMAIN\name` is nobody: the reason of its 401.
    fn not_in_domain(&self, user: &str, domain: &str, name: &str) -> String {
        let servers = ServerNames::from_fqdn(self.fqdn());
        if self.mailboxes.iter().any(|m| m.answers_to(name)) {
            format!(
                "no mailbox has logon '{user}', and the domain '{domain}' is neither the \
                 server's ({}, {}) nor that of a logon of a mailbox named '{name}'",
                servers.nb_domain, servers.dns_domain
            )
        } else {
            format!("no mailbox has logon '{user}'")
        }
    }
}
