"""Extended Protection against real clients, as against an Exchange with the 2022 security
updates: requests-ntlm (pyspnego computes the channel binding from the certificate the server
presented) passes `require`, and fails it once told not to send the binding; curl --ntlm sends
none, so `require` answers it with the 401 that names the missing binding and `allow` lets it
in; over plain http, pyspnego's service binding (MsvAvTargetName) names the host it asked.

Needs two running servers (tests/interop/run.sh starts them): the fixtures of
tests/interop/fixtures-ep-require/ with an https and an http listener (EXUM_EP_REQUIRE_URL,
EXUM_EP_REQUIRE_HTTP_URL, its --tls-ca-out in EXUM_EP_REQUIRE_CA) and those of
tests/interop/fixtures-ep-allow/ with an https listener (EXUM_EP_ALLOW_URL, EXUM_EP_ALLOW_CA);
and the `require` fixtures again served with an RSA certificate signed with SHA-384
(EXUM_EP_SHA384_URL, the certificate itself in EXUM_EP_SHA384_CA).
"""

import os
import subprocess
import tempfile

import pytest
import requests
from requests_ntlm import HttpNtlmAuth

from conftest import ENDPOINT, envelope

MISSING = ('Extended Protection: the NTLM response carries no channel binding '
           '(server.extended_protection is "require")')


def server(name):
    url, ca = os.environ.get(f"EXUM_EP_{name}_URL"), os.environ.get(f"EXUM_EP_{name}_CA")
    if not url or not ca:
        pytest.fail(f"EXUM_EP_{name}_URL and EXUM_EP_{name}_CA are not set: use tests/interop/run.sh")
    return url.rstrip("/"), ca


@pytest.fixture(autouse=True)
def fresh_state():
    for name in ("REQUIRE", "ALLOW", "SHA384"):
        url, ca = server(name)
        requests.post(f"{url}/__admin/reset", verify=ca, timeout=10).raise_for_status()


def post(url, ca, auth, operation="ResetPIN"):
    return requests.post(
        f"{url}{ENDPOINT}",
        data=envelope(operation),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=auth,
        verify=ca,
        timeout=10,
    )


def last_request(url, ca):
    return requests.get(f"{url}/__admin/requests", verify=ca, timeout=10).json()["requests"][-1]


def curl_ntlm(url, ca, user):
    """curl --ntlm over TLS; returns (HTTP status, the last response's X-Exum-Reason)."""
    with tempfile.TemporaryDirectory() as tmp:
        head = os.path.join(tmp, "head")
        done = subprocess.run(
            ["curl", "-sS", "--max-time", "10", "--ntlm", "-u", user, "--cacert", ca, "-D", head,
             "-o", os.devnull, "-w", "%{http_code}", "-H", "Content-Type: text/xml; charset=utf-8",
             "--data-binary", envelope("ResetPIN"), f"{url}{ENDPOINT}"],
            capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 0, done.stderr
        last = open(head, encoding="latin-1", newline="").read().strip().split("\r\n\r\n")[-1]
    reasons = [line.split(":", 1)[1].strip() for line in last.split("\r\n")
               if line.lower().startswith("x-exum-reason:")]
    return done.stdout, reasons[0] if reasons else None


def test_requests_ntlm_sends_the_channel_binding_and_passes_require():
    url, ca = server("REQUIRE")

    answer = post(url, ca, HttpNtlmAuth("CONTOSO\\dave", "P@ssw0rd!"), "IsUMEnabled")

    assert answer.status_code == 200, answer.headers
    journaled = last_request(url, ca)
    assert journaled["identity"] == "CONTOSO\\dave"
    assert journaled["listener"] == "https"


def test_requests_ntlm_without_the_channel_binding_gets_the_401_that_names_it():
    url, ca = server("REQUIRE")

    answer = post(url, ca, HttpNtlmAuth("CONTOSO\\alice", "x", send_cbt=False))

    assert answer.status_code == 401
    assert answer.headers["X-Exum-Reason"] == MISSING
    assert last_request(url, ca)["reason"] == MISSING
    emails = requests.get(f"{url}/__admin/emails", verify=ca, timeout=10).json()
    assert emails["total"] == 0


def test_curl_ntlm_sends_no_channel_binding_so_require_refuses_it():
    url, ca = server("REQUIRE")

    status, reason = curl_ntlm(url, ca, "CONTOSO\\alice:x")

    assert (status, reason) == ("401", MISSING)


def test_curl_ntlm_passes_allow():
    url, ca = server("ALLOW")

    status, reason = curl_ntlm(url, ca, "CONTOSO\\alice:x")

    assert status == "200", reason
    assert last_request(url, ca)["identity"] == "CONTOSO\\alice"


def test_over_http_pyspnego_names_the_host_it_asked_and_passes_the_service_binding():
    url, ca = server("REQUIRE")
    http = os.environ.get("EXUM_EP_REQUIRE_HTTP_URL")
    if not http:
        pytest.fail("EXUM_EP_REQUIRE_HTTP_URL is not set: use tests/interop/run.sh")

    answer = post(http.rstrip("/"), None, HttpNtlmAuth("CONTOSO\\dave", "P@ssw0rd!"), "IsUMEnabled")

    assert answer.status_code == 200, answer.headers
    assert last_request(url, ca)["listener"] == "http"


def test_a_certificate_signed_with_sha384_is_bound_with_its_own_hash():
    # RFC 5929 hashes the certificate with its signature's hash: pyspnego and the double must
    # both pick SHA-384 for this RSA one (the user's --tls-cert), or the 200 is a 401.
    url, ca = server("SHA384")

    answer = post(url, ca, HttpNtlmAuth("CONTOSO\\dave", "P@ssw0rd!"), "IsUMEnabled")

    assert answer.status_code == 200, answer.headers
