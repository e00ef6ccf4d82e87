"""zeep (Python) against exchange-um-mock: the client is generated from GET <endpoint>?wsdl and
calls every UM operation with Basic credentials, as a real helpdesk or self-service app would, and
with requests-ntlm's HttpNtlmAuth as the session's auth.

Needs a running server: EXUM_URL=http://127.0.0.1:PORT (tests/interop/run.sh starts one). It
runs the suite twice: over HTTP, and over HTTPS with EXUM_URL=https://127.0.0.1:PORT and
REQUESTS_CA_BUNDLE naming the CA the server wrote with --tls-ca-out (requests ignores
Session.verify while REQUESTS_CA_BUNDLE is set, so that variable is the way to trust it).
"""

import base64
import os

import pytest
import requests
from requests.auth import HTTPBasicAuth
from requests_ntlm import HttpNtlmAuth
from zeep import Client
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from conftest import ENDPOINT


@pytest.fixture(autouse=True)
def fresh_state(base_url):
    """Each test starts from the fixtures as loaded."""
    requests.post(f"{base_url}/__admin/reset", timeout=10).raise_for_status()


def client_for(base_url, user, password="secret", path=ENDPOINT, query="wsdl"):
    session = requests.Session()
    session.auth = HTTPBasicAuth(user, password)
    return Client(f"{base_url}{path}?{query}", transport=Transport(session=session, timeout=10))


@pytest.fixture
def alice(base_url):
    return client_for(base_url, "alice@contoso.com").service


def admin(base_url, path):
    response = requests.get(f"{base_url}/__admin{path}", timeout=10)
    response.raise_for_status()
    return response.json()


def test_the_wsdl_points_the_client_at_the_listener_it_was_fetched_from(base_url, alice):
    scheme = base_url.split("://", 1)[0]

    assert alice.IsUMEnabled() is True

    journaled = admin(base_url, "/requests?operation=IsUMEnabled")["requests"][-1]
    assert journaled["listener"] == scheme
    assert journaled["identity"] == "alice@contoso.com"


def test_zeep_with_requests_ntlm_as_the_session_auth(base_url):
    session = requests.Session()
    session.auth = HttpNtlmAuth("CONTOSO\\alice", "any password")
    alice = Client(f"{base_url}{ENDPOINT}?wsdl", transport=Transport(session=session, timeout=10)).service

    assert alice.ResetPIN() is None
    assert alice.IsUMEnabled() is True

    journaled = admin(base_url, "/requests?operation=ResetPIN")["requests"][-1]
    assert journaled["identity"] == "CONTOSO\\alice"
    assert journaled["auth_scheme"] == "ntlm"
    assert admin(base_url, "/emails?to=alice@contoso.com")["total"] == 1


def test_over_https_session_verify_trusts_the_ca_only_while_no_ca_bundle_variable_is_set(base_url, monkeypatch):
    if not base_url.startswith("https://"):
        pytest.skip("over HTTPS only: run.sh runs this suite against the https listener too")
    ca = os.environ["EXUM_CA"]

    def ntlm_client():
        session = requests.Session()
        session.auth = HttpNtlmAuth("CONTOSO\\alice", "any password")
        session.verify = ca
        return Client(f"{base_url}{ENDPOINT}?wsdl", transport=Transport(session=session, timeout=10)).service

    # A bundle variable that does not hold the CA wins over session.verify: the handshake fails.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    with pytest.raises(requests.exceptions.SSLError):
        ntlm_client()

    # With neither REQUESTS_CA_BUNDLE nor CURL_CA_BUNDLE set, session.verify is used.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    alice = ntlm_client()
    assert alice.ResetPIN() is None
    assert admin_trusting(base_url, ca, "/emails?to=alice@contoso.com")["total"] == 1


def admin_trusting(base_url, ca, path):
    response = requests.get(f"{base_url}/__admin{path}", timeout=10, verify=ca)
    response.raise_for_status()
    return response.json()


def test_the_wsdl_binds_all_eleven_operations(base_url):
    client = client_for(base_url, "alice@contoso.com")
    operations = set(client.service._binding._operations)
    assert operations == {
        "ResetPIN", "IsUMEnabled", "GetUMProperties", "SetOofStatus",
        "SetMissedCallNotificationEnabled", "SetPlayOnPhoneDialString",
        "SetTelephoneAccessFolderEmail", "PlayOnPhone", "PlayOnPhoneGreeting",
        "GetCallInfo", "Disconnect",
    }


