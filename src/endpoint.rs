//! The UM endpoint: from an HTTP request to a decided, journaled answer. Hyper-free, so the
//! server and the wiremock responder share it.
//!
//! Order of checks, as on a real server: method, credentials (IIS answers 401 before reading
//! the body), envelope, operation, then the scripted or default outcome.

use std::time::Duration;

use crate::auth::{authenticate, unauthorized, CHALLENGE};
use crate::journal::{journal_headers, RecordedRequest};
use crate::mail::PendingEmail;
use crate::operations::{self, Ctx, Failure, Operation};
use crate::outcomes::{Action, MailFault, Outcome};
use crate::soap::read::{read_envelope, ReadError, SoapCall};
use crate::soap::{write, MessagesNs, CONTENT_TYPE, SOAP11_ENVELOPE};
use crate::state::{Shared, World};
use crate::wire::{header_safe, Plan, Reply, WireRequest, WireResponse};

/// The Exchange 2007 endpoint path.
pub(crate) const SERVICE_PATH_2007: &str = "/UnifiedMessaging/Service.asmx";
/// The Exchange 2010+ endpoint path.
pub(crate) const SERVICE_PATH_2010: &str = "/EWS/UM2007Legacy.asmx";

/// Whether `path` is one of the endpoints (case-insensitive, like IIS).
pub(crate) fn is_endpoint(path: &str) -> bool {
    [SERVICE_PATH_2007, SERVICE_PATH_2010]
        .iter()
        .any(|p| p.eq_ignore_ascii_case(path))
}

/// Answers a request to an endpoint path.
pub(crate) fn handle(shared: &Shared, request: &WireRequest) -> Plan {
    if request.method == "GET" && wants_wsdl(request) {
        let response = WireResponse::new(200, CONTENT_TYPE, wsdl_for(request));
        return journal_only(shared, request, response, None);
    }
    if request.method != "POST" {
        let response =
            WireResponse::new(405, "text/plain; charset=utf-8", "405 Method Not Allowed")
                .with_header("Allow", "GET, POST");
        let reason = format!(
            "{} is not allowed on the UM endpoint (POST a SOAP envelope, or GET ?wsdl)",
            request.method
        );
        return journal_only(shared, request, response, Some(reason));
    }
    // Parse outside the lock: it is the only work proportional to the request size.
    let parsed = read_envelope(&request.body);
    let strict = shared.config().strict_soap_action;
    shared.with(|world| answer(world, request, parsed, strict))
}

/// In strict mode, why the `SOAPAction` header does not name the body's operation, if it does
/// not. Either scheme of the messages namespace is accepted; quotes are optional.
fn soap_action_mismatch(header: Option<&str>, operation: Operation) -> Option<String> {
    let Some(header) = header else {
        return Some(format!(
            "no SOAPAction header (strict mode; expected .../messages/{operation})"
        ));
    };
    let action = header.trim().trim_matches('"');
    let named = [MessagesNs::Http, MessagesNs::Https]
        .iter()
        .any(|ns| action == format!("{}/{operation}", ns.uri()));
    (!named).then(|| {
        format!(
            "SOAPAction '{action}' does not name the body's operation {operation} (strict mode)"
        )
    })
}

/// `?wsdl` in any case, with or without a value, among other query parameters.
fn wants_wsdl(request: &WireRequest) -> bool {
    request
        .query_pairs()
        .iter()
        .any(|(key, _)| key.eq_ignore_ascii_case("wsdl"))
}

/// The WSDL pointing back at the URL the client used: its `Host` header and path as sent.
/// Without a `Host` (HTTP/1.0) there is no better guess than localhost.
fn wsdl_for(request: &WireRequest) -> String {
    let host = request
        .header("host")
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost");
    crate::wsdl::document(&format!("http://{host}{}", request.path))
}

/// Journals a request the double answered without reaching an operation (WSDL, 404, 405, 413).
pub(crate) fn journal_only(
    shared: &Shared,
    request: &WireRequest,
    response: WireResponse,
    reason: Option<String>,
) -> Plan {
    shared.with(|world| {
        let mut entry = Entry::new(world.journal.allocate_id(), request);
        entry.record.reason = reason;
        entry.finish(world, Plan::now(response))
    })
}

