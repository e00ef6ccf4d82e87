//! The ten operations beside ResetPIN, over real HTTP: exact response XML, state they change,
//! faults, calls, and that concurrent requests for one mailbox are serialised.

use base64::Engine as _;
use exchange_um_mock::{FixtureSet, UmMockServer};
use serde_json::json;

use crate::support::*;

/// A request envelope for `operation` with these child elements (already XML).
fn call(operation: &str, children: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><{operation} xmlns="{HTTP_NS}">{children}</{operation}></soap:Body></soap:Envelope>"#
    )
}

/// Alice places a PlayOnPhone call to `dial_string`; its call id.
async fn place_call(mock: &Mock, dial_string: &str) -> String {
    let children = format!("<entryId>{ENTRY_ID}</entryId><DialString>{dial_string}</DialString>");
    inner_value(
        &op(mock, "alice", "PlayOnPhone", &children).await,
        "PlayOnPhone",
    )
}

/// The children of a GetCallInfo or Disconnect request.
fn with_call_id(call_id: &str) -> String {
    format!("<CallId>{call_id}</CallId>")
}

/// `operation` with these children, as `user`, on the Exchange 2010 path.
async fn op(mock: &Mock, user: &str, operation: &str, children: &str) -> Reply {
    mock.post_as(user, PATH_2010, call(operation, children))
        .await
}

/// The exact success envelope holding `inner` in `<{operation}Response>`.
fn value_response(operation: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><s:Body><{operation}Response xmlns="{HTTP_NS}"><{operation}Response>{inner}</{operation}Response></{operation}Response></s:Body></s:Envelope>"#
    )
}

/// The text of the inner `<{operation}Response>` (the outer one carries `xmlns`).
fn inner_value(reply: &Reply, operation: &str) -> String {
    let open = format!("<{operation}Response>");
    let text = reply.text();
    let start = text
        .find(&open)
        .unwrap_or_else(|| panic!("no value in {text}"))
        + open.len();
    text[start..text[start..].find('<').unwrap() + start].to_string()
}

