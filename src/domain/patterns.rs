//! The regular expressions the JSON Schema of `mock.json` uses for what the checks refuse, so
//! that an editor flags the mistake as it is typed. Each mirrors one check (named beside it);
//! the checks stay the authority, and what a pattern cannot say (references, policy-relative
//! PIN rules, duplicates) is left to them. Patterns are ECMA-262, as JSON Schema requires, and
//! use only what ECMA, Python's `re` and Rust's `regex` read alike.

/// Characters XML cannot hold (`vocab::xml::is_xml_char`), as the inside of a `[...]` class.
const NOT_XML: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF";

/// Text XML can hold (dial strings, fault messages).
pub(crate) fn xml_text() -> String {
    format!("^[^{NOT_XML}]*$")
}

/// One line XML can hold (a display name: `mailbox::check`).
pub(crate) fn one_line() -> String {
    format!(r"^[^\r\n{NOT_XML}]*$")
}

/// One line, not blank (a logon).
pub(crate) fn one_line_not_blank() -> String {
    format!(r"^[^\r\n{NOT_XML}]*[^\s{NOT_XML}][^\r\n{NOT_XML}]*$")
}

/// Not blank (a policy's or dial plan's name).
pub(crate) const NOT_BLANK: &str = r"\S";

/// An SMTP address as `mailbox::check` reads one: something, one `@`, something, no space.
pub(crate) const SMTP_ADDRESS: &str = r"^[^@\s]+@[^@\s]+$";

/// A scenario's mailbox: an SMTP address or `*`.
pub(crate) const SMTP_ADDRESS_OR_ANY: &str = r"^(?:\*|[^@\s]+@[^@\s]+)$";

/// A culture name such as `pt-BR` (`mail::languages::is_culture_name`).
pub(crate) const LANGUAGE: &str = "^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$";

/// A UM extension: 1 to 20 digits.
pub(crate) const EXTENSION: &str = "^[0-9]{1,20}$";

/// A PIN any policy could take: digits, 4 to 24 of them (the policy's own length and
/// pattern rules are the loader's).
pub(crate) const PIN: &str = "^[0-9]{4,24}$";

/// Padded standard base64 (`SetTelephoneAccessFolderEmail`'s folder id).
pub(crate) const BASE64: &str = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";

/// An exception name such as `UserNotUmEnabledException`.
pub(crate) const EXCEPTION_NAME: &str = "^[A-Za-z0-9_.]+$";

/// A header name that may be scripted: an HTTP token, not one of the framing headers the
/// double sets itself (`Content-Length`, `Transfer-Encoding`, in any case).
pub(crate) const SCRIPTED_HEADER_NAME: &str = "^(?![Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh]$|[Tt][Rr][Aa][Nn][Ss][Ff][Ee][Rr]-[Ee][Nn][Cc][Oo][Dd][Ii][Nn][Gg]$)[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/// A header value `http::HeaderValue::from_str` takes: any character but the controls (tab
/// allowed) and DEL; bytes from 0x80 up, so non-ASCII text goes out as its UTF-8.
pub(crate) const HEADER_VALUE: &str = r"^[^\x00-\x08\x0A-\x1F\x7F]*$";

/// A template whose `{placeholders}` are all among `placeholders` (the template module passes
/// its own list, so this file depends on nothing); with `one_line`, no line break either (the
/// sender and subject); with `needs_pin`, one of them is `{pin}` (the text).
pub(crate) fn template(placeholders: &[&str], one_line: bool, needs_pin: bool) -> String {
    let known = placeholders.join("|");
    let plain = if one_line { r"[^{\r\n]" } else { "[^{]" };
    let pin = if needs_pin { r"(?=[\s\S]*\{pin\})" } else { "" };
    format!(r"^{pin}(?:{plain}|\{{(?![a-z_]+\}})|\{{(?:{known})\}})*$")
}
