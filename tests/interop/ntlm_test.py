"""requests-ntlm and pyspnego (Python) against exchange-um-mock: NTLM and Negotiate as a Windows
client library does them, against dave (password `P@ssw0rd!`) and alice (any password).

Needs a running server: EXUM_URL=http://127.0.0.1:PORT (tests/interop/run.sh starts one).
"""

import base64
import os

import pytest
import requests
import spnego
from requests_ntlm import HttpNtlmAuth

from conftest import ENDPOINT, envelope


@pytest.fixture(autouse=True)
def fresh_state(base_url):
    """Each test starts from the fixtures as loaded."""
    requests.post(f"{base_url}/__admin/reset", timeout=10).raise_for_status()


def post(base_url, auth, operation="IsUMEnabled"):
    return requests.post(
        f"{base_url}{ENDPOINT}",
        data=envelope(operation),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=auth,
        timeout=10,
    )


def last_request(base_url):
    return requests.get(f"{base_url}/__admin/requests", timeout=10).json()["requests"][-1]


def test_ntlm_with_daves_password_is_answered_as_dave(base_url):
    answer = post(base_url, HttpNtlmAuth("CONTOSO\\dave", "P@ssw0rd!"))

    assert answer.status_code == 200, answer.headers
    journaled = last_request(base_url)
    assert journaled["identity"] == "CONTOSO\\dave"
    assert journaled["auth_scheme"] == "ntlm"


def test_ntlm_with_a_wrong_password_is_a_401_that_says_why_and_sends_no_email(base_url):
    answer = post(base_url, HttpNtlmAuth("CONTOSO\\dave", "wrong"), "ResetPIN")

    assert answer.status_code == 401
    assert "does not match the mailbox's password" in answer.headers["X-Exum-Reason"]
    emails = requests.get(f"{base_url}/__admin/emails", timeout=10).json()
    assert emails["total"] == 0


def test_negotiate_carrying_ntlm_resets_alices_pin(base_url):
    # pyspnego's Negotiate (SPNEGO around its own NTLM, no Kerberos here), one keep-alive
    # session so both legs travel on the same connection.
    context = spnego.client("CONTOSO\\alice", "any", hostname="um01.contoso.com", protocol="negotiate")
    session = requests.Session()

    def leg(token):
        return session.post(
            f"{base_url}{ENDPOINT}",
            data=envelope("ResetPIN"),
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "Authorization": "Negotiate " + base64.b64encode(token).decode(),
            },
            timeout=10,
        )

    challenge = leg(context.step())
    assert challenge.status_code == 401
    scheme, token = challenge.headers["WWW-Authenticate"].split(" ", 1)
    assert scheme == "Negotiate"
    answer = leg(context.step(base64.b64decode(token)))

    assert answer.status_code == 200, answer.headers
    scheme, final = answer.headers["WWW-Authenticate"].split(" ", 1)
    context.step(base64.b64decode(final))
    assert context.complete
    journaled = last_request(base_url)
    assert journaled["identity"] == "CONTOSO\\alice"
    assert journaled["auth_scheme"] == "negotiate"
