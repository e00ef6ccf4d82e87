"""curl (the command-line tool) against exchange-um-mock's HTTPS listener: NTLM over TLS,
trusting the CA the server wrote with --tls-ca-out, as docs/clients.md tells a person to (its
curl lines are run here as written).

Needs a running server with an HTTP and an HTTPS listener: EXUM_URL=http://127.0.0.1:PORT,
EXUM_HTTPS_URL=https://127.0.0.1:PORT and EXUM_CA=FILE (its --tls-ca-out file);
tests/interop/run.sh starts one.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ENDPOINT, envelope


@pytest.fixture(scope="session")
def https_url():
    url = os.environ.get("EXUM_HTTPS_URL")
    if not url or not os.environ.get("EXUM_CA"):
        pytest.fail("EXUM_HTTPS_URL and EXUM_CA are not set: start exchange-um-mock with an https listener "
                    "and --tls-ca-out, or use tests/interop/run.sh")
    return url.rstrip("/")


def curl(*args, env=None):
    """Runs curl; returns (exit code, HTTP status, the last response's headers, body)."""
    with tempfile.TemporaryDirectory() as tmp:
        head_file, body_file = os.path.join(tmp, "head"), os.path.join(tmp, "body")
        done = subprocess.run(
            ["curl", "-sS", "--max-time", "10", "-D", head_file, "-o", body_file, "-w", "%{http_code}", *args],
            capture_output=True, text=True, env=env, timeout=30,
        )
        head = open(head_file, encoding="latin-1", newline="").read() if os.path.exists(head_file) else ""
        body = open(body_file, encoding="utf-8").read() if os.path.exists(body_file) else done.stderr
    # The head file holds every response's headers, the NTLM handshake's 401s first.
    headers = {}
    for line in head.strip().split("\r\n\r\n")[-1].split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return done.returncode, done.stdout, headers, body


def admin(https_url, path, method="GET"):
    code, status, _, body = curl("--cacert", os.environ["EXUM_CA"], "-X", method, f"{https_url}/__admin{path}")
    assert code == 0, body
    return json.loads(body) if method == "GET" else status


@pytest.fixture(autouse=True)
def fresh_state(https_url):
    assert admin(https_url, "/reset", "POST") == "204"


def ntlm_post(https_url, user, operation):
    return curl(
        "--ntlm", "-u", user, "--cacert", os.environ["EXUM_CA"],
        "-H", "Content-Type: text/xml; charset=utf-8", "--data-binary", envelope(operation),
        f"{https_url}{ENDPOINT}",
    )


def test_curl_ntlm_over_tls_resets_alices_pin(https_url):
    code, status, _, body = ntlm_post(https_url, "CONTOSO\\alice:x", "ResetPIN")

    assert (code, status) == (0, "200"), body
    journaled = admin(https_url, "/requests")["requests"][-1]
    assert journaled["identity"] == "CONTOSO\\alice"
    assert journaled["auth_scheme"] == "ntlm"
    assert journaled["listener"] == "https"
    assert admin(https_url, "/emails?to=alice@contoso.com")["total"] == 1


CLIENTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "clients.md"


def documented_curl_lines():
    """What docs/clients.md's curl section has the reader type once the server runs: save
    reset.xml, reset alice's PIN with NTLM over HTTPS, look at the emails."""
    section = CLIENTS_DOC.read_text(encoding="utf-8").split("\n### curl\n", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2, "the curl section shows the server's start, then the client's lines"
    assert "--tls-ca-out ca.pem" in blocks[0]
    return [line for line in blocks[1].replace("\\\n", " ").splitlines() if line.strip()]


def test_the_curl_lines_of_the_clients_doc_reset_alices_pin_and_the_email_shows_up(base_url, https_url, tmp_path):
    # Run where the server wrote ca.pem, as the doc says; only its addresses are ours.
    shutil.copy(os.environ["EXUM_CA"], tmp_path / "ca.pem")
    lines = [
        line.replace("https://127.0.0.1:8443", https_url).replace("http://127.0.0.1:8080", base_url)
        for line in documented_curl_lines()
    ]

    outputs = []
    for line in lines:
        done = subprocess.run(["sh", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        outputs.append(done.stdout)

    assert [line.split()[0] for line in lines] == ["printf", "curl", "curl"]
    assert "<ResetPINResponse" in outputs[1], outputs[1]
    emails = json.loads(outputs[2])
    assert emails["total"] == 1
    assert emails["emails"][0]["to"] == "alice@contoso.com"


def test_curl_ntlm_over_tls_with_daves_password_and_a_wrong_one(https_url):
    code, status, _, body = ntlm_post(https_url, "CONTOSO\\dave:P@ssw0rd!", "IsUMEnabled")
    assert (code, status) == (0, "200"), body
    assert ">true<" in body

    code, status, headers, _ = ntlm_post(https_url, "CONTOSO\\dave:wrong", "ResetPIN")
    assert (code, status) == (0, "401")
    assert "does not match the mailbox's password" in headers["x-exum-reason"]
    assert admin(https_url, "/emails")["total"] == 0


def test_without_the_ca_curl_refuses_the_certificate(https_url):
    env = {k: v for k, v in os.environ.items() if k not in ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")}

    code, _, _, _ = curl("--ntlm", "-u", "CONTOSO\\alice:x", f"{https_url}{ENDPOINT}?wsdl", env=env)

    assert code == 60, "curl exits 60 when it cannot verify the peer's certificate"