fn answer(
    world: &mut World,
    request: &WireRequest,
    parsed: Result<SoapCall, ReadError>,
    strict: bool,
) -> Plan {
    let entry = Entry::new(world.journal.allocate_id(), request);
    let (mut entry, index) = match entry.authenticate(world, request) {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let address = world.mailboxes[index].state.smtp_address.clone();

    let call = match parsed {
        Ok(call) => call,
        Err(error) => {
            let (response, reason) = match error {
                ReadError::VersionMismatch => (
                    soap(500, write::version_mismatch()),
                    format!("the envelope is SOAP 1.2; this service speaks SOAP 1.1 ({SOAP11_ENVELOPE})"),
                ),
                ReadError::Invalid(reason) => (soap(500, write::invalid_request()), reason),
                ReadError::WrongNamespace { namespace, operation } => {
                    entry.record.operation = Some(operation.clone());
                    let reason = format!("'{operation}' is in namespace '{namespace}', not the UM messages namespace");
                    (soap(500, write::invalid_request()), reason)
                }
            };
            entry.record.reason = Some(reason);
            return entry.finish(world, Plan::now(response));
        }
    };
    entry.record.operation = Some(call.operation.clone());
    let Some(operation) = Operation::from_name(&call.operation) else {
        entry.record.reason = Some(format!("unknown operation '{}'", call.operation));
        return entry.finish(world, Plan::now(soap(500, write::invalid_request())));
    };
    if strict {
        if let Some(reason) = soap_action_mismatch(request.header("soapaction"), operation) {
            entry.record.reason = Some(reason);
            return entry.finish(world, Plan::now(soap(500, write::invalid_request())));
        }
    }

    let (scenario, outcome) = match world.scenarios.take(&address, operation) {
        Some((id, outcome)) => (Some(id), outcome),
        None => (None, Outcome::default_answer()),
    };
    entry.record.scenario = scenario;
    entry.record.outcome = outcome.clone();
    let (reply, reason) = perform(world, &outcome, operation, &call, index, entry.record.id);
    let delay = Duration::from_millis(outcome.delay_ms.unwrap_or(0));
    let late =
        (!delay.is_zero()).then(|| format!("answered {} ms late (scripted)", delay.as_millis()));
    let reason = match (reason, late) {
        (Some(reason), Some(late)) => Some(format!("{reason}; {late}")),
        (reason, late) => reason.or(late),
    };
    entry.record.reason = match (reason, scenario) {
        (Some(reason), Some(id)) => Some(format!("{reason} (scenario {id})")),
        (reason, _) => reason,
    };
    entry.finish(world, Plan { reply, delay })
}

/// Carries out one outcome; the reply and, when the double made something up or was
/// scripted, why.
fn perform(
    world: &mut World,
    outcome: &Outcome,
    operation: Operation,
    call: &SoapCall,
    mailbox: usize,
    request_id: u64,
) -> (Reply, Option<String>) {
    let ns = call.ns;
    match &outcome.action {
        Action::Default => live(world, operation, call, mailbox, request_id, None, None),
        Action::Mail { fault, delay_ms } => live(
            world, operation, call, mailbox, request_id, *fault, *delay_ms,
        ),
        Action::Fixture {
            name,
            status,
            headers,
        } => {
            let Some(canned) = world.fixtures.responses.get(name).cloned() else {
                let reason = format!("canned response '{name}' no longer exists");
                return (
                    Reply::Http(soap(500, write::invalid_request())),
                    Some(reason),
                );
            };
            if !canned.is_fault && operation == Operation::ResetPin {
                let email = operations::reset_pin_effects(world, mailbox, request_id);
                world.emails.capture(email);
            }
            let default_status = if canned.is_fault { 500 } else { 200 };
            let response = with_scripted_headers(
                WireResponse::new(status.unwrap_or(default_status), CONTENT_TYPE, canned.body),
                headers,
            );
            (
                Reply::Http(response),
                Some(format!("replayed canned response '{name}'")),
            )
        }
        Action::Fault { exception, message } => {
            let text = message
                .clone()
                .unwrap_or_else(|| write::exception_message(exception));
            let response = soap(500, write::um_fault(ns, exception, &text));
            (
                Reply::Http(response),
                Some(format!("scripted fault {exception}")),
            )
        }
        Action::Http {
            status,
            body,
            headers,
        } => {
            let mut response = with_scripted_headers(
                WireResponse::new(
                    *status,
                    "text/plain; charset=utf-8",
                    body.clone().unwrap_or_default(),
                ),
                headers,
            );
            if *status == 401 && response.header("WWW-Authenticate").is_none() {
                response = response.with_header("WWW-Authenticate", CHALLENGE);
            }
            (
                Reply::Http(response),
                Some(format!("scripted HTTP {status}")),
            )
        }
        Action::Network(fault) => {
            let name = serde_json::to_value(fault).expect("a unit enum serialises");
            (
                Reply::Network(*fault),
                Some(format!(
                    "scripted network fault {}",
                    name.as_str().unwrap_or_default()
                )),
            )
        }
    }
}

/// `response` with the headers an outcome sets, each replacing one of the same name (a
/// scripted Content-Type must not go out next to the double's own).
fn with_scripted_headers(
    mut response: WireResponse,
    headers: &std::collections::BTreeMap<String, String>,
) -> WireResponse {
    for (header, value) in headers {
        response
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(header));
        response = response.with_header(header, value.clone());
    }
    response
}

