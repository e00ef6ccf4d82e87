//! Plain-old-XML Autodiscover (`POST /autodiscover/autodiscover.xml`), for clients that find the
//! UM endpoint through a `UMUrl` instead of being configured with it.
//!
//! Like Exchange, it answers for the authenticated caller whatever mailbox the request names,
//! and it reports a bad request as an Autodiscover `Error` (code 600, HTTP 200), not an HTTP
//! error: clients look for `ErrorCode` in the body.

use quick_xml::escape::partial_escape as escape;

use super::auth;
use super::endpoint::SERVICE_PATH_2007;
use crate::domain::journal::Entry;
use crate::soap::CONTENT_TYPE;
use crate::state::Shared;
use crate::vocab::wire::{Plan, WireRequest, WireResponse};
use crate::vocab::xml::{self, Node};

/// Where Outlook-style clients post their Autodiscover request.
pub(crate) const PATH: &str = "/autodiscover/autodiscover.xml";

const REQUEST_NS: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
const RESPONSE_NS: &str = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
/// The only response schema served: Outlook's. (Mobile sync clients ask for another one.)
const OUTLOOK_RESPONSE_NS: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
const EWS_PATH: &str = "/EWS/Exchange.asmx";

/// Whether `path` is the Autodiscover path (case-insensitive, like IIS).
pub(crate) fn is_autodiscover(path: &str) -> bool {
    path.eq_ignore_ascii_case(PATH)
}

/// What an Autodiscover request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ask {
    /// `EMailAddress` or, failing that, `LegacyDN`.
    mailbox: String,
}

/// Answers an Autodiscover request; every request is journaled.
pub(crate) fn handle(
    shared: &Shared,
    request: &WireRequest,
    connection: Option<&crate::auth::ConnectionAuth>,
) -> Plan {
    let entry = Entry::new(request);
    let fixtures = shared.fixtures();
    let channel = auth::channel(request);
    let credentials = auth::credentials(request, &fixtures, connection, &channel);
    let negotiate = auth::negotiate_header(&credentials);
    // As the UM endpoint: the caller first, so a client without credentials costs no parse;
    // then the body, read outside the lock.
    let caller = match shared.with(|world| world.identify(entry, credentials, &channel)) {
        Ok(caller) => caller,
        Err(refused) => return auth::with_negotiate_header(refused, negotiate),
    };
    let ask = if request.method == "POST" {
        read_request(&request.body)
    } else {
        Err(format!(
            "{} is not how Autodiscover is asked (POST the request XML)",
            request.method
        ))
    };
    let base = request.base_url();
    let plan = shared.with(|world| {
        let (mut entry, index) = match world.resume(caller, &channel) {
            Ok(found) => found,
            Err(refused) => return refused,
        };
        let mailbox = world.caller(index);
        let body = match ask {
            Ok(ask) => {
                if !ask.mailbox.eq_ignore_ascii_case(&mailbox.smtp_address) {
                    entry.record.reason = Some(format!(
                        "the request names '{}'; answered for the caller '{}', as Exchange does",
                        ask.mailbox, mailbox.smtp_address
                    ));
                }
                settings(
                    &mailbox.display_name,
                    &mailbox.smtp_address,
                    world.fqdn(),
                    &base,
                )
            }
            Err(reason) => {
                entry.record.reason = Some(reason);
                // The error names the request's journal id, the one it is about to get.
                error(world.next_request_id(), &request.received_at.rfc3339())
            }
        };
        world.journal(entry, Plan::now(WireResponse::new(200, CONTENT_TYPE, body)))
    });
    auth::with_negotiate_header(plan, negotiate)
}

/// The Outlook response: the caller and one `EXCH` and one `EXPR` protocol, both pointing at
/// the double (clients differ in which one they read the URLs from), over the scheme of the
/// listener the request came in on, with the `Host` it sent and its session prefix (`base`).
fn settings(display_name: &str, address: &str, fqdn: &str, base: &str) -> String {
    let host = base.split_once("://").map_or(base, |(_, rest)| rest);
    let host = host.split_once('/').map_or(host, |(host, _)| host);
    let host_name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let urls = format!(
        "<EwsUrl>{base}{EWS_PATH}</EwsUrl><UMUrl>{base}{SERVICE_PATH_2007}</UMUrl>",
        base = escape(base)
    );
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{RESPONSE_NS}"><Response xmlns="{OUTLOOK_RESPONSE_NS}"><User><DisplayName>{name}</DisplayName><AutoDiscoverSMTPAddress>{address}</AutoDiscoverSMTPAddress></User><Account><AccountType>email</AccountType><Action>settings</Action><Protocol><Type>EXCH</Type><Server>{fqdn}</Server>{urls}</Protocol><Protocol><Type>EXPR</Type><Server>{host_name}</Server>{urls}</Protocol></Account></Response></Autodiscover>"#,
        name = escape(display_name),
        address = escape(address),
        fqdn = escape(fqdn),
        host_name = escape(host_name),
    )
}

