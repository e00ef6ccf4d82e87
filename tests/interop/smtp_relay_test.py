"""--smtp-relay against a real SMTP server: aiosmtpd, started by each test on loopback on a free
port, receives what exchange-um-mock relays. Each test starts its own exchange-um-mock (the
binary in EXUM_BIN, which tests/interop/run.sh exports) pointed at that server, and follows
the email's `relay` object through GET /__admin/events.
"""

import asyncio
import base64
import datetime
import ipaddress
import json
import os
import re
import socket
import ssl
import subprocess
import threading

import pytest
import requests
from aiosmtpd.smtp import SMTP, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import ENDPOINT, envelope

USER = "alice@contoso.com"


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts; `refusals` DATA commands are
    answered with a 451 first."""

    def __init__(self, refusals=0):
        self.refusals = refusals
        self.received = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 try again later"
        with self.arrived:
            self.received.append(envelope)
            self.arrived.notify_all()
        return "250 2.0.0 accepted"

    def wait_for(self, count, timeout=15):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout), (
                f"{count} message(s) expected, {len(self.received)} arrived")
            return list(self.received)


class SmtpServer:
    """aiosmtpd on 127.0.0.1, a port the kernel chose, in its own thread and event loop; with
    IMPLICIT_TLS, TLS from the first byte; SMTP_OPTIONS go to aiosmtpd (STARTTLS, AUTH)."""

    def __init__(self, handler, implicit_tls=None, **smtp_options):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        start = self.loop.create_server(lambda: SMTP(handler, **smtp_options), "127.0.0.1", 0,
                                        ssl=implicit_tls)
        self.server = asyncio.run_coroutine_threadsafe(start, self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def make_ca(tmp_path):
    """A CA (its certificate written to TMP_PATH/ca.pem) and a server context for 127.0.0.1
    signed by it, as a test mail server with its own CA has."""
    now = datetime.datetime.now(datetime.timezone.utc)
    span = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1))

    def certificate(subject, issuer, public_key, signing_key, ca):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                   .public_key(public_key).serial_number(x509.random_serial_number())
                   .not_valid_before(span[0]).not_valid_after(span[1])
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "interop test mail CA")])
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    ca = certificate(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    leaf = certificate(leaf_name, ca_name, leaf_key.public_key(), ca_key, False)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    return tmp_path / "ca.pem", context


class Double:
    """exchange-um-mock with ARGS on a free port; its base URL once it printed it."""

    def __init__(self, *args, env=None):
        binary = os.environ.get("EXUM_BIN")
        if not binary:
            pytest.fail("EXUM_BIN is not set: build the binary and export its path, or use tests/interop/run.sh")
        self.process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--seed", "1", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})},
        )
        line = self.process.stdout.readline()
        assert line.startswith("listening on "), line + self.process.stderr.read()
        self.url = line.removeprefix("listening on ").strip()

    def reset_pin(self, user=USER):
        response = requests.post(
            self.url + ENDPOINT, data=envelope("ResetPIN"),
            headers={"Content-Type": "text/xml; charset=utf-8",
                     "Authorization": "Basic " + base64.b64encode(f"{user}:pw".encode()).decode()},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response

    def admin(self, path, method="GET", body=None):
        response = requests.request(method, f"{self.url}/__admin{path}", json=body, timeout=10)
        assert response.ok, response.text
        return response

    def relay_states(self, email_id, until):
        """Every `relay` object the `email` events show for EMAIL_ID, replayed from the start,
        up to the first whose status is UNTIL."""
        seen = []
        with requests.get(f"{self.url}/__admin/events", headers={"Last-Event-ID": "0"},
                          stream=True, timeout=(5, 20)) as stream:
            kind = None
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: ") and kind == "email":
                    email = json.loads(line.removeprefix("data: "))
                    if email["id"] == email_id:
                        seen.append(email["relay"])
                        if email["relay"]["status"] == until:
                            return seen
        pytest.fail(f"the event stream ended before email {email_id} was {until}: {seen}")

    def close(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def servers():
    started = []

    def start(kind, *args, **kwargs):
        server = kind(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.close()


def smtp_normalised(raw: bytes) -> bytes:
    """RAW as it travels in SMTP DATA and comes out of the server: every line ended by CRLF
    (dot-stuffing is undone by the receiver); the final line break belongs to the message."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_the_pin_email_arrives_byte_for_byte_as_raw_with_its_envelope(servers):
    recorder = Recorder()
    smtp = servers(SmtpServer, recorder)
    double = servers(Double, "--smtp-relay", f"smtp://127.0.0.1:{smtp.port}")

    double.reset_pin()

    [message] = recorder.wait_for(1)
    email = double.admin("/emails/latest").json()
    raw = double.admin(f"/emails/{email['id']}/raw").content
    assert message.mail_from == re.search(r"<([^<>]+)>$", email["from"]).group(1)
    assert message.rcpt_tos == [email["to"]] == [USER]
    assert message.original_content == smtp_normalised(raw)
    assert email["pin"] in message.original_content.decode("ascii").replace("=\r\n", "")
    states = double.relay_states(email["id"], "sent")
    assert states[0] == {"status": "pending", "attempts": 0, "error": None}
    assert states[-1] == {"status": "sent", "attempts": 1, "error": None}