/// The operation as the double does it by itself, with the email handled as scripted.
fn live(
    world: &mut World,
    operation: Operation,
    call: &SoapCall,
    mailbox: usize,
    request_id: u64,
    mail_fault: Option<MailFault>,
    mail_delay_ms: Option<u64>,
) -> (Reply, Option<String>) {
    let ctx = Ctx {
        world,
        mailbox,
        call,
        request_id,
    };
    match operations::execute(operation, ctx) {
        Ok(done) => {
            let reason = done
                .email
                .and_then(|email| deliver(world, email, mail_fault, mail_delay_ms));
            (
                Reply::Http(soap(
                    200,
                    write::success(call.ns, operation.name(), &done.inner_xml),
                )),
                reason,
            )
        }
        Err(Failure::Um { exception, reason }) => {
            let response = soap(
                500,
                write::um_fault(call.ns, exception, &write::exception_message(exception)),
            );
            (Reply::Http(response), Some(reason))
        }
        Err(Failure::Invalid(reason)) => (
            Reply::Http(soap(500, write::invalid_request())),
            Some(reason),
        ),
    }
}

/// Captures, drops, duplicates or delays an email; says so when it is not a plain capture.
fn deliver(
    world: &mut World,
    email: PendingEmail,
    fault: Option<MailFault>,
    delay_ms: Option<u64>,
) -> Option<String> {
    let copies = match fault {
        Some(MailFault::Drop) => return Some("the PIN email was dropped (scripted)".into()),
        Some(MailFault::Duplicate) => 2,
        None => 1,
    };
    for _ in 0..copies {
        match delay_ms {
            Some(ms) => world
                .emails
                .capture_later(email.clone(), Duration::from_millis(ms)),
            None => {
                world.emails.capture(email.clone());
            }
        }
    }
    match (copies, delay_ms) {
        (1, None) => None,
        (1, Some(ms)) => Some(format!("the PIN email is captured {ms} ms late (scripted)")),
        (_, None) => Some("the PIN email was captured twice (scripted)".into()),
        (_, Some(ms)) => Some(format!(
            "the PIN email is captured twice, {ms} ms late (scripted)"
        )),
    }
}

fn soap(status: u16, body: String) -> WireResponse {
    WireResponse::new(status, CONTENT_TYPE, body)
}

/// A journal entry being filled in as the request is answered (here and by Autodiscover).
pub(crate) struct Entry {
    pub(crate) record: RecordedRequest,
    started: std::time::Instant,
}

impl Entry {
    pub(crate) fn new(id: u64, request: &WireRequest) -> Self {
        let record = RecordedRequest {
            id,
            received_at: request.received_at.rfc3339(),
            method: request.method.clone(),
            path: request.path_and_query(),
            headers: journal_headers(&request.headers),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            identity: None,
            mailbox: None,
            operation: None,
            outcome: Outcome::default_answer(),
            scenario: None,
            status: None,
            response_body: None,
            duration_ms: 0.0,
            reason: None,
        };
        Entry {
            record,
            started: request.started,
        }
    }

    /// Identifies the caller from Basic credentials (as IIS does, before anything is read)
    /// and notes who it is; if it cannot, the journaled 401 to answer.
    pub(crate) fn authenticate(
        mut self,
        world: &mut World,
        request: &WireRequest,
    ) -> Result<(Self, usize), Plan> {
        match authenticate(request.header("authorization"), &world.mailboxes) {
            Ok((index, user)) => {
                self.record.identity = Some(user);
                self.record.mailbox = Some(world.mailboxes[index].state.smtp_address.clone());
                Ok((self, index))
            }
            Err(refusal) => {
                self.record.identity = refusal.user;
                self.record.reason = Some(refusal.reason);
                Err(self.finish(world, Plan::now(unauthorized())))
            }
        }
    }

    /// Records the entry and labels the answer with its id and reason.
    pub(crate) fn finish(mut self, world: &mut World, mut plan: Plan) -> Plan {
        if let Reply::Http(response) = &mut plan.reply {
            response
                .headers
                .push(("X-Exum-Request-Id".into(), self.record.id.to_string()));
            if let Some(reason) = &self.record.reason {
                response
                    .headers
                    .push(("X-Exum-Reason".into(), header_safe(reason)));
            }
            self.record.status = Some(response.status);
            self.record.response_body = Some(String::from_utf8_lossy(&response.body).into_owned());
        }
        let elapsed = self.started.elapsed() + plan.delay;
        self.record.duration_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        world.record(self.record);
        plan
    }
}
