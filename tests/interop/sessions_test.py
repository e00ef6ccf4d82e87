"""Real clients under a session's prefix (SPEC §16): a session is created over the admin API,
then zeep is generated from the session's `?wsdl` and calls through the WSDL's soap:address,
and requests-ntlm does NTLM against the session's `service_url`. Each call must land in the
session's double (its journal, its emails) and leave the root's untouched.

Needs a running server: EXUM_URL=http://127.0.0.1:PORT (tests/interop/run.sh starts one, and
runs this suite over HTTPS too, with REQUESTS_CA_BUNDLE naming the server's CA).
"""

import pytest
import requests
from requests.auth import HTTPBasicAuth
from requests_ntlm import HttpNtlmAuth
from zeep import Client
from zeep.transports import Transport

from conftest import ENDPOINT, envelope


@pytest.fixture(autouse=True)
def fresh_root(base_url):
    """The root starts from its fixtures, so its email count below is this test's doing."""
    requests.post(f"{base_url}/__admin/reset", timeout=10).raise_for_status()


@pytest.fixture
def session(base_url):
    """A new session, as a test suite's setup makes one; ended when the test is done."""
    created = requests.post(f"{base_url}/__admin/sessions", json={"name": "interop"}, timeout=10)
    assert created.status_code == 201, created.text
    entry = created.json()
    yield entry
    ended = requests.delete(f"{base_url}/__admin/sessions/{entry['id']}", timeout=10)
    assert ended.status_code == 204, ended.text


def admin(url, path):
    """GET `path` of the admin API at `url` (the root's base URL or a session's `base_url`)."""
    response = requests.get(f"{url}/__admin{path}", timeout=10)
    response.raise_for_status()
    return response.json()


def test_the_sessions_urls_carry_its_prefix_and_the_scheme_and_host_asked_with(base_url, session):
    prefix = f"/sessions/{session['id']}"

    assert session["base_url"] == f"{base_url}{prefix}"
    assert session["service_url"] == f"{base_url}{prefix}{ENDPOINT}"
    assert session["admin_url"] == f"{base_url}{prefix}/__admin"


def test_zeep_from_the_sessions_wsdl_resets_the_pin_in_the_session_only(base_url, session):
    root_pin = admin(base_url, "/mailboxes/alice@contoso.com")["pin"]
    http = requests.Session()
    http.auth = HTTPBasicAuth("alice@contoso.com", "secret")
    client = Client(f"{session['service_url']}?wsdl", transport=Transport(session=http, timeout=10))

    # zeep sends each call to the WSDL's soap:address, not to the URL it read the WSDL from.
    assert client.service._binding_options["address"] == session["service_url"]
    assert client.service.ResetPIN() is None

    email = admin(session["base_url"], "/emails/latest?to=alice@contoso.com")
    assert email["operation"] == "ResetPIN"
    assert email["pin"] == admin(session["base_url"], "/mailboxes/alice@contoso.com")["pin"]
    journaled = admin(session["base_url"], "/requests?operation=ResetPIN")["requests"]
    assert [(r["identity"], r["auth_scheme"], r["status"]) for r in journaled] == [
        ("alice@contoso.com", "basic", 200)
    ]
    assert admin(base_url, "/emails?to=alice@contoso.com")["total"] == 0
    assert admin(base_url, "/requests?operation=ResetPIN")["total"] == 0
    assert admin(base_url, "/mailboxes/alice@contoso.com")["pin"] == root_pin


def test_requests_ntlm_resets_the_pin_under_the_sessions_service_url(base_url, session):
    answer = requests.post(
        session["service_url"],
        data=envelope("ResetPIN"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=HttpNtlmAuth("CONTOSO\\alice", "any password"),
        timeout=10,
    )

    assert answer.status_code == 200, answer.headers
    journaled = admin(session["base_url"], "/requests?operation=ResetPIN")["requests"][-1]
    assert (journaled["identity"], journaled["auth_scheme"], journaled["status"]) == ("CONTOSO\\alice", "ntlm", 200)
    assert admin(session["base_url"], "/emails?to=alice@contoso.com")["total"] == 1
    assert admin(base_url, "/emails?to=alice@contoso.com")["total"] == 0


def test_an_ntlm_connection_is_authenticated_with_the_root_and_the_session_apart(base_url, session):
    # One requests.Session sends every request on one keep-alive connection; NTLM is bound to
    # it, per double: a request without credentials is that user only where it authenticated.
    http = requests.Session()
    ntlm = HttpNtlmAuth("CONTOSO\\alice", "any password")
    at_root, in_session = f"{base_url}{ENDPOINT}", session["service_url"]

    def is_um_enabled(url, auth=None):
        return http.post(
            url, data=envelope("IsUMEnabled"), headers={"Content-Type": "text/xml; charset=utf-8"}, auth=auth, timeout=10
        ).status_code

    assert is_um_enabled(at_root, ntlm) == 200
    assert is_um_enabled(at_root) == 200
    assert is_um_enabled(in_session) == 401
    assert is_um_enabled(in_session, ntlm) == 200
    assert is_um_enabled(in_session) == 200
    assert is_um_enabled(at_root) == 200

    # Each double journaled its own handshake (its 401 without credentials, then the
    # CHALLENGE) and knew the user on the requests after it.
    alice = (200, "CONTOSO\\alice", "ntlm")
    refused = (401, None, None)
    challenged = (401, None, "ntlm")
    for url, journal in (
        (base_url, [refused, challenged, alice, alice, alice]),
        (session["base_url"], [refused, refused, challenged, alice, alice]),
    ):
        journaled = admin(url, "/requests")["requests"]
        assert [(r["status"], r["identity"], r["auth_scheme"]) for r in journaled] == journal, url