/// Exchange's answer to a request it cannot read. `Id` is the journal id, so a failing test
/// can find the request.
fn error(id: u64, time: &str) -> String {
    let time = time
        .split_once('T')
        .map_or(time, |(_, t)| t.trim_end_matches('Z'));
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{RESPONSE_NS}"><Response><Error Time="{time}" Id="{id}"><ErrorCode>600</ErrorCode><Message>Invalid Request</Message><DebugData /></Error></Response></Autodiscover>"#
    )
}

/// Reads `<Autodiscover><Request><EMailAddress/><AcceptableResponseSchema/></Request>…`
/// through the one hardened XML reader (no DTD, no unknown entities, bounded depth, UTF-8).
fn read_request(body: &[u8]) -> Result<Ask, String> {
    let mut field: Option<usize> = None;
    // EMailAddress, LegacyDN, AcceptableResponseSchema
    let mut values: [Option<String>; 3] = [None, None, None];
    let mut in_request = false;
    xml::read(body, "request", |node| {
        match node {
            Node::Open {
                depth: 1,
                ns,
                local,
            } if local != "Autodiscover" || ns != REQUEST_NS.as_bytes() => {
                return Err(format!(
                    "the root element is not an Autodiscover request in {REQUEST_NS}"
                ));
            }
            Node::Open {
                depth: 2, local, ..
            } => in_request = local == "Request",
            Node::Open {
                depth: 3, local, ..
            } if in_request => {
                field = ["EMailAddress", "LegacyDN", "AcceptableResponseSchema"]
                    .iter()
                    .position(|name| *name == local);
            }
            Node::Close { depth } if depth <= 3 => {
                field = None;
                if depth == 2 {
                    in_request = false;
                }
            }
            Node::Text { depth: 3, text } => {
                if let Some(i) = field {
                    values[i].get_or_insert_with(String::new).push_str(text);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let [email, legacy_dn, schema] = values;
    let schema = schema.map(|s| s.trim().to_string()).unwrap_or_default();
    if schema != OUTLOOK_RESPONSE_NS {
        return Err(format!(
            "AcceptableResponseSchema is '{schema}'; only {OUTLOOK_RESPONSE_NS} is served"
        ));
    }
    let mailbox = [email, legacy_dn]
        .into_iter()
        .flatten()
        .map(|m| m.trim().to_string())
        .find(|m| !m.is_empty());
    let mailbox = mailbox.ok_or("the request has neither EMailAddress nor LegacyDN")?;
    Ok(Ask { mailbox })
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use bytes::Bytes;

    use super::*;
    use crate::fixtures::FixtureSet;
    use crate::state::Config;
    use crate::vocab::wire::Reply;

    fn request_xml(address: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{REQUEST_NS}"><Request><EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>{OUTLOOK_RESPONSE_NS}</AcceptableResponseSchema></Request></Autodiscover>"#
        )
    }

    fn post(shared: &Shared, user: Option<&str>, body: &str) -> WireResponse {
        let mut headers = vec![("Host".to_string(), "127.0.0.1:8080".to_string())];
        if let Some(user) = user {
            let credentials =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:secret"));
            headers.push(("Authorization".into(), format!("Basic {credentials}")));
        }
        let request = WireRequest::new(
            "POST",
            "/Autodiscover/Autodiscover.xml",
            None,
            headers,
            Bytes::from(body.to_string()),
        );
        match handle(shared, &request, None).reply {
            Reply::Http(response) => response,
            Reply::Network(fault) => panic!("unexpected network fault {fault:?}"),
            Reply::Stream(_) => panic!("Autodiscover never streams"),
        }
    }

    fn server() -> Shared {
        Shared::new(FixtureSet::embedded(), Config::default()).unwrap()
    }

    fn text(response: &WireResponse) -> &str {
        std::str::from_utf8(&response.body).unwrap()
    }

    #[test]
    fn the_caller_gets_a_um_url_pointing_at_the_double() {
        let shared = server();
        let response = post(
            &shared,
            Some("CONTOSO\\alice"),
            &request_xml("alice@contoso.com"),
        );
        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("content-type"),
            Some("text/xml; charset=utf-8")
        );
        let body = text(&response);
        assert!(
            body.contains("<UMUrl>http://127.0.0.1:8080/UnifiedMessaging/Service.asmx</UMUrl>"),
            "{body}"
        );
        assert!(
            body.contains("<EwsUrl>http://127.0.0.1:8080/EWS/Exchange.asmx</EwsUrl>"),
            "{body}"
        );
        assert!(
            body.contains("<DisplayName>Alice Wood</DisplayName>"),
            "{body}"
        );
        assert!(
            body.contains("<AutoDiscoverSMTPAddress>alice@contoso.com</AutoDiscoverSMTPAddress>"),
            "{body}"
        );
        assert!(body.contains(OUTLOOK_RESPONSE_NS));
        let journal = shared.with(|world| world.all_requests());
        assert_eq!(journal.len(), 1);
        assert_eq!(journal[0].mailbox.as_deref(), Some("alice@contoso.com"));
        assert_eq!(journal[0].status, Some(200));
    }

    #[test]
    fn asking_for_another_mailbox_answers_for_the_caller_and_says_so() {
        let shared = server();
        let response = post(&shared, Some("alice"), &request_xml("carol@contoso.com"));
        assert_eq!(response.status, 200);
        assert!(text(&response).contains("<AutoDiscoverSMTPAddress>alice@contoso.com<"));
        assert!(!text(&response).contains("carol"));
        assert!(response
            .header("X-Exum-Reason")
            .unwrap()
            .contains("answered for the caller 'alice@contoso.com'"));
    }

    #[test]
    fn no_credentials_is_a_journaled_401_with_the_challenge() {
        let shared = server();
        let response = post(&shared, None, &request_xml("alice@contoso.com"));
        assert_eq!(response.status, 401);
        let challenges: Vec<_> = response
            .headers
            .iter()
            .filter(|(name, _)| name == "WWW-Authenticate")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(
            challenges,
            ["Negotiate", "NTLM", "Basic realm=\"exchange-um-mock\""]
        );
        let journal = shared.with(|world| world.all_requests());
        assert_eq!((journal.len(), journal[0].status), (1, Some(401)));
    }

    #[test]
    fn an_unauthenticated_hostile_request_gets_its_401_without_being_parsed() {
        let shared = server();
        let attributes: String = (0..90_000).map(|i| format!(" a{i}=''")).collect();
        let hostile = request_xml("alice@contoso.com")
            .replace("<Request>", &format!("<Request{attributes}>"));
        let before = crate::vocab::xml::work_so_far();

        let response = post(&shared, None, &hostile);
        let unauthenticated = crate::vocab::xml::work_so_far() - before;
        let answered = post(&shared, Some("alice"), &hostile);

        assert_eq!(response.status, 401);
        assert_eq!(unauthenticated, 0, "the body was not read");
        assert_eq!(answered.status, 200);
        assert!(text(&answered).contains("<AutoDiscoverSMTPAddress>alice@contoso.com<"));
        assert!(
            crate::vocab::xml::work_so_far() - before >= 90_000,
            "alice's was read"
        );
    }

    #[test]
    fn a_bad_request_gets_the_autodiscover_error_600_with_a_reason() {
        let shared = server();
        let bad = [
            ("", "empty"),
            ("<Autodiscover", "well-formed"),
            ("<Other/>", "root element"),
            (
                &request_xml("alice@contoso.com").replace("2006a", "2006b"),
                "AcceptableResponseSchema",
            ),
            (&request_xml("").to_string(), "neither EMailAddress"),
            (r#"<!DOCTYPE a [<!ENTITY x "y">]><a/>"#, "DTD"),
        ];
        for (body, why) in bad {
            let response = post(&shared, Some("alice"), body);
            assert_eq!(response.status, 200, "{body}");
            assert!(
                text(&response)
                    .contains("<ErrorCode>600</ErrorCode><Message>Invalid Request</Message>"),
                "{body}"
            );
            let reason = response.header("X-Exum-Reason").unwrap();
            assert!(reason.contains(why), "{body}: {reason}");
        }
        assert_eq!(shared.with(|world| world.all_requests()).len(), bad.len());
    }

    #[test]
    fn the_path_matches_in_any_case() {
        assert!(is_autodiscover("/AutoDiscover/AutoDiscover.xml"));
        assert!(!is_autodiscover("/autodiscover/autodiscover.json"));
    }
}