/// A server on the default fixtures whose calls step every `step_ms` (0 = connected at once).
async fn mock_with_call_step(step_ms: u64) -> Mock {
    let json = default_mock_json().replacen(
        r#""fqdn": "um01.contoso.com""#,
        &format!(r#""fqdn": "um01.contoso.com", "call_step_ms": {step_ms}"#),
        1,
    );
    Mock::with(
        UmMockServer::builder().fixtures(FixtureSet::embedded().with_file("mock.json", json)),
    )
    .await
}

const ENTRY_ID: &str = "AAAAABHK6Y9Wr7dKhXu9gAAAAAAHAHq1bFLkRsJIqpKQcqzbXlMAAAAAAR8AAA==";

#[tokio::test]
async fn is_um_enabled_answers_true_or_false_and_never_faults() {
    let mock = Mock::start().await;

    let alice = op(&mock, "alice", "IsUMEnabled", "").await;
    let bob = op(&mock, "bob", "IsUMEnabled", "").await;

    assert_eq!(
        (alice.status, alice.text()),
        (200, value_response("IsUMEnabled", "true").as_str())
    );
    assert_eq!(
        (bob.status, bob.text()),
        (200, value_response("IsUMEnabled", "false").as_str())
    );
}

#[tokio::test]
async fn get_um_properties_lists_the_fields_in_order_and_omits_absent_ones() {
    let mock = Mock::start().await;

    let alice = op(&mock, "alice", "GetUMProperties", "").await;
    let erin = op(&mock, "erin", "GetUMProperties", "").await;

    let numbers =
        "<TelephoneAccessNumbers>+1 425 555 0100, +1 425 555 0199</TelephoneAccessNumbers>";
    assert_eq!(
        alice.text(),
        value_response(
            "GetUMProperties",
            &format!("<OofStatus>false</OofStatus><MissedCallNotificationEnabled>true</MissedCallNotificationEnabled>{numbers}")
        )
    );
    assert_eq!(
        erin.text(),
        value_response(
            "GetUMProperties",
            &format!("<OofStatus>true</OofStatus><MissedCallNotificationEnabled>true</MissedCallNotificationEnabled><PlayOnPhoneDialString>4255550142</PlayOnPhoneDialString>{numbers}")
        )
    );
}

#[tokio::test]
async fn the_set_operations_change_what_get_um_properties_and_the_admin_api_show_until_reset() {
    let mock = Mock::start().await;
    for (operation, children) in [
        ("SetOofStatus", "<status>true</status>"),
        ("SetMissedCallNotificationEnabled", "<status>0</status>"),
        (
            "SetPlayOnPhoneDialString",
            "<dialString>  +1 425 555 0123 </dialString>",
        ),
        (
            "SetTelephoneAccessFolderEmail",
            "<base64FolderID>AQIDBA==</base64FolderID>",
        ),
    ] {
        let reply = mock
            .post_as("alice", PATH_2007, call(operation, children))
            .await;
        assert_eq!(
            reply.text(),
            empty_response_xml(HTTP_NS, operation),
            "{operation}"
        );
    }

    let properties = op(&mock, "alice", "GetUMProperties", "").await;

    assert_eq!(
        properties.text(),
        value_response(
            "GetUMProperties",
            "<OofStatus>true</OofStatus><MissedCallNotificationEnabled>false</MissedCallNotificationEnabled><PlayOnPhoneDialString>+1 425 555 0123</PlayOnPhoneDialString><TelephoneAccessNumbers>+1 425 555 0100, +1 425 555 0199</TelephoneAccessNumbers><TelephoneAccessFolderEmail>AQIDBA==</TelephoneAccessFolderEmail>"
        )
    );
    let expected = json!({
        "oof_status": true,
        "missed_call_notification_enabled": false,
        "play_on_phone_dial_string": "+1 425 555 0123",
        "telephone_access_folder_email": "AQIDBA=="
    });
    assert_eq!(
        mock.mailbox("alice@contoso.com").await["properties"],
        expected
    );
    assert_eq!(mock.admin("POST", "/__admin/reset", None).await.status, 204);
    assert_eq!(
        mock.mailbox("alice@contoso.com").await["properties"]["oof_status"],
        false
    );
}

#[tokio::test]
async fn wrong_or_missing_parameters_get_invalid_request_with_a_reason() {
    let mock = Mock::start().await;
    let cases = [
        (
            "SetOofStatus",
            "<status>maybe</status>",
            "must be true or false, not 'maybe'",
        ),
        ("SetOofStatus", "", "parameter 'status' is missing"),
        (
            "SetOofStatus",
            "<status>true</status><status>false</status>",
            "appears twice",
        ),
        (
            "SetOofStatus",
            "<Status>true</Status>",
            "has no parameter 'Status'",
        ),
        (
            "SetPlayOnPhoneDialString",
            "",
            "parameter 'dialString' is missing",
        ),
        (
            "PlayOnPhone",
            &format!("<entryId>{ENTRY_ID}</entryId>"),
            "parameter 'DialString' is missing",
        ),
        (
            "PlayOnPhoneGreeting",
            "<GreetingType>Away</GreetingType><DialString>1</DialString>",
            "NormalCustom or OofCustom",
        ),
        ("GetCallInfo", "", "parameter 'CallId' is missing"),
        ("IsUMEnabled", "<x>1</x>", "has no parameter 'x'"),
    ];
    for (operation, children, reason) in cases {
        let reply = op(&mock, "alice", operation, children).await;

        assert_eq!(
            (reply.status, reply.text()),
            (500, invalid_request_xml().as_str()),
            "{operation} {children}"
        );
        assert!(
            reply.header("X-Exum-Reason").contains(reason),
            "{operation} {children}: {}",
            reply.header("X-Exum-Reason")
        );
    }
}

#[tokio::test]
async fn play_on_phone_returns_a_call_id_of_a_guid_at_the_server_fqdn_and_the_call_can_be_followed_and_ended(
) {
    let mock = mock_with_call_step(0).await;

    let call_id = place_call(&mock, "4255550142").await;
    let info = op(&mock, "alice", "GetCallInfo", &with_call_id(&call_id)).await;
    let hang_up = op(&mock, "alice", "Disconnect", &with_call_id(&call_id)).await;
    let after = op(&mock, "alice", "GetCallInfo", &with_call_id(&call_id)).await;

    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(&call_id)
            .unwrap(),
    )
    .unwrap();
    let (guid, fqdn) = decoded.split_once('@').unwrap();
    assert_eq!(fqdn, "um01.contoso.com");
    assert_eq!(
        guid.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{guid}"
    );
    assert_eq!(
        info.text(),
        value_response(
            "GetCallInfo",
            "<CallState>Connected</CallState><EventCause>None</EventCause>"
        )
    );
    assert_eq!(hang_up.text(), empty_response_xml(HTTP_NS, "Disconnect"));
    assert_eq!(
        after.text(),
        value_response(
            "GetCallInfo",
            "<CallState>Disconnected</CallState><EventCause>None</EventCause>"
        )
    );
    let calls = mock.get_json("/__admin/calls").await;
    assert_eq!(calls["total"], 1);
    assert_eq!(calls["calls"][0]["id"], call_id.as_str());
    assert_eq!(calls["calls"][0]["dial_string"], "4255550142");
    assert_eq!(calls["calls"][0]["state"], "Disconnected");
}

