//! Extended Protection for Authentication (IIS `extendedProtection`, on for Exchange since
//! its 2022 security updates): an NTLM AUTHENTICATE must be bound to the connection it came
//! on, so a relayed handshake fails. On TLS the binding is the channel's (the client's hash of
//! the certificate this connection was served with); on plain HTTP the service's (the SPN
//! the client meant). Checked for NTLM and Negotiate before any mailbox is looked up, so it
//! applies whether or not the mailbox has a password; Basic has nothing to bind.

use super::ntlmssp::bindings::{channel_bindings, client_bindings};
use super::ntlmssp::{response_kind, Authenticate, Challenge};
use super::Channel;
use crate::vocab::wire::host_without_port;

/// `server.extended_protection`: how strictly the bindings are checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ExtendedProtection {
    /// Nothing checked (the default, as IIS's `tokenChecking="None"`).
    #[default]
    None,
    /// A wrong binding is refused; a client that sends none is let in.
    Allow,
    /// A wrong or missing binding is refused.
    Require,
}

impl ExtendedProtection {
    /// Every setting, in the order messages list them.
    pub(crate) const ALL: [ExtendedProtection; 3] = [
        ExtendedProtection::None,
        ExtendedProtection::Allow,
        ExtendedProtection::Require,
    ];

    /// The fixture word: `none`, `allow`, `require`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExtendedProtection::None => "none",
            ExtendedProtection::Allow => "allow",
            ExtendedProtection::Require => "require",
        }
    }

    /// The setting a fixture word names (exact, lowercase).
    pub(crate) fn from_name(name: &str) -> Option<ExtendedProtection> {
        ExtendedProtection::ALL
            .into_iter()
            .find(|setting| setting.name() == name)
    }

    /// Every fixture word, in [`ExtendedProtection::ALL`]'s order.
    pub(crate) fn names() -> Vec<&'static str> {
        ExtendedProtection::ALL.iter().map(|s| s.name()).collect()
    }
}

/// Checks the bindings of `message` (answering `pending`) against `channel` under `setting`;
/// `fqdn` is `server.fqdn`, the other name the service binding may give. `Err` is the reason
/// of the 401.
pub(crate) fn check(
    setting: ExtendedProtection,
    message: &Authenticate,
    pending: &Challenge,
    channel: &Channel,
    fqdn: &str,
) -> Result<(), String> {
    if setting == ExtendedProtection::None {
        return Ok(());
    }
    let said = |what: String| {
        format!(
            "Extended Protection: {what} (server.extended_protection is \"{}\")",
            setting.name()
        )
    };
    let require = setting == ExtendedProtection::Require;
    let bindings = client_bindings(message).map_err(|error| said(error.to_string()))?;
    // A binding the client did not send: refused under `require`, let in under `allow`. A
    // response without a blob binds nothing (only NTLMv2 has room for the AV pairs): said so.
    let missing = |what: String| {
        if !require {
            return Ok(());
        }
        let why = match (&bindings, response_kind(message, pending)) {
            (None, Ok(kind)) => format!(
                ": the client answered with {}, which cannot carry one",
                kind.name()
            ),
            _ => String::new(),
        };
        Err(said(format!("{what}{why}")))
    };
    if channel.tls {
        let Some(certificate) = &channel.certificate else {
            return Err(said(
                "the certificate this TLS connection was served with is unknown, so no channel \
                 binding can be checked"
                    .into(),
            ));
        };
        let sent = match &bindings {
            Some(bindings) => bindings.channel,
            None => None,
        };
        let Some(sent) = sent else {
            return missing("the NTLM response carries no channel binding".into());
        };
        let (expected, hash) =
            channel_bindings(certificate).map_err(|error| said(error.to_string()))?;
        if sent != expected {
            return Err(said(format!(
                "the NTLM response's channel binding does not match the TLS certificate this \
                 connection was served with (tls-server-end-point, {})",
                hash.name()
            )));
        }
        return Ok(());
    }
    let host = channel.host.as_deref().map(host_without_port);
    let expected = match host {
        Some(host) if !host.eq_ignore_ascii_case(fqdn) => format!("HTTP/{host} or HTTP/{fqdn}"),
        _ => format!("HTTP/{fqdn}"),
    };
    let target = bindings.as_ref().and_then(|b| b.target.clone());
    let Some(target) = target else {
        return missing(format!(
            "the NTLM response carries no service binding (MsvAvTargetName; expected \
             {expected})"
        ));
    };
    let names = [host, Some(fqdn)];
    let bound = target
        .get(..5)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("HTTP/"))
        && names
            .iter()
            .flatten()
            .any(|name| target[5..].eq_ignore_ascii_case(name));
    if bound {
        Ok(())
    } else {
        Err(said(format!(
            "the NTLM response's service binding '{target}' is not {expected}"
        )))
    }
}

#[cfg(test)]
mod tests;
