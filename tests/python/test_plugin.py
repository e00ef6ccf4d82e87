"""The plugin's own server: one per pytest process, a clean double per test, and
``--um-mock-fixtures``; run in inner pytest sessions that load it as a user's suite does."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import installed_binary, processes_running

RESET_THEN_CHECK = """
import base64, urllib.request

def reset(url):
    body = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/>'
            '</s:Body></s:Envelope>').encode()
    auth = base64.b64encode(b"alice@contoso.com:pw").decode()
    urllib.request.urlopen(urllib.request.Request(url, data=body, headers={
        "Content-Type": "text/xml", "Authorization": "Basic " + auth}), timeout=10).close()

def test_a_changes_the_double(um_mock):
    reset(um_mock.service_url)
    um_mock.add_scenario("*", "*", [{"fault": "TransientException"}], then="repeat-last")
    assert len(um_mock.emails()) == 1

def test_b_gets_a_clean_double_on_the_same_server(um_mock, um_mock_server):
    assert um_mock.emails() == []
    assert um_mock.requests() == []
    assert um_mock.mailbox("alice@contoso.com")["pin"] == "135790"
    reset(um_mock.service_url)
    assert len(um_mock.emails()) == 1
"""


def test_each_test_gets_a_clean_double_from_one_server(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    before = set(processes_running(installed_binary()))
    pytester.makepyfile(RESET_THEN_CHECK)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)
    assert set(processes_running(installed_binary())) - before == set(), "the plugin's server ended with the run"


def test_um_mock_fixtures_chooses_the_fixtures_of_the_started_server(
    pytester: pytest.Pytester, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    pytester.makepyfile(
        """
        def test_the_folders_mailbox_is_served(um_mock):
            assert um_mock.mailbox("zoe@fabrikam.com")["extension"] == "7001"
        """
    )

    result = pytester.runpytest_subprocess("--um-mock-fixtures", str(fixtures_dir))

    result.assert_outcomes(passed=1)


def test_the_options_are_listed_in_pytest_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")

    result.stdout.fnmatch_lines(["*--um-mock-url=URL*", "*--um-mock-fixtures=DIR*"])