#[tokio::test]
async fn a_new_call_is_connecting_until_its_first_step() {
    let mock = mock_with_call_step(600_000).await;

    let placed = op(
        &mock,
        "alice",
        "PlayOnPhoneGreeting",
        "<GreetingType>OofCustom</GreetingType><DialString>4001</DialString>",
    )
    .await;
    let call_id = inner_value(&placed, "PlayOnPhoneGreeting");
    let info = op(&mock, "alice", "GetCallInfo", &with_call_id(&call_id)).await;

    assert_eq!(
        info.text(),
        value_response(
            "GetCallInfo",
            "<CallState>Connecting</CallState><EventCause>None</EventCause>"
        )
    );
    assert_eq!(
        mock.get_json("/__admin/calls?mailbox=alice@contoso.com")
            .await["calls"][0]["content"],
        "OofCustom"
    );
}

#[tokio::test]
async fn bad_ids_get_the_exchange_exceptions() {
    let mock = Mock::start().await;
    let alices_call = place_call(&mock, "1").await;

    let not_base64 = op(
        &mock,
        "alice",
        "PlayOnPhone",
        "<entryId>not an id!</entryId><DialString>1</DialString>",
    )
    .await;
    let too_short = op(
        &mock,
        "alice",
        "PlayOnPhone",
        "<entryId>AAEC</entryId><DialString>1</DialString>",
    )
    .await;
    let bad_folder = op(
        &mock,
        "alice",
        "SetTelephoneAccessFolderEmail",
        "<base64FolderId>%%%</base64FolderId>",
    )
    .await;
    let unknown_call = op(&mock, "alice", "GetCallInfo", "<CallId>bm9wZQ==</CallId>").await;
    let someone_elses = op(&mock, "carol", "Disconnect", &with_call_id(&alices_call)).await;

    let invalid_object = um_fault_xml(
        HTTP_NS,
        "InvalidObjectIdException",
        "The object ID is invalid.",
    );
    let invalid_call = um_fault_xml(
        HTTP_NS,
        "InvalidCallIdException",
        "The call ID is invalid or the call has ended.",
    );
    for (reply, expected) in [
        (&not_base64, &invalid_object),
        (&too_short, &invalid_object),
        (&bad_folder, &invalid_object),
        (&unknown_call, &invalid_call),
        (&someone_elses, &invalid_call),
    ] {
        assert_eq!((reply.status, reply.text()), (500, expected.as_str()));
    }
    assert_eq!(
        mock.get_json("/__admin/calls").await["calls"][0]["state"],
        "Connecting",
        "carol could not end alice's call"
    );
}

