//! The RFC 5322 / MIME form of a captured email (`GET /__admin/emails/{id}/raw`): a
//! `multipart/alternative` message with the text and HTML bodies, quoted-printable, CRLF lines.

use base64::Engine as _;

use super::Email;

/// Renders `email` as a complete message; `date` is its RFC 5322 date.
pub(crate) fn render(email: &Email, date: &str) -> String {
    let boundary = format!("=_exum_{}", email.id);
    let domain = email.to.rsplit('@').next().unwrap_or("localhost");
    let mut out = String::new();
    for (name, value) in [
        ("From", encode_address(&email.from)),
        ("To", email.to.clone()),
        ("Subject", encode_word(&email.subject)),
        ("Date", date.to_string()),
        ("Message-ID", format!("<exum.{}@{domain}>", email.id)),
        ("MIME-Version", "1.0".to_string()),
        ("X-Exum-Email-Id", email.id.to_string()),
        (
            "Content-Type",
            format!("multipart/alternative; boundary=\"{boundary}\""),
        ),
    ] {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    for (kind, body) in [("plain", &email.text_body), ("html", &email.html_body)] {
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n",
            quoted_printable(body)
        ));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// RFC 2047 `=?utf-8?B?…?=` for a header value that is not plain ASCII.
fn encode_word(value: &str) -> String {
    if value.is_ascii() {
        value.to_string()
    } else {
        format!(
            "=?utf-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

/// `Name <address>` with only the display name encoded.
fn encode_address(value: &str) -> String {
    match value.rsplit_once('<') {
        Some((name, address)) if !name.is_ascii() => {
            format!("{} <{address}", encode_word(name.trim_end()))
        }
        _ => value.to_string(),
    }
}

/// RFC 2045 quoted-printable, lines of at most 76 characters, CRLF line breaks.
fn quoted_printable(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut encoded = String::new();
        let mut width = 0;
        let bytes = line.as_bytes();
        for (i, &byte) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal =
                matches!(byte, 33..=60 | 62..=126) || (matches!(byte, b' ' | b'\t') && !last);
            let piece = if literal {
                (byte as char).to_string()
            } else {
                format!("={byte:02X}")
            };
            if width + piece.len() > 75 {
                encoded.push_str("=\r\n");
                width = 0;
            }
            width += piece.len();
            encoded.push_str(&piece);
        }
        out.push(encoded);
    }
    out.join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_escapes_and_wraps() {
        assert_eq!(quoted_printable("a=b é \nx"), "a=3Db =C3=A9=20\r\nx");
        let long = "x".repeat(100);
        let encoded = quoted_printable(&long);
        assert!(encoded.lines().all(|l| l.len() <= 76), "{encoded}");
        assert_eq!(encoded.replace("=\r\n", ""), long);
    }

    #[test]
    fn non_ascii_headers_are_encoded_words() {
        assert_eq!(encode_word("PIN"), "PIN");
        assert_eq!(
            encode_word("Zurücksetzen"),
            "=?utf-8?B?WnVyw7xja3NldHplbg==?="
        );
        assert_eq!(
            encode_address("Exchänge <x@y.z>"),
            "=?utf-8?B?RXhjaMOkbmdl?= <x@y.z>"
        );
    }
}
