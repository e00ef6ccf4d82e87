"""Scripted faults and refused admin calls, as a test sees them."""

from __future__ import annotations

import pytest
import requests
from zeep import Client
from zeep.exceptions import Fault
from zeep.transports import Transport

from exchange_um_mock import UmMock, UmMockError


def test_a_scripted_fault_reaches_the_client_once_then_the_reset_works(um_mock: UmMock) -> None:
    scenario = um_mock.add_scenario(
        "alice@contoso.com",
        "ResetPIN",
        [{"fault": "TransientException", "message": "Try again in a minute."}],
    )
    session = requests.Session()
    session.auth = ("alice@contoso.com", "any password")
    alice = Client(um_mock.service_url + "?wsdl", transport=Transport(session=session, timeout=10)).service

    with pytest.raises(Fault, match="Try again in a minute."):
        alice.ResetPIN()
    assert um_mock.emails() == []
    alice.ResetPIN()

    assert scenario["then"] == "default"
    assert [r["status"] for r in um_mock.requests(operation="ResetPIN")] == [500, 200]
    assert um_mock.requests(operation="ResetPIN")[0]["scenario"] == scenario["id"]
    assert len(um_mock.emails(to="alice@contoso.com")) == 1


def test_a_bad_patch_raises_um_mock_error_with_the_status_and_the_servers_reason(um_mock: UmMock) -> None:
    with pytest.raises(UmMockError) as refused:
        um_mock.patch_mailbox("alice@contoso.com", pin="12")

    assert refused.value.status == 400
    assert "pin" in str(refused.value)
    assert refused.value.problems
    assert um_mock.mailbox("alice@contoso.com")["pin"] == "135790"


def test_a_good_patch_returns_the_changed_mailbox(um_mock: UmMock) -> None:
    changed = um_mock.patch_mailbox("bob@contoso.com", um_enabled=True, extension="4002", pin="246813")

    assert changed["um_enabled"] is True
    assert um_mock.mailbox("bob@contoso.com")["pin"] == "246813"


def test_an_unknown_mailbox_is_a_404_that_names_it(um_mock: UmMock) -> None:
    with pytest.raises(UmMockError, match="nobody@contoso.com") as refused:
        um_mock.mailbox("nobody@contoso.com")

    assert refused.value.status == 404


def test_a_scenario_the_server_refuses_lists_every_problem(um_mock: UmMock) -> None:
    with pytest.raises(UmMockError) as refused:
        um_mock.add_scenario("alice@contoso.com", "NoSuchOperation", ["default", {"fixture": "ResetPIN/none"}])

    assert refused.value.status == 400
    assert "operation: unknown operation 'NoSuchOperation'" in refused.value.problems
    assert "outcomes[1].fixture: no file responses/ResetPIN/none.xml" in refused.value.problems
    assert "the scenario was not added" in str(refused.value)