#[tokio::test]
async fn a_caller_who_is_not_um_enabled_gets_the_fault_from_every_operation_but_is_um_enabled() {
    let mock = Mock::start().await;
    let requests = [
        ("ResetPIN", String::new()),
        ("GetUMProperties", String::new()),
        ("SetOofStatus", "<status>true</status>".to_string()),
        (
            "SetMissedCallNotificationEnabled",
            "<status>true</status>".to_string(),
        ),
        (
            "SetPlayOnPhoneDialString",
            "<dialString>1</dialString>".to_string(),
        ),
        (
            "SetTelephoneAccessFolderEmail",
            "<base64FolderId>AQID</base64FolderId>".to_string(),
        ),
        (
            "PlayOnPhone",
            format!("<entryId>{ENTRY_ID}</entryId><DialString>1</DialString>"),
        ),
        (
            "PlayOnPhoneGreeting",
            "<GreetingType>NormalCustom</GreetingType><DialString>1</DialString>".to_string(),
        ),
        ("GetCallInfo", "<CallId>bm9wZQ==</CallId>".to_string()),
        ("Disconnect", "<CallId>bm9wZQ==</CallId>".to_string()),
    ];
    let before = mock.mailbox("bob@contoso.com").await;
    for (operation, children) in requests {
        let reply = op(&mock, "bob", operation, &children).await;

        assert_eq!(
            (reply.status, reply.text()),
            (500, not_um_enabled_xml(HTTP_NS).as_str()),
            "{operation}"
        );
    }
    assert_eq!(mock.mailbox("bob@contoso.com").await, before);
    assert_eq!(mock.get_json("/__admin/calls").await["total"], 0);
}

#[tokio::test]
async fn scenarios_script_every_operation_not_only_reset_pin() {
    let mock = Mock::start().await;
    mock.add_scenario(json!({"mailbox": "alice@contoso.com", "operation": "GetUMProperties", "outcomes": [{"fault": "TransientException"}]}))
        .await;

    let scripted = op(&mock, "alice", "GetUMProperties", "").await;
    let live = op(&mock, "alice", "GetUMProperties", "").await;

    assert_eq!(
        scripted.text(),
        um_fault_xml(
            HTTP_NS,
            "TransientException",
            "A transient error occurred. Try again later."
        )
    );
    assert_eq!(live.status, 200);
}

// Concurrent requests for one mailbox are serialised. Checked twice, because the two
// ways of serving run requests differently. The library's `UmMockServer` serves on its own
// current-thread runtime on its own thread (src/server/mod.rs), so there the multi-thread test
// runtime only makes the clients concurrent; the binary serves on `Runtime::new()`, Tokio's
// multi-thread runtime (src/main.rs), where requests for one mailbox really run in parallel on
// its worker threads.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn n_concurrent_resets_of_one_mailbox_give_n_emails_each_obeying_the_history_and_the_last_pin_wins(
) {
    let mock = Mock::start().await;

    concurrent_resets_of_carol(&mock.server.uri()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_binary_on_its_multi_thread_runtime_serialises_n_concurrent_resets_of_one_mailbox() {
    let mut command = crate::cli::command();
    command.args(["--listen", "127.0.0.1:0"]);
    let serving = crate::cli::Serving::start(command);

    concurrent_resets_of_carol(&serving.url).await;
}

/// Resets carol's PIN `RESETS` times at once against the server at `base` (`http://host:port`):
/// each reset from its own spawned task, all released together. Asserts every reset succeeds,
/// there is exactly one email per reset, each PIN obeys the 10-PIN history and the mailbox
/// keeps the last email's PIN.
async fn concurrent_resets_of_carol(base: &str) {
    const RESETS: usize = 40;
    let client = reqwest::Client::new();
    let go = std::sync::Arc::new(tokio::sync::Barrier::new(RESETS));
    let tasks: Vec<_> = (0..RESETS)
        .map(|_| {
            let request = reset_pin_request(&client, base, "carol");
            let go = go.clone();
            tokio::spawn(async move {
                go.wait().await;
                request.send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }

    let get = |path: &str| {
        let request = client.get(format!("{base}{path}"));
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let emails = get("/__admin/emails?to=carol@contoso.com").await;
    assert_eq!(emails["total"], RESETS);
    let mut history = vec!["20481632".to_string()];
    for pin in field(&emails["emails"], "pin") {
        let pin = pin.as_str().unwrap().to_string();
        let recent = &history[history.len().saturating_sub(10)..];
        assert!(
            !recent.contains(&pin),
            "{pin} repeats one of the 10 PINs before it: {recent:?}"
        );
        history.push(pin);
    }
    assert_eq!(
        get("/__admin/mailboxes/carol@contoso.com").await["pin"],
        history.last().unwrap().as_str()
    );
}