def test_reset_pin_sends_an_email_with_the_new_pin(base_url, alice):
    before = admin(base_url, "/mailboxes/alice@contoso.com")["pin"]

    assert alice.ResetPIN() is None

    email = admin(base_url, "/emails/latest?to=alice@contoso.com")
    mailbox = admin(base_url, "/mailboxes/alice@contoso.com")
    assert email["operation"] == "ResetPIN"
    assert email["pin"] == mailbox["pin"]
    assert email["pin"] != before
    assert email["pin"] in email["text_body"]


def test_is_um_enabled_is_true_for_alice_and_false_not_a_fault_for_bob(base_url, alice):
    assert alice.IsUMEnabled() is True
    assert client_for(base_url, "bob@contoso.com").service.IsUMEnabled() is False


def test_settings_set_through_the_client_come_back_from_get_um_properties(alice):
    folder_id = base64.b64encode(b"voicemail-folder-id").decode()

    assert alice.SetOofStatus(status=True) is None
    assert alice.SetMissedCallNotificationEnabled(status=True) is None
    assert alice.SetPlayOnPhoneDialString(dialString="4255550142") is None
    assert alice.SetTelephoneAccessFolderEmail(base64FolderId=folder_id) is None
    properties = alice.GetUMProperties()

    assert properties.OofStatus is True
    assert properties.MissedCallNotificationEnabled is True
    assert properties.PlayOnPhoneDialString == "4255550142"
    assert properties.TelephoneAccessNumbers == "+1 425 555 0100, +1 425 555 0199"
    assert properties.TelephoneAccessFolderEmail == folder_id


def test_oof_status_can_be_turned_off_again(alice):
    alice.SetOofStatus(status=True)
    alice.SetOofStatus(status=False)

    assert alice.GetUMProperties().OofStatus is False


def test_play_on_phone_returns_a_call_id_that_get_call_info_and_disconnect_accept(alice):
    entry_id = base64.b64encode(b"a voice message item id").decode()

    call_id = alice.PlayOnPhone(entryId=entry_id, DialString="4255550142")
    info = alice.GetCallInfo(CallId=call_id)

    assert isinstance(call_id, str) and call_id
    assert "@" in base64.b64decode(call_id).decode(), "a call id is base64 of <guid>@<server fqdn>"
    assert info.CallState in {"Idle", "Connecting", "Alerted", "Connected", "Disconnected",
                              "Incoming", "Transferring", "Forwarding"}
    assert info.EventCause in {"None", "UserBusy", "NoAnswer", "Unavailable", "Other"}

    assert alice.Disconnect(CallId=call_id) is None
    assert alice.GetCallInfo(CallId=call_id).CallState == "Disconnected"


def test_play_on_phone_greeting_returns_a_call_id(alice):
    call_id = alice.PlayOnPhoneGreeting(GreetingType="OofCustom", DialString="4255550142")

    assert "@" in base64.b64decode(call_id).decode()
    assert alice.GetCallInfo(CallId=call_id).CallState != "Disconnected"
    alice.Disconnect(CallId=call_id)


def test_a_caller_not_um_enabled_gets_a_soap_fault_naming_the_exception(base_url):
    bob = client_for(base_url, "bob@contoso.com").service

    with pytest.raises(Fault) as raised:
        bob.ResetPIN()

    assert "UserNotUmEnabledException" in raised.value.code
    assert "Unified Messaging" in raised.value.message
    assert admin(base_url, "/emails")["total"] == 0


def test_a_bad_entry_id_is_an_invalid_object_id_fault(alice):
    with pytest.raises(Fault) as raised:
        alice.PlayOnPhone(entryId="not base64!", DialString="4255550142")

    assert "InvalidObjectIdException" in raised.value.code


def test_a_wrong_password_is_an_http_401_not_a_fault(base_url):
    dave = client_for(base_url, "dave@contoso.com", password="wrong").service

    with pytest.raises(TransportError) as raised:
        dave.IsUMEnabled()

    assert raised.value.status_code == 401


def test_the_2007_path_and_an_upper_case_wsdl_query_work_too(base_url):
    dave = client_for(base_url, "CONTOSO\\dave", password="P@ssw0rd!",
                      path="/UnifiedMessaging/Service.asmx", query="WSDL").service

    assert dave.IsUMEnabled() is True

    journal = admin(base_url, "/requests?operation=IsUMEnabled")
    assert journal["requests"][-1]["path"] == "/UnifiedMessaging/Service.asmx"
    assert journal["requests"][-1]["headers"]["soapaction"] == (
        '"http://schemas.microsoft.com/exchange/services/2006/messages/IsUMEnabled"'
    )
