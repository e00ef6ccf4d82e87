"""The PIN email in every built-in language, read back from its raw MIME message by Python's
own `email` package (policy=email.policy.default, as a Python app or a mail catcher written in
Python reads mail): the subject, the sender, Content-Language and the text and HTML bodies
must be exactly what the email's JSON says.

Needs a running server on the built-in fixtures that no other suite changes:
EXUM_MAIL_URL=http://127.0.0.1:PORT (tests/interop/run.sh starts one).
"""

import base64
import email
import email.policy
import json
import urllib.request

import pytest

from conftest import ENDPOINT, envelope, server_url

LANGUAGES = ["en-US", "pt-BR", "es-ES", "fr-FR", "de-DE", "it-IT", "nl-NL", "ja-JP"]


@pytest.fixture(scope="session")
def mail_url():
    return server_url("EXUM_MAIL_URL")


def request(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, response.read()


def patch_language(mail_url, language):
    status, body = request(
        mail_url + "/__admin/mailboxes/alice@contoso.com", "PATCH",
        json.dumps({"language": language}).encode(), {"Content-Type": "application/json"},
    )
    assert status == 200, body
    return json.loads(body)


def reset_pin_of_alice(mail_url):
    credentials = base64.b64encode(b"CONTOSO\\alice:any password").decode()
    status, body = request(
        mail_url + ENDPOINT, "POST", envelope("ResetPIN").encode(),
        {"Content-Type": "text/xml; charset=utf-8", "Authorization": "Basic " + credentials},
    )
    assert status == 200, body


@pytest.mark.parametrize("language", LANGUAGES)
def test_pythons_email_package_reads_the_raw_message_as_the_json_says(mail_url, language):
    assert patch_language(mail_url, language)["language"] == language
    reset_pin_of_alice(mail_url)
    _, body = request(mail_url + "/__admin/emails/latest?to=alice@contoso.com")
    sent = json.loads(body)
    _, raw = request(mail_url + "/__admin/emails/%d/raw" % sent["id"])

    message = email.message_from_bytes(raw, policy=email.policy.default)

    assert sent["language"] == language
    assert raw.isascii(), "a 7-bit message"
    assert message["Subject"] == sent["subject"]
    assert message["Content-Language"] == language
    assert str(message["From"].addresses[0].display_name) == sent["from"].split(" <")[0]
    assert message["From"].addresses[0].addr_spec == sent["from"].split(" <")[1].rstrip(">")
    assert message["To"].addresses[0].addr_spec == sent["to"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.replace("\r\n", "\n") == sent["text_body"]
    assert html.replace("\r\n", "\n") == sent["html_body"]
    assert sent["pin"] in text


def test_the_mailbox_goes_back_to_its_dial_plans_language(mail_url):
    assert patch_language(mail_url, None)["language"] == "en-US"
