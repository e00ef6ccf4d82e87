//! The RFC 5322 / MIME form of a captured email (`GET /__admin/emails/{id}/raw`), built with
//! lettre's message builder: a `multipart/alternative` of the text and HTML bodies in UTF-8,
//! quoted-printable (so it survives 7-bit transport), a subject and sender name encoded per
//! RFC 2047 when they are not ASCII, `Content-Language`, CRLF lines. The boundary and
//! `Message-ID` are made from the email's id (lettre would pick random ones), so the same
//! email always renders to the same bytes.

use lettre::address::Envelope;
use lettre::message::header::{
    self, ContentTransferEncoding, ContentType, HeaderName, HeaderValue,
};
use lettre::message::{Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::{Address, Message};

use super::Email;
use crate::vocab::time::Timestamp;

/// Renders `email`, captured at `at` (its `Date:`), as a complete message.
pub(crate) fn render(email: &Email, at: Timestamp) -> String {
    let domain = email.to.rsplit('@').next().unwrap_or("localhost");
    let (from, from_readable) = sender(&email.from, domain);
    let (to, _) = address(&email.to);
    let envelope = Envelope::new(Some(from.email.clone()), vec![to.clone()])
        .expect("an envelope with a recipient is valid");
    let part = |content_type: ContentType, body: &str| {
        SinglePart::builder()
            .header(content_type)
            .header(ContentTransferEncoding::QuotedPrintable)
            .body(body.to_string())
    };
    let body = MultiPart::alternative()
        .boundary(format!("=_exum_{}", email.id))
        .singlepart(part(ContentType::TEXT_PLAIN, &email.text_body))
        .singlepart(part(ContentType::TEXT_HTML, &email.html_body));
    // lettre reads the From header back to check it, and refuses some addresses the double
    // accepts (any `local@domain` without spaces); such a sender is put in after the build.
    let stand_in = Mailbox::new(None, Address::new_dangerous("postmaster", "localhost"));
    let mut message = Message::builder()
        .from(if from_readable {
            from.clone()
        } else {
            stand_in
        })
        .to(Mailbox::new(None, to))
        .subject(email.subject.as_str())
        .date(at.to_system())
        .message_id(Some(format!("<exum.{}@{domain}>", email.id)))
        .raw_header(raw("Content-Language", &email.language))
        .raw_header(raw("X-Exum-Email-Id", &email.id.to_string()))
        .envelope(envelope)
        .multipart(body)
        .expect("a message with a sender, an envelope and a body builds");
    if !from_readable {
        message
            .headers_mut()
            .set(header::From::from(Mailboxes::from(from)));
    }
    String::from_utf8_lossy(&message.formatted()).into_owned()
}

/// A header lettre writes as given (RFC 2047-encoded and folded if need be).
fn raw(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_string())
}

/// `Name <address>` (or a bare address) as a mailbox; whether lettre can read it back. A sender
/// with no address at all keeps its text as the name, with the double's own address.
fn sender(from: &str, domain: &str) -> (Mailbox, bool) {
    let (name, addr) = match from
        .trim()
        .strip_suffix('>')
        .and_then(|f| f.rsplit_once('<'))
    {
        Some((name, addr)) => (
            name.trim().trim_matches('"').trim(),
            addr.trim().to_string(),
        ),
        None if from.contains('@') => ("", from.trim().to_string()),
        None => (from.trim(), format!("MicrosoftExchange@{domain}")),
    };
    let (addr, readable) = address(&addr);
    let name = (!name.is_empty()).then(|| name.to_string());
    (Mailbox::new(name, addr), readable)
}

/// `addr` as lettre's address; one it refuses is kept as written (not checked).
fn address(addr: &str) -> (Address, bool) {
    match addr.parse::<Address>() {
        Ok(address) => (address, true),
        Err(_) => {
            let (user, domain) = addr.rsplit_once('@').unwrap_or((addr, "localhost"));
            (Address::new_dangerous(user, domain), false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(from: &str, subject: &str, text: &str) -> Email {
        Email {
            id: 7,
            mailbox: "alice@contoso.com".into(),
            to: "alice@contoso.com".into(),
            from: from.into(),
            subject: subject.into(),
            text_body: text.into(),
            html_body: format!("<p>{text}</p>"),
            language: "de-DE".into(),
            pin: "482913".into(),
            extension: None,
            access_numbers: Vec::new(),
            operation: "ResetPIN".into(),
            request_id: None,
            sent_at: String::new(),
            relay: None,
        }
    }

    #[test]
    fn the_same_email_renders_the_same_bytes_with_crlf_lines_in_seven_bits() {
        let e = email(
            "Microsoft Exchänge <MicrosoftExchange@contoso.com>",
            "Ihre PIN wurde zurückgesetzt",
            "Hallo,\n\nPIN: 482913\n",
        );
        let at = Timestamp::from_system(std::time::UNIX_EPOCH);

        let first = render(&e, at);

        assert_eq!(first, render(&e, at));
        assert!(first.is_ascii(), "{first}");
        assert!(first.contains("\r\nContent-Language: de-DE\r\n"), "{first}");
        assert!(
            first.contains("\r\nMessage-ID: <exum.7@contoso.com>\r\n"),
            "{first}"
        );
        assert!(first.contains("boundary=\"=_exum_7\""), "{first}");
        assert!(
            first.contains("\r\nSubject: Ihre PIN wurde =?utf-8?b?"),
            "{first}"
        );
        assert!(
            first.replace("\r\n", "").split('\n').count() == 1,
            "every line ends in CRLF: {first:?}"
        );
    }

    #[test]
    fn a_sender_lettre_cannot_read_back_is_still_written() {
        let raw = render(
            &email("Help <help@local_host>", "PIN", "PIN: 1\n"),
            Timestamp::from_system(std::time::UNIX_EPOCH),
        );
        assert!(raw.contains("From: Help <help@local_host>\r\n"), "{raw}");
        let raw = render(
            &email("Helpdesk", "PIN", "PIN: 1\n"),
            Timestamp::from_system(std::time::UNIX_EPOCH),
        );
        assert!(
            raw.contains("From: Helpdesk <MicrosoftExchange@contoso.com>\r\n"),
            "{raw}"
        );
    }
}