def test_two_451_answers_are_retried_and_the_third_try_is_sent(servers):
    recorder = Recorder(refusals=2)
    smtp = servers(SmtpServer, recorder)
    double = servers(Double, "--smtp-relay", f"smtp://127.0.0.1:{smtp.port}",
                     env={"EXUM_SMTP_RELAY_BACKOFF_MS": "50"})

    double.reset_pin()

    recorder.wait_for(1)
    email_id = double.admin("/emails/latest").json()["id"]
    states = double.relay_states(email_id, "sent")
    assert [(s["status"], s["attempts"]) for s in states] == [
        ("pending", 0), ("pending", 1), ("pending", 2), ("sent", 3)]
    assert "451" in states[1]["error"] and "try again later" in states[1]["error"]
    assert double.admin(f"/emails/{email_id}").json()["relay"]["attempts"] == 3


def test_a_closed_port_fails_after_four_tries_and_the_email_is_kept(servers):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    double = servers(Double, "--smtp-relay", f"smtp://127.0.0.1:{closed_port}",
                     env={"EXUM_SMTP_RELAY_BACKOFF_MS": "20"})

    response = double.reset_pin()

    assert "ResetPINResponse" in response.text
    email = double.admin("/emails/latest").json()
    states = double.relay_states(email["id"], "failed")
    assert [s["attempts"] for s in states] == [0, 1, 2, 3, 4]
    assert states[-1]["status"] == "failed"
    assert "refused" in states[-1]["error"].lower(), states[-1]["error"]
    assert double.admin("/emails").json()["total"] == 1


def test_a_duplicated_email_is_delivered_twice_and_a_dropped_one_never(servers):
    recorder = Recorder()
    smtp = servers(SmtpServer, recorder)
    double = servers(Double, "--smtp-relay", f"smtp://127.0.0.1:{smtp.port}")
    double.admin("/scenarios", "POST", {"mailbox": USER, "operation": "ResetPIN",
                                        "outcomes": [{"mail": "drop"}, {"mail": "duplicate"}, {}]})

    double.reset_pin()  # dropped
    double.reset_pin()  # captured twice
    double.reset_pin()  # once

    received = recorder.wait_for(3)
    emails = double.admin("/emails").json()["emails"]
    assert len(emails) == 3
    for email in emails:
        assert double.relay_states(email["id"], "sent")[-1]["attempts"] == 1
    assert len(recorder.received) == 3
    pins = [e["pin"] for e in emails]
    assert pins[0] == pins[1] != pins[2]
    bodies = [m.original_content.decode("ascii").replace("=\r\n", "") for m in received]
    assert sorted(sum(pin in body for body in bodies) for pin in set(pins)) == [1, 2]


