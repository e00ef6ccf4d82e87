"""Testcontainers for Python starting the image as a user's test suite would, then zeep, with
a client generated from the double's WSDL, resetting a PIN that the admin API then shows.

Ryuk (Testcontainers' reaper) is disabled: its image would have to be pulled from a registry.
The container leaves with the `with` block instead.
"""

import os

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

import requests  # noqa: E402
from requests.auth import HTTPBasicAuth  # noqa: E402
from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.wait_strategies import LogMessageWaitStrategy  # noqa: E402
from zeep import Client  # noqa: E402
from zeep.transports import Transport  # noqa: E402

from conftest import free_port  # noqa: E402


def test_testcontainers_starts_the_image_and_zeep_resets_a_pin_against_it(image):
    port = free_port()
    ready = f"listening on http://127.0.0.1:{port}"
    container = (
        DockerContainer(image)
        .with_env("EXUM_LISTEN", f"http://127.0.0.1:{port}")
        .with_kwargs(network_mode="host")
        .waiting_for(LogMessageWaitStrategy(ready))
    )

    with container:
        base_url = f"http://127.0.0.1:{port}"
        session = requests.Session()
        session.auth = HTTPBasicAuth("alice@contoso.com", "any-password")
        client = Client(f"{base_url}/EWS/UM2007Legacy.asmx?wsdl", transport=Transport(session=session, timeout=10))
        client.service.ResetPIN()
        email = requests.get(f"{base_url}/__admin/emails/latest?to=alice@contoso.com", timeout=10).json()
        mailbox = requests.get(f"{base_url}/__admin/mailboxes/alice@contoso.com", timeout=10).json()
        stdout, _ = container.get_logs()

    assert stdout.decode() == ready + "\n"
    assert email["operation"] == "ResetPIN"
    assert email["pin"] == mailbox["pin"]
    assert mailbox["pin_expired"] is True
