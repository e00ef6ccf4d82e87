//! What a request does under the lock, decided here and nowhere else: who the caller is, which
//! outcome answers, what that outcome does to the state, and the journal entry.
//!
//! Everything proportional to the request (reading the envelope and the credentials, copying
//! the request into its journal entry) happened before the lock, in the service layer. Here an
//! outcome is carried out on a [`Draft`] of what it may change; the draft is committed only
//! once the answer is made, so a panic half-way leaves the world as it was.

use std::time::Duration;

use rand::rngs::StdRng;

use super::events::Change;
use super::identify::Caller;
use super::World;
use crate::auth::Channel;
use crate::domain::journal::Entry;
use crate::domain::mail::PendingEmail;
use crate::domain::mailbox::Mailbox;
use crate::domain::outcomes::{Action, MailFault, Outcome};
use crate::operations::{self, CallChange, Ctx, Failure};
use crate::soap::read::SoapCall;
use crate::soap::{write, CONTENT_TYPE};
use crate::vocab::wire::{Plan, Reply, WireResponse};
use crate::vocab::Operation;

/// A request the service refuses before any operation runs: the answer and why.
#[derive(Debug, Clone)]
pub(crate) struct Refused {
    pub(crate) response: WireResponse,
    pub(crate) reason: String,
    /// The operation named, when the envelope got that far.
    pub(crate) operation: Option<String>,
}

/// A UM request of an identified caller ([`World::identify`]), as read before the lock.
#[derive(Debug)]
pub(crate) struct UmRequest {
    pub(crate) caller: Caller,
    /// The channel it came on, for the schemes' challenges in a 401.
    pub(crate) channel: Channel,
    /// The envelope read and checked, or the fault that answers it.
    pub(crate) call: Result<(Operation, SoapCall), Refused>,
}

/// The request an outcome is carried out for.
struct Job<'a> {
    operation: Operation,
    call: &'a SoapCall,
    channel: &'a Channel,
    request_id: u64,
}

/// How a live answer's email is handled: a scripted fault and a capture delay.
type MailScript = (Option<MailFault>, Option<u64>);

/// What an outcome may change, copied out of the world: committed whole or dropped.
struct Draft {
    /// The caller's mailbox.
    index: usize,
    /// Its changed copy, made only when an operation changes it.
    mailbox: Option<Mailbox>,
    call_rng: StdRng,
    /// Emails to capture, each now or after a delay.
    emails: Vec<(PendingEmail, Option<Duration>)>,
    call: Option<CallChange>,
}

impl World {
    /// Journals `entry` with `plan` as its answer, counting it for the expectations.
    pub(crate) fn journal(&mut self, entry: Entry, mut plan: Plan) -> Plan {
        let recorded = self.journal.record(entry, &mut plan);
        self.expectations.observe(&recorded.record);
        self.note(Change::Request(recorded));
        plan
    }

    /// The caller's mailbox state (after [`World::identify`]).
    pub(crate) fn caller(&self, index: usize) -> &crate::domain::mailbox::MailboxState {
        &self.mailboxes[index].state
    }

    /// Answers an identified caller's UM request: the scripted or default outcome, its
    /// effects, the journal entry.
    pub(crate) fn answer_um(&mut self, request: UmRequest) -> Plan {
        let UmRequest {
            caller,
            channel,
            call,
        } = request;
        let (mut entry, index) = match self.resume(caller, &channel) {
            Ok(found) => found,
            Err(refused) => return refused,
        };
        let (operation, call) = match call {
            Ok(call) => call,
            Err(refused) => {
                entry.record.operation = refused.operation;
                let entry = entry.because(refused.reason);
                return self.journal(entry, Plan::now(refused.response));
            }
        };
        entry.record.operation = Some(call.operation.clone());
        let address = &self.mailboxes[index].state.smtp_address;
        let (scenario, outcome) = match self.scenarios.next(address, operation) {
            Some((id, outcome)) => (Some(id), outcome),
            None => (None, Outcome::default_answer()),
        };
        let job = Job {
            operation,
            call: &call,
            channel: &channel,
            request_id: self.journal.next_id(),
        };
        let mut draft = self.draft(index);
        let (reply, reason) = self.perform(&mut draft, &outcome, &job);
        #[cfg(test)]
        tests::maybe_panic_before_commit();
        // Commit: nothing below can fail half-way.
        if let Some(id) = scenario {
            self.scenarios.advance(id);
            if let Some(scenario) = self.scenarios.get(id) {
                self.note(Change::Scenario {
                    scenario,
                    removed: false,
                });
            }
        }
        self.commit(index, draft);
        let delay = Duration::from_millis(outcome.delay_ms.unwrap_or(0));
        let late = (!delay.is_zero())
            .then(|| format!("answered {} ms late (scripted)", delay.as_millis()));
        let reason = match (reason, late) {
            (Some(reason), Some(late)) => Some(format!("{reason}; {late}")),
            (reason, late) => reason.or(late),
        };
        entry.record.reason = match (reason, scenario) {
            (Some(reason), Some(id)) => Some(format!("{reason} (scenario {id})")),
            (reason, _) => reason,
        };
        entry.record.scenario = scenario;
        entry.record.outcome = outcome;
        self.journal(entry, Plan { reply, delay })
    }

    fn draft(&self, index: usize) -> Draft {
        Draft {
            index,
            mailbox: None,
            call_rng: self.call_rng.clone(),
            emails: Vec::new(),
            call: None,
        }
    }