def test_a_delayed_email_is_delivered_when_it_falls_due_without_anyone_reading(servers):
    recorder = Recorder()
    smtp = servers(SmtpServer, recorder)
    double = servers(Double, "--smtp-relay", f"smtp://127.0.0.1:{smtp.port}")
    double.admin("/scenarios", "POST", {"mailbox": USER, "operation": "ResetPIN",
                                        "outcomes": [{"mail_delay_ms": 300}]})

    double.reset_pin()

    [message] = recorder.wait_for(1)
    assert message.rcpt_tos == [USER]


def test_smtps_delivers_over_tls_trusting_the_ca_given(servers, tmp_path):
    ca, context = make_ca(tmp_path)
    recorder = Recorder()
    smtp = servers(SmtpServer, recorder, implicit_tls=context)
    double = servers(Double, "--smtp-relay", f"smtps://127.0.0.1:{smtp.port}", "--smtp-relay-ca", str(ca))

    double.reset_pin()

    [message] = recorder.wait_for(1)
    assert message.rcpt_tos == [USER]
    email_id = double.admin("/emails/latest").json()["id"]
    assert double.relay_states(email_id, "sent")[-1]["attempts"] == 1


def test_smtp_upgrades_with_starttls_and_signs_in_with_the_credentials_of_the_url(servers, tmp_path):
    ca, context = make_ca(tmp_path)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=True)

    recorder = Recorder()
    # STARTTLS required before anything else, and AUTH required (only over TLS).
    smtp = servers(SmtpServer, recorder, tls_context=context, require_starttls=True,
                   auth_required=True, authenticator=authenticator)
    double = servers(Double, "--smtp-relay", f"smtp://relay%40contoso.com:p%3As@127.0.0.1:{smtp.port}",
                     env={"EXUM_SMTP_RELAY_CA": str(ca)})

    double.reset_pin()

    [message] = recorder.wait_for(1)
    assert message.rcpt_tos == [USER]
    assert [(login, password) for _, login, password in logins] == [(b"relay@contoso.com", b"p:s")]


def test_smtps_without_the_ca_refuses_the_certificate_and_fails(servers, tmp_path):
    _, context = make_ca(tmp_path)
    recorder = Recorder()
    smtp = servers(SmtpServer, recorder, implicit_tls=context)
    double = servers(Double, "--smtp-relay", f"smtps://127.0.0.1:{smtp.port}",
                     env={"EXUM_SMTP_RELAY_BACKOFF_MS": "20"})

    double.reset_pin()

    email_id = double.admin("/emails/latest").json()["id"]
    failed = double.relay_states(email_id, "failed")[-1]
    assert failed["attempts"] == 4
    assert "certificate" in failed["error"].lower() or "issuer" in failed["error"].lower(), failed["error"]
    assert recorder.received == []


def test_the_automatic_reset_after_failed_phone_logons_is_delivered_too(servers):
    recorder = Recorder()
    smtp = servers(SmtpServer, recorder)
    double = servers(Double, "--smtp-relay", f"smtp://127.0.0.1:{smtp.port}")

    for _ in range(15):
        pin = double.admin(f"/mailboxes/{USER}").json()["pin"]
        wrong = ("1" if pin[0] != "1" else "2") + pin[1:]
        if double.admin(f"/mailboxes/{USER}/logon", "POST", {"pin": wrong}).json()["pin_reset"]:
            break

    [message] = recorder.wait_for(1)
    email = double.admin("/emails/latest").json()
    assert email["operation"] == "AutoResetPIN"
    assert message.rcpt_tos == [USER]
    assert message.original_content == smtp_normalised(double.admin(f"/emails/{email['id']}/raw").content)
