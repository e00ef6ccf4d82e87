"""A SOAP client resets PINs through the ``um_mock`` fixture, and the test reads the emails."""

from __future__ import annotations

import pytest
import requests
from zeep import Client
from zeep.transports import Transport

from exchange_um_mock import UmMock


def zeep_service(url: str, user: str = "alice@contoso.com"):
    session = requests.Session()
    session.auth = (user, "any password")
    return Client(url + "?wsdl", transport=Transport(session=session, timeout=10)).service


def test_zeep_resets_a_pin_through_the_service_url_and_the_email_carries_the_new_pin(um_mock: UmMock) -> None:
    alice = zeep_service(um_mock.service_url)

    assert alice.ResetPIN() is None

    email = um_mock.wait_for_email("alice@contoso.com")
    mailbox = um_mock.mailbox("alice@contoso.com")
    assert email["pin"] == mailbox["pin"]
    assert mailbox["pin"] != "135790"
    assert um_mock.latest_pin("alice@contoso.com") == mailbox["pin"]
    assert [r["operation"] for r in um_mock.requests(operation="ResetPIN")] == ["ResetPIN"]


def test_wait_for_email_gives_the_oldest_email_and_latest_pin_the_newest(um_mock: UmMock) -> None:
    alice = zeep_service(um_mock.service_url)
    alice.ResetPIN()
    first_pin = um_mock.mailbox("alice@contoso.com")["pin"]
    alice.ResetPIN()
    second_pin = um_mock.mailbox("alice@contoso.com")["pin"]

    assert um_mock.wait_for_email("alice@contoso.com")["pin"] == first_pin
    assert um_mock.latest_pin("alice@contoso.com") == second_pin
    assert [e["pin"] for e in um_mock.emails(to="alice@contoso.com")] == [first_pin, second_pin]
    assert um_mock.emails(mailbox="carol@contoso.com") == []


def test_wait_for_email_waits_for_an_email_captured_after_the_answer(um_mock: UmMock) -> None:
    um_mock.add_scenario("alice@contoso.com", "ResetPIN", [{"mail_delay_ms": 300}])

    zeep_service(um_mock.service_url).ResetPIN()

    assert um_mock.wait_for_email("alice@contoso.com", timeout=10)["pin"] == um_mock.mailbox("alice@contoso.com")["pin"]


def test_wait_for_email_raises_the_built_in_timeout_error_when_nothing_arrives(um_mock: UmMock) -> None:
    with pytest.raises(TimeoutError, match="no email to carol@contoso.com"):
        um_mock.wait_for_email("carol@contoso.com", timeout=0.2)
    with pytest.raises(TimeoutError):
        um_mock.latest_pin("carol@contoso.com", timeout=0)


def test_a_phone_logon_with_the_emailed_pin_asks_for_a_new_one(um_mock: UmMock) -> None:
    zeep_service(um_mock.service_url).ResetPIN()
    pin = um_mock.latest_pin("alice@contoso.com")

    assert um_mock.phone_logon("alice@contoso.com", pin)["result"] == "change_required"
    assert um_mock.phone_logon("alice@contoso.com", "135790")["result"] == "wrong_pin"


def test_advance_clock_moves_the_doubles_clock_and_reset_puts_it_back(um_mock: UmMock) -> None:
    assert um_mock.advance_clock(3600)["offset_ms"] == 3_600_000
    assert um_mock.advance_clock(0.5)["offset_ms"] == 3_600_500

    um_mock.reset()

    assert um_mock.advance_clock(0)["offset_ms"] == 0