    fn commit(&mut self, index: usize, draft: Draft) {
        if let Some(changed) = draft.mailbox {
            self.replace_mailbox(index, changed);
        }
        self.call_rng = draft.call_rng;
        match draft.call {
            Some(CallChange::Place(call)) => self.calls.add(call),
            Some(CallChange::Disconnect(id)) => {
                let mailbox = &self.mailboxes[index].state.smtp_address;
                self.calls.disconnect(&id, mailbox);
            }
            None => {}
        }
        for (email, delay) in draft.emails {
            self.send_email(email, delay);
        }
    }

    /// Carries out one outcome on `draft`; the reply and, when the double made something up
    /// or was scripted, why.
    fn perform(
        &self,
        draft: &mut Draft,
        outcome: &Outcome,
        job: &Job<'_>,
    ) -> (Reply, Option<String>) {
        match &outcome.action {
            Action::Default => self.live(draft, job, (None, None)),
            Action::Mail { fault, delay_ms } => self.live(draft, job, (*fault, *delay_ms)),
            Action::Fixture {
                name,
                status,
                headers,
            } => {
                let Some(canned) = self.fixtures.responses.get(name) else {
                    let reason = format!("canned response '{name}' no longer exists");
                    return (
                        Reply::Http(soap(500, write::invalid_request())),
                        Some(reason),
                    );
                };
                let mut reason = format!("replayed canned response '{name}'");
                if !canned.is_fault && operations::canned_success_has_effects(job.operation) {
                    if let Err(failure) = self.run(draft, job, (None, None)) {
                        // The operation's own checks refused: the bytes go out, nothing changes.
                        *draft = self.draft_like(draft);
                        let why = match failure {
                            Failure::Um { reason, .. } | Failure::Invalid(reason) => reason,
                        };
                        reason.push_str(&format!(" without its effects: {why}"));
                    }
                }
                let default_status = if canned.is_fault { 500 } else { 200 };
                let response = WireResponse::new(
                    status.unwrap_or(default_status),
                    CONTENT_TYPE,
                    canned.body.clone(),
                )
                .with_scripted_headers(headers);
                (Reply::Http(response), Some(reason))
            }
            Action::Fault { exception, message } => {
                let text = message
                    .clone()
                    .unwrap_or_else(|| write::exception_message(exception));
                let response = soap(500, write::um_fault(job.call.ns, exception, &text));
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
                let mut response = WireResponse::new(
                    *status,
                    "text/plain; charset=utf-8",
                    body.clone().unwrap_or_default(),
                )
                .with_scripted_headers(headers);
                if *status == 401 && response.header("WWW-Authenticate").is_none() {
                    for scheme in &self.fixtures.auth {
                        response =
                            response.with_header("WWW-Authenticate", scheme.challenge(job.channel));
                    }
                }
                (
                    Reply::Http(response),
                    Some(format!("scripted HTTP {status}")),
                )
            }
            Action::Network(fault) => (
                Reply::Network(*fault),
                Some(format!("scripted network fault {}", fault.name())),
            ),
        }
    }

    /// A fresh draft for the same mailbox (the draft's changes thrown away).
    fn draft_like(&self, draft: &Draft) -> Draft {
        self.draft(draft.index)
    }

    /// The operation as the double does it by itself, with the email handled as scripted.
    fn live(&self, draft: &mut Draft, job: &Job<'_>, mail: MailScript) -> (Reply, Option<String>) {
        let ns = job.call.ns;
        match self.run(draft, job, mail) {
            Ok((inner_xml, reason)) => (
                Reply::Http(soap(
                    200,
                    write::success(ns, job.operation.name(), &inner_xml),
                )),
                reason,
            ),
            Err(Failure::Um { exception, reason }) => {
                let message = write::exception_message(exception);
                let response = soap(500, write::um_fault(ns, exception, &message));
                (Reply::Http(response), Some(reason))
            }
            Err(Failure::Invalid(reason)) => (
                Reply::Http(soap(500, write::invalid_request())),
                Some(reason),
            ),
        }
    }

    /// Runs the operation on `draft` and queues its effects there: the inner XML of the
    /// answer and what the email handling says, if anything.
    fn run(
        &self,
        draft: &mut Draft,
        job: &Job<'_>,
        (mail_fault, mail_delay_ms): MailScript,
    ) -> Result<(String, Option<String>), Failure> {
        let ctx = Ctx {
            current: &self.mailboxes[draft.index],
            draft: &mut draft.mailbox,
            fixtures: &self.fixtures,
            calls: &self.calls,
            call_rng: &mut draft.call_rng,
            request_id: job.request_id,
            now: self.clock.now(),
        };
        let done = operations::execute(job.operation, job.call, ctx)?;
        draft.call = done.call;
        let reason = done
            .email
            .and_then(|email| deliver(draft, email, mail_fault, mail_delay_ms));
        Ok((done.inner_xml, reason))
    }
}

/// Queues an email to capture, drop, duplicate or delay; says so when it is not a plain capture.
fn deliver(
    draft: &mut Draft,
    email: PendingEmail,
    fault: Option<MailFault>,
    delay_ms: Option<u64>,
) -> Option<String> {
    let copies = match fault {
        Some(MailFault::Drop) => return Some("the PIN email was dropped (scripted)".into()),
        Some(MailFault::Duplicate) => 2,
        None => 1,
    };
    let delay = delay_ms.map(Duration::from_millis);
    for _ in 1..copies {
        draft.emails.push((email.clone(), delay));
    }
    draft.emails.push((email, delay));
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

#[cfg(test)]
mod tests;
